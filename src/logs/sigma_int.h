/*
 * sigma_int.h — private to the Sigma engine (src/logs/sigma_*.c): the rule
 * AST, the compiled value matchers, the condition tree, the correlation
 * definitions and the indexes. Nothing outside sigma_*.c includes it.
 *
 * Ownership: everything hangs off struct sigma_ruleset and is freed by
 * sigma_ruleset_free(); strings are heap copies made at load time. After
 * sigma_ruleset_compile() the ruleset is read-only and may be shared by
 * any number of threads; everything mutable during evaluation (PCRE2 match
 * data, Hyperscan scratch, correlation windows, the per-event scratch) is
 * in struct sigma_state, one per input stream.
 *
 * Limits (a rule over a limit is rejected with a reason, never truncated):
 * SIGMA_MAX_* below.
 */
#ifndef LOGS_SIGMA_INT_H
#define LOGS_SIGMA_INT_H

#include "logs/sigma.h"

#include <yaml.h>

#define SIGMA_MAX_SELECTIONS 256	/* named detections per rule */
#define SIGMA_MAX_VARIANTS 256		/* windash/base64offset expansions of one value */
#define SIGMA_MAX_VALUES 65536		/* values of one field item */
#define SIGMA_MAX_COND_NODES 1024	/* nodes of one condition tree */
#define SIGMA_MAX_YAML_DEPTH 48
#define SIGMA_MAX_YAML_VISITS 200000	/* nodes visited per document (alias bombs) */
#define SIGMA_MAX_FILE_BYTES (4u << 20)
#define SIGMA_MAX_RULES 100000
#define SIGMA_MAX_CORR_RULES 32		/* rules one correlation refers to */
#define SIGMA_MAX_GROUP_BY 8
#define SIGMA_RE_MATCH_LIMIT 200000	/* PCRE2 match/backtrack steps per value */

/* How a string pattern is matched once wildcards are resolved. */
enum sigma_pmode {
	SIGMA_P_EQ,		/* whole value */
	SIGMA_P_PREFIX,
	SIGMA_P_SUFFIX,
	SIGMA_P_CONTAINS,
	SIGMA_P_GLOB,		/* inner wildcards: uses wild[] */
	SIGMA_P_ANY,		/* "*": any value, even empty */
};

#define SIGMA_W_LIT 0
#define SIGMA_W_STAR 1
#define SIGMA_W_ONE 2

struct sigma_pat {
	uint8_t *lit;		/* EQ/PREFIX/SUFFIX/CONTAINS: the literal core;
				 * GLOB: the whole pattern (lowercased unless cased) */
	uint8_t *wild;		/* GLOB only: SIGMA_W_* per byte of lit */
	size_t len;
	enum sigma_pmode mode;
	int32_t lid;		/* literal id in the prefilter, -1 if none */
};

enum sigma_vkind {
	SIGMA_V_STR,		/* pats[] (variants, OR) */
	SIGMA_V_NUM,		/* plain number: numeric or string equality */
	SIGMA_V_CMP,		/* gt gte lt lte */
	SIGMA_V_RE,
	SIGMA_V_CIDR,
	SIGMA_V_EXISTS,
	SIGMA_V_NULL,		/* field absent or empty */
	SIGMA_V_FIELDREF,
};

enum sigma_cmp { SIGMA_CMP_GT, SIGMA_CMP_GTE, SIGMA_CMP_LT, SIGMA_CMP_LTE };

struct sigma_val {
	enum sigma_vkind kind;
	bool cased;
	/* STR */
	struct sigma_pat *pats;
	size_t n_pats;
	/* NUM / CMP */
	double num;
	enum sigma_cmp cmp;
	/* RE */
	void *re;		/* pcre2_code * */
	uint8_t *re_lit;	/* a literal every match contains, or NULL */
	size_t re_lit_len;
	int32_t re_lid;		/* its prefilter id, or -1 */
	/* CIDR */
	int af;			/* 4 or 6 */
	uint8_t net[16];
	int prefix;
	/* EXISTS */
	bool exists;
	/* FIELDREF: the other field, and how to compare */
	char *ref;
	int ref_fid;
	enum sigma_pmode ref_mode;
	/* the value as written, for evidence and diagnostics */
	char *text;
};

