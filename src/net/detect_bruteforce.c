/*
 * detect_bruteforce.c — dictionary and brute-force logins, from the
 * authentication outcomes the parsers report (net_auth_report(), app.h).
 *
 * Two kinds of counters, both keyed in one bounded table:
 *   target  (source address, destination address, service): one alert per
 *           burst, rule mamori.net.bruteforce.<service>;
 *   source  (source address, all targets): password spraying, rule
 *           mamori.net.bruteforce.spray, only when the failures reach at
 *           least two distinct (destination, service) targets.
 * Time is the capture's (event time, ts of the packet that delivered the
 * outcome), never the wall clock, so a pcap gives the same result however
 * fast it is read.
 *
 * A burst triggers when, inside the sliding window (net.bruteforce.window):
 *   - failures reach net.bruteforce.threshold; or
 *   - failures reach net.bruteforce.min_failures and either most of the
 *     gaps between them are shorter than net.bruteforce.fast_gap_ms (a
 *     machine, not a person retyping), or they name at least
 *     net.bruteforce.distinct_users user names (a dictionary of users).
 * One person mistyping a password twice stays below all of these. A
 * triggered burst is reported once, when it ends (no failure for a whole
 * window, or the end of the input), or every net.bruteforce.report_after
 * seconds while it goes on. A success seen after the failures of a
 * triggered burst raises the alert to high (possible compromise).
 * NET_AUTH_ATTEMPT (outcome invisible, e.g. RDP with NLA) counts like a
 * failure but the alert then says the outcomes were not seen and stays low.
 *
 * Limits: net.bruteforce.max_tracked keys (new keys past it are dropped and
 * counted as net.bruteforce.dropped), BF_RING failure times per key, up to
 * BF_USERS user names of up to BF_USER_LEN bytes each per burst (the rest
 * counted), BF_TARGETS distinct targets per source burst. Passwords never
 * reach this file.
 *
 * Threading: state in the NET_CTX_BRUTEFORCE slot of one net_ctx.
 */
#include "core/compat.h"
#include "net/bruteforce.h"
#include "net/internal.h"

#define BF_RING 64
#define BF_USERS 8
#define BF_USER_LEN 64
#define BF_TARGETS 8
#define BF_SERVICE_LEN 16

const struct mm_config_default net_bruteforce_config_defaults[] = {
	{ "net.bruteforce.window", "60",
	  "seconds of the sliding window over which failed logins are counted" },
	{ "net.bruteforce.threshold", "10",
	  "failed logins per (source, target, service) in the window that make a brute force" },
	{ "net.bruteforce.min_failures", "5",
	  "fewest failures for the fast-rate and many-user-names triggers" },
	{ "net.bruteforce.fast_gap_ms", "1000",
	  "failures closer than this to the previous one count as machine-speed" },
	{ "net.bruteforce.distinct_users", "3",
	  "distinct user names failing in the window that make a dictionary attack" },
	{ "net.bruteforce.source_threshold", "20",
	  "failed logins of one source across two or more targets in the window (spraying)" },
	{ "net.bruteforce.report_after", "300",
	  "seconds after which a still-running burst is reported (and counting restarts)" },
	{ "net.bruteforce.max_tracked", "16384",
	  "(source, target, service) keys tracked at once per input" },
	{ NULL, NULL, NULL },
};

struct bf_conf {
	int64_t window_us;
	int64_t threshold;
	int64_t min_failures;
	int64_t fast_gap_us;
	int64_t distinct_users;
	int64_t source_threshold;
	int64_t report_after_us;
	size_t max_tracked;
};

struct bf_target {
	char dst_ip[48];
	char service[BF_SERVICE_LEN];
};

