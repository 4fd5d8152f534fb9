/*
 * export_stix.c — `mamori export --stix`: the indicators of the store as a
 * STIX 2.1 bundle, and the deterministic ids it needs.
 *
 * Ids are UUIDv5 (RFC 4122 section 4.3, SHA-1) over "kind:value" in a
 * namespace of our own, so the same indicator gets the same id in every
 * export, on every sensor. Timestamps come from the data (first/last seen),
 * never from the clock, so two exports of the same store are identical.
 * Patterns use STIX Cyber-observable objects where one exists (ipv4-addr,
 * ipv6-addr, domain-name, url, file hashes, network-traffic) and custom
 * x-mamori-* objects for wallets and container images; quotes and
 * backslashes in values are escaped as the pattern grammar requires.
 *
 * Also here: incidents_stable_id(), the id of an alert on the fleet
 * stream (SHA-256 of the alert JSON without event.ingested).
 */
#include "core/compat.h"
#include "incidents/internal.h"

#include <jansson.h>

/* our namespace for indicator ids (a fixed random UUID) */
static const uint8_t stix_ns[16] = {
	0x6d, 0x61, 0x6d, 0x6f, 0x72, 0x69, 0x4a, 0x11,
	0x9b, 0x3e, 0x2f, 0x41, 0xc0, 0x7a, 0x5e, 0x88,
};

void incidents_uuid5(const uint8_t ns[16], const char *name, size_t len, char out[37])
{
	struct mm_buf b;
	uint8_t h[20];
	char hex[33];

	mm_buf_init(&b, len + 64);
	if (mm_buf_append(&b, ns, 16) || mm_buf_append(&b, name, len)) {
		mm_buf_release(&b);
		memset(h, 0, sizeof(h));
	} else {
		mm_sha1(b.ptr, b.len, h);
		mm_buf_release(&b);
	}
	h[6] = (uint8_t)((h[6] & 0x0f) | 0x50);
	h[8] = (uint8_t)((h[8] & 0x3f) | 0x80);
	mm_hex(h, 16, hex);
	snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16, hex + 20);
}

int incidents_stable_id(const char *json, size_t len, char out[65])
{
	json_t *root, *ev;
	json_error_t err;
	char *dump = NULL;
	uint8_t h[32];

	root = json_loadb(json, len, 0, &err);
	if (!json_is_object(root)) {
		json_decref(root);
		/* not JSON: the bytes themselves are the identity */
		mm_sha256(json, len, h);
		mm_hex(h, 32, out);
		return 0;
	}
	ev = json_object_get(root, "event");
	if (json_is_object(ev))
		json_object_del(ev, "ingested");
	/* key order is part of the alert format, so compact output of the
	 * parsed object (order preserved) is canonical for our own alerts */
	dump = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
	json_decref(root);
	if (!dump)
		return MM_ENOMEM;
	mm_sha256(dump, strlen(dump), h);
	free(dump);
	mm_hex(h, 32, out);
	return 0;
}

static void stix_time(int64_t us, char out[MM_TIME_STR])
{
	mm_time_format(us > 0 ? us : 0, out);
}

/* value escaped for a STIX pattern string literal */
static int pat_str(struct mm_buf *b, const char *v)
{
	int rc = mm_buf_append_byte(b, '\'');

	for (; rc == 0 && *v; v++) {
		if (*v == '\'' || *v == '\\')
			rc = mm_buf_append_byte(b, '\\');
		if (rc == 0)
			rc = mm_buf_append_byte(b, (uint8_t)*v);
	}
	return rc ? rc : mm_buf_append_byte(b, '\'');
}

static bool is_ipv4(const char *s)
{
	return strspn(s, "0123456789.") == strlen(s) && strchr(s, '.');
}

static int make_pattern(struct mm_buf *p, const char *kind, const char *value)
{
	if (!strcmp(kind, "ip")) {
		mm_buf_append_str(p, strchr(value, ':') ? "[ipv6-addr:value = " : "[ipv4-addr:value = ");
		pat_str(p, value);
	} else if (!strcmp(kind, "domain")) {
		mm_buf_append_str(p, "[domain-name:value = ");
		pat_str(p, value);
	} else if (!strcmp(kind, "url")) {
		mm_buf_append_str(p, "[url:value = ");
		pat_str(p, value);
	} else if (!strcmp(kind, "hash")) {
		mm_buf_append_str(p, "[file:hashes.'SHA-256' = ");
		pat_str(p, value);
	} else if (!strcmp(kind, "pool")) {
		const char *colon = strrchr(value, ':');
		char host[INC_VALUE_MAX];
		long port = -1;

		snprintf(host, sizeof(host), "%s", value);
		if (colon && colon[1] && strspn(colon + 1, "0123456789") == strlen(colon + 1) &&
		    strlen(colon + 1) <= 5) {
			host[colon - value] = '\0';
			port = strtol(colon + 1, NULL, 10);
		}
		if (is_ipv4(host)) {
			mm_buf_append_str(p, "[network-traffic:dst_ref.type = 'ipv4-addr' AND "
					     "network-traffic:dst_ref.value = ");
		} else {
			mm_buf_append_str(p, "[network-traffic:dst_ref.type = 'domain-name' AND "
					     "network-traffic:dst_ref.value = ");
		}
		pat_str(p, host);
		if (port >= 0 && port <= 65535)
			mm_buf_appendf(p, " AND network-traffic:dst_port = %ld", port);
	} else if (!strcmp(kind, "wallet")) {
		mm_buf_append_str(p, "[x-mamori-cryptocurrency-wallet:address = ");
		pat_str(p, value);
	} else if (!strcmp(kind, "image")) {
		mm_buf_append_str(p, "[x-mamori-container-image:name = ");
		pat_str(p, value);
	} else {
		return MM_EUNSUPPORTED;
	}
	return mm_buf_append_str(p, "]");
}

