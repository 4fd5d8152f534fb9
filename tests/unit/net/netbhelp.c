/*
 * netbhelp.c — see netbhelp.h. Test code: aborts on setup failures.
 */
#include "core/compat.h"
#include "netbhelp.h"
#include "net/net.h"
#include "net/bruteforce.h"
#include "net/mining.h"

#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>

int mm_output_want_records(struct mm_output *o, const char *types);

static int nb_alert(void *st, const struct mm_alert *a, const char *json, size_t len)
{
	struct nt_out *o = st;
	(void)a;
	mm_buf_append(&o->alerts, json, len);
	mm_buf_append_byte(&o->alerts, '\n');
	o->nalerts++;
	return 0;
}

static int nb_skip(void *st, const char *path, enum mm_skip why, bool partial, const char *detail)
{
	struct nt_out *o = st;
	(void)path;
	mm_buf_appendf(&o->skips, "%s|%s|%s\n", partial ? "partial" : "skip", mm_skip_name(why),
		       detail ? detail : "");
	o->nskips++;
	return 0;
}

static int nb_record(void *st, const char *type, const char *json, size_t len)
{
	struct nt_out *o = st;
	mm_buf_appendf(&o->records, "%s ", type);
	mm_buf_append(&o->records, json, len);
	mm_buf_append_byte(&o->records, '\n');
	o->nrecords++;
	return 0;
}

struct nb_env {
	struct mm_config *cfg;
	struct mm_catalogue *cat;
	struct mm_rule_report *rep;
	void *state;
	struct mm_output *out;
	struct mm_scan_ctx *scan;
	struct net_ctx *n;
	struct net_flow_info info;
};

static struct nb_env *env_new(const char *const *sets, const char *records, struct nt_out *o,
			      const char *name)
{
	struct nb_env *e = calloc(1, sizeof(*e));
	if (!e)
		abort();
	memset(o, 0, sizeof(*o));
	mm_buf_init(&o->alerts, 64u << 20);
	mm_buf_init(&o->skips, 1u << 20);
	mm_buf_init(&o->records, 64u << 20);
	e->cfg = mm_config_new();
	e->cat = mm_catalogue_new();
	e->rep = mm_rule_report_new();
	if (!e->cfg || !e->cat || !e->rep)
		abort();
	mm_config_declare(e->cfg, mm_engine_net.config_defaults);
	/* the engine may already declare these: a second declaration is fine */
	mm_config_declare(e->cfg, net_bruteforce_config_defaults);
	mm_config_declare(e->cfg, net_mining_config_defaults);
	for (size_t i = 0; sets && sets[i]; i++) {
		char kv[512];
		snprintf(kv, sizeof(kv), "%s", sets[i]);
		char *eq = strchr(kv, '=');
		if (!eq)
			abort();
		*eq = 0;
		if (mm_config_set(e->cfg, kv, eq + 1))
			abort();
	}
	static const char *const none[] = { NULL };
	struct mm_engine_env env;
	memset(&env, 0, sizeof(env));
	env.config = e->cfg;
	env.catalogue = e->cat;
	env.rule_report = e->rep;
	env.rule_paths = none;
	env.deterministic = true;
	struct mm_diag diag;
	mm_diag_init(&diag);
	if (mm_engine_net.open(&e->state, &env, &diag))
		abort();
	struct mm_alert_json_opts jo = { 0, "test", "test-host" };
	e->out = mm_output_new(&jo);
	struct mm_sink sink = { "test", o, nb_alert, nb_skip, nb_record, NULL, NULL };
	mm_output_add(e->out, &sink);
	if (records)
		mm_output_want_records(e->out, records);
	e->scan = mm_scan_ctx_new(e->out, e->cfg, true, name);
	return e;
}

static void env_free(struct nb_env *e)
{
	net_ctx_free(e->n);
	mm_scan_ctx_free(e->scan);
	mm_output_free(e->out);
	mm_engine_net.close(e->state);
	mm_rule_report_free(e->rep);
	mm_catalogue_free(e->cat);
	mm_config_free(e->cfg);
	free(e);
}

int nb_scan(const char *path, const char *const *sets, const char *records, struct nt_out *o)
{
	struct nb_env *e = env_new(sets, records, o, path);
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
	void *worker = NULL;
	mm_engine_net.worker_open(e->state, &worker);
	int rc = mm_engine_net.scan(e->state, worker, &in, e->scan);
	mm_engine_net.worker_close(worker);
	close(fd);
	env_free(e);
	return rc;
}

struct nb_env *nb_open(struct app_ctx *ctx, struct nt_out *o)
{
	struct nb_env *e = env_new(NULL, NULL, o, "direct");
	if (net_ctx_new(&e->n, e->state, e->scan, 1))
		abort();
	memset(&e->info, 0, sizeof(e->info));
	e->info.id = 1;
	e->info.ip_version = 4;
	e->info.proto = 6;
	uint8_t s[4] = { 10, 9, 0, 1 }, d[4] = { 10, 9, 0, 2 };
	memcpy(e->info.src_addr, s, 4);
	memcpy(e->info.dst_addr, d, 4);
	snprintf(e->info.src_ip, sizeof(e->info.src_ip), "10.9.0.1");
	snprintf(e->info.dst_ip, sizeof(e->info.dst_ip), "10.9.0.2");
	e->info.src_port = 40000;
	e->info.dst_port = 8545;
	memset(ctx, 0, sizeof(*ctx));
	ctx->net = e->n;
	ctx->info = &e->info;
	ctx->scan = e->scan;
	ctx->ts_us = 1700000000LL * 1000000;
	ctx->frame = 1;
	return e;
}

void nb_close(struct nb_env *e)
{
	env_free(e);
}

void nb_gen_value(const char *rel, const char *key, char *out, size_t cap)
{
	char line[1024];
	FILE *f = fopen(nt_gen(rel), "r");
	size_t kl = strlen(key);
	if (!f)
		abort();
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, kl) && line[kl] == ' ') {
			line[strcspn(line, "\r\n")] = 0;
			snprintf(out, cap, "%s", line + kl + 1);
			fclose(f);
			return;
		}
	}
	fclose(f);
	abort();
}
