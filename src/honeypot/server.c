/*
 * server.c — the honeypot's network side: one libevent loop, listeners for
 * the Docker and Confluence services, and one bufferevent per connection
 * feeding a struct hp_session (http.c).
 *
 * Limits: connections in total and per source address (refused at accept,
 * recorded), time to receive a request (slowloris), keep-alive idle time
 * and total lifetime (a sweep every second over the connection list),
 * output waiting for a slow reader (reading stops past 1 MiB), and memory
 * buffered for requests (mem_cap, http.c). The server only accepts: it
 * never connects, never resolves a name (addresses are numeric, parsed
 * with evutil), and never runs anything.
 *
 * Privileges: honeypot_drop_privileges() after binding (setgroups, setgid,
 * setuid, then checks that root cannot come back).
 * Threading: the loop's thread only.
 */
#include "core/compat.h"
#include "honeypot/internal.h"

#include <errno.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/util.h>

#define OUT_HIGH (1024 * 1024)
#define CLOSE_GRACE_US 5000000ll
#define MAX_LISTENERS 8

struct hp_conn {
	struct hp_conn *prev, *next;
	struct hp_server *srv;
	struct bufferevent *bev;
	struct hp_session *s;
	int64_t opened_us, last_us;
	int64_t closing_us;
	uint32_t ip_slot;
	bool closing, paused, lingering;
};

struct ip_slot {
	char ip[64];
	uint32_t count;
};

struct hp_listener {
	struct evconnlistener *l;
	struct hp_server *srv;
	enum honeypot_service svc;
	char addr[64];
	int port;
};

struct hp_server {
	struct honeypot *hp;
	struct event_base *base;
	struct hp_listener listeners[MAX_LISTENERS];
	size_t n_listeners;
	struct hp_conn *conns;
	uint32_t n_conns;
	struct ip_slot *ips;
	uint32_t ip_cap;	/* power of two */
	uint32_t ip_used;
	struct event *sweep, *sig_int, *sig_term, *sig_hup, *deadline;
	struct event *flush;	/* low priority: runs after the turn's I/O */
	int64_t refused_sec;
	uint32_t refused_in_sec;
	uint64_t refused_unrecorded;
};

static int server_get(struct honeypot *hp)
{
	struct hp_server *srv;

	if (hp->srv)
		return 0;
	srv = calloc(1, sizeof(*srv));
	if (!srv)
		return MM_ENOMEM;
	srv->hp = hp;
	srv->base = event_base_new();
	if (srv->base)
		event_base_priority_init(srv->base, 2);
	srv->ip_cap = 1024;
	while (srv->ip_cap < hp->cfg.max_conns * 2u && srv->ip_cap < (1u << 24))
		srv->ip_cap <<= 1;
	srv->ips = calloc(srv->ip_cap, sizeof(*srv->ips));
	if (!srv->base || !srv->ips) {
		if (srv->base)
			event_base_free(srv->base);
		free(srv->ips);
		free(srv);
		return MM_ENOMEM;
	}
	hp->srv = srv;
	return 0;
}

static uint32_t ip_hash(const char *ip)
{
	uint32_t h = 2166136261u;

	for (; *ip; ip++)
		h = (h ^ (uint8_t)*ip) * 16777619u;
	return h;
}

/* Returns the slot for ip (inserting it), or UINT32_MAX when full. */
static uint32_t ip_slot(struct hp_server *srv, const char *ip)
{
	uint32_t mask = srv->ip_cap - 1;
	uint32_t i = ip_hash(ip) & mask;

	if (srv->ip_used * 4 >= srv->ip_cap * 3) {
		/* drop addresses with no open connection; rebuild in place */
		struct ip_slot *old = srv->ips;
		struct ip_slot *fresh = calloc(srv->ip_cap, sizeof(*fresh));
		if (fresh) {
			srv->ip_used = 0;
			for (uint32_t k = 0; k < srv->ip_cap; k++) {
				if (!old[k].ip[0] || !old[k].count)
					continue;
				uint32_t j = ip_hash(old[k].ip) & mask;
				while (fresh[j].ip[0])
					j = (j + 1) & mask;
				fresh[j] = old[k];
				srv->ip_used++;
			}
			/* connections keep slot numbers: remap them */
			for (struct hp_conn *c = srv->conns; c; c = c->next) {
				const char *cip = old[c->ip_slot].ip;
				uint32_t j = ip_hash(cip) & mask;
				while (strcmp(fresh[j].ip, cip))
					j = (j + 1) & mask;
				c->ip_slot = j;
			}
			free(old);
			srv->ips = fresh;
		}
	}
	for (uint32_t n = 0; n < srv->ip_cap; n++, i = (i + 1) & mask) {
		if (!srv->ips[i].ip[0]) {
			if (srv->ip_used + 1 >= srv->ip_cap)
				return UINT32_MAX;
			snprintf(srv->ips[i].ip, sizeof(srv->ips[i].ip), "%s", ip);
			srv->ip_used++;
			return i;
		}
		if (!strcmp(srv->ips[i].ip, ip))
			return i;
	}
	return UINT32_MAX;
}

