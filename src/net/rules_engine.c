/*
 * rules_engine.c — loading a rule set, the Hyperscan prefilter, and
 * running rules on packets, stream chunks and transactions.
 *
 * Loading: every *.rules file named in env->rule_paths (files, or folders
 * whose *.rules files are taken in name order) and the bundled net/ rules.
 * A file is read whole (capped at RULES_FILE_MAX); lines ending with a
 * backslash continue; '#' lines are comments. Each rule is parsed by
 * rules_parse.c; rejected rules go to env->rule_report with file, line,
 * sid and the reason; a later rule with the (gid, sid) of a loaded one is
 * rejected as a duplicate.
 *
 * Matching: every rule has one inspection point (packet, stream chunk,
 * transaction). Rules are grouped by point/buffer and direction (to
 * server, to client; a rule without direction is in both); each group has
 * one Hyperscan block-mode database of the fast patterns of its rules
 * (literals as \xHH, HS_FLAG_CASELESS for nocase, single match), except
 * short ones (startswith up to ANCH_MAX_LEN bytes, depth up to
 * ANCH_MAX_LEN_DEPTH) that must lie within the first
 * ANCH_MAX_END bytes (startswith, depth): those are looked for by hand at
 * the start of the buffer (struct anch), which is cheaper than letting
 * every short literal slow Hyperscan down everywhere. A buffer is
 * scanned once with its group's database; the rules whose fast pattern
 * occurred, plus the group's rules without any content ("always" list),
 * are then fully verified in rule-file order (protocol, addresses, ports,
 * flow, header keywords, every buffer's match list, flowbits, threshold).
 * Compiled databases are cached on disk in env->cache_dir (cache_path()).
 * Stream data is scanned in block mode per chunk that reassembly delivers,
 * with the last RULES_STREAM_TAIL bytes of the previous chunk of that
 * direction in front (kept in the flow's slot), so that patterns cut
 * between segments are seen; a match lying wholly in that tail is not
 * reported again. A candidate is verified on the chunk, then on the
 * window; one whose match on the chunk implies one on the window
 * (suffix_safe()) is tried on the window first, so that the many that
 * fail do so once. A TCP packet's payload is scanned once: engine.c defers
 * its packet rules (net_rules_packet_defer) and when reassembly delivers
 * that very payload, one scan with a database holding both the stream and
 * the TCP packet fast patterns (SLOT_COMB) gives both candidate sets.
 * Rules for a single server or client port go to a port subgroup of their
 * group (struct psub) with its own database, scanned only on flows with
 * that port; in the main databases, fast patterns with zero-byte runs are
 * cut to their longest piece between the runs (zero_free()). Before the
 * full verification, each candidate's port hull and dsize bounds (struct
 * rule_quick) are checked; packet rules without a fast pattern are listed
 * per TCP flags byte they can pass.
 *
 * Threading: struct net_rules is read-only after load and shared; each
 * input has its own struct net_rules_state (Hyperscan scratch, candidate
 * marks, threshold table).
 */
#include "core/compat.h"
#include "net/rules.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <hs/hs.h>

#define RULES_FILE_MAX (64u << 20)
#define RULES_MAX (1u << 20)
#define EXCERPT_MAX 96

/* Group slots: transaction buffers by buffer id; packet payload by IP
 * protocol (TCP at RB_PAYLOAD, UDP, other); stream at SLOT_STREAM. */
#define SLOT_PKT_TCP RB_PAYLOAD
#define SLOT_STREAM RB_COUNT
#define SLOT_PKT_UDP (RB_COUNT + 1)
#define SLOT_PKT_OTHER (RB_COUNT + 2)
#define SLOT_COMB (RB_COUNT + 3)	/* stream + TCP packet fast patterns */
#define NSLOTS (RB_COUNT + 4)

struct ip6key {
	uint8_t a[16];
	uint32_t rule;
};

/* Address-only rules keyed by one side's IPv4 list: single addresses in a
 * sorted array, wider blocks in a short list scanned in full. */
struct ipidx {
	uint32_t *ip, *rule;
	size_t n, cap;
	uint32_t *wlo, *whi, *wrule;
	size_t nw, capw;
	uint32_t *wmax;		/* wmax[i]: largest whi[0..i] (blocks sorted by wlo) */
};

/* A short prefilter content that can only occur near the start of the
 * buffer (startswith, or depth without relative): checked by hand at the
 * start of each scanned buffer instead of by Hyperscan, whose literal
 * matcher slows down for every short literal it must find anywhere. */
#define ANCH_MAX_LEN 8		/* startswith contents up to this long (one
				 * position each) leave Hyperscan: the 256
				 * six-byte "XOR key" ones of ET Open made the
				 * main to-server stream database ~25 % slower */
#define ANCH_MAX_LEN_DEPTH 5	/* other anchored ones (a range of positions):
				 * measured, 5 beats 4, 6, 8, 16, 64; Hyperscan
				 * picks its literal engine by the set, and the
				 * to-client database lost ~25 % at 8 */
#define ANCH_MAX_END 64		/* the content must end within this */
struct anch {
	uint8_t pat[ANCH_MAX_LEN];
	uint8_t len;
	bool nocase;
	uint8_t lo, hi;		/* start >= lo, start + len <= hi */
	uint32_t rule;
};

/* Subgroups, each with a database of its own:
 * - port: rules that apply to one server (or client) port only, scanned
 *   only on flows with that port (as Suricata's port groups): the group's
 *   main database stays smaller, and binary-protocol patterns full of zero
 *   bytes (SMB, DCERPC, which slow Hyperscan down on all traffic) are only
 *   looked for where they apply;
 * - protocol: payload rules of an application protocol (`alert dns`,
 *   `alert smb`, ...) can only match on flows of that protocol
 *   (proto_match()), so they are scanned only on such flows: the main
 *   payload databases, scanned on every byte of TCP and UDP, hold the
 *   protocol-less rules only (ET Open, to-server stream + packet: 726 ->
 *   546 patterns; standalone hs_scan of the main database 0.59 -> 0.39
 *   ns/byte). */
struct group;
#define SIDE_APP 2
struct psub {
	uint16_t port;
	uint8_t side;		/* 0: destination port, 1: source port, SIDE_APP */
	const char *app;	/* SIDE_APP: the protocol */
	struct group *g;
};

struct group {
	hs_database_t *db;
	struct psub *subs;	/* sorted by (side, port); protocol ones last */
	size_t nsubs, cap_subs;
	size_t nport_subs;	/* subs[0, nport_subs) are port subgroups */
	uint64_t *psub_bits[2];	/* by side: one bit per port that has a subgroup */
	bool app_split;		/* a payload group: protocol subgroups */
	uint32_t *ids;		/* pattern id -> rule index */
	size_t nids;
	uint32_t *always;	/* rules without a fast pattern */
	size_t nalways, cap_always;
	/* packet groups: for each TCP flags byte, the always rules whose
	 * flags keyword can pass (in rule order) */
	uint32_t *by_flags;
	uint32_t by_flags_at[257];
	uint32_t *ionly;	/* address-only packet rules */
	size_t nionly, cap_ionly;
	struct anch *anch;	/* sorted by bucket (anch_key()) */
	size_t nanch, cap_anch;
	uint16_t *anch_at;	/* ANCH_NB + 1: bucket (anch_key()) -> first index in anch */
	uint8_t anch_end;	/* largest hi */
	bool is_sub;		/* a port subgroup (not split further) */
	uint8_t anch_maxp[256];	/* first byte -> 1 + the largest start allowed, 0 none */
	uint64_t *anch_pair;	/* bit (b0 << 8 | b1): an entry may start with b0 b1 */
	/* build-time */
	char **pats;
	unsigned *flags;
	size_t npats, cap_pats;
};

/* Bounds a rule's ports and dsize can never match outside of, checked
 * before the full verification (a port list counts by its hull). */
struct rule_quick {
	uint16_t sp_lo, sp_hi, dp_lo, dp_hi;
	uint32_t ds_lo, ds_hi;
	bool win_first;		/* suffix_safe(): a stream window is tried first */
};

struct net_rules {
	struct rule *rules;
	size_t n, cap;
	struct rule_quick *quick;	/* n entries */
	struct rule_names flowbits;
	struct group g[NSLOTS][2];
	bool slot_used[NSLOTS];
	struct ipidx by_src, by_dst;
	uint32_t *keyed6;	/* keyed rules that name IPv6 blocks wider than /128 */
	size_t nkeyed6, cap_keyed6;
	struct ip6key *src6, *dst6;	/* keyed rules' IPv6 addresses, sorted */
	size_t nsrc6, ndst6, capsrc6, capdst6;
	hs_scratch_t *proto_scratch;
	char *cache_dir;	/* NULL: no on-disk cache */
	char id[65];
};

size_t net_rules_count(const struct net_rules *r)
{
	return r ? r->n : 0;
}

const struct rule *net_rules_rule(const struct net_rules *r, size_t i)
{
	return r && i < r->n ? &r->rules[i] : NULL;
}

const char *net_rules_id(const struct net_rules *r)
{
	return r ? r->id : "";
}

/* ---- loading ---- */

static int read_file(const char *path, char **out, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *b = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;
	if (fd < 0)
		return mm_from_errno(errno);
	for (;;) {
		if (cap - n < 65536) {
			if (cap >= RULES_FILE_MAX) {
				rc = MM_ELIMIT;
				goto out;
			}
			size_t nc = cap ? cap * 2 : 262144;
			char *nb = realloc(b, nc + 1);
			if (!nb) {
				rc = MM_ENOMEM;
				goto out;
			}
			b = nb;
			cap = nc;
		}
		ssize_t k = read(fd, b + n, cap - n);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			rc = mm_from_errno(errno);
			goto out;
		}
		if (k == 0)
			break;
		n += (size_t)k;
	}
	b[n] = '\0';
	*out = b;
	*len = n;
	b = NULL;
out:
	free(b);
	close(fd);
	return rc;
}

static long sid_of(const char *text)
{
	const char *p = text;
	while ((p = strstr(p, "sid")) != NULL) {
		const char *q = p + 3;
		while (*q == ' ' || *q == '\t')
			q++;
		if ((p == text || p[-1] == ';' || p[-1] == ' ' || p[-1] == '(') && *q == ':') {
			q++;
			while (*q == ' ')
				q++;
			return strtol(q, NULL, 10);
		}
		p += 3;
	}
	return -1;
}

static enum mm_level level_of(const struct rule *r)
{
	static const struct {
		const char *c;
		int prio;
	} cls[] = {
		{ "attempted-admin", 1 }, { "attempted-user", 1 }, { "inappropriate-content", 1 },
		{ "policy-violation", 1 }, { "shellcode-detect", 1 }, { "successful-admin", 1 },
		{ "successful-user", 1 }, { "trojan-activity", 1 }, { "unsuccessful-user", 1 },
		{ "web-application-attack", 1 }, { "exploit-kit", 1 }, { "domain-c2", 1 },
		{ "command-and-control", 1 }, { "credential-theft", 1 }, { "targeted-activity", 1 },
		{ "bad-unknown", 2 }, { "attempted-dos", 2 }, { "attempted-recon", 2 },
		{ "denial-of-service", 2 }, { "misc-attack", 2 }, { "non-standard-protocol", 2 },
		{ "rpc-portmap-decode", 2 }, { "successful-dos", 2 }, { "successful-recon-largescale", 2 },
		{ "successful-recon-limited", 2 }, { "suspicious-filename-detect", 2 },
		{ "suspicious-login", 2 }, { "system-call-detect", 2 }, { "unusual-client-port-connection", 2 },
		{ "web-application-activity", 2 }, { "coin-mining", 2 }, { "social-engineering", 2 },
		{ "external-ip-check", 2 }, { "pup-activity", 2 }, { "default-login-attempt", 2 },
		{ "icmp-event", 3 }, { "misc-activity", 3 }, { "network-scan", 3 }, { "not-suspicious", 3 },
		{ "protocol-command-decode", 3 }, { "string-detect", 3 }, { "unknown", 3 },
		{ "tcp-connection", 4 },
	};
	int prio = r->priority;
	if (!prio && r->classtype)
		for (size_t i = 0; i < sizeof(cls) / sizeof(cls[0]); i++)
			if (!strcmp(cls[i].c, r->classtype))
				prio = cls[i].prio;
	switch (prio) {
	case 1: return MM_LEVEL_HIGH;
	case 2: return MM_LEVEL_MEDIUM;
	case 0: case 3: return MM_LEVEL_LOW;
	default: return MM_LEVEL_INFORMATIONAL;
	}
}