struct sigma_item {
	char *field;		/* NULL: keywords (any field's value) */
	int fid;		/* field id (sigma_index.c), -1 for keywords */
	int32_t iid;		/* prefilter-gated item id, or -1 */
	bool all;		/* values ANDed */
	bool neq;		/* negated: no value may match */
	struct sigma_val *vals;
	size_t n_vals;
};

/* One alternative of a selection: a map, its items ANDed. */
struct sigma_alt {
	struct sigma_item *items;
	size_t n_items;
};

/* One named detection: its alternatives ORed (a list of maps, or keywords). */
struct sigma_sel {
	char *name;
	struct sigma_alt *alts;
	size_t n_alts;
};

enum sigma_cop { SIGMA_C_SEL, SIGMA_C_AND, SIGMA_C_OR, SIGMA_C_NOT, SIGMA_C_OF, SIGMA_C_TRUE };

/* A condition node; children by index into the rule's node array. */
struct sigma_cnode {
	enum sigma_cop op;
	int a, b;		/* AND/OR: children; NOT: a */
	int sel;		/* SEL: selection index */
	/* OF: need (0 = all) of the selections sels[0..n_sels) */
	int need;
	int *sels;
	size_t n_sels;
};

struct sigma_cond {
	struct sigma_cnode *nodes;
	size_t n_nodes;
	int root;
};

enum sigma_kind { SIGMA_RULE_DETECTION, SIGMA_RULE_CORRELATION, SIGMA_RULE_FILTER };

enum sigma_ctype {
	SIGMA_CORR_EVENT_COUNT,
	SIGMA_CORR_VALUE_COUNT,
	SIGMA_CORR_TEMPORAL,
	SIGMA_CORR_TEMPORAL_ORDERED,
};

/* Count condition of a correlation: each bound optional. */
struct sigma_range {
	bool has_gt, has_gte, has_lt, has_lte, has_eq, has_neq;
	int64_t gt, gte, lt, lte, eq, neq;
};

struct sigma_alias {
	char *alias;
	char *rule_name;
	char *field;
};

struct sigma_corr {
	enum sigma_ctype type;
	char *refs[SIGMA_MAX_CORR_RULES];	/* as written (id or name) */
	int ref_idx[SIGMA_MAX_CORR_RULES];	/* resolved rule index */
	size_t n_refs;
	char *group_by[SIGMA_MAX_GROUP_BY];
	size_t n_group_by;
	int64_t timespan_us;
	struct sigma_range cond;
	bool has_cond;
	char *field;		/* value_count */
	struct sigma_alias *aliases;
	size_t n_aliases;
	bool generate;
	int slot;		/* index among correlations (state arrays) */
};

struct sigma_rule {
	enum sigma_kind kind;
	char *id;		/* uuid, or NULL */
	char *cat_id;		/* "sigma:<uuid>" or "sigma:<stem>" */
	char *title;
	char *name;		/* the `name` attribute (correlation references) */
	char *file;
	long line;
	enum mm_level level;
	char *product, *service, *category;	/* lowercased, or NULL */
	struct sigma_sel *sels;
	size_t n_sels;
	struct sigma_cond cond;
	/* filters applied to this rule (indexes of FILTER rules) */
	int *filters;
	size_t n_filters;
	/* FILTER: the rules it names */
	char **filter_refs;
	size_t n_filter_refs;
	struct sigma_corr *corr;
	/* correlations that consume this rule's matches */
	int *parents;
	size_t n_parents;
	bool silent;		/* referenced by a correlation without generate */
	const struct mm_rule_meta *meta;
	struct mm_rule_meta own_meta;	/* used when no catalogue was given */
	/* index data */
	uint32_t *eids;		/* pinned EventIDs, or NULL (any) */
	size_t n_eids;
	int lsrc;		/* logsource group */
	int lit_group;		/* prefilter: -1 = always evaluate, else req[] */
	int32_t *req;		/* literal ids, one of which must occur */
	size_t n_req;
};

struct sigma_problem {
	char *file;
	long line;
	char *rule_id;
	char *key;
	char *reason;
	bool warning;
};

