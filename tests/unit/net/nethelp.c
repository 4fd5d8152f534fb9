/*
 * nethelp.c — see nethelp.h. Test code: aborts on setup failures.
 */
#include "core/compat.h"
#include "nethelp.h"
#include "net/net.h"

#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>

/* in output.c; not (yet) in output.h */
int mm_output_want_records(struct mm_output *o, const char *types);

static int sink_alert(void *st, const struct mm_alert *a, const char *json, size_t len)
{
	struct nt_out *o = st;
	(void)a;
	mm_buf_append(&o->alerts, json, len);
	mm_buf_append_byte(&o->alerts, '\n');
	o->nalerts++;
	return 0;
}

static int sink_skip(void *st, const char *path, enum mm_skip why, bool partial,
		     const char *detail)
{
	struct nt_out *o = st;
	(void)path;
	mm_buf_appendf(&o->skips, "%s|%s|%s\n", partial ? "partial" : "skip", mm_skip_name(why),
		       detail ? detail : "");
	o->nskips++;
	return 0;
}

static int sink_record(void *st, const char *type, const char *json, size_t len)
{
	struct nt_out *o = st;
	mm_buf_appendf(&o->records, "%s ", type);
	mm_buf_append(&o->records, json, len);
	mm_buf_append_byte(&o->records, '\n');
	o->nrecords++;
	return 0;
}

void nt_out_release(struct nt_out *o)
{
	mm_buf_release(&o->alerts);
	mm_buf_release(&o->skips);
	mm_buf_release(&o->records);
	memset(o, 0, sizeof(*o));
}

int nt_scan(const char *path, const char *const *sets, const char *records, struct nt_out *o)
{
	memset(o, 0, sizeof(*o));
	mm_buf_init(&o->alerts, 64u << 20);
	mm_buf_init(&o->skips, 1u << 20);
	mm_buf_init(&o->records, 64u << 20);
	struct mm_config *cfg = mm_config_new();
	struct mm_catalogue *cat = mm_catalogue_new();
	struct mm_rule_report *rep = mm_rule_report_new();
	if (!cfg || !cat || !rep)
		abort();
	mm_config_declare(cfg, mm_engine_net.config_defaults);
	for (size_t i = 0; sets && sets[i]; i++) {
		char kv[512];
		snprintf(kv, sizeof(kv), "%s", sets[i]);
		char *eq = strchr(kv, '=');
		if (!eq)
			abort();
		*eq = 0;
		if (mm_config_set(cfg, kv, eq + 1))
			abort();
	}
	const char *none[] = { NULL };
	struct mm_engine_env env;
	memset(&env, 0, sizeof(env));
	env.config = cfg;
	env.catalogue = cat;
	env.rule_report = rep;
	env.rule_paths = none;
	env.deterministic = true;
	struct mm_diag diag;
	mm_diag_init(&diag);
	void *state = NULL, *worker = NULL;
	if (mm_engine_net.open(&state, &env, &diag))
		abort();
	mm_engine_net.worker_open(state, &worker);
	struct mm_alert_json_opts jo = { 0, "test", "test-host" };
	struct mm_output *out = mm_output_new(&jo);
	struct mm_sink sink = { "test", o, sink_alert, sink_skip, sink_record, NULL, NULL };
	mm_output_add(out, &sink);
	if (records)
		mm_output_want_records(out, records);
	struct mm_scan_ctx *ctx = mm_scan_ctx_new(out, cfg, true, path);
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		abort();
	struct stat sb;
	fstat(fd, &sb);
	uint8_t head[64];
	ssize_t hn = pread(fd, head, sizeof(head), 0);
	struct mm_input in;
	memset(&in, 0, sizeof(in));
	in.path = path;
	in.fd = fd;
	in.size = (uint64_t)sb.st_size;
	in.head = head;
	in.head_len = hn > 0 ? (size_t)hn : 0;
	in.kind = mm_classify(head, in.head_len, in.size);
	int rc = mm_engine_net.scan(state, worker, &in, ctx);
	close(fd);
	mm_scan_ctx_free(ctx);
	mm_output_free(out);
	mm_engine_net.worker_close(worker);
	mm_engine_net.close(state);
	mm_rule_report_free(rep);
	mm_catalogue_free(cat);
	mm_config_free(cfg);
	return rc;
}