static int add_rule(struct net_rules *rs, struct rule *r)
{
	struct rule *nr = mm_grow(rs->rules, rs->n, &rs->cap, sizeof(*nr), 256);
	if (!nr)
		return MM_ENOMEM;
	rs->rules = nr;
	r->index = (uint32_t)rs->n;
	rs->rules[rs->n++] = *r;
	return 0;
}

struct load_ctx {
	struct net_rules *rs;
	const struct mm_config *cfg;
	struct mm_rule_report *report;
	struct mm_catalogue *cat;
	struct mm_sha256 sha;
	size_t loaded;
	uint64_t *seen;		/* (gid, sid) + 1 of loaded rules, open addressing */
	size_t seen_n, seen_cap;
};

/* True if (gid, sid) was loaded before; records it otherwise. On out of
 * memory the check is skipped (a duplicate then loads). */
static bool seen_before(struct load_ctx *lc, uint32_t gid, uint32_t sid)
{
	uint64_t key = (((uint64_t)gid << 32) | sid) + 1;
	if (lc->seen_n * 2 >= lc->seen_cap) {
		size_t nc = lc->seen_cap ? lc->seen_cap * 2 : 1024;
		uint64_t *nt = calloc(nc, sizeof(*nt));
		if (!nt)
			return false;
		for (size_t i = 0; i < lc->seen_cap; i++) {
			uint64_t k = lc->seen[i];
			if (!k)
				continue;
			size_t h = (size_t)(k * 0x9e3779b97f4a7c15ULL) & (nc - 1);
			while (nt[h])
				h = (h + 1) & (nc - 1);
			nt[h] = k;
		}
		free(lc->seen);
		lc->seen = nt;
		lc->seen_cap = nc;
	}
	size_t h = (size_t)(key * 0x9e3779b97f4a7c15ULL) & (lc->seen_cap - 1);
	while (lc->seen[h]) {
		if (lc->seen[h] == key)
			return true;
		h = (h + 1) & (lc->seen_cap - 1);
	}
	lc->seen[h] = key;
	lc->seen_n++;
	return false;
}

static void one_rule(struct load_ctx *lc, const char *file, long line, const char *text, size_t len)
{
	struct rule r;
	char key[200], reason[512];
	struct rule_parse_env pe = { lc->cfg, &lc->rs->flowbits };
	int rc = rule_parse(&r, text, len, &pe, key, sizeof(key), reason, sizeof(reason));
	char idbuf[32];
	if (rc) {
		long sid = sid_of(text);
		if (sid > 0)
			snprintf(idbuf, sizeof(idbuf), "sid:%ld", sid);
		if (lc->report)
			mm_rule_report_rejected(lc->report, "net", file, line, sid > 0 ? idbuf : NULL,
						key[0] ? key : mm_strerror(rc), reason[0] ? reason : mm_strerror(rc));
		return;
	}
	if (lc->rs->n >= RULES_MAX) {
		if (lc->report)
			mm_rule_report_rejected(lc->report, "net", file, line, NULL, "limit: too many rules",
						"too many rules");
		rule_release(&r);
		return;
	}
	if (seen_before(lc, r.gid, r.sid)) {
		snprintf(idbuf, sizeof(idbuf), "sid:%u", r.sid);
		if (lc->report)
			mm_rule_report_rejected(lc->report, "net", file, line, idbuf, "duplicate sid",
						"a rule with this gid and sid is already loaded");
		rule_release(&r);
		return;
	}
	r.file = strdup(file);
	r.line = line;
	if (lc->cat) {
		struct mm_rule_meta m;
		memset(&m, 0, sizeof(m));
		snprintf(idbuf, sizeof(idbuf), "sid:%u", r.sid);
		m.id = idbuf;
		m.name = r.msg ? r.msg : idbuf;
		m.engine = "net";
		m.ruleset = file;
		m.category = r.classtype;
		m.level = level_of(&r);
		m.source_file = file;
		m.source_line = line;
		for (unsigned i = 0; i < r.nrefs && i < MM_ALERT_MAX_LIST - 1; i++)
			m.references[i] = r.refs[i];
		const struct mm_rule_meta *stored = NULL;
		if (mm_catalogue_add(lc->cat, &m, &stored) == 0)
			r.meta = stored;
	}
	if (add_rule(lc->rs, &r)) {
		rule_release(&r);
		return;
	}
	lc->loaded++;
}

static void load_text(struct load_ctx *lc, const char *file, const char *text, size_t len)
{
	struct mm_buf cur;
	long line = 0, start_line = 0;
	const char *p = text, *end = text + len;
	mm_buf_init(&cur, RULE_MAX_TEXT + 1024);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		line++;
		size_t n = (size_t)(le - p);
		if (n && p[n - 1] == '\r')
			n--;
		bool cont = n && p[n - 1] == '\\';
		if (cur.len == 0) {
			size_t i = 0;
			while (i < n && (p[i] == ' ' || p[i] == '\t'))
				i++;
			if (i == n || p[i] == '#') {
				p = nl ? nl + 1 : end;
				continue;
			}
			start_line = line;
		}
		if (mm_buf_append(&cur, p, cont ? n - 1 : n) != 0) {
			if (lc->report)
				mm_rule_report_rejected(lc->report, "net", file, start_line, NULL,
							"limit: rule too long", "rule longer than 64 KiB");
			mm_buf_reset(&cur);
			cont = false;
			/* skip the rest of this rule's continuation lines */
		} else if (!cont) {
			one_rule(lc, file, start_line, (const char *)cur.ptr, cur.len);
			mm_buf_reset(&cur);
		}
		p = nl ? nl + 1 : end;
	}
	if (cur.len)
		one_rule(lc, file, start_line, (const char *)cur.ptr, cur.len);
	mm_buf_release(&cur);
}

static int load_file(struct load_ctx *lc, const char *path, struct mm_diag *diag)
{
	char *text = NULL;
	size_t len = 0;
	int rc = read_file(path, &text, &len);
	if (rc) {
		if (lc->report)
			mm_rule_report_rejected(lc->report, "net", path, -1, NULL, "unreadable rule file",
						mm_strerror(rc));
		return mm_diag_set(diag, rc, path, -1, -1, "cannot read rule file: %s", mm_strerror(rc));
	}
	mm_sha256_update(&lc->sha, path, strlen(path) + 1);
	mm_sha256_update(&lc->sha, text, len);
	load_text(lc, path, text, len);
	free(text);
	return 0;
}

static bool is_rules_name(const char *n)
{
	size_t l = strlen(n);
	return l > 6 && !strcmp(n + l - 6, ".rules");
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int load_path(struct load_ctx *lc, const char *path, bool explicit_file, struct mm_diag *diag)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return explicit_file ? mm_diag_set(diag, MM_ENOENT, path, -1, -1, "no such rule path") : 0;
	if (!S_ISDIR(st.st_mode))
		return is_rules_name(path) ? load_file(lc, path, diag) : 0;
	DIR *d = opendir(path);
	if (!d)
		return 0;
	char **names = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (!is_rules_name(de->d_name))
			continue;
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 64;
			char **nn = realloc(names, nc * sizeof(*nn));
			if (!nn) {
				rc = MM_ENOMEM;
				goto out;
			}
			names = nn;
			cap = nc;
		}
		size_t l = strlen(path) + strlen(de->d_name) + 2;
		names[n] = malloc(l);
		if (!names[n]) {
			rc = MM_ENOMEM;
			goto out;
		}
		snprintf(names[n], l, "%s/%s", path, de->d_name);
		n++;
	}
	if (n)
		qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n; i++)
		load_file(lc, names[i], NULL);
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	return rc;
}

/* ---- groups and Hyperscan ---- */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

static int cmp_ip6(const void *a, const void *b)
{
	return memcmp(((const struct ip6key *)a)->a, ((const struct ip6key *)b)->a, 16);
}

static int push_u32(uint32_t **v, size_t *n, size_t *cap, uint32_t x)
{
	uint32_t *nv = mm_grow(*v, *n, cap, sizeof(*nv), 16);
	if (!nv)
		return MM_ENOMEM;
	*v = nv;
	(*v)[(*n)++] = x;
	return 0;
}

static size_t rule_slots(const struct rule *r, unsigned *out)
{
	size_t n = 0;
	if (r->point == RP_STREAM) {
		out[n++] = SLOT_STREAM;
	} else if (r->point == RP_PACKET) {
		/* ip_proto:41 and the like never see a TCP or UDP packet */
		if ((r->ipproto == 0 || r->ipproto == 6) && rule_range_match(&r->ip_proto, 6))
			out[n++] = SLOT_PKT_TCP;
		if ((r->ipproto == 0 || r->ipproto == 17) && rule_range_match(&r->ip_proto, 17))
			out[n++] = SLOT_PKT_UDP;
		if (r->ipproto != 6 && r->ipproto != 17)
			out[n++] = SLOT_PKT_OTHER;
	} else {
		/* tx rules without a fast pattern: "always" of slot 0 */
		out[n++] = r->fp >= 0 ? r->m[r->fp].buf : 0;
	}
	return n;
}

/* The IPv4 ranges of one side of an address-only rule, if that side can
 * key it: a single IPv4 block or a list of plain blocks; *cover is the
 * number of addresses covered (smaller is a better key). */
static bool side_key(const struct rule_addr *a, const uint32_t **lo, const uint32_t **hi,
		     size_t *n, uint32_t one[2], double *cover)
{
	if (a->neg)
		return false;
	if (a->kind == 1 && a->ver == 4) {
		uint32_t v = ((uint32_t)a->addr[0] << 24) | ((uint32_t)a->addr[1] << 16) |
			     ((uint32_t)a->addr[2] << 8) | a->addr[3];
		uint32_t mask = a->prefix ? 0xffffffffu << (32 - a->prefix) : 0;
		one[0] = v & mask;
		one[1] = (v & mask) | ~mask;
		*lo = &one[0];
		*hi = &one[1];
		*n = 1;
	} else if (a->kind == 2 && a->leaves) {
		*lo = a->v4lo;
		*hi = a->v4hi;
		*n = a->nv4;
	} else {
		return false;
	}
	*cover = (double)a->nkids - (double)a->nv4;	/* IPv6 members: few addresses each */
	for (size_t i = 0; i < *n; i++)
		*cover += (double)((*hi)[i] - (*lo)[i]) + 1;
	return true;
}

static int ipidx_add(struct ipidx *x, const uint32_t *v4lo, const uint32_t *v4hi, size_t nv4,
		     uint32_t rule)
{
	for (size_t i = 0; i < nv4; i++) {
		int rc;
		if (v4lo[i] == v4hi[i]) {
			size_t c1 = x->cap, c2 = x->cap;
			uint32_t *ni = mm_grow(x->ip, x->n, &c1, sizeof(*ni), 1024);
			if (!ni)
				return MM_ENOMEM;
			x->ip = ni;
			uint32_t *nr = mm_grow(x->rule, x->n, &c2, sizeof(*nr), 1024);
			if (!nr)
				return MM_ENOMEM;
			x->rule = nr;
			x->cap = c1;
			x->ip[x->n] = v4lo[i];
			x->rule[x->n] = rule;
			x->n++;
			continue;
		}
		size_t c = x->capw;
		rc = push_u32(&x->wlo, &x->nw, &c, v4lo[i]);
		if (rc)
			return rc;
		x->nw--;
		c = x->capw;
		rc = push_u32(&x->whi, &x->nw, &c, v4hi[i]);
		if (rc)
			return rc;
		x->nw--;
		rc = push_u32(&x->wrule, &x->nw, &x->capw, rule);
		if (rc)
			return rc;
	}
	return 0;
}

struct wide {
	uint32_t lo, hi, rule;
};