struct sigma_placeholder {
	char *name;
	char **values;
	size_t n_values;
};

/* Logsource group: the distinct (product, service, category) of rules. */
struct sigma_lsrc {
	const char *product, *service, *category;	/* borrowed from a rule */
	int *rules;		/* detection rules with no pinned EventID */
	size_t n_rules;
	/* pinned rules: sorted (eid, rule) pairs */
	uint64_t *pinned;
	size_t n_pinned;
	void *hs_db;		/* the literals of this group's rules (hs_database_t) */
};

struct sigma_ruleset {
	struct sigma_rule **rules;
	size_t n_rules, cap_rules;
	struct sigma_problem *problems;
	size_t n_problems, cap_problems;
	struct sigma_placeholder *ph;
	size_t n_ph;
	size_t n_corr;
	bool compiled;
	char id_hex[65];
	void *digest;		/* running SHA-256 of the rule texts */
	struct sigma_lsrc *lsrc;
	size_t n_lsrc;
	/* literal prefilter (Hyperscan, one database per logsource group) and a
	 * prototype scratch sized for all of them, cloned by each state */
	void *hs_proto;
	size_t n_lits;
	size_t n_prefiltered;	/* rules behind the prefilter */
	size_t n_items;		/* gated items */
	uint8_t *gated;		/* per rule: behind the prefilter (rule->lit_group >= 0),
				 * kept apart so the candidate loop touches no rule */
	uint32_t *lit_rules_off, *lit_rules;	/* literal -> rules needing it */
	uint32_t *lit_items_off, *lit_items;	/* literal -> gated items */
	uint64_t max_group_windows;
	/* field names used by rules -> ids (open addressing, lowercase) */
	char **fnames;
	uint32_t *fhash;
	int *fslot;		/* slot -> field id, -1 empty */
	size_t n_fnames, fslot_cap;
};

/* sigma_load.c */
void sigma_rule_free(struct sigma_rule *r);
int sigma_problem_add(struct sigma_ruleset *rs, const char *file, long line,
		      const char *rule_id, bool warning, const char *key, const char *fmt, ...)
	MM_PRINTF(7, 8);
/* Loads rules from a YAML text (one file's contents). */
int sigma_load_text(struct sigma_ruleset *rs, const char *file, const char *text, size_t len,
		    struct mm_catalogue *cat, struct mm_rule_report *report);

/* YAML helpers (sigma_load.c): map lookup by key, scalar text or NULL,
 * 1-based line of a node. */
yaml_node_t *sigma_yget(yaml_document_t *d, yaml_node_t *map, const char *key);
const char *sigma_ystr(yaml_node_t *n);
long sigma_yline(const yaml_node_t *n);
char *sigma_strdup_lower(const char *s);

/* sigma_cond.c: parses a condition over the rule's selections; on error
 * fills why (a reason) and returns MM_ESYNTAX / MM_EUNSUPPORTED. */
int sigma_cond_parse(struct sigma_cond *c, const char *text, const struct sigma_sel *sels,
		     size_t n_sels, char *why, size_t why_len);
/* Adds "a or b" of two conditions (list conditions); b is consumed. */
int sigma_cond_or(struct sigma_cond *a, struct sigma_cond *b);
void sigma_cond_release(struct sigma_cond *c);

/* sigma_match.c */
struct sigma_scratch;
/* Compiles one value of a field item with the item's modifiers; why gets
 * the reason key and text on failure. */
struct sigma_mods {
	bool contains, startswith, endswith, all, re, re_i, re_m, re_s;
	bool base64, base64offset, utf16le, utf16be, utf16, windash, cidr;
	bool exists, cased, fieldref, expand, neq;
	bool gt, gte, lt, lte;
	int n_enc;		/* encoding steps, applied in order */
	char enc[8];		/* 'L' utf16le, 'B' utf16be, 'U' utf16, '6' base64, 'O' base64offset */
};
int sigma_mods_parse(struct sigma_mods *m, const char *spec, char *key, size_t key_len,
		     char *why, size_t why_len);
/* kind_hint: 0 string, 1 plain scalar that may be a number, 2 null, 3 bool */
int sigma_val_compile(struct sigma_val *v, const struct sigma_mods *m, const char *text,
		      int kind_hint, char *key, size_t key_len, char *why, size_t why_len);