static void conn_free(struct hp_conn *c, const char *reason)
{
	struct hp_server *srv = c->srv;

	honeypot_session_close((struct honeypot_session *)c->s, reason);
	if (c->bev)
		bufferevent_free(c->bev);
	if (c->prev)
		c->prev->next = c->next;
	else
		srv->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	if (c->ip_slot != UINT32_MAX && srv->ips[c->ip_slot].count)
		srv->ips[c->ip_slot].count--;
	srv->n_conns--;
	free(c);
}

static void conn_write(void *arg, const void *data, size_t len)
{
	struct hp_conn *c = arg;
	ssize_t n = 0;

	if (!c->bev)
		return;
	/* nothing queued: send now, and leave libevent only the rest (saves
	 * arming the write event for every answer) */
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0) {
		n = send(bufferevent_getfd(c->bev), data, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0)
			n = 0;
	}
	if ((size_t)n < len)
		bufferevent_write(c->bev, (const char *)data + n, len - (size_t)n);
}

static void on_flush(evutil_socket_t fd, short what, void *arg)
{
	struct honeypot *hp = arg;

	(void)fd;
	(void)what;
	hp->records_dirty = false;
	if (hp->flush_fn)
		hp->flush_fn(hp->flush_arg);
}

void hp_records_written(struct honeypot *hp)
{
	if (hp->records_dirty)
		return;
	if (hp->srv && hp->srv->flush) {
		hp->records_dirty = true;
		event_active(hp->srv->flush, EV_TIMEOUT, 0);
	} else {
		hp->flush_fn(hp->flush_arg);
	}
}

/* Everything is sent: half-close and read what the peer still sends until
 * it closes (or the grace time ends), so that the close never turns into a
 * reset that would destroy the answer in flight. */
static void linger(struct hp_conn *c)
{
	c->lingering = true;
	shutdown(bufferevent_getfd(c->bev), SHUT_WR);
	bufferevent_enable(c->bev, EV_READ);
}

static void start_closing(struct hp_conn *c)
{
	c->closing = true;
	c->closing_us = mm_monotonic_us();
	bufferevent_disable(c->bev, EV_READ);
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
		linger(c);
}

static void on_read(struct bufferevent *bev, void *arg)
{
	struct hp_conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	struct evbuffer_iovec v[4];

	if (c->lingering) {
		evbuffer_drain(in, evbuffer_get_length(in));
		return;
	}
	c->last_us = mm_monotonic_us();
	while (!c->closing && evbuffer_get_length(in)) {
		int n = evbuffer_peek(in, -1, NULL, v, 4);
		size_t used = 0;
		int rc = 0;
		for (int i = 0; i < n && i < 4 && rc == 0; i++) {
			rc = honeypot_session_feed((struct honeypot_session *)c->s, v[i].iov_base,
						   v[i].iov_len);
			used += v[i].iov_len;
		}
		evbuffer_drain(in, used);
		if (rc) {
			start_closing(c);
			return;
		}
	}
	if (evbuffer_get_length(bufferevent_get_output(bev)) > OUT_HIGH) {
		/* the peer does not read what it asked for: stop reading */
		bufferevent_disable(bev, EV_READ);
		c->paused = true;
	}
}