static int cmp_wide(const void *a, const void *b)
{
	const struct wide *x = a, *y = b;
	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return (x->rule > y->rule) - (x->rule < y->rule);
}

/* Sorts the wide blocks by start and builds wmax, for a binary search. */
static int ipidx_sort_wide(struct ipidx *x)
{
	if (!x->nw)
		return 0;
	struct wide *t = malloc(x->nw * sizeof(*t));
	x->wmax = malloc(x->nw * sizeof(*x->wmax));
	if (!t || !x->wmax) {
		free(t);
		return MM_ENOMEM;
	}
	for (size_t i = 0; i < x->nw; i++)
		t[i] = (struct wide){ x->wlo[i], x->whi[i], x->wrule[i] };
	qsort(t, x->nw, sizeof(*t), cmp_wide);
	uint32_t m = 0;
	for (size_t i = 0; i < x->nw; i++) {
		x->wlo[i] = t[i].lo;
		x->whi[i] = t[i].hi;
		x->wrule[i] = t[i].rule;
		m = MM_MAX(m, t[i].hi);
		x->wmax[i] = m;
	}
	free(t);
	return 0;
}

static void ipidx_sort(struct ipidx *x)
{
	/* insertion-free: sort (ip, rule) pairs by packing them in 64 bits */
	uint64_t *t = malloc((x->n ? x->n : 1) * sizeof(*t));
	if (!t)
		return;
	for (size_t i = 0; i < x->n; i++)
		t[i] = ((uint64_t)x->ip[i] << 32) | x->rule[i];
	qsort(t, x->n, sizeof(*t), cmp_u64);
	for (size_t i = 0; i < x->n; i++) {
		x->ip[i] = (uint32_t)(t[i] >> 32);
		x->rule[i] = (uint32_t)t[i];
	}
	free(t);
}

static void ipidx_release(struct ipidx *x)
{
	free(x->ip);
	free(x->rule);
	free(x->wlo);
	free(x->whi);
	free(x->wrule);
	free(x->wmax);
}

/* The hull of the ports a port expression can match; false: any. */
static bool port_hull(const struct rule_addr *a, uint16_t *lo, uint16_t *hi)
{
	if (a->neg || a->kind == 0)
		return false;
	if (a->kind == 1) {
		*lo = a->lo;
		*hi = a->hi;
		return true;
	}
	bool any = false;
	uint16_t l = 65535, h = 0;
	for (size_t i = 0; i < a->nkids; i++) {
		uint16_t kl, kh;
		if (a->kids[i].neg)
			continue;
		if (!port_hull(&a->kids[i], &kl, &kh))
			return false;
		any = true;
		l = MM_MIN(l, kl);
		h = MM_MAX(h, kh);
	}
	if (!any)
		return false;
	*lo = l;
	*hi = h;
	return true;
}

/* Whether a match of r's payload items on a buffer implies one on any
 * longer buffer that ends with it (a stream window: the previous chunk's
 * tail + this chunk): every item finds its place relative to the one
 * before it or anywhere up to the end (the end is the same). Negated
 * items, positions counted from the start (offset, depth, startswith,
 * absolute byte_* items), bsize and pcre that is not relative (^, the
 * leftmost match) do not. */
static bool suffix_safe(const struct rule *r)
{
	for (unsigned i = 0; i < r->nm; i++) {
		const struct rule_match *m = &r->m[i];
		if (m->buf != RB_PAYLOAD)
			continue;
		if (m->negated)
			return false;
		switch (m->type) {
		case RM_CONTENT:
			if (!m->relative && (m->has_offset || m->has_depth || m->startswith))
				return false;
			break;
		case RM_ISDATAAT:
			break;
		case RM_PCRE:
		case RM_BYTE_TEST:
		case RM_BYTE_EXTRACT:
		case RM_BYTE_MATH:
			if (!m->relative)
				return false;
			break;
		case RM_BYTE_JUMP:
			if (!m->relative || m->from_beginning)
				return false;
			break;
		default:
			return false;
		}
	}
	return true;
}

static void quick_of(const struct rule *r, struct rule_quick *q)
{
	q->win_first = r->point == RP_STREAM && suffix_safe(r);
	q->sp_lo = q->dp_lo = 0;
	q->sp_hi = q->dp_hi = 65535;
	q->ds_lo = 0;
	q->ds_hi = UINT32_MAX;
	if (!r->bidir) {
		if (!port_hull(&r->sp, &q->sp_lo, &q->sp_hi)) {
			q->sp_lo = 0;
			q->sp_hi = 65535;
		}
		if (!port_hull(&r->dp, &q->dp_lo, &q->dp_hi)) {
			q->dp_lo = 0;
			q->dp_hi = 65535;
		}
	}
	const struct rule_range *d = &r->dsize;
	if (!d->set || d->lo < 0 || d->lo > 65535 || d->hi < 0 || d->hi > 65536)
		return;
	uint32_t lo = (uint32_t)d->lo, hi = (uint32_t)d->hi;
	switch (d->cmp) {
	case RC_EQ: q->ds_lo = lo; q->ds_hi = lo; break;
	case RC_LT: if (lo == 0) { q->ds_lo = 1; q->ds_hi = 0; } else q->ds_hi = lo - 1; break;
	case RC_GT: q->ds_lo = lo + 1; break;
	case RC_LE: q->ds_hi = lo; break;
	case RC_GE: q->ds_lo = lo; break;
	case RC_RANGE: q->ds_lo = lo + 1; q->ds_hi = hi ? hi - 1 : 0; break;
	default: break;
	}
}

/* For an anchored short content, the window [lo, hi) its match lies in. */
static bool anchored(const struct rule_match *m, size_t n, uint8_t *lo, uint8_t *hi)
{
	if (n == 0 || n > (m->startswith ? ANCH_MAX_LEN : ANCH_MAX_LEN_DEPTH) || m->fp_chop ||
	    m->relative)
		return false;
	int64_t a = 0, b;
	if (m->startswith) {
		b = (int64_t)m->patlen;
	} else {
		if (!m->has_depth || m->depth.var >= 0 || (m->has_offset && m->offset.var >= 0))
			return false;
		a = m->has_offset ? m->offset.v : 0;
		if (a < 0)
			a = 0;
		b = a + m->depth.v;
	}
	if (b > ANCH_MAX_END || b < a + (int64_t)n)
		return false;
	*lo = (uint8_t)a;
	*hi = (uint8_t)b;
	return true;
}

/* ASCII lower case of every byte value (what HS_FLAG_CASELESS folds). */
static const uint8_t fold[256] = {
#define F1(x) (uint8_t)((x) >= 'A' && (x) <= 'Z' ? (x) + 32 : (x))
#define F4(x) F1(x), F1(x + 1), F1(x + 2), F1(x + 3)
#define F16(x) F4(x), F4(x + 4), F4(x + 8), F4(x + 12)
#define F64(x) F16(x), F16(x + 16), F16(x + 32), F16(x + 48)
	F64(0), F64(64), F64(128), F64(192)
#undef F64
#undef F16
#undef F4
#undef F1
};

static int anch_push(struct group *g, const uint8_t *p, size_t n, bool nocase, uint8_t lo,
		     uint8_t hi, uint32_t idx, bool upper)
{
	struct anch *na = mm_grow(g->anch, g->nanch, &g->cap_anch, sizeof(*na), 16);
	if (!na)
		return MM_ENOMEM;
	g->anch = na;
	struct anch *a = &g->anch[g->nanch++];
	memset(a, 0, sizeof(*a));
	for (size_t i = 0; i < n && i < ANCH_MAX_LEN; i++)
		a->pat[i] = nocase ? fold[p[i]] : p[i];
	if (upper)
		a->pat[0] = (uint8_t)(fold[p[0]] - 32);
	a->len = (uint8_t)n;
	a->nocase = nocase;
	a->lo = lo;
	a->hi = hi;
	a->rule = idx;
	if (hi > g->anch_end)
		g->anch_end = hi;
	return 0;
}

/* Anchored entries are found by their first two bytes: a hash of the
 * pair picks one of ANCH_PAIR_NB buckets (a nocase entry is filed under
 * the lower case of its second byte); entries of one byte are in bucket
 * ANCH_PAIR_NB + that byte. A position of a buffer is looked up in one
 * bucket (two when its second byte is an upper-case letter), instead of
 * every entry that starts with its byte (binary protocols have dozens of
 * entries starting with 00 or ff). */
#define ANCH_PAIR_NB 1024u
#define ANCH_NB (ANCH_PAIR_NB + 256u)
static unsigned anch_pair_key(unsigned b0, unsigned b1)
{
	return ((b0 * 0x9e3u) ^ b1) & (ANCH_PAIR_NB - 1);
}

static unsigned anch_key(const struct anch *a)
{
	return a->len < 2 ? ANCH_PAIR_NB + a->pat[0] : anch_pair_key(a->pat[0], a->pat[1]);
}

static int cmp_anch(const void *x, const void *y)
{
	const struct anch *a = x, *b = y;
	unsigned ka = anch_key(a), kb = anch_key(b);
	if (ka != kb)
		return ka < kb ? -1 : 1;
	return (a->rule > b->rule) - (a->rule < b->rule);
}

static int anch_index(struct group *g)
{
	if (!g->nanch)
		return 0;
	qsort(g->anch, g->nanch, sizeof(*g->anch), cmp_anch);
	g->anch_pair = calloc(65536 / 64, sizeof(*g->anch_pair));
	g->anch_at = malloc((ANCH_NB + 1) * sizeof(*g->anch_at));
	if (!g->anch_pair || !g->anch_at)
		return MM_ENOMEM;
	for (size_t k = 0; k < g->nanch; k++) {
		const struct anch *a = &g->anch[k];
		unsigned b0 = a->pat[0];
		unsigned mp = (unsigned)(a->hi - a->len) + 1u;
		if (mp > g->anch_maxp[b0])
			g->anch_maxp[b0] = (uint8_t)mp;
		for (unsigned b1 = 0; a->len >= 2 && b1 < 256; b1++) {
			bool ok = b1 == a->pat[1] || (a->nocase && fold[b1] == a->pat[1]);
			if (ok)
				g->anch_pair[(b0 << 8 | b1) / 64] |= 1ull << ((b0 << 8 | b1) % 64);
		}
	}
	size_t k = 0;
	for (unsigned b = 0; b < ANCH_NB; b++) {
		g->anch_at[b] = (uint16_t)k;
		while (k < g->nanch && anch_key(&g->anch[k]) == b)
			k++;
	}
	g->anch_at[ANCH_NB] = (uint16_t)k;
	return 0;
}

/* A pattern with runs of zero bytes is cut to its longest piece between
 * such runs when that piece has at least ZF_MIN_LEN bytes (a piece of a
 * content is as sound a prefilter): Hyperscan's literal matcher is slow
 * on every byte of binary traffic for each zero-run literal it must find
 * (measured: 0.70 -> 0.60 ns/byte on the main stream database). */
#define ZF_MIN_LEN 3
static void zero_free(const uint8_t **p, size_t *n)
{
	const uint8_t *b = *p, *best = NULL;
	size_t bl = 0, start = 0, i = 0;
	bool runs = false;
	while (i <= *n) {
		bool cut = i == *n || (i + 1 < *n && b[i] == 0 && b[i + 1] == 0);
		if (!cut) {
			i++;
			continue;
		}
		if (i < *n)
			runs = true;
		if (i - start > bl) {
			bl = i - start;
			best = b + start;
		}
		if (i == *n)
			break;
		while (i < *n && b[i] == 0)
			i++;
		start = i;
	}
	if (runs && best && bl >= ZF_MIN_LEN) {
		*p = best;
		*n = bl;
	}
}

/* g's subgroup for (side, port) or (SIDE_APP, app), made on first use;
 * NULL: out of memory. */
static struct group *sub_get(struct group *g, uint8_t side, uint16_t port, const char *app)
{
	for (size_t i = 0; i < g->nsubs; i++) {
		const struct psub *p = &g->subs[i];
		if (p->side == side && p->port == port && (!app || !strcmp(p->app, app)))
			return p->g;
	}
	struct psub *ns = mm_grow(g->subs, g->nsubs, &g->cap_subs, sizeof(*ns), 16);
	if (!ns)
		return NULL;
	g->subs = ns;
	struct group *sg = calloc(1, sizeof(*sg));
	if (!sg)
		return NULL;
	sg->is_sub = true;
	g->subs[g->nsubs++] = (struct psub){ port, side, app, sg };
	return sg;
}

