/*
 * pcap_nodbus.c — failing stand-ins for the libdbus functions that
 * libpcap's static archive refers to.
 *
 * libpcap can capture from D-Bus message buses (its "dbus-system" and
 * "dbus-session" sources, pcap-dbus.o); linked from its archive, that
 * object drags in libdbus and, through it, libsystemd and five more
 * shared objects that every start of mamori would load and relocate.
 * mamori never captures D-Bus traffic, so the mamori program (only it,
 * and only when it takes libpcap from the archive: CMakeLists.txt,
 * mamori_static_deps()) is linked with these instead: opening a D-Bus
 * source fails with a clear message, everything else of libpcap is
 * untouched. The prototypes are libdbus's with its types as void pointers
 * and int (the linker matches names only; every function here ignores
 * what it is given).
 *
 * Threading: no state.
 */
#include <stddef.h>

/* The first two members of libdbus's DBusError. */
struct mm_dbus_error_head {
	const char *name;
	const char *message;
};

static void *not_built(void *error)
{
	struct mm_dbus_error_head *e = error;
	if (e) {
		e->name = "org.freedesktop.DBus.Error.NotSupported";
		e->message = "D-Bus capture is not built into mamori";
	}
	return NULL;
}

void *dbus_bus_get(int type, void *error);
void dbus_bus_add_match(void *conn, const char *rule, void *error);
int dbus_bus_register(void *conn, void *error);
void dbus_connection_flush(void *conn);
void *dbus_connection_open(const char *address, void *error);
void *dbus_connection_pop_message(void *conn);
int dbus_connection_read_write(void *conn, int timeout);
int dbus_connection_send(void *conn, void *message, void *serial);
void dbus_connection_set_max_received_size(void *conn, long size);
void dbus_connection_unref(void *conn);
void dbus_error_free(void *error);
int dbus_error_is_set(const void *error);
void dbus_free(void *memory);
void *dbus_message_demarshal(const char *str, int len, void *error);
int dbus_message_is_signal(void *message, const char *iface, const char *name);
int dbus_message_marshal(void *message, char **out, int *len);
void dbus_message_unref(void *message);

void *dbus_bus_get(int type, void *error)
{
	(void)type;
	return not_built(error);
}

void dbus_bus_add_match(void *conn, const char *rule, void *error)
{
	(void)conn;
	(void)rule;
	not_built(error);
}

int dbus_bus_register(void *conn, void *error)
{
	(void)conn;
	not_built(error);
	return 0;
}

void dbus_connection_flush(void *conn)
{
	(void)conn;
}

void *dbus_connection_open(const char *address, void *error)
{
	(void)address;
	return not_built(error);
}

void *dbus_connection_pop_message(void *conn)
{
	(void)conn;
	return NULL;
}

int dbus_connection_read_write(void *conn, int timeout)
{
	(void)conn;
	(void)timeout;
	return 0;
}

int dbus_connection_send(void *conn, void *message, void *serial)
{
	(void)conn;
	(void)message;
	(void)serial;
	return 0;
}

void dbus_connection_set_max_received_size(void *conn, long size)
{
	(void)conn;
	(void)size;
}

void dbus_connection_unref(void *conn)
{
	(void)conn;
}

void dbus_error_free(void *error)
{
	struct mm_dbus_error_head *e = error;
	if (e)
		e->name = e->message = NULL;
}

int dbus_error_is_set(const void *error)
{
	const struct mm_dbus_error_head *e = error;
	return e && e->name;
}

void dbus_free(void *memory)
{
	(void)memory;
}

void *dbus_message_demarshal(const char *str, int len, void *error)
{
	(void)str;
	(void)len;
	return not_built(error);
}

int dbus_message_is_signal(void *message, const char *iface, const char *name)
{
	(void)message;
	(void)iface;
	(void)name;
	return 0;
}

int dbus_message_marshal(void *message, char **out, int *len)
{
	(void)message;
	(void)out;
	(void)len;
	return 0;
}

void dbus_message_unref(void *message)
{
	(void)message;
}