struct bf_entry {
	int32_t next;			/* hash chain, -1 ends */
	uint32_t hash;
	bool per_source;
	bool used;
	uint8_t ver;
	uint8_t src[16], dst[16];
	char service[BF_SERVICE_LEN];
	char src_ip[48], dst_ip[48];
	uint16_t dst_port;
	/* the current burst */
	int64_t ring[BF_RING];		/* failure times, oldest first from head */
	size_t ring_n, ring_head;
	uint64_t failures, attempts, fast_gaps;
	uint64_t successes_before;	/* successes seen before the trigger */
	bool triggered;
	bool success_after;
	int64_t first_ts, last_ts, trigger_ts;
	uint64_t first_frame, last_frame, success_frame;
	char success_user[BF_USER_LEN];
	char users[BF_USERS][BF_USER_LEN];
	size_t nusers;
	uint64_t users_dropped;
	struct bf_target targets[BF_TARGETS];
	size_t ntargets;
	uint64_t targets_dropped;
};

struct bf_state {
	struct bf_conf conf;
	struct bf_entry *e;
	size_t n, cap;
	int32_t *buckets;
	size_t nbuckets;
	uint64_t dropped;
	uint64_t reports;
	size_t ntriggered;	/* entries with triggered set: flush skips its
				 * scan when none is pending */
};

#define BF_META(svc, what)                                                          \
	{                                                                           \
		.id = "mamori.net.bruteforce." svc,                                 \
		.name = "Brute-force logins over " what,                            \
		.engine = "net",                                                    \
		.ruleset = "builtin",                                               \
		.category = "bruteforce",                                           \
		.level = MM_LEVEL_MEDIUM,                                           \
		.description = "Many failed " what " logins from one source to one " \
			       "server in a short time (threshold, machine rate or " \
			       "many user names in a sliding window).",             \
		.techniques = { "T1110", "T1110.001" },                             \
		.tactics = { "credential-access" },                                 \
	}

static const struct mm_rule_meta bf_metas[] = {
	BF_META("ssh", "SSH"),
	BF_META("ftp", "FTP"),
	BF_META("telnet", "Telnet"),
	BF_META("rdp", "RDP"),
	BF_META("smb", "SMB"),
	BF_META("http", "HTTP authentication"),
	BF_META("other", "an application protocol"),
	{
		.id = "mamori.net.bruteforce.spray",
		.name = "Password spraying across several servers or services",
		.engine = "net",
		.ruleset = "builtin",
		.category = "bruteforce",
		.level = MM_LEVEL_MEDIUM,
		.description = "One source fails logins on two or more (server, service) "
			       "targets, more than net.bruteforce.source_threshold times in the "
			       "window.",
		.techniques = { "T1110", "T1110.003" },
		.tactics = { "credential-access" },
	},
};

#define BF_META_OTHER 6
#define BF_META_SPRAY 7

int detect_bruteforce_register(struct mm_catalogue *cat)
{
	for (size_t i = 0; i < MM_ARRAY_SIZE(bf_metas); i++) {
		int rc = mm_catalogue_add(cat, &bf_metas[i], NULL);
		if (rc && rc != MM_EEXIST)
			return rc;
	}
	return 0;
}

static const struct mm_rule_meta *meta_for(const char *service, bool per_source)
{
	if (per_source)
		return &bf_metas[BF_META_SPRAY];
	for (size_t i = 0; i < BF_META_OTHER; i++) {
		const char *id = bf_metas[i].id + strlen("mamori.net.bruteforce.");
		if (!strcmp(id, service))
			return &bf_metas[i];
	}
	return &bf_metas[BF_META_OTHER];
}

static int64_t conf_int(const struct mm_config *c, const char *key, int64_t def, int64_t lo,
			int64_t hi)
{
	int64_t v = c ? mm_config_get_int(c, key, def) : def;
	if (v < lo)
		v = lo;
	if (v > hi)
		v = hi;
	return v;
}

static void bf_state_free(void *p)
{
	struct bf_state *st = p;
	if (!st)
		return;
	free(st->e);
	free(st->buckets);
	free(st);
}