static void on_write(struct bufferevent *bev, void *arg)
{
	struct hp_conn *c = arg;

	if (evbuffer_get_length(bufferevent_get_output(bev)) != 0)
		return;
	if (c->closing) {
		if (!c->lingering)
			linger(c);
		return;
	}
	if (c->paused) {
		c->paused = false;
		bufferevent_enable(bev, EV_READ);
	}
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
	struct hp_conn *c = arg;

	if (c->lingering) {
		conn_free(c, "closed by honeypot");
		return;
	}
	if ((what & BEV_EVENT_EOF) && !(what & BEV_EVENT_ERROR) &&
	    evbuffer_get_length(bufferevent_get_output(bev)) > 0) {
		/* half-closed: the answers still go out, then we close */
		c->closing = true;
		c->closing_us = mm_monotonic_us();
		bufferevent_disable(bev, EV_READ);
		return;
	}
	if (what & BEV_EVENT_EOF)
		conn_free(c, "closed by peer");
	else if (what & BEV_EVENT_ERROR)
		conn_free(c, "connection error");
}

static void addr_text(const struct sockaddr *sa, char *ip, size_t n, int *port)
{
	ip[0] = 0;
	*port = 0;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
		evutil_inet_ntop(AF_INET, &in->sin_addr, ip, n);
		*port = ntohs(in->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
		evutil_inet_ntop(AF_INET6, &in6->sin6_addr, ip, n);
		*port = ntohs(in6->sin6_port);
	}
}

/* Refusals are recorded at most REFUSED_PER_SEC a second (a flood of
 * connections must not become a flood of records); the others are counted
 * and the next record says how many were not written. */
#define REFUSED_PER_SEC 100

static void record_refused(struct honeypot *hp, enum honeypot_service svc, const char *ip,
			   int port, const struct hp_listener *l, const char *why)
{
	struct hp_server *srv = l->srv;
	int64_t sec = mm_monotonic_us() / 1000000;
	struct hp_session tmp;
	struct mm_json j;

	if (sec != srv->refused_sec) {
		srv->refused_sec = sec;
		srv->refused_in_sec = 0;
	}
	if (++srv->refused_in_sec > REFUSED_PER_SEC) {
		srv->refused_unrecorded++;
		return;
	}
	memset(&tmp, 0, sizeof(tmp));
	tmp.hp = hp;
	tmp.svc = svc;
	snprintf(tmp.src_ip, sizeof(tmp.src_ip), "%s", ip);
	snprintf(tmp.dst_ip, sizeof(tmp.dst_ip), "%s", l->addr);
	tmp.src_port = port;
	tmp.dst_port = l->port;
	hp_session_id(hp, tmp.id);
	hp_record_begin(&tmp, &j, "mamori.session.refused", why);
	mm_json_str(&j, "reason", why);
	if (srv->refused_unrecorded)
		mm_json_uint(&j, "unrecorded_before", srv->refused_unrecorded);
	srv->refused_unrecorded = 0;
	hp_record_end(&tmp, &j);
}