static int group_add_pattern(struct group *g, const struct rule *r, uint32_t idx)
{
	const struct rule_match *m = &r->m[r->fp];
	const uint8_t *p = m->pat;
	size_t n = m->patlen;
	if (m->fp_chop) {
		p += m->fp_off;
		n = m->fp_len;
	}
	uint8_t lo, hi;
	if (g->nanch < 60000 && m->buf != r->dotprefix_buf && anchored(m, n, &lo, &hi)) {
		int rc = anch_push(g, p, n, m->nocase, lo, hi, idx, false);
		/* nocase: under both cases of the first byte */
		if (!rc && m->nocase && fold[p[0]] >= 'a' && fold[p[0]] <= 'z')
			rc = anch_push(g, p, n, true, lo, hi, idx, true);
		return rc;
	}
	struct group *sg = NULL;
	if (g->app_split && r->app_proto) {
		sg = sub_get(g, SIDE_APP, 0, r->app_proto);
		if (!sg)
			return MM_ENOMEM;
	} else if (!g->is_sub) {
		struct rule_quick q;
		quick_of(r, &q);
		if (q.dp_lo == q.dp_hi || q.sp_lo == q.sp_hi) {
			uint8_t side = q.dp_lo == q.dp_hi ? 0 : 1;
			sg = sub_get(g, side, side == 0 ? q.dp_lo : q.sp_lo, NULL);
			if (!sg)
				return MM_ENOMEM;
		}
	}
	if (sg)
		return group_add_pattern(sg, r, idx);
	/* three arrays of one capacity: each grows from the same old one */
	size_t c1 = g->cap_pats, c2 = g->cap_pats, c3 = g->cap_pats;
	char **np = mm_grow(g->pats, g->npats, &c1, sizeof(*np), 64);
	if (!np)
		return MM_ENOMEM;
	g->pats = np;
	unsigned *nf = mm_grow(g->flags, g->npats, &c2, sizeof(*nf), 64);
	if (!nf)
		return MM_ENOMEM;
	g->flags = nf;
	uint32_t *ni = mm_grow(g->ids, g->npats, &c3, sizeof(*ni), 64);
	if (!ni)
		return MM_ENOMEM;
	g->ids = ni;
	g->cap_pats = c1;
	if (!g->is_sub)
		zero_free(&p, &n);
	char *s = malloc(n * 4 + 1);
	if (!s)
		return MM_ENOMEM;
	static const char hexd[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		s[i * 4] = '\\';
		s[i * 4 + 1] = 'x';
		s[i * 4 + 2] = hexd[p[i] >> 4];
		s[i * 4 + 3] = hexd[p[i] & 15];
	}
	s[n * 4] = '\0';
	g->pats[g->npats] = s;
	g->flags[g->npats] = HS_FLAG_SINGLEMATCH | (m->nocase ? HS_FLAG_CASELESS : 0);
	g->ids[g->npats] = idx;
	g->npats++;
	g->nids = g->npats;
	return 0;
}

/* ---- compiled database cache ----
 * One file per group, $cache_dir/net-rules/<key>-<version>.hsdb, written
 * with hs_serialize_database (to a temporary name, then renamed). The key
 * is the SHA-256 of exactly what is compiled (every pattern, its flags
 * and its position, which is its id), so a file is only ever used for the
 * same pattern list, whatever changed in how rules are parsed or grouped.
 * A file Hyperscan will not load (other version or CPU) is ignored and
 * rewritten. */
#define CACHE_VERSION "v4"
#define CACHE_MAX (256u << 20)

static bool cache_path(const struct net_rules *rs, const struct group *g, char *out, size_t cap)
{
	struct mm_sha256 h;
	uint8_t dg[32];
	char hex[65];
	out[0] = '\0';
	if (!rs->cache_dir || !rs->cache_dir[0] || mm_sha256_init(&h) != 0)
		return false;
	for (size_t k = 0; k < g->npats; k++) {
		uint32_t f = g->flags[k];
		mm_sha256_update(&h, g->pats[k], strlen(g->pats[k]) + 1);
		mm_sha256_update(&h, &f, sizeof(f));
	}
	mm_sha256_final(&h, dg);
	mm_sha256_release(&h);
	mm_hex(dg, 32, hex);
	hex[64] = '\0';
	int n = snprintf(out, cap, "%s/net-rules/%s-%s.hsdb", rs->cache_dir, hex, CACHE_VERSION);
	if (n < 0 || (size_t)n >= cap) {
		out[0] = '\0';
		return false;
	}
	return true;
}

static bool cache_read(const char *path, hs_database_t **db)
{
	char *b = NULL;
	size_t n = 0;
	struct stat st;
	if (stat(path, &st) != 0 || st.st_size <= 0 || (uint64_t)st.st_size > CACHE_MAX)
		return false;
	if (read_file(path, &b, &n) != 0)
		return false;
	bool ok = hs_deserialize_database(b, n, db) == HS_SUCCESS;
	free(b);
	if (!ok)
		*db = NULL;
	return ok;
}

static void cache_write(const char *path, const hs_database_t *db)
{
	char *bytes = NULL, tmp[4200], dir[4096];
	size_t n = 0;
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (!slash)
		return;
	*slash = '\0';
	char *parent = strrchr(dir, '/');
	if (parent) {
		*parent = '\0';
		mkdir(dir, 0700);
		*parent = '/';
	}
	mkdir(dir, 0700);
	if (hs_serialize_database(db, &bytes, &n) != HS_SUCCESS)
		return;
	snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd >= 0) {
		size_t off = 0;
		while (off < n) {
			ssize_t k = write(fd, bytes + off, n - off);
			if (k <= 0)
				break;
			off += (size_t)k;
		}
		if (close(fd) == 0 && off == n)
			rename(tmp, path);
		else
			unlink(tmp);
	}
	free(bytes);
}

/* The rule's flags keyword on a TCP flags byte. */
static bool flags_ok(const struct rule *r, uint8_t tcp_flags)
{
	if (!r->has_flags)
		return true;
	uint8_t fl = (uint8_t)(tcp_flags & r->flags_mask);
	switch (r->flags_mode) {
	case '+': return (fl & r->flags_set) == r->flags_set;
	case '*': return (fl & r->flags_set) != 0;
	case '!': return (fl & r->flags_set) == 0;
	default: return fl == r->flags_set;
	}
}

/* g->by_flags from g->always (packet groups). */
static int index_flags(const struct net_rules *rs, struct group *g)
{
	size_t n = 0;
	for (unsigned f = 0; f < 256; f++)
		for (size_t k = 0; k < g->nalways; k++)
			n += flags_ok(&rs->rules[g->always[k]], (uint8_t)f);
	g->by_flags = malloc((n ? n : 1) * sizeof(*g->by_flags));
	if (!g->by_flags)
		return MM_ENOMEM;
	n = 0;
	for (unsigned f = 0; f < 256; f++) {
		g->by_flags_at[f] = (uint32_t)n;
		for (size_t k = 0; k < g->nalways; k++)
			if (flags_ok(&rs->rules[g->always[k]], (uint8_t)f))
				g->by_flags[n++] = g->always[k];
	}
	g->by_flags_at[256] = (uint32_t)n;
	return 0;
}

static int cmp_psub(const void *x, const void *y)
{
	const struct psub *a = x, *b = y;
	if (a->side != b->side)
		return a->side < b->side ? -1 : 1;
	return (a->port > b->port) - (a->port < b->port);
}

/* Compiles g's patterns (and its port subgroups') into Hyperscan
 * databases, through the on-disk cache. */
static int compile_group(struct net_rules *rs, struct group *g, struct mm_diag *diag)
{
	int rc;
	if (g->nsubs) {
		qsort(g->subs, g->nsubs, sizeof(*g->subs), cmp_psub);
		for (int side = 0; side < 2; side++)
			if (!(g->psub_bits[side] = calloc(65536 / 64, sizeof(uint64_t))))
				return MM_ENOMEM;
		while (g->nport_subs < g->nsubs && g->subs[g->nport_subs].side != SIDE_APP) {
			const struct psub *p = &g->subs[g->nport_subs++];
			g->psub_bits[p->side][p->port / 64] |= 1ull << (p->port % 64);
		}
	}
	for (size_t i = 0; i < g->nsubs; i++) {
		struct group *sg = g->subs[i].g;
		if (anch_index(sg))
			return MM_ENOMEM;
		rc = compile_group(rs, sg, diag);
		if (rc)
			return rc;
	}
	if (!g->npats)
		return 0;
	char cpath[4096];
	bool cached = cache_path(rs, g, cpath, sizeof(cpath)) && cache_read(cpath, &g->db);
	hs_error_t he = HS_SUCCESS;
	hs_compile_error_t *ce = NULL;
	if (!cached) {
		unsigned *ids = malloc(g->npats * sizeof(*ids));
		if (!ids)
			return MM_ENOMEM;
		for (size_t k = 0; k < g->npats; k++)
			ids[k] = (unsigned)k;
		he = hs_compile_multi((const char *const *)g->pats, g->flags, ids, (unsigned)g->npats,
				      HS_MODE_BLOCK, NULL, &g->db, &ce);
		free(ids);
		if (he == HS_SUCCESS && cpath[0])
			cache_write(cpath, g->db);
	}
	if (he != HS_SUCCESS) {
		rc = mm_diag_set(diag, MM_EDEP, NULL, -1, -1, "hyperscan: %s",
				 ce && ce->message ? ce->message : "compile failed");
		hs_free_compile_error(ce);
		return rc;
	}
	if (hs_alloc_scratch(g->db, &rs->proto_scratch) != HS_SUCCESS)
		return mm_diag_set(diag, MM_ENOMEM, NULL, -1, -1, "hyperscan scratch");
	for (size_t k = 0; k < g->npats; k++)
		free(g->pats[k]);
	free(g->pats);
	free(g->flags);
	g->pats = NULL;
	g->flags = NULL;
	return 0;
}

/* Frees what g owns (not g itself). */
static void group_release(struct group *g)
{
	for (size_t i = 0; i < g->nsubs; i++) {
		group_release(g->subs[i].g);
		free(g->subs[i].g);
	}
	free(g->subs);
	free(g->psub_bits[0]);
	free(g->psub_bits[1]);
	if (g->db)
		hs_free_database(g->db);
	for (size_t k = 0; g->pats && k < g->npats; k++)
		free(g->pats[k]);
	free(g->pats);
	free(g->flags);
	free(g->ids);
	free(g->always);
	free(g->by_flags);
	free(g->ionly);
	free(g->anch);
	free(g->anch_pair);
	free(g->anch_at);
}