static struct bf_state *bf_state_get(struct net_ctx *n)
{
	struct bf_state *st = net_ctx_slot(n, NET_CTX_BRUTEFORCE);
	if (st)
		return st;
	st = calloc(1, sizeof(*st));
	if (!st)
		return NULL;
	const struct mm_config *c = net_ctx_config(n);
	st->conf.window_us = conf_int(c, "net.bruteforce.window", 60, 1, 86400) * 1000000;
	st->conf.threshold = conf_int(c, "net.bruteforce.threshold", 10, 2, BF_RING);
	st->conf.min_failures = conf_int(c, "net.bruteforce.min_failures", 5, 2, BF_RING);
	st->conf.fast_gap_us = conf_int(c, "net.bruteforce.fast_gap_ms", 1000, 0, 3600000) * 1000;
	st->conf.distinct_users = conf_int(c, "net.bruteforce.distinct_users", 3, 2, BF_USERS);
	st->conf.source_threshold = conf_int(c, "net.bruteforce.source_threshold", 20, 2, BF_RING);
	st->conf.report_after_us =
		conf_int(c, "net.bruteforce.report_after", 300, 1, 86400 * 365) * 1000000;
	st->conf.max_tracked =
		(size_t)conf_int(c, "net.bruteforce.max_tracked", 16384, 16, 1 << 20);
	st->nbuckets = 1024;
	while (st->nbuckets < st->conf.max_tracked / 2 && st->nbuckets < (1u << 20))
		st->nbuckets <<= 1;
	st->buckets = malloc(st->nbuckets * sizeof(*st->buckets));
	if (!st->buckets) {
		free(st);
		return NULL;
	}
	for (size_t i = 0; i < st->nbuckets; i++)
		st->buckets[i] = -1;
	net_ctx_slot_set(n, NET_CTX_BRUTEFORCE, st, bf_state_free);
	return st;
}