static void on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
		      int salen, void *arg)
{
	struct hp_listener *hl = arg;
	struct hp_server *srv = hl->srv;
	struct honeypot *hp = srv->hp;
	struct hp_conn *c = NULL;
	struct honeypot_session *s = NULL;
	char ip[64];
	int port;
	uint32_t slot;

	(void)l;
	(void)salen;
	addr_text(sa, ip, sizeof(ip), &port);
	if (srv->n_conns >= hp->cfg.max_conns) {
		hp->stats.refused_total++;
		record_refused(hp, hl->svc, ip, port, hl, "too many connections");
		evutil_closesocket(fd);
		return;
	}
	slot = ip_slot(srv, ip);
	if (slot == UINT32_MAX || srv->ips[slot].count >= hp->cfg.max_per_ip) {
		hp->stats.refused_per_ip++;
		record_refused(hp, hl->svc, ip, port, hl, "too many connections from this address");
		evutil_closesocket(fd);
		return;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		evutil_closesocket(fd);
		return;
	}
	evutil_make_socket_nonblocking(fd);
	c->srv = srv;
	c->ip_slot = slot;
	c->bev = bufferevent_socket_new(srv->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (!c->bev) {
		evutil_closesocket(fd);
		free(c);
		return;
	}
	if (honeypot_session_open(hp, hl->svc, ip, port, hl->addr, hl->port, conn_write, c, &s)) {
		bufferevent_free(c->bev);
		free(c);
		return;
	}
	c->s = (struct hp_session *)s;
	c->opened_us = c->last_us = mm_monotonic_us();
	srv->ips[slot].count++;
	srv->n_conns++;
	c->next = srv->conns;
	if (srv->conns)
		srv->conns->prev = c;
	srv->conns = c;
	bufferevent_priority_set(c->bev, 0);
	bufferevent_setcb(c->bev, on_read, on_write, on_event, c);
	bufferevent_setwatermark(c->bev, EV_READ, 0, 256 * 1024);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

static void on_sweep(evutil_socket_t fd, short what, void *arg)
{
	struct hp_server *srv = arg;
	const struct honeypot_config *cfg = &srv->hp->cfg;
	int64_t now = mm_monotonic_us();
	struct hp_conn *c = srv->conns, *next;

	(void)fd;
	(void)what;
	for (; c; c = next) {
		const char *why = NULL;
		next = c->next;
		if (c->closing) {
			if (now - c->closing_us > CLOSE_GRACE_US)
				why = c->lingering ? "closed by honeypot" : "output not read";
		} else if (now - c->opened_us > (int64_t)cfg->lifetime_ms * 1000) {
			why = "lifetime limit";
		} else if (c->s->req.started &&
			   now - c->s->req.started_us > (int64_t)cfg->request_ms * 1000) {
			why = "request too slow";
		} else if (now - c->last_us > (int64_t)cfg->idle_ms * 1000) {
			why = "idle";
		}
		if (why) {
			srv->hp->stats.closed_timeout++;
			conn_free(c, why);
		}
	}
}

static int parse_addr(const char *text, struct sockaddr_storage *ss, int *len)
{
	char buf[160];

	if (strlen(text) >= 128)
		return MM_EINVAL;
	/* a bare port means every IPv4 address */
	if (strspn(text, "0123456789") == strlen(text) && *text) {
		snprintf(buf, sizeof(buf), "0.0.0.0:%s", text);
		text = buf;
	}
	*len = (int)sizeof(*ss);
	memset(ss, 0, sizeof(*ss));
	/* evutil refuses port 0 ("any free port"): parse with 1, then clear */
	{
		const char *colon = strrchr(text, ':');
		bool any = colon && !strcmp(colon, ":0");
		char one[160];
		if (any) {
			snprintf(one, sizeof(one), "%.*s:1", (int)MM_MIN(colon - text, 150), text);
			text = one;
		}
		if (evutil_parse_sockaddr_port(text, (struct sockaddr *)ss, len) != 0)
			return MM_EINVAL;
		if (any && ss->ss_family == AF_INET)
			((struct sockaddr_in *)(void *)ss)->sin_port = 0;
		else if (any && ss->ss_family == AF_INET6)
			((struct sockaddr_in6 *)(void *)ss)->sin6_port = 0;
	}
	return 0;
}

int honeypot_listen(struct honeypot *hp, enum honeypot_service svc, const char *addr,
		    char *bound, struct mm_diag *diag)
{
	struct sockaddr_storage ss;
	int len;
	struct hp_listener *hl;
	int rc = server_get(hp);

	if (rc)
		return rc;
	if (hp->srv->n_listeners == MAX_LISTENERS)
		return mm_diag_set(diag, MM_ELIMIT, "", -1, -1, "too many listeners");
	if (parse_addr(addr, &ss, &len))
		return mm_diag_set(diag, MM_EINVAL, "", -1, -1,
				   "%s: not a numeric ADDR:PORT (names are never resolved)", addr);
	hl = &hp->srv->listeners[hp->srv->n_listeners];
	memset(hl, 0, sizeof(*hl));
	hl->srv = hp->srv;
	hl->svc = svc;
	hl->l = evconnlistener_new_bind(hp->srv->base, on_accept, hl,
					LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE |
						LEV_OPT_CLOSE_ON_EXEC,
					4096, (struct sockaddr *)&ss, len);
	if (!hl->l)
		return mm_diag_set(diag, mm_from_errno(errno), "", -1, -1, "%s: cannot listen: %s",
				   addr, strerror(errno));
	{
		struct sockaddr_storage got;
		socklen_t gl = sizeof(got);
		evutil_socket_t fd = evconnlistener_get_fd(hl->l);
		if (getsockname(fd, (struct sockaddr *)&got, &gl) == 0)
			addr_text((struct sockaddr *)&got, hl->addr, sizeof(hl->addr), &hl->port);
	}
	if (bound) {
		bool v6 = strchr(hl->addr, ':') != NULL;
		snprintf(bound, 64, "%s%.46s%s:%d", v6 ? "[" : "", hl->addr, v6 ? "]" : "", hl->port);
	}
	hp->srv->n_listeners++;
	return 0;
}

int honeypot_drop_privileges(const char *user, struct mm_diag *diag)
{
	struct passwd *pw;

	if (geteuid() != 0 && getuid() != 0)
		return 0;
	if (!user || !*user)
		user = "nobody";
	pw = getpwnam(user);
	if (!pw)
		return mm_diag_set(diag, MM_EPERM, "", -1, -1, "user %s does not exist", user);
	if (pw->pw_uid == 0)
		return mm_diag_set(diag, MM_EPERM, "", -1, -1, "refusing to run as root (user %s)",
				   user);
	if (setgroups(1, &pw->pw_gid) != 0 || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0)
		return mm_diag_set(diag, MM_EPERM, "", -1, -1, "cannot become %s: %s", user,
				   strerror(errno));
	if (setuid(0) == 0 || geteuid() == 0 || getuid() == 0 || getegid() == 0)
		return mm_diag_set(diag, MM_EPERM, "", -1, -1,
				   "root could be regained after dropping to %s", user);
	return 0;
}

void honeypot_set_hup_fn(struct honeypot *hp, void (*fn)(void *arg), void *arg)
{
	hp->hup_fn = fn;
	hp->hup_arg = arg;
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct hp_server *srv = arg;

	(void)what;
	if (sig == SIGHUP) {
		if (srv->hp->hup_fn)
			srv->hp->hup_fn(srv->hp->hup_arg);
		return;
	}
	event_base_loopbreak(srv->base);
}

static void on_deadline(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	event_base_loopbreak(((struct hp_server *)arg)->base);
}

int honeypot_run(struct honeypot *hp, uint32_t duration_ms)
{
	struct hp_server *srv = hp->srv;
	struct timeval one = { 1, 0 };
	int rc = 0;

	if (!srv || !srv->n_listeners)
		return MM_ESTATE;
	signal(SIGPIPE, SIG_IGN);
	srv->sweep = event_new(srv->base, -1, EV_PERSIST, on_sweep, srv);
	srv->sig_int = evsignal_new(srv->base, SIGINT, on_signal, srv);
	srv->sig_term = evsignal_new(srv->base, SIGTERM, on_signal, srv);
	srv->sig_hup = evsignal_new(srv->base, SIGHUP, on_signal, srv);
	srv->flush = event_new(srv->base, -1, 0, on_flush, hp);
	if (!srv->sweep || !srv->sig_int || !srv->sig_term || !srv->sig_hup || !srv->flush)
		return MM_ENOMEM;
	event_priority_set(srv->flush, 1);
	event_add(srv->sweep, &one);
	event_add(srv->sig_int, NULL);
	event_add(srv->sig_term, NULL);
	event_add(srv->sig_hup, NULL);
	if (duration_ms) {
		struct timeval d = { (time_t)(duration_ms / 1000), (suseconds_t)(duration_ms % 1000) * 1000 };
		srv->deadline = evtimer_new(srv->base, on_deadline, srv);
		if (srv->deadline)
			evtimer_add(srv->deadline, &d);
	}
	if (event_base_dispatch(srv->base) < 0)
		rc = MM_EDEP;
	while (srv->conns)
		conn_free(srv->conns, "honeypot stopped");
	if (hp->flush_fn)
		hp->flush_fn(hp->flush_arg);
	hp->records_dirty = false;
	return rc;
}

void honeypot_stop(struct honeypot *hp)
{
	if (hp->srv)
		event_base_loopbreak(hp->srv->base);
}

void hp_server_free(struct hp_server *srv)
{
	if (!srv)
		return;
	while (srv->conns)
		conn_free(srv->conns, "honeypot stopped");
	for (size_t i = 0; i < srv->n_listeners; i++)
		evconnlistener_free(srv->listeners[i].l);
	if (srv->sweep)
		event_free(srv->sweep);
	if (srv->sig_int)
		event_free(srv->sig_int);
	if (srv->sig_term)
		event_free(srv->sig_term);
	if (srv->sig_hup)
		event_free(srv->sig_hup);
	if (srv->deadline)
		event_free(srv->deadline);
	if (srv->flush)
		event_free(srv->flush);
	event_base_free(srv->base);
	free(srv->ips);
	free(srv);
}