static int build_groups(struct net_rules *rs, struct mm_diag *diag)
{
	int rc = 0;
	rs->quick = malloc((rs->n ? rs->n : 1) * sizeof(*rs->quick));
	if (!rs->quick)
		return MM_ENOMEM;
	for (size_t i = 0; i < rs->n; i++)
		quick_of(&rs->rules[i], &rs->quick[i]);
	static const unsigned payload_slots[] = { SLOT_COMB, SLOT_STREAM, SLOT_PKT_TCP, SLOT_PKT_UDP,
						  SLOT_PKT_OTHER };
	for (size_t k = 0; k < MM_ARRAY_SIZE(payload_slots); k++)
		rs->g[payload_slots[k]][0].app_split = rs->g[payload_slots[k]][1].app_split = true;
	for (size_t i = 0; i < rs->n; i++) {
		const struct rule *r = &rs->rules[i];
		unsigned slots[3];
		size_t ns = rule_slots(r, slots);
		const uint32_t *slo = NULL, *shi = NULL, *dlo = NULL, *dhi = NULL;
		size_t sn = 0, dn = 0;
		uint32_t s1[2], d1[2];
		double sc = 0, dc = 0;
		bool ks = r->ip_only && side_key(&r->src, &slo, &shi, &sn, s1, &sc);
		bool kd = r->ip_only && side_key(&r->dst, &dlo, &dhi, &dn, d1, &dc);
		if (r->ip_only && !r->bidir && (ks || kd)) {
			/* keyed by the narrower side's IPv4 blocks: found by
			 * address; members of other families make it also a
			 * rule checked on every IPv6 flow */
			bool by_src = ks && (!kd || sc <= dc);
			const struct rule_addr *side = by_src ? &r->src : &r->dst;
			rc = ipidx_add(by_src ? &rs->by_src : &rs->by_dst, by_src ? slo : dlo,
				       by_src ? shi : dhi, by_src ? sn : dn, (uint32_t)i);
			for (size_t k = 0; !rc && side->kind == 2 && !side->v4only && k < side->nkids; k++) {
				const struct rule_addr *m = &side->kids[k];
				if (m->ver != 6)
					continue;
				if (m->prefix != 128) {
					rc = push_u32(&rs->keyed6, &rs->nkeyed6, &rs->cap_keyed6, (uint32_t)i);
					break;
				}
				struct ip6key **t = by_src ? &rs->src6 : &rs->dst6;
				size_t *tn = by_src ? &rs->nsrc6 : &rs->ndst6;
				size_t *tc = by_src ? &rs->capsrc6 : &rs->capdst6;
				struct ip6key *nt = mm_grow(*t, *tn, tc, sizeof(*nt), 256);
				if (!nt)
					return MM_ENOMEM;
				*t = nt;
				memcpy((*t)[*tn].a, m->addr, 16);
				(*t)[*tn].rule = (uint32_t)i;
				(*tn)++;
			}
			if (rc)
				return rc;
			for (size_t k = 0; k < ns; k++)
				rs->slot_used[slots[k]] = true;
			continue;
		}
		for (size_t k = 0; k < ns; k++) {
			unsigned slot = slots[k];
			for (int dir = 0; dir < 2; dir++) {
				if (dir == APP_TO_SERVER && (r->flow & RF_TO_CLIENT))
					continue;
				if (dir == APP_TO_CLIENT && (r->flow & RF_TO_SERVER))
					continue;
				struct group *g = &rs->g[slot][dir];
				rs->slot_used[slot] = true;
				if (r->fp >= 0 && (slot == SLOT_STREAM || slot == SLOT_PKT_TCP)) {
					rs->slot_used[SLOT_COMB] = true;
					rc = group_add_pattern(&rs->g[SLOT_COMB][dir], r, (uint32_t)i);
					if (rc)
						return rc;
				}
				if (r->fp >= 0)
					rc = group_add_pattern(g, r, (uint32_t)i);
				else if (r->ip_only)
					rc = push_u32(&g->ionly, &g->nionly, &g->cap_ionly, (uint32_t)i);
				else
					rc = push_u32(&g->always, &g->nalways, &g->cap_always, (uint32_t)i);
				if (rc)
					return rc;
			}
		}
	}
	ipidx_sort(&rs->by_src);
	ipidx_sort(&rs->by_dst);
	if (ipidx_sort_wide(&rs->by_src) || ipidx_sort_wide(&rs->by_dst))
		return MM_ENOMEM;
	if (rs->nsrc6)
		qsort(rs->src6, rs->nsrc6, sizeof(*rs->src6), cmp_ip6);
	if (rs->ndst6)
		qsort(rs->dst6, rs->ndst6, sizeof(*rs->dst6), cmp_ip6);
	for (unsigned s = 0; s < NSLOTS; s++)
		for (int dir = 0; dir < 2; dir++) {
			struct group *g = &rs->g[s][dir];
			if (anch_index(g))
				return MM_ENOMEM;
			if ((s == SLOT_PKT_TCP || s == SLOT_PKT_UDP || s == SLOT_PKT_OTHER) && g->nalways &&
			    index_flags(rs, g))
				return MM_ENOMEM;
			rc = compile_group(rs, g, diag);
			if (rc)
				return rc;
		}
	return 0;
}

void net_rules_free(struct net_rules *rs)
{
	if (!rs)
		return;
	for (size_t i = 0; i < rs->n; i++)
		rule_release(&rs->rules[i]);
	free(rs->rules);
	free(rs->quick);
	for (size_t i = 0; i < rs->flowbits.n; i++)
		free(rs->flowbits.v[i]);
	free(rs->flowbits.v);
	for (unsigned s = 0; s < NSLOTS; s++)
		for (int d = 0; d < 2; d++)
			group_release(&rs->g[s][d]);
	if (rs->proto_scratch)
		hs_free_scratch(rs->proto_scratch);
	ipidx_release(&rs->by_src);
	ipidx_release(&rs->by_dst);
	free(rs->cache_dir);
	free(rs->keyed6);
	free(rs->src6);
	free(rs->dst6);
	free(rs);
}

static int finish_load(struct net_rules *rs, struct load_ctx *lc, struct mm_diag *diag)
{
	uint8_t dg[32];
	mm_sha256_final(&lc->sha, dg);
	mm_hex(dg, 32, rs->id);
	rs->id[64] = '\0';
	if (lc->report)
		mm_rule_report_loaded(lc->report, "net", lc->loaded);
	return build_groups(rs, diag);
}

int net_rules_load(struct net_rules **out, const struct mm_engine_env *env, struct mm_diag *diag)
{
	struct net_rules *rs = calloc(1, sizeof(*rs));
	struct load_ctx lc;
	int rc = 0;
	*out = NULL;
	if (!rs)
		return MM_ENOMEM;
	memset(&lc, 0, sizeof(lc));
	lc.rs = rs;
	lc.cfg = env->config;
	lc.report = env->rule_report;
	lc.cat = env->catalogue;
	if (env->cache_dir && !(rs->cache_dir = strdup(env->cache_dir))) {
		free(rs);
		return MM_ENOMEM;
	}
	mm_sha256_init(&lc.sha);
	for (size_t i = 0; env->rule_paths && env->rule_paths[i]; i++) {
		rc = load_path(&lc, env->rule_paths[i], false, diag);
		if (rc)
			goto out;
	}
	if (env->bundled_rules && env->bundled_rules_dir) {
		char p[4096];
		snprintf(p, sizeof(p), "%s/net", env->bundled_rules_dir);
		rc = load_path(&lc, p, false, diag);
		if (rc)
			goto out;
	}
	if (rs->n == 0) {
		if (lc.report)
			mm_rule_report_loaded(lc.report, "net", 0);
		goto out;	/* no rules: *out stays NULL */
	}
	rc = finish_load(rs, &lc, diag);
	if (rc)
		goto out;
	*out = rs;
	rs = NULL;
out:
	mm_sha256_release(&lc.sha);
	free(lc.seen);
	net_rules_free(rs);
	return rc;
}

int net_rules_load_text(struct net_rules **out, const char *text, size_t len,
			const struct mm_config *config, struct mm_rule_report *report)
{
	struct net_rules *rs = calloc(1, sizeof(*rs));
	struct load_ctx lc;
	struct mm_diag diag;
	int rc;
	*out = NULL;
	if (!rs)
		return MM_ENOMEM;
	memset(&lc, 0, sizeof(lc));
	lc.rs = rs;
	lc.cfg = config;
	lc.report = report;
	mm_sha256_init(&lc.sha);
	mm_sha256_update(&lc.sha, text, len);
	load_text(&lc, "<text>", text, len);
	rc = finish_load(rs, &lc, &diag);
	mm_sha256_release(&lc.sha);
	free(lc.seen);
	if (rc) {
		net_rules_free(rs);
		return rc;
	}
	*out = rs;
	return 0;
}

/* ---- per-input state ---- */

struct net_rules_state *net_rules_state_new(const struct net_rules *r)
{
	struct net_rules_state *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->r = r;
	s->nflowbits = r->flowbits.n;
	s->cand = calloc(r->n ? r->n : 1, 1);
	s->cand_list = calloc(r->n ? r->n : 1, sizeof(*s->cand_list));
	s->cand_other = calloc(r->n ? r->n : 1, sizeof(*s->cand_other));
	if (!s->cand || !s->cand_list || !s->cand_other ||
	    (r->proto_scratch && hs_clone_scratch(r->proto_scratch, (hs_scratch_t **)&s->scratch) != HS_SUCCESS)) {
		net_rules_state_free(s);
		return NULL;
	}
	return s;
}

void net_rules_state_free(struct net_rules_state *s)
{
	if (!s)
		return;
	if (s->scratch)
		hs_free_scratch(s->scratch);
	free(s->cand);
	free(s->cand_list);
	free(s->cand_other);
	free(s->win);
	free(s->thr);
	free(s->fallback);
	free(s);
}

void net_rules_state_set_hook(struct net_rules_state *s, net_rules_alert_fn *fn, void *arg)
{
	s->hook = fn;
	s->hook_arg = arg;
}

/* ---- candidates ---- */

struct scan_arg {
	struct net_rules_state *s;
	const struct group *g;
};

static void mark(struct net_rules_state *s, uint32_t idx)
{
	if (s->cand[idx])
		return;
	s->cand[idx] = 1;
	s->cand_list[s->ncand++] = idx;
}

static int on_match(unsigned id, unsigned long long from, unsigned long long to, unsigned flags,
		    void *ctx)
{
	struct scan_arg *a = ctx;
	(void)from;
	(void)to;
	(void)flags;
	if (id < a->g->nids)
		mark(a->s, a->g->ids[id]);
	return 0;
}

/* Marks the rules of the entries of bucket k that occur at data + p. */
static void anch_bucket(struct net_rules_state *s, const struct group *g, unsigned k,
			const uint8_t *data, size_t len, size_t p)
{
	for (unsigned e = g->anch_at[k]; e < g->anch_at[k + 1]; e++) {
		const struct anch *a = &g->anch[e];
		if (p < a->lo || p + a->len > a->hi || p + a->len > len || data[p] != a->pat[0])
			continue;
		bool ok = true;
		for (unsigned i = 1; i < a->len && ok; i++)
			ok = a->nocase ? fold[data[p + i]] == a->pat[i] : data[p + i] == a->pat[i];
		if (ok)
			mark(s, a->rule);
	}
}

/* The anchored contents of g at the start of data (a nocase content is
 * filed under both cases of its first byte). */
static void anch_scan(struct net_rules_state *s, const struct group *g, const uint8_t *data,
		      size_t len)
{
	size_t end = MM_MIN(len, (size_t)g->anch_end);
	for (size_t p = 0; p < end; p++) {
		unsigned b = data[p];
		if (p >= g->anch_maxp[b])
			continue;
		if (g->anch_at[ANCH_PAIR_NB + b] != g->anch_at[ANCH_PAIR_NB + b + 1])
			anch_bucket(s, g, ANCH_PAIR_NB + b, data, len, p);
		if (p + 1 >= len)
			continue;
		unsigned b1 = data[p + 1], pair = b << 8 | b1;
		if (!(g->anch_pair[pair / 64] & (1ull << (pair % 64))))
			continue;
		unsigned k = anch_pair_key(b, b1);
		anch_bucket(s, g, k, data, len, p);
		if (fold[b1] != b1 && anch_pair_key(b, fold[b1]) != k)
			anch_bucket(s, g, anch_pair_key(b, fold[b1]), data, len, p);
	}
}

/* Where a buffer is from: its ports (ports false: unknown), up to two
 * application protocols (NULL: none), and for a stream window whether it
 * starts mid-stream (a full tail in front, not the stream's first byte). */
struct scan_at {
	bool ports;
	uint16_t sp, dp;
	const char *app[2];
	bool mid_stream;
};

/* The prefilter of g on data; chunk_off > 0: data is a stream window
 * whose new chunk starts there (anchored contents are looked for at the
 * start of both). */
static void collect(struct net_rules_state *s, const struct group *g, const uint8_t *data, size_t len,
		    size_t chunk_off, const struct scan_at *at);

/* Whether the protocol name a (may be NULL) is b. */
static bool app_is(const char *a, const char *b)
{
	return a && (a == b || (a[0] == b[0] && !strcmp(a, b)));
}