static uint32_t key_hash(bool per_source, uint8_t ver, const uint8_t *src, const uint8_t *dst,
			 const char *service)
{
	uint32_t h = 2166136261u;
	h = (h ^ (uint32_t)per_source) * 16777619u;
	h = (h ^ ver) * 16777619u;
	for (int i = 0; i < 16; i++)
		h = (h ^ src[i]) * 16777619u;
	for (int i = 0; i < 16; i++)
		h = (h ^ dst[i]) * 16777619u;
	for (const char *s = service; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

static void burst_reset(struct bf_entry *e)
{
	e->ring_n = e->ring_head = 0;
	e->failures = e->attempts = e->fast_gaps = e->successes_before = 0;
	e->triggered = e->success_after = false;
	e->first_ts = e->last_ts = e->trigger_ts = 0;
	e->first_frame = e->last_frame = e->success_frame = 0;
	e->success_user[0] = 0;
	e->nusers = 0;
	e->users_dropped = 0;
	e->ntargets = 0;
	e->targets_dropped = 0;
}

static struct bf_entry *entry_get(struct bf_state *st, bool per_source, const struct app_ctx *ctx,
				  const char *service)
{
	const struct net_flow_info *in = ctx->info;
	static const uint8_t zero[16];
	const uint8_t *dst = per_source ? zero : in->dst_addr;
	const char *svc = per_source ? "*" : service;
	uint32_t h = key_hash(per_source, in->ip_version, in->src_addr, dst, svc);
	size_t b = h & (st->nbuckets - 1);
	for (int32_t i = st->buckets[b]; i >= 0; i = st->e[i].next) {
		struct bf_entry *e = &st->e[i];
		if (e->hash == h && e->per_source == per_source && e->ver == in->ip_version &&
		    !memcmp(e->src, in->src_addr, 16) && !memcmp(e->dst, dst, 16) &&
		    !strcmp(e->service, svc))
			return e;
	}
	if (st->n >= st->conf.max_tracked) {
		st->dropped++;
		return NULL;
	}
	if (st->n == st->cap) {
		size_t nc = st->cap ? st->cap * 2 : 64;
		if (nc > st->conf.max_tracked)
			nc = st->conf.max_tracked;
		struct bf_entry *ne = realloc(st->e, nc * sizeof(*ne));
		if (!ne) {
			st->dropped++;
			return NULL;
		}
		st->e = ne;
		st->cap = nc;
	}
	struct bf_entry *e = &st->e[st->n];
	memset(e, 0, sizeof(*e));
	e->used = true;
	e->hash = h;
	e->per_source = per_source;
	e->ver = in->ip_version;
	memcpy(e->src, in->src_addr, 16);
	memcpy(e->dst, dst, 16);
	snprintf(e->service, sizeof(e->service), "%s", svc);
	snprintf(e->src_ip, sizeof(e->src_ip), "%s", in->src_ip);
	if (!per_source) {
		snprintf(e->dst_ip, sizeof(e->dst_ip), "%s", in->dst_ip);
		e->dst_port = in->dst_port;
	}
	e->next = st->buckets[b];
	st->buckets[b] = (int32_t)st->n;
	st->n++;
	return e;
}

static void add_user(struct bf_entry *e, const char *user, size_t len)
{
	if (!user || !len)
		return;
	if (len >= BF_USER_LEN)
		len = BF_USER_LEN - 1;
	for (size_t i = 0; i < e->nusers; i++)
		if (strlen(e->users[i]) == len && !memcmp(e->users[i], user, len))
			return;
	if (e->nusers >= BF_USERS) {
		e->users_dropped++;
		return;
	}
	memcpy(e->users[e->nusers], user, len);
	e->users[e->nusers][len] = 0;
	e->nusers++;
}

static void add_target(struct bf_entry *e, const struct app_ctx *ctx, const char *service)
{
	for (size_t i = 0; i < e->ntargets; i++)
		if (!strcmp(e->targets[i].dst_ip, ctx->info->dst_ip) &&
		    !strcmp(e->targets[i].service, service))
			return;
	if (e->ntargets >= BF_TARGETS) {
		e->targets_dropped++;
		return;
	}
	snprintf(e->targets[e->ntargets].dst_ip, sizeof(e->targets[0].dst_ip), "%s",
		 ctx->info->dst_ip);
	snprintf(e->targets[e->ntargets].service, sizeof(e->targets[0].service), "%s", service);
	e->ntargets++;
}

/* Failures of the ring inside the window ending at now. */
static size_t in_window(const struct bf_entry *e, int64_t now, int64_t window)
{
	size_t k = 0;
	for (size_t i = 0; i < e->ring_n; i++) {
		int64_t t = e->ring[(e->ring_head + i) % BF_RING];
		if (t >= now - window)
			k++;
	}
	return k;
}

static bool should_trigger(const struct bf_state *st, const struct bf_entry *e, int64_t now)
{
	const struct bf_conf *c = &st->conf;
	size_t k = in_window(e, now, c->window_us);
	if (e->per_source)
		return (int64_t)k >= c->source_threshold && e->ntargets + e->targets_dropped >= 2;
	if ((int64_t)k >= c->threshold)
		return true;
	if ((int64_t)k < c->min_failures)
		return false;
	uint64_t gaps = e->failures + e->attempts > 0 ? e->failures + e->attempts - 1 : 0;
	if (gaps && e->fast_gaps * 2 >= gaps)
		return true;
	return (int64_t)(e->nusers + e->users_dropped) >= c->distinct_users;
}

static void emit(struct bf_state *st, struct bf_entry *e, struct mm_scan_ctx *scan, bool ongoing)
{
	struct mm_buf ev;
	struct mm_json j;
	struct mm_alert a;
	char reason[512];
	char proto[BF_SERVICE_LEN];

	st->reports++;
	if (!scan)
		return;
	mm_buf_init(&ev, 64 * 1024);
	mm_json_init(&j, &ev);
	mm_json_object_begin(&j, NULL);
	mm_json_str(&j, "service", e->service);
	mm_json_uint(&j, "failures", e->failures);
	if (e->attempts)
		mm_json_uint(&j, "attempts_outcome_unseen", e->attempts);
	mm_json_uint(&j, "first_frame", e->first_frame);
	mm_json_uint(&j, "last_frame", e->last_frame);
	mm_json_double(&j, "duration_s", (double)(e->last_ts - e->first_ts) / 1e6);
	mm_json_uint(&j, "fast_gaps", e->fast_gaps);
	if (e->nusers) {
		mm_json_array_begin(&j, "users");
		for (size_t i = 0; i < e->nusers; i++)
			mm_json_str(&j, NULL, e->users[i]);
		mm_json_array_end(&j);
	}
	if (e->users_dropped)
		mm_json_uint(&j, "users_not_listed", e->users_dropped);
	if (e->per_source) {
		mm_json_array_begin(&j, "targets");
		for (size_t i = 0; i < e->ntargets; i++) {
			mm_json_object_begin(&j, NULL);
			mm_json_str(&j, "ip", e->targets[i].dst_ip);
			mm_json_str(&j, "service", e->targets[i].service);
			mm_json_object_end(&j);
		}
		mm_json_array_end(&j);
		if (e->targets_dropped)
			mm_json_uint(&j, "targets_not_listed", e->targets_dropped);
	}
	if (e->success_after) {
		mm_json_uint(&j, "success_frame", e->success_frame);
		if (e->success_user[0])
			mm_json_str(&j, "success_user", e->success_user);
	}
	if (!strcmp(e->service, "ssh"))
		mm_json_str(&j, "confidence",
			    "outcomes inferred from encrypted packet sizes and connection length");
	if (ongoing)
		mm_json_bool(&j, "ongoing", true);
	mm_json_object_end(&j);
	if (mm_json_finish(&j) == 0) {
		mm_alert_init(&a);
		a.module = "net";
		a.timestamp_us = e->first_ts;
		a.meta = meta_for(e->service, e->per_source);
		a.has_level = 1;
		if (e->success_after)
			a.level = MM_LEVEL_HIGH;
		else if (!e->failures)
			a.level = MM_LEVEL_LOW;
		else
			a.level = MM_LEVEL_MEDIUM;
		a.src_ip = e->src_ip;
		if (!e->per_source) {
			a.dst_ip = e->dst_ip;
			a.dst_port = e->dst_port;
			snprintf(proto, sizeof(proto), "%s", e->service);
			a.protocol = proto;
			a.transport = "tcp";
		}
		if (e->nusers == 1)
			a.user_name = e->users[0];
		uint64_t n = e->failures + e->attempts;
		if (e->per_source)
			snprintf(reason, sizeof(reason),
				 "%" PRIu64 " failed logins from %s on %zu targets in %.0f s%s", n,
				 e->src_ip, e->ntargets + (size_t)e->targets_dropped,
				 (double)(e->last_ts - e->first_ts) / 1e6,
				 e->success_after ? ", then a successful login" : "");
		else {
			char users[64] = "";
			size_t nu = e->nusers + (size_t)e->users_dropped;
			if (nu)
				snprintf(users, sizeof(users), ", %zu user name%s", nu, nu == 1 ? "" : "s");
			snprintf(reason, sizeof(reason),
				 "%" PRIu64 " %s %s logins from %s to %s:%u in %.0f s%s%s", n,
				 e->failures ? "failed" : "attempted (outcome not visible)", e->service,
				 e->src_ip, e->dst_ip, e->dst_port,
				 (double)(e->last_ts - e->first_ts) / 1e6, users,
				 e->success_after ? "; then a successful login (possible compromise)"
						  : "");
		}
		a.reason = reason;
		a.evidence_json = ev.ptr;
		mm_emit_alert(scan, &a);
	}
	mm_buf_release(&ev);
}

static void record(struct bf_state *st, struct bf_entry *e, const struct app_ctx *ctx,
		   const char *service, enum net_auth_result r, const char *user, size_t user_len)
{
	int64_t now = ctx->ts_us;
	if (r == NET_AUTH_SUCCESS) {
		if (e->triggered || (int64_t)in_window(e, now, st->conf.window_us) >=
					    st->conf.min_failures) {
			if (!e->success_after) {
				e->success_after = true;
				e->success_frame = ctx->frame;
				if (user && user_len) {
					size_t l = MM_MIN(user_len, (size_t)BF_USER_LEN - 1);
					memcpy(e->success_user, user, l);
					e->success_user[l] = 0;
				}
			}
		} else {
			e->successes_before++;
		}
		return;
	}
	if (e->ring_n && now - e->last_ts > st->conf.window_us && !e->triggered)
		burst_reset(e);
	/* outcomes decided at the end of a connection may come out of time
	 * order: only a forward gap can be machine-fast */
	if (!e->failures && !e->attempts) {
		e->first_ts = now;
		e->first_frame = ctx->frame;
		e->last_ts = now;
		e->last_frame = ctx->frame;
	} else {
		if (now >= e->last_ts && now - e->last_ts < st->conf.fast_gap_us)
			e->fast_gaps++;
		if (now < e->first_ts) {
			e->first_ts = now;
			e->first_frame = ctx->frame;
		}
		if (now >= e->last_ts) {
			e->last_ts = now;
			e->last_frame = ctx->frame;
		}
	}
	if (r == NET_AUTH_FAILURE)
		e->failures++;
	else
		e->attempts++;
	if (e->ring_n < BF_RING) {
		e->ring[(e->ring_head + e->ring_n) % BF_RING] = now;
		e->ring_n++;
	} else {
		e->ring[e->ring_head] = now;
		e->ring_head = (e->ring_head + 1) % BF_RING;
	}
	add_user(e, user, user_len);
	if (e->per_source)
		add_target(e, ctx, service);
	if (!e->triggered && should_trigger(st, e, now)) {
		e->triggered = true;
		e->trigger_ts = now;
		st->ntriggered++;
	}
}

void net_auth_report(struct app_ctx *ctx, const char *service, enum net_auth_result r,
		     const char *user, size_t user_len)
{
	if (!ctx || !ctx->net || !ctx->info || !service)
		return;
	struct bf_state *st = bf_state_get(ctx->net);
	if (!st)
		return;
	struct bf_entry *e = entry_get(st, false, ctx, service);
	if (e)
		record(st, e, ctx, service, r, user, user_len);
	struct bf_entry *s = entry_get(st, true, ctx, service);
	if (s)
		record(st, s, ctx, service, r, user, user_len);
}

/* Drops idle entries whose burst is over, rebuilding the hash chains. */
static void compact(struct bf_state *st, int64_t now)
{
	size_t w = 0;
	for (size_t i = 0; i < st->n; i++) {
		struct bf_entry *e = &st->e[i];
		bool idle = !e->triggered && (!e->ring_n || now - e->last_ts > st->conf.window_us);
		if (idle)
			continue;
		if (w != i)
			st->e[w] = *e;
		w++;
	}
	st->n = w;
	for (size_t i = 0; i < st->nbuckets; i++)
		st->buckets[i] = -1;
	for (size_t i = 0; i < st->n; i++) {
		size_t b = st->e[i].hash & (st->nbuckets - 1);
		st->e[i].next = st->buckets[b];
		st->buckets[b] = (int32_t)i;
	}
}

void net_bruteforce_flush(struct net_ctx *n, struct mm_scan_ctx *scan, int64_t now_us)
{
	if (!n)
		return;
	struct bf_state *st = net_ctx_slot(n, NET_CTX_BRUTEFORCE);
	if (!st)
		return;
	size_t still = 0;
	for (size_t i = 0; st->ntriggered && i < st->n; i++) {
		struct bf_entry *e = &st->e[i];
		if (!e->triggered)
			continue;
		if (now_us - e->last_ts > st->conf.window_us) {
			emit(st, e, scan, false);
			burst_reset(e);
		} else if (now_us - e->trigger_ts >= st->conf.report_after_us) {
			emit(st, e, scan, true);
			burst_reset(e);
		} else {
			still++;
		}
	}
	st->ntriggered = still;
	if (st->n > st->conf.max_tracked / 2)
		compact(st, now_us);
	if (now_us >= INT64_MAX / 4 && scan && st->dropped) {
		mm_scan_count(scan, "net.bruteforce.dropped", st->dropped);
		st->dropped = 0;
	}
}