int incidents_export_stix(struct incident_db *db, int64_t since_us, struct mm_buf *out)
{
	sqlite3_stmt *s = NULL;
	struct mm_json j;
	struct mm_buf pat, name, ids;
	char identity[64], id[37], t1[MM_TIME_STR], t2[MM_TIME_STR];
	int rc = MM_EIO;

	mm_buf_init(&pat, 1u << 16);
	mm_buf_init(&name, 1u << 16);
	mm_buf_init(&ids, 256u << 20);
	incidents_uuid5(stix_ns, "identity:mamori", 15, id);
	snprintf(identity, sizeof(identity), "identity--%s", id);
	if (inc_prepare(db, "SELECT kind, value, first_ts, last_ts, alerts FROM inc_entities"
			" WHERE role=1 AND last_ts>=? ORDER BY kind, value", &s))
		goto out;
	sqlite3_bind_int64(s, 1, since_us);
	mm_json_init(&j, out);
	mm_json_object_begin(&j, NULL);
	mm_json_str(&j, "type", "bundle");
	/* the bundle id is fixed up below, once every indicator id is known */
	mm_json_str(&j, "id", "bundle--00000000-0000-5000-8000-000000000000");
	mm_json_array_begin(&j, "objects");
	mm_json_object_begin(&j, NULL);
	mm_json_str(&j, "type", "identity");
	mm_json_str(&j, "spec_version", "2.1");
	mm_json_str(&j, "id", identity);
	mm_json_str(&j, "created", "2024-01-01T00:00:00.000Z");
	mm_json_str(&j, "modified", "2024-01-01T00:00:00.000Z");
	mm_json_str(&j, "name", "mamori");
	mm_json_str(&j, "identity_class", "system");
	mm_json_object_end(&j);
	while (sqlite3_step(s) == SQLITE_ROW) {
		const char *kind = inc_col_text(s, 0), *value = inc_col_text(s, 1);
		char full[64];

		if (!kind || !value)
			continue;
		mm_buf_reset(&pat);
		if (make_pattern(&pat, kind, value) || !pat.ptr)
			continue;
		mm_buf_reset(&name);
		mm_buf_appendf(&name, "%s:%s", kind, value);
		if (!name.ptr)
			continue;
		incidents_uuid5(stix_ns, name.ptr, name.len, id);
		snprintf(full, sizeof(full), "indicator--%s", id);
		mm_buf_append_str(&ids, full);
		stix_time(inc_col64(s, 2), t1);
		stix_time(inc_col64(s, 3), t2);
		mm_json_object_begin(&j, NULL);
		mm_json_str(&j, "type", "indicator");
		mm_json_str(&j, "spec_version", "2.1");
		mm_json_str(&j, "id", full);
		mm_json_str(&j, "created_by_ref", identity);
		mm_json_str(&j, "created", t1);
		mm_json_str(&j, "modified", t2);
		mm_json_strn(&j, "name", name.ptr, name.len);
		mm_buf_reset(&name);
		mm_buf_appendf(&name, "%s seen in %" PRId64 " mamori alert(s)", kind, inc_col64(s, 4));
		mm_json_str(&j, "description", name.ptr ? name.ptr : kind);
		mm_json_array_begin(&j, "indicator_types");
		mm_json_str(&j, NULL, "malicious-activity");
		mm_json_array_end(&j);
		mm_json_strn(&j, "pattern", pat.ptr, pat.len);
		mm_json_str(&j, "pattern_type", "stix");
		mm_json_str(&j, "pattern_version", "2.1");
		mm_json_str(&j, "valid_from", t1);
		mm_json_array_begin(&j, "labels");
		mm_json_str(&j, NULL, kind);
		mm_json_array_end(&j);
		mm_json_object_end(&j);
	}
	mm_json_array_end(&j);
	mm_json_object_end(&j);
	rc = mm_json_finish(&j);
	if (rc == 0) {
		/* bundle id: UUIDv5 over the ids it holds (same content, same id) */
		char *p = strstr(out->ptr, "bundle--00000000-0000-5000-8000-000000000000");

		incidents_uuid5(stix_ns, ids.ptr ? ids.ptr : "", ids.len, id);
		if (p)
			memcpy(p + 8, id, 36);
	}
out:
	mm_buf_release(&pat);
	mm_buf_release(&name);
	mm_buf_release(&ids);
	sqlite3_finalize(s);
	return rc;
}