/* The port subgroup of g for (side, port), or NULL. */
static const struct group *psub_find(const struct group *g, uint8_t side, uint16_t port)
{
	if (!g->psub_bits[side] || !(g->psub_bits[side][port / 64] & (1ull << (port % 64))))
		return NULL;
	size_t lo = 0, hi = g->nport_subs;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct psub *p = &g->subs[mid];
		if (p->side < side || (p->side == side && p->port < port))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < g->nport_subs && g->subs[lo].side == side && g->subs[lo].port == port)
		return g->subs[lo].g;
	return NULL;
}

/* at->sp, dp: the ports of the buffer's direction; unknown ports: every
 * port subgroup is scanned. An application subgroup is scanned when one
 * of at->app names its protocol (its rules fail on any other flow). */
static void collect(struct net_rules_state *s, const struct group *g, const uint8_t *data, size_t len,
		    size_t chunk_off, const struct scan_at *at)
{
	struct scan_at sub = { false, 0, 0, { NULL, NULL }, at->mid_stream };
	if (!len)
		return;
	if (g->nsubs) {
		if (at->ports) {
			const struct group *a = psub_find(g, 0, at->dp), *b = psub_find(g, 1, at->sp);
			if (a)
				collect(s, a, data, len, chunk_off, &sub);
			if (b)
				collect(s, b, data, len, chunk_off, &sub);
		} else {
			for (size_t i = 0; i < g->nport_subs; i++)
				collect(s, g->subs[i].g, data, len, chunk_off, &sub);
		}
	}
	for (size_t i = g->nport_subs; i < g->nsubs; i++) {
		const char *app = g->subs[i].app;
		if (app_is(at->app[0], app) || app_is(at->app[1], app))
			collect(s, g->subs[i].g, data, len, chunk_off, &sub);
	}
	/* at a window that starts mid-stream, a content anchored at its
	 * start lies wholly in the tail when the tail is longer than the
	 * anchored range: only the chunk's start is looked at */
	if (g->nanch) {
		if (!chunk_off || !at->mid_stream || chunk_off < g->anch_end)
			anch_scan(s, g, data, len);
		if (chunk_off && chunk_off < len)
			anch_scan(s, g, data + chunk_off, len - chunk_off);
	}
	if (!g->db || !s->scratch)
		return;
	struct scan_arg a = { s, g };
	size_t off = 0;
	/* hs_scan takes an unsigned int length */
	while (off < len) {
		size_t n = MM_MIN(len - off, (size_t)1 << 30);
		hs_scan(g->db, (const char *)data + off, (unsigned)n, 0, s->scratch, on_match, &a);
		off += n;
	}
}

/* Marks the rules of x whose list holds the IPv4 address a. */
static void ipidx_find(struct net_rules_state *s, const struct ipidx *x, const uint8_t *a)
{
	uint32_t v = ((uint32_t)a[0] << 24) | ((uint32_t)a[1] << 16) | ((uint32_t)a[2] << 8) | a[3];
	size_t lo = 0, hi = x->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (x->ip[mid] < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < x->n && x->ip[lo] == v; lo++)
		mark(s, x->rule[lo]);
	/* the blocks starting at or before v, back while one may reach it */
	size_t wa = 0, wb = x->nw;
	while (wa < wb) {
		size_t mid = wa + (wb - wa) / 2;
		if (x->wlo[mid] <= v)
			wa = mid + 1;
		else
			wb = mid;
	}
	for (size_t i = wa; i-- > 0 && x->wmax[i] >= v;)
		if (x->whi[i] >= v)
			mark(s, x->wrule[i]);
}

static void ip6_find(struct net_rules_state *s, const struct ip6key *t, size_t n, const uint8_t *a)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (memcmp(t[mid].a, a, 16) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < n && !memcmp(t[lo].a, a, 16); lo++)
		mark(s, t[lo].rule);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

/* ---- verification ---- */

struct view {
	enum app_dir dir;
	const struct net_flow_info *info;
	const struct net_packet_view *pkt;	/* packet point */
	const char *app_proto;
	struct mm_slice buf[RB_COUNT];
	bool derived;
	const struct net_tx *tx;
	struct mm_buf names;
	const uint8_t *win;	/* stream: previous chunk's tail + this chunk */
	size_t win_len;
	bool over_budget;	/* a match_buffers() ran out of steps */
};

static const uint8_t zero16[16];

static void addrs(const struct view *v, const uint8_t **src, const uint8_t **dst, uint16_t *sp,
		  uint16_t *dp)
{
	const struct net_flow_info *f = v->info;
	if (!f) {
		*src = *dst = zero16;
		*sp = *dp = 0;
		return;
	}
	if (v->dir == APP_TO_SERVER) {
		*src = f->src_addr;
		*dst = f->dst_addr;
		*sp = f->src_port;
		*dp = f->dst_port;
	} else {
		*src = f->dst_addr;
		*dst = f->src_addr;
		*sp = f->dst_port;
		*dp = f->src_port;
	}
}

static bool header_match(const struct rule *r, const struct view *v)
{
	const struct net_flow_info *f = v->info;
	if (!f)
		return true;
	const uint8_t *src, *dst;
	uint16_t sp, dp;
	addrs(v, &src, &dst, &sp, &dp);
	uint8_t ver = f->ip_version;
	/* ports first: cheaper, and most rules name one */
	bool fwd = rule_port_match(&r->sp, sp) && rule_port_match(&r->dp, dp) &&
		   rule_addr_match(&r->src, ver, src) && rule_addr_match(&r->dst, ver, dst);
	if (fwd)
		return true;
	if (!r->bidir)
		return false;
	return rule_port_match(&r->sp, dp) && rule_port_match(&r->dp, sp) &&
	       rule_addr_match(&r->src, ver, dst) && rule_addr_match(&r->dst, ver, src);
}

static bool proto_match(const struct rule *r, const struct view *v)
{
	if (r->ipproto && v->info && v->info->proto != r->ipproto)
		return false;
	if (r->app_proto && (!v->app_proto || strcmp(r->app_proto, v->app_proto)))
		return false;
	if ((r->flow & RF_TO_SERVER) && v->dir != APP_TO_SERVER)
		return false;
	if ((r->flow & RF_TO_CLIENT) && v->dir != APP_TO_CLIENT)
		return false;
	return true;
}

static bool packet_match(const struct rule *r, const struct net_packet_view *p)
{
	if ((r->flow & RF_ESTABLISHED) && !p->established)
		return false;
	if ((r->flow & RF_NOT_ESTABLISHED) && p->established)
		return false;
	if (!rule_range_match(&r->dsize, (int64_t)p->payload_len) || !rule_range_match(&r->ttl, p->ttl))
		return false;
	if (r->ip_proto.set && !rule_range_match(&r->ip_proto, p->ip_proto))
		return false;
	if ((r->itype.set || r->icode.set) &&
	    (!p->is_icmp || !rule_range_match(&r->itype, p->icmp_type) ||
	     !rule_range_match(&r->icode, p->icmp_code)))
		return false;
	if (!rule_range_match(&r->ipid, p->ip_id) || !rule_range_match(&r->seq, p->tcp_seq) ||
	    !rule_range_match(&r->ack, p->tcp_ack) || !rule_range_match(&r->window, p->tcp_window))
		return false;
	return flags_ok(r, p->tcp_flags);
}

/* Value of header "name" in the joined "Name: value\r\n" header block. */
static struct mm_slice header_value(struct mm_slice h, const char *name)
{
	struct mm_slice r = { NULL, 0 };
	size_t nl = strlen(name);
	const uint8_t *p = h.ptr, *end = h.ptr + h.len;
	while (p && p < end) {
		const uint8_t *e = memchr(p, '\n', (size_t)(end - p));
		const uint8_t *le = e ? e : end;
		size_t l = (size_t)(le - p);
		if (l && p[l - 1] == '\r')
			l--;
		if (l > nl && p[nl] == ':' && !strncasecmp((const char *)p, name, nl)) {
			const uint8_t *v = p + nl + 1;
			while (v < p + l && (*v == ' ' || *v == '\t'))
				v++;
			r.ptr = v;
			r.len = (size_t)(p + l - v);
			return r;
		}
		p = e ? e + 1 : end;
	}
	return r;
}

static void derive(struct view *v)
{
	if (v->derived || !v->tx)
		return;
	v->derived = true;
	struct mm_slice h = v->buf[NET_BUF_HTTP_HEADER];
	if (!h.ptr)
		return;
	static const struct {
		unsigned b;
		const char *n;
	} hv[] = {
		{ RB_HTTP_REFERER, "Referer" }, { RB_HTTP_LOCATION, "Location" },
		{ RB_HTTP_ACCEPT, "Accept" }, { RB_HTTP_ACCEPT_ENC, "Accept-Encoding" },
		{ RB_HTTP_ACCEPT_LANG, "Accept-Language" }, { RB_HTTP_SERVER, "Server" },
		{ RB_HTTP_CONTENT_LEN, "Content-Length" }, { RB_HTTP_CONNECTION, "Connection" },
	};
	for (size_t i = 0; i < sizeof(hv) / sizeof(hv[0]); i++)
		v->buf[hv[i].b] = header_value(h, hv[i].n);
	/* header names as Suricata shows them: \r\nName\r\nName\r\n\r\n */
	mm_buf_append(&v->names, "\r\n", 2);
	const uint8_t *p = h.ptr, *end = h.ptr + h.len;
	while (p < end) {
		const uint8_t *e = memchr(p, '\n', (size_t)(end - p));
		const uint8_t *le = e ? e : end;
		const uint8_t *c = memchr(p, ':', (size_t)(le - p));
		if (c) {
			mm_buf_append(&v->names, p, (size_t)(c - p));
			mm_buf_append(&v->names, "\r\n", 2);
		}
		p = e ? e + 1 : end;
	}
	mm_buf_append(&v->names, "\r\n", 2);
	v->buf[RB_HTTP_HEADER_NAMES].ptr = (const uint8_t *)v->names.ptr;
	v->buf[RB_HTTP_HEADER_NAMES].len = v->names.len;
	/* http.start: request or response line, then the headers */
	struct mm_slice line = v->buf[v->dir == APP_TO_SERVER ? NET_BUF_HTTP_REQUEST_LINE : NET_BUF_HTTP_RESPONSE_LINE];
	if (line.ptr) {
		size_t at = v->names.len;
		mm_buf_append(&v->names, line.ptr, line.len);
		mm_buf_append(&v->names, "\r\n", 2);
		mm_buf_append(&v->names, h.ptr, h.len);
		mm_buf_append(&v->names, "\r\n", 2);
		/* the names slice may have moved with the buffer */
		v->buf[RB_HTTP_HEADER_NAMES].ptr = (const uint8_t *)v->names.ptr;
		v->buf[RB_HTTP_START].ptr = (const uint8_t *)v->names.ptr + at;
		v->buf[RB_HTTP_START].len = v->names.len - at;
	}
}

