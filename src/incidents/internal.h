/*
 * internal.h — private declarations of src/incidents/: the string map,
 * what is extracted from one alert, the tactic order, and the database
 * handle shared by correlate.c, the reports and the exports.
 *
 * Limits: an alert contributes at most INC_MAX_VALUES entities+indicators
 * (more are counted in `dropped`); a value is at most INC_VALUE_MAX bytes;
 * the step phrase of an alert at most INC_STEP_MAX bytes.
 */
#ifndef MM_INCIDENTS_INTERNAL_H
#define MM_INCIDENTS_INTERNAL_H

#include "incidents/incidents.h"

#include <sqlite3.h>

#define INC_MAX_VALUES 32
#define INC_VALUE_MAX 512
#define INC_STEP_MAX 160
#define INC_LABEL_MAX 128
#define INC_SUMMARY_MAX 480
#define INC_CHUNK 65536

/* Kill-chain stages, in ATT&CK tactic order. */
enum inc_stage {
	INC_STAGE_NONE = -1,
	INC_STAGE_RECON = 0,
	INC_STAGE_RESOURCE,
	INC_STAGE_INITIAL_ACCESS,
	INC_STAGE_EXECUTION,
	INC_STAGE_PERSISTENCE,
	INC_STAGE_PRIVESC,
	INC_STAGE_DEFENSE_EVASION,
	INC_STAGE_CREDENTIAL_ACCESS,
	INC_STAGE_DISCOVERY,
	INC_STAGE_LATERAL_MOVEMENT,
	INC_STAGE_COLLECTION,
	INC_STAGE_C2,
	INC_STAGE_EXFILTRATION,
	INC_STAGE_IMPACT,
	INC_STAGE_COUNT
};
/* "initial-access", ...; "unknown" for INC_STAGE_NONE. */
const char *inc_stage_name(int stage);
/* A tactic name ("Lateral Movement", "lateral-movement", "TA0008") to a
 * stage, or INC_STAGE_NONE. */
int inc_stage_parse(const char *s);

enum inc_role { INC_ROLE_ENTITY = 0, INC_ROLE_INDICATOR = 1 };

/* Entity kinds: "host", "ip", "user", "process", "hash", "image";
 * indicator kinds: "url", "domain", "ip", "wallet", "pool", "hash",
 * "image". */
struct inc_value {
	int role;
	const char *kind;	/* static */
	char value[INC_VALUE_MAX];
	bool key;		/* a correlation key */
};

/* What one alert says, extracted from its stored JSON. */
struct inc_extract {
	int64_t alert_id, ts;
	int level;
	int stage;
	char step[INC_STEP_MAX];
	char label[INC_LABEL_MAX];	/* host name or victim IP, for summaries */
	struct inc_value values[INC_MAX_VALUES];
	size_t n_values;
	uint64_t dropped;
};

/* Fills x from one alert's JSON (x->alert_id, ts and level set by the
 * caller first; host is the store's host column, may be NULL). Returns 0,
 * or MM_ECORRUPT when the JSON does not parse (x then holds what the
 * columns say). */
int inc_extract_alert(struct inc_extract *x, const char *json, size_t len, const char *host);

/* The same from columns that SQLite's JSON functions read out of the
 * stored alert (correlate.c's query, one column per field below), so that
 * correlation does not build a whole jansson tree per alert: the root's
 * json_type() ("object" when readable), the string fields by json_extract(),
 * the destination port, and the tactic names and the evidence as JSON text
 * (only those two are parsed, with jansson). Same result as
 * inc_extract_alert() except that a duplicated member counts once (the
 * first) instead of making the alert unreadable, and that a string whose
 * text is itself a JSON object or array is taken for one. */
enum inc_col {
	INC_COL_ROOT, INC_COL_CATEGORY, INC_COL_PROTOCOL, INC_COL_MODULE, INC_COL_SRC,
	INC_COL_DST, INC_COL_PORT, INC_COL_NAME, INC_COL_ID, INC_COL_FAMILY, INC_COL_HOST,
	INC_COL_USER, INC_COL_PROCESS, INC_COL_SHA256, INC_COL_URL, INC_COL_TACTICS,
	INC_COL_EVIDENCE, INC_COL_COUNT
};
enum { INC_COL_NULL, INC_COL_TEXT, INC_COL_INT, INC_COL_OTHER };
struct inc_column {
	int type;		/* INC_COL_NULL, _TEXT, _INT, _OTHER */
	const char *text;	/* NUL-terminated (TEXT), else NULL */
	size_t len;
	long long integer;
};
/* The SQL expressions of the columns, in enum inc_col order, reading the
 * alert from a column named json; one string joined by ", ". */
extern const char inc_columns_sql[];
int inc_extract_columns(struct inc_extract *x, const struct inc_column *c, const char *host);
/* The same from the current row of st, whose columns first.. are
 * inc_columns_sql's (missing columns count as NULL). */
int inc_extract_row(struct inc_extract *x, sqlite3_stmt *st, int first, const char *host);

/* Open-addressing map from strings to int64 (copies keys). */
struct inc_map {
	char **keys;
	int64_t *vals;
	size_t cap, n;
};
void inc_map_init(struct inc_map *m);
void inc_map_release(struct inc_map *m);
/* Returns a pointer to the value slot (inserting def when absent; *found
 * says which), or NULL on ENOMEM. The pointer is valid until the next
 * insertion. */
int64_t *inc_map_put(struct inc_map *m, const char *key, int64_t def, bool *found);
int64_t *inc_map_get(const struct inc_map *m, const char *key);

struct incident_db {
	sqlite3 *db;
	char path[1024];
};

/* Small SQL helpers for the module's files. */
int inc_exec(struct incident_db *db, const char *sql);
int inc_prepare(struct incident_db *db, const char *sql, sqlite3_stmt **st);
const char *inc_col_text(sqlite3_stmt *st, int col);
static inline int64_t inc_col64(sqlite3_stmt *st, int col)
{
	return (int64_t)sqlite3_column_int64(st, col);
}
/* incident_db_correlate() with passes of at most pass_max alerts (the
 * program uses INC_PASS_MAX, 2,000,000; tests use small ones). */
int inc_correlate(struct incident_db *db, int64_t window_us, int64_t pass_max,
		  struct incidents_stats *stats, struct mm_diag *diag);
/* HTML-escapes s into b. */
int inc_html_escape(struct mm_buf *b, const char *s);

#endif