const char *nt_gen(const char *rel)
{
	static char buf[4096];
	const char *g = getenv("MAMORI_GEN_DIR");
	snprintf(buf, sizeof(buf), "%s/%s", g ? g : "gen", rel);
	return buf;
}

size_t nt_count(const char *s, const char *needle)
{
	size_t n = 0, l = strlen(needle);
	if (!s || !l)
		return 0;
	for (const char *p = strstr(s, needle); p; p = strstr(p + l, needle))
		n++;
	return n;
}

const char *nt_tmpfile(const void *data, size_t len)
{
	static char path[64];
	snprintf(path, sizeof(path), "/tmp/mamori-net-test-XXXXXX");
	int fd = mkstemp(path);
	if (fd < 0)
		abort();
	if (write(fd, data, len) != (ssize_t)len)
		abort();
	close(fd);
	return path;
}

static void put32(struct mm_buf *b, uint32_t v)
{
	uint8_t x[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
	mm_buf_append(b, x, 4);
}

void pcapw_init(struct pcapw *w, uint32_t linktype, uint32_t snaplen)
{
	mm_buf_init(&w->b, 256u << 20);
	put32(&w->b, 0xa1b2c3d4);
	uint8_t ver[4] = { 2, 0, 4, 0 };
	mm_buf_append(&w->b, ver, 4);
	put32(&w->b, 0);
	put32(&w->b, 0);
	put32(&w->b, snaplen);
	put32(&w->b, linktype);
}

void pcapw_add(struct pcapw *w, int64_t ts_us, const void *data, size_t caplen, size_t origlen)
{
	put32(&w->b, (uint32_t)(ts_us / 1000000));
	put32(&w->b, (uint32_t)(ts_us % 1000000));
	put32(&w->b, (uint32_t)caplen);
	put32(&w->b, (uint32_t)origlen);
	mm_buf_append(&w->b, data, caplen);
}

void pcapw_release(struct pcapw *w)
{
	mm_buf_release(&w->b);
}

size_t nt_tcp4(uint8_t *o, size_t cap, uint32_t src, uint32_t dst, uint16_t sport,
	       uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags, const void *payload,
	       size_t plen)
{
	size_t n = 14 + 20 + 20 + plen;
	if (n > cap)
		abort();
	memset(o, 0, 54);
	o[12] = 0x08;
	uint8_t *ip = o + 14;
	ip[0] = 0x45;
	ip[2] = (uint8_t)((20 + 20 + plen) >> 8);
	ip[3] = (uint8_t)(20 + 20 + plen);
	ip[8] = 64;
	ip[9] = 6;
	for (int i = 0; i < 4; i++) {
		ip[12 + i] = (uint8_t)(src >> (24 - 8 * i));
		ip[16 + i] = (uint8_t)(dst >> (24 - 8 * i));
	}
	uint8_t *t = ip + 20;
	t[0] = (uint8_t)(sport >> 8);
	t[1] = (uint8_t)sport;
	t[2] = (uint8_t)(dport >> 8);
	t[3] = (uint8_t)dport;
	for (int i = 0; i < 4; i++) {
		t[4 + i] = (uint8_t)(seq >> (24 - 8 * i));
		t[8 + i] = (uint8_t)(ack >> (24 - 8 * i));
	}
	t[12] = 0x50;
	t[13] = flags;
	t[14] = 0xff;
	t[15] = 0xff;
	if (plen)
		memcpy(t + 20, payload, plen);
	return n;
}