static void emit(struct net_rules_state *s, struct app_ctx *ctx, const struct rule *r,
		 const struct view *v, unsigned buf, const uint8_t *data, size_t off, size_t mlen,
		 uint64_t frame)
{
	s->alerts++;
	/* the excerpt is the recorded match itself (never past it): rules
	 * without content/pcre have none */
	const uint8_t *ex = data && mlen && r->nm ? data + off : NULL;
	size_t exl = ex ? MM_MIN(mlen, (size_t)EXCERPT_MAX) : 0;
	if (s->hook)
		s->hook(s->hook_arg, r, rule_buf_name(buf), ex, exl);
	if (!ctx || !ctx->scan)
		return;
	char idbuf[32], reason[256];
	struct mm_buf ev;
	struct mm_json j;
	mm_buf_init(&ev, 8192);
	mm_json_init(&j, &ev);
	mm_json_object_begin(&j, NULL);
	mm_json_str(&j, "buffer", rule_buf_name(buf));
	if (ex) {
		mm_json_strn(&j, "match", ex, exl);
		mm_json_uint(&j, "match_offset", off);
	}
	mm_json_uint(&j, "frame", frame);
	mm_json_uint(&j, "sid", r->sid);
	mm_json_uint(&j, "rev", r->rev);
	mm_json_uint(&j, "gid", r->gid);
	if (r->metadata)
		mm_json_str(&j, "metadata", r->metadata);
	mm_json_str(&j, "action", r->action);
	mm_json_object_end(&j);
	bool ev_ok = mm_json_finish(&j) == 0;

	struct mm_alert a;
	mm_alert_init(&a);
	snprintf(idbuf, sizeof(idbuf), "sid:%u", r->sid);
	snprintf(reason, sizeof(reason), "rule sid:%u rev:%u matched %s", r->sid, r->rev,
		 rule_buf_name(buf));
	a.timestamp_us = ctx->ts_us;
	a.module = "net";
	a.meta = r->meta;
	a.rule_id = idbuf;
	a.rule_name = r->msg ? r->msg : idbuf;
	a.ruleset = r->file;
	a.category = r->classtype;
	for (unsigned i = 0; i < r->nrefs && i < MM_ALERT_MAX_LIST - 1; i++)
		a.references[i] = r->refs[i];
	a.has_level = 1;
	a.level = level_of(r);
	a.reason = reason;
	a.evidence_json = ev_ok ? ev.ptr : NULL;
	const struct net_flow_info *f = ctx->info;
	if (f) {
		bool fwd = v->dir == APP_TO_SERVER;
		a.src_ip = fwd ? f->src_ip : f->dst_ip;
		a.dst_ip = fwd ? f->dst_ip : f->src_ip;
		a.src_port = fwd ? f->src_port : f->dst_port;
		a.dst_port = fwd ? f->dst_port : f->src_port;
		a.transport = f->proto == 6 ? "tcp" : f->proto == 17 ? "udp" : f->proto == 1 ? "icmp" : NULL;
		a.community_id = f->community_id[0] ? f->community_id : NULL;
	}
	a.protocol = v->app_proto;
	mm_emit_alert(ctx->scan, &a);

	if (mm_scan_wants_record(ctx->scan, "eve")) {
		struct mm_buf eb;
		struct mm_json e;
		char ts[64];
		mm_buf_init(&eb, 16384);
		mm_json_init(&e, &eb);
		mm_json_object_begin(&e, NULL);
		int64_t t = ctx->ts_us;
		time_t sec = (time_t)(t / 1000000);
		struct tm tm;
		gmtime_r(&sec, &tm);
		size_t tl = strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(ts + tl, sizeof(ts) - tl, ".%06ld+0000", (long)(t % 1000000));
		mm_json_str(&e, "timestamp", ts);
		if (f) {
			mm_json_uint(&e, "flow_id", f->id);
			mm_json_str(&e, "event_type", "alert");
			mm_json_str(&e, "src_ip", a.src_ip);
			mm_json_int(&e, "src_port", a.src_port);
			mm_json_str(&e, "dest_ip", a.dst_ip);
			mm_json_int(&e, "dest_port", a.dst_port);
			mm_json_str(&e, "proto", f->proto == 6 ? "TCP" : f->proto == 17 ? "UDP" : f->proto == 1 ? "ICMP" : "IP");
			if (f->community_id[0])
				mm_json_str(&e, "community_id", f->community_id);
		} else {
			mm_json_str(&e, "event_type", "alert");
		}
		if (v->app_proto)
			mm_json_str(&e, "app_proto", v->app_proto);
		mm_json_uint(&e, "pcap_cnt", frame);
		mm_json_object_begin(&e, "alert");
		mm_json_str(&e, "action", strcmp(r->action, "alert") ? "blocked" : "allowed");
		mm_json_uint(&e, "gid", r->gid);
		mm_json_uint(&e, "signature_id", r->sid);
		mm_json_uint(&e, "rev", r->rev);
		mm_json_str(&e, "signature", r->msg ? r->msg : "");
		mm_json_str(&e, "category", r->classtype ? r->classtype : "");
		int sev = r->priority ? r->priority : (a.level == MM_LEVEL_HIGH ? 1 : a.level == MM_LEVEL_MEDIUM ? 2 : 3);
		mm_json_int(&e, "severity", sev);
		mm_json_object_end(&e);
		mm_json_object_end(&e);
		if (mm_json_finish(&e) == 0)
			mm_scan_record(ctx->scan, "eve", eb.ptr, eb.len);
		mm_buf_release(&eb);
	}
	mm_buf_release(&ev);
}

/* The payload of an HTTP transaction: start line, headers, body. */
static void tx_payload(struct view *v)
{
	if (v->buf[RB_PAYLOAD].ptr)
		return;
	derive(v);
	struct mm_slice body = v->buf[v->dir == APP_TO_SERVER ? NET_BUF_HTTP_REQUEST_BODY : NET_BUF_HTTP_RESPONSE_BODY];
	if (!body.ptr)
		body = v->tx->buf[NET_BUF_FILE_DATA];
	struct mm_slice st = v->buf[RB_HTTP_START];
	if (!st.ptr)
		return;
	size_t names_len = v->buf[RB_HTTP_HEADER_NAMES].len;
	size_t at = v->names.len;
	size_t st_off = (size_t)(st.ptr - (const uint8_t *)v->names.ptr);
	uint8_t *copy = malloc(st.len ? st.len : 1);
	if (!copy)
		return;
	memcpy(copy, st.ptr, st.len);
	mm_buf_append(&v->names, copy, st.len);
	free(copy);
	if (body.len)
		mm_buf_append(&v->names, body.ptr, body.len);
	const uint8_t *base = (const uint8_t *)v->names.ptr;
	v->buf[RB_HTTP_HEADER_NAMES].ptr = base;
	v->buf[RB_HTTP_HEADER_NAMES].len = names_len;
	v->buf[RB_HTTP_START].ptr = base + st_off;
	v->buf[RB_PAYLOAD].ptr = base + at;
	v->buf[RB_PAYLOAD].len = v->names.len - at;
}

/* Every buffer's keyword list of r on view v; on success, the buffer and
 * excerpt for the alert. */
static bool match_buffers(const struct rule *r, struct view *v, int64_t *vars, unsigned *abuf,
			  size_t *aoff, size_t *alen)
{
	unsigned done_mask[(RB_COUNT + 31) / 32] = { 0 };
	bool have_a = false;
	for (unsigned i = 0; i < r->nm; i++) {
		unsigned b = r->m[i].buf;
		if (done_mask[b / 32] & (1u << (b % 32)))
			continue;
		done_mask[b / 32] |= 1u << (b % 32);
		if (b >= NET_BUF_COUNT && b != RB_PAYLOAD)
			derive(v);
		if (b == RB_PAYLOAD && v->tx)
			tx_payload(v);
		struct mm_slice d = v->buf[b];
		if (!d.ptr && b != RB_PAYLOAD)
			return false;
		size_t off = 0, len = 0;
		bool ok;
		if (b == r->dotprefix_buf) {
			uint8_t *t = malloc(d.len + 1);
			if (!t)
				return false;
			t[0] = '.';
			if (d.len)
				memcpy(t + 1, d.ptr, d.len);
			ok = rule_match_buffer(r, b, t, d.len + 1, vars, &off, &len, &v->over_budget);
			free(t);
			off = off ? off - 1 : 0;
		} else {
			ok = rule_match_buffer(r, b, d.ptr, d.len, vars, &off, &len, &v->over_budget);
		}
		if (!ok)
			return false;
		if (!have_a || (r->fp >= 0 && r->m[r->fp].buf == b)) {
			*abuf = b;
			*aoff = off;
			*alen = len;
			have_a = true;
		}
	}
	return true;
}

/* Verifies candidate rule r at a view; emits on match. */
/* win_first: r is suffix_safe(), so on a stream window a failure on the
 * whole window means a failure on the chunk too (one attempt instead of
 * two for most candidates, which fail). */
static void verify(struct net_rules_state *s, struct app_ctx *ctx, const struct rule *r,
		   struct view *v, uint64_t frame, bool win_first)
{
	if (!proto_match(r, v))
		return;
	if (v->pkt && !packet_match(r, v->pkt))
		return;
	if (!header_match(r, v))
		return;
	if (r->sameip && v->info && memcmp(v->info->src_addr, v->info->dst_addr, 16))
		return;
	if (r->urilen.set && !rule_range_match(&r->urilen, (int64_t)v->buf[NET_BUF_HTTP_URI].len))
		return;
	if (r->urilen.set && !v->buf[NET_BUF_HTTP_URI].ptr)
		return;
	struct rules_flow *fl = NULL;
	if (r->nfb) {
		fl = rules_flow_get(s, ctx, true);
		if (!rules_flowbits_check(r, fl))
			return;
	}
	int64_t vars[RULE_MAX_VARS] = { 0 };
	unsigned abuf = RB_PAYLOAD;
	size_t aoff = 0, alen = 0;
	const uint8_t *abase = NULL;
	if (v->win_len && win_first) {
		struct mm_slice chunk = v->buf[RB_PAYLOAD];
		v->buf[RB_PAYLOAD].ptr = v->win;
		v->buf[RB_PAYLOAD].len = v->win_len;
		v->over_budget = false;
		bool ok = match_buffers(r, v, vars, &abuf, &aoff, &alen);
		v->buf[RB_PAYLOAD] = chunk;
		if (!ok && !v->over_budget) {
			s->window_first_drops++;
			return;
		}
	}
	if (match_buffers(r, v, vars, &abuf, &aoff, &alen)) {
		abase = v->buf[abuf].ptr;
	} else if (v->win_len) {
		/* stream: again on the previous chunk's tail + this chunk; a
		 * match lying wholly in the tail was reported with that chunk */
		struct mm_slice chunk = v->buf[RB_PAYLOAD];
		v->buf[RB_PAYLOAD].ptr = v->win;
		v->buf[RB_PAYLOAD].len = v->win_len;
		bool ok = match_buffers(r, v, vars, &abuf, &aoff, &alen) &&
			  !rule_match_buffer(r, RB_PAYLOAD, v->win, v->win_len - chunk.len, vars, NULL, NULL,
					     NULL);
		abase = v->win;
		v->buf[RB_PAYLOAD] = chunk;
		if (!ok)
			return;
	} else {
		return;
	}
	if (r->nfb)
		rules_flowbits_apply(r, fl);
	if (r->noalert)
		return;
	const uint8_t *src = zero16, *dst = zero16;
	uint16_t sp, dp;
	addrs(v, &src, &dst, &sp, &dp);
	if (!rules_threshold_pass(s, r, src, dst, v->info ? v->info->id : 0, ctx ? ctx->ts_us : 0))
		return;
	emit(s, ctx, r, v, abuf, abase, aoff, alen, frame);
}

/* Verifies the prefilter's candidates merged (in rule order) with up to
 * two sorted lists of rules that are always checked. */
static void run_list(struct net_rules_state *s, struct app_ctx *ctx, struct view *v, uint64_t frame,
		     uint32_t *cands, size_t ncand, const uint32_t *l1, size_t n1, const uint32_t *l2,
		     size_t n2)
{
	const struct rule *rules = s->r->rules;
	const struct rule_quick *quick = s->r->quick;
	if (ncand > 1)
		qsort(cands, ncand, sizeof(*cands), cmp_u32);
	const uint8_t *sa, *da;
	uint16_t sp = 0, dp = 0;
	bool ports = v->info != NULL;
	if (ports)
		addrs(v, &sa, &da, &sp, &dp);
	uint32_t dsize = v->pkt ? (uint32_t)MM_MIN(v->pkt->payload_len, (size_t)UINT32_MAX) : 0;
	size_t i = 0, a = 0, b = 0;
	for (;;) {
		uint32_t best = UINT32_MAX;
		int from = -1;
		if (i < ncand && cands[i] < best) {
			best = cands[i];
			from = 0;
		}
		if (a < n1 && l1[a] < best) {
			best = l1[a];
			from = 1;
		}
		if (b < n2 && l2[b] < best) {
			best = l2[b];
			from = 2;
		}
		if (from < 0)
			break;
		if (from == 0) {
			s->cand[best] = 0;
			i++;
		} else if (from == 1) {
			a++;
		} else {
			b++;
		}
		const struct rule_quick *q = &quick[best];
		if (ports && (sp < q->sp_lo || sp > q->sp_hi || dp < q->dp_lo || dp > q->dp_hi))
			continue;
		if (v->pkt && (dsize < q->ds_lo || dsize > q->ds_hi))
			continue;
		verify(s, ctx, &rules[best], v, frame, q->win_first);
	}
}