void sigma_val_release(struct sigma_val *v);
bool sigma_rule_match(const struct sigma_rule *r, struct sigma_state *st,
		      const struct log_event *e, struct sigma_match *m);
bool sigma_cond_eval_rule(const struct sigma_rule *r, const struct sigma_cond *c,
			  struct sigma_state *st, const struct log_event *e);
/* Field lookup by name with the System-field and 4688 fallbacks; buf
 * (24 bytes) holds a formatted EventID. */
const char *sigma_field(const struct log_event *e, const char *name, size_t *len, char *buf);
/* The same through the per-event field table of the state. */
const char *sigma_field_id(struct sigma_state *st, const struct log_event *e, int fid,
			   const char *name, size_t *len);
uint32_t sigma_name_hash(const char *s, size_t n);
void *sigma_match_data_new(void);
void sigma_match_data_free(void *md);
/* A match context with SIGMA_RE_MATCH_LIMIT (a hostile value cannot make a
 * rule's regex backtrack for seconds). */
void *sigma_match_context_new(void);
void sigma_match_context_free(void *mctx);

/* sigma_logsource.c */
bool sigma_lsrc_matches(const struct sigma_lsrc *g, const struct log_event *e);
/* Resolves filter documents onto the rules they name. */
void sigma_filters_apply(struct sigma_ruleset *rs);
/* Looks a rule up by id or name (same file preferred). */
int sigma_rule_lookup(const struct sigma_ruleset *rs, const char *ref, const char *file);

/* sigma_corr.c */
int sigma_corr_parse(struct sigma_rule *r, yaml_document_t *doc, yaml_node_t *node,
		     char *key, size_t key_len, char *why, size_t why_len);
int sigma_corr_resolve(struct sigma_ruleset *rs);
struct sigma_corr_state;
struct sigma_corr_state *sigma_corr_state_new(const struct sigma_ruleset *rs);
void sigma_corr_state_free(struct sigma_corr_state *cs);
int sigma_corr_feed(const struct sigma_ruleset *rs, struct sigma_state *st, int rule_idx,
		    const struct log_event *e, sigma_match_fn *fn, void *arg);
int sigma_corr_flush(const struct sigma_ruleset *rs, struct sigma_state *st, sigma_match_fn *fn,
		     void *arg);

/* sigma_prefilter.c: the Hyperscan literal prefilter */
int sigma_prefilter_build(struct sigma_ruleset *rs, struct mm_diag *diag);
void sigma_prefilter_free(struct sigma_ruleset *rs);
/* Scans the event's values: pbits, rule_mark and item_mark. */
int sigma_prefilter_scan(const struct sigma_ruleset *rs, struct sigma_state *st,
			 const struct log_event *e, const int *groups, size_t n_groups);
void sigma_prefilter_scratch_free(void *scratch);

/* sigma_index.c: the per-stream state */
struct sigma_state {
	const struct sigma_ruleset *rs;
	void *md;		/* pcre2_match_data */
	void *mctx;		/* pcre2_match_context: bounded backtracking */		/* pcre2_match_data */
	void *hs_scratch;
	uint8_t *pbits;		/* per literal id: seen in this event (bitmap) */
	size_t n_pbytes;
	bool scanned;		/* pbits and marks valid for the current event */
	uint32_t scan_gen;
	uint32_t *rule_mark;	/* == scan_gen: a necessary literal was seen */
	uint32_t *item_mark;	/* == scan_gen: one of the item's literals was seen */
	struct sigma_corr_state *corr;
	/* candidate cache */
	struct sigma_cand_slot *cache;
	size_t cache_cap;
	/* scratch for decoded/lowercased compare */
	char group_buf[1024];
	char matched_buf[8][256];
	int *cand;
	size_t n_cand, cap_cand;
	uint64_t evicted;
	uint64_t events;
	uint64_t evaluated;	/* rules evaluated (after index and prefilter) */
	/* per-event field table: value of field id i when fgen[i] == gen */
	const char **fv;
	uint32_t *flen;
	uint32_t *fgen;
	uint32_t gen;
	size_t n_f;
	char eid_buf[24];
};

#endif