/* run_list() on the candidates in s->cand_list, which it empties. */
static void run(struct net_rules_state *s, struct app_ctx *ctx, struct view *v, uint64_t frame,
		const uint32_t *l1, size_t n1, const uint32_t *l2, size_t n2)
{
	size_t n = s->ncand;
	s->ncand = 0;
	run_list(s, ctx, v, frame, s->cand_list, n, l1, n1, l2, n2);
}

static void view_init(struct view *v, struct app_ctx *ctx, enum app_dir dir)
{
	memset(v, 0, sizeof(*v));
	v->dir = dir;
	v->info = ctx ? ctx->info : NULL;
	mm_buf_init(&v->names, 1u << 20);
}

/* The packet rules on p. prescanned: s->cand_list already holds the
 * prefilter's candidates for p's payload (from the combined scan). */
/* Whether one of the rules l[0, n) passes its quick bounds (ports, dsize)
 * on a packet with dsize ds from sp to dp (ports false: unknown). */
static bool quick_any(const struct net_rules *r, const uint32_t *l, size_t n, bool ports,
		      uint16_t sp, uint16_t dp, uint32_t ds)
{
	for (size_t i = 0; i < n; i++) {
		const struct rule_quick *q = &r->quick[l[i]];
		if (ports && (sp < q->sp_lo || sp > q->sp_hi || dp < q->dp_lo || dp > q->dp_hi))
			continue;
		if (ds >= q->ds_lo && ds <= q->ds_hi)
			return true;
	}
	return false;
}

static void packet_eval(const struct net_rules *r, struct net_rules_state *s, struct app_ctx *ctx,
			const struct net_packet_view *p, bool prescanned)
{
	struct view v;
	struct rules_flow *fl = NULL;
	if (p->app_proto) {
		fl = rules_flow_get(s, ctx, true);
		rules_flow_set_app_proto(fl, p->app_proto);
	}
	const struct net_flow_info *fi = ctx ? ctx->info : NULL;
	unsigned slot = !fi || fi->proto == 6 ? SLOT_PKT_TCP : fi->proto == 17 ? SLOT_PKT_UDP : SLOT_PKT_OTHER;
	if (!r->slot_used[slot]) {
		for (size_t i = 0; i < s->ncand; i++)
			s->cand[s->cand_list[i]] = 0;
		s->ncand = 0;
		return;
	}
	/* ICMP: the payload starts after the 8-byte header (as in Suricata);
	 * the decoder's starts after the first 4 */
	const uint8_t *pl = p->payload;
	size_t plen = p->payload_len;
	if (p->is_icmp && plen >= 4) {
		pl += 4;
		plen -= 4;
	}
	const struct group *g = &r->g[slot][p->dir];
	uint16_t sp = 0, dp = 0;
	if (fi) {
		sp = p->dir == APP_TO_SERVER ? fi->src_port : fi->dst_port;
		dp = p->dir == APP_TO_SERVER ? fi->dst_port : fi->src_port;
	}
	/* address-only rules are checked on the first packet of each
	 * direction of a flow (as Suricata's IP-only engine does); those
	 * keyed by an address list are looked up by the packet's addresses */
	const uint32_t *io = NULL;
	size_t nio = 0;
	if (g->nionly || r->by_src.n || r->by_src.nw || r->by_dst.n || r->by_dst.nw || r->nkeyed6 ||
	    r->nsrc6 || r->ndst6) {
		if (!fl)
			fl = rules_flow_get(s, ctx, true);
		if (fl && rules_flow_first(fl, p->dir)) {
			io = g->ionly;
			nio = g->nionly;
			if (fi && fi->ip_version == 4) {
				const uint8_t *sa = p->dir == APP_TO_SERVER ? fi->src_addr : fi->dst_addr;
				const uint8_t *da = p->dir == APP_TO_SERVER ? fi->dst_addr : fi->src_addr;
				ipidx_find(s, &r->by_src, sa);
				ipidx_find(s, &r->by_dst, da);
			} else if (fi) {
				const uint8_t *sa = p->dir == APP_TO_SERVER ? fi->src_addr : fi->dst_addr;
				const uint8_t *da = p->dir == APP_TO_SERVER ? fi->dst_addr : fi->src_addr;
				ip6_find(s, r->src6, r->nsrc6, sa);
				ip6_find(s, r->dst6, r->ndst6, da);
				for (size_t k = 0; k < r->nkeyed6; k++)
					mark(s, r->keyed6[k]);
			}
		}
	}
	const uint32_t *al = g->always;
	size_t nal = g->nalways;
	if (g->by_flags) {
		al = g->by_flags + g->by_flags_at[p->tcp_flags];
		nal = g->by_flags_at[p->tcp_flags + 1] - g->by_flags_at[p->tcp_flags];
	}
	/* most packets without payload (TCP acknowledgements) have nothing
	 * to verify: no view is set up for them */
	if (!plen && !s->ncand && !nio && !quick_any(r, al, nal, fi != NULL, sp, dp, 0))
		return;
	view_init(&v, ctx, p->dir);
	v.app_proto = p->app_proto;
	struct net_packet_view pv = *p;
	pv.payload = pl;
	pv.payload_len = plen;
	v.pkt = &pv;
	v.buf[RB_PAYLOAD].ptr = pl;
	v.buf[RB_PAYLOAD].len = plen;
	if (!prescanned) {
		struct scan_at at = { fi != NULL, sp, dp, { p->app_proto, NULL }, false };
		collect(s, g, pl, plen, 0, &at);
	}
	run(s, ctx, &v, ctx ? ctx->frame : 0, al, nal, io, nio);
	mm_buf_release(&v.names);
}

void net_rules_packet(const struct net_rules *r, struct net_rules_state *s, struct app_ctx *ctx,
		      const struct net_packet_view *p)
{
	if (!r || !s)
		return;
	packet_eval(r, s, ctx, p, false);
}

void net_rules_packet_defer(const struct net_rules *r, struct net_rules_state *s,
			    struct app_ctx *ctx, const struct net_packet_view *p)
{
	if (!r || !s)
		return;
	net_rules_packet_flush(r, s);
	if (!ctx || !r->slot_used[SLOT_COMB] || !r->slot_used[SLOT_STREAM]) {
		packet_eval(r, s, ctx, p, false);
		return;
	}
	s->pending = true;
	s->pend_pv = *p;
	s->pend_ctx = *ctx;
}

void net_rules_packet_flush(const struct net_rules *r, struct net_rules_state *s)
{
	if (!r || !s || !s->pending)
		return;
	s->pending = false;
	s->deferred_plain++;
	packet_eval(r, s, &s->pend_ctx, &s->pend_pv, false);
}

/* The state's window buffer, kept between chunks up to WIN_KEEP bytes. */
#define WIN_KEEP (256u << 10)
static bool grow_win(struct net_rules_state *s, size_t need)
{
	uint8_t *w = realloc(s->win, need);
	if (!w)
		return false;
	s->win = w;
	s->win_cap = need;
	return true;
}

void net_rules_stream(const struct net_rules *r, struct net_rules_state *s, struct app_ctx *ctx,
		      enum app_dir dir, const uint8_t *data, size_t len)
{
	struct view v;
	if (!r || !s || !r->slot_used[SLOT_STREAM] || !len)
		return;
	view_init(&v, ctx, dir);
	struct rules_flow *fl = rules_flow_get(s, ctx, true);
	v.app_proto = rules_flow_app_proto(fl);
	const uint8_t *sa, *da;
	uint16_t sp = 0, dp = 0;
	bool ports = v.info != NULL;
	if (ports)
		addrs(&v, &sa, &da, &sp, &dp);
	/* the window is the previous chunk's tail + this chunk, so that a
	 * pattern cut between two segments is seen */
	size_t tl = 0;
	const uint8_t *tail = rules_flow_tail(fl, dir, &tl);
	uint8_t *win = NULL;
	if (tl && (s->win_cap >= tl + len || grow_win(s, tl + len))) {
		win = s->win;
		memcpy(win, tail, tl);
		memcpy(win + tl, data, len);
		v.win = win;
		v.win_len = tl + len;
	}
	v.buf[RB_PAYLOAD].ptr = data;
	v.buf[RB_PAYLOAD].len = len;
	/* the deferred packet whose payload this chunk is: one scan with the
	 * combined database gives the candidates of both */
	bool both = s->pending && s->pend_pv.dir == dir && s->pend_pv.payload == data &&
		    s->pend_pv.payload_len == len;
	const struct group *g = both ? &r->g[SLOT_COMB][dir] : &r->g[SLOT_STREAM][dir];
	/* the whole window: a rule whose fast pattern lies in the tail may
	 * still match across into this chunk */
	/* the packet's protocol for its rules, the flow's for stream ones */
	struct scan_at at = { ports, sp, dp, { v.app_proto, both ? s->pend_pv.app_proto : NULL },
			      tl >= RULES_STREAM_TAIL };
	if (win)
		collect(s, g, win, tl + len, tl, &at);
	else
		collect(s, g, data, len, 0, &at);
	if (both) {
		/* packet rules first (as without the deferral), then stream */
		size_t np = 0, ns = 0;
		for (size_t i = 0; i < s->ncand; i++) {
			uint32_t c = s->cand_list[i];
			if (r->rules[c].point == RP_STREAM)
				s->cand_other[ns++] = c;
			else
				s->cand_list[np++] = c;
		}
		s->ncand = np;
		s->pending = false;
		s->combined++;
		packet_eval(r, s, &s->pend_ctx, &s->pend_pv, true);
		run_list(s, ctx, &v, ctx ? ctx->frame : 0, s->cand_other, ns,
			 r->g[SLOT_STREAM][dir].always, r->g[SLOT_STREAM][dir].nalways, NULL, 0);
	} else {
		run(s, ctx, &v, ctx ? ctx->frame : 0, r->g[SLOT_STREAM][dir].always,
		    r->g[SLOT_STREAM][dir].nalways, NULL, 0);
	}
	if (win)
		rules_flow_set_tail(fl, dir, win, tl + len);
	else
		rules_flow_set_tail(fl, dir, data, len);
	if (s->win_cap > WIN_KEEP) {
		free(s->win);
		s->win = NULL;
		s->win_cap = 0;
	}
	mm_buf_release(&v.names);
}

void net_rules_tx(const struct net_rules *r, struct net_rules_state *s, struct app_ctx *ctx,
		  const struct net_tx *tx)
{
	struct view v;
	if (!r || !s || !tx)
		return;
	view_init(&v, ctx, tx->dir);
	v.tx = tx;
	v.app_proto = tx->app_proto;
	for (unsigned b = 0; b < NET_BUF_COUNT; b++)
		v.buf[b] = tx->buf[b];
	if (!v.buf[NET_BUF_FILE_DATA].ptr)
		v.buf[NET_BUF_FILE_DATA] = tx->buf[tx->dir == APP_TO_SERVER ? NET_BUF_HTTP_REQUEST_BODY
								    : NET_BUF_HTTP_RESPONSE_BODY];
	const uint8_t *sa, *da;
	uint16_t sp = 0, dp = 0;
	bool ports = v.info != NULL;
	if (ports)
		addrs(&v, &sa, &da, &sp, &dp);
	/* tx rules without a fast pattern are in slot 0's always list */
	for (unsigned b = 0; b < RB_COUNT; b++) {
		if (b == RB_PAYLOAD || !r->slot_used[b])
			continue;
		if (b >= NET_BUF_COUNT)
			derive(&v);
		const struct group *g = &r->g[b][tx->dir];
		struct scan_at at = { ports, sp, dp, { v.app_proto, NULL }, false };
		if (v.buf[b].ptr)
			collect(s, g, v.buf[b].ptr, v.buf[b].len, 0, &at);
	}
	run(s, ctx, &v, tx->frame, r->g[0][tx->dir].always, r->g[0][tx->dir].nalways, NULL, 0);
	mm_buf_release(&v.names);
}
