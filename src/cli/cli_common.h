/*
 * cli_common.h — what several subcommands share: the configuration
 * (-c FILE, --set key=value), opening every engine once with one
 * mm_engine_env (rules, catalogue, rule report), the store's default path,
 * the output sinks, and small parsers for option values.
 *
 * Used by scan, rules, config, alerts and the live modes (sniff, watch,
 * honeypot). Everything here runs on the main thread before and after the
 * work; nothing is global except the option tables each command owns.
 */
#ifndef MM_CLI_COMMON_H
#define MM_CLI_COMMON_H

#include "cli/cli.h"

#define CLI_MAX_ENGINES 16
#define CLI_MAX_LIST 256

/* Options every engine-using command accepts (see CLI_COMMON_LONGOPTS). */
struct cli_common {
	const char *config_file;	/* -c, --config */
	const char *sets[CLI_MAX_LIST];	/* --set key=value */
	size_t n_sets;
	const char *rule_paths[CLI_MAX_LIST + 1];	/* -r, NULL-terminated */
	size_t n_rules;
	bool no_bundled_rules;
	bool deterministic;
};

/* getopt_long values for the shared options (past any short option). */
enum {
	CLI_OPT_SET = 1000,
	CLI_OPT_NO_BUNDLED,
	CLI_OPT_DETERMINISTIC,
	CLI_OPT_FIRST_FREE = 1100
};
/* Handles a shared option; returns 1 if it was one, 0 if not, -1 on a bad
 * value (message printed). Short options: 'c' and 'r'. */
int cli_common_option(struct cli_common *c, int opt, const char *arg);

/* The engines of this program, opened. */
struct cli_env {
	struct mm_config *config;
	struct mm_catalogue *catalogue;
	struct mm_rule_report *report;
	const struct mm_engine *engines[CLI_MAX_ENGINES + 1];	/* NULL-terminated */
	void *states[CLI_MAX_ENGINES];
	size_t n_engines;
	char rules_dir[4096];
	char cache_dir[4096];
	char host[256];
};

/* Declares core's and every engine's keys, loads -c FILE (or nothing),
 * applies --set. Prints what went wrong and returns the exit status to
 * use: 0, CLI_EXIT_USAGE (a bad --set) or CLI_EXIT_ERROR (a bad file). */
int cli_config_load(struct cli_env *env, const struct cli_common *c);
/* Opens every engine (only `only` if not NULL) after cli_config_load.
 * An engine that fails to open is reported and the command fails. */
int cli_engines_open(struct cli_env *env, const struct cli_common *c, const char *only);
void cli_env_release(struct cli_env *env);

/* Prints the rule report's problems as "file:line: engine: reason";
 * returns the number of rejected rules. */
size_t cli_print_rule_problems(FILE *f, const struct mm_rule_report *r, bool warnings);

/* ~/.local/share/mamori/mamori.db (or $XDG_DATA_HOME/mamori/mamori.db). */
int cli_default_db(char *buf, size_t n);
/*
 * The store a reading command (alerts, incidents, report, export) works
 * on: dbarg (--db) if given, else store.path from cfg, else the default;
 * the path goes to *out (dbarg or buf). Prints why and returns an exit
 * status when there is no HOME to place it (CLI_EXIT_USAGE) or no store
 * there yet (CLI_EXIT_ERROR); 0 when the file exists.
 */
int cli_existing_store(const char *cmd, const struct mm_config *cfg, const char *dbarg,
		       char *buf, size_t n, const char **out);
struct incident_db;
/*
 * The incident database of a reading command (incidents, report, export):
 * loads the configuration (-c, --set), finds the existing store
 * (cli_existing_store), sets *window from incidents.window when it is < 0,
 * and opens it. Prints why and returns the exit status on failure; 0 and
 * *out on success (close with incident_db_close).
 */
int cli_incident_db(const char *cmd, const struct cli_common *common, const char *dbarg,
		    int64_t *window, struct incident_db **out);
/* "~/x" -> "$HOME/x"; other paths copied. */
int cli_expand_home(const char *in, char *buf, size_t n);
/* "64k", "16M", "2G", plain bytes. */
bool cli_parse_size(const char *s, uint64_t *out);
bool cli_parse_uint(const char *s, uint64_t max, uint64_t *out);
/* Colours on f: a terminal, and NO_COLOR unset. */
bool cli_use_color(FILE *f);
/* "text" or "jsonl" -> 0/1; -1 if neither. */
int cli_parse_format(const char *s);
/* Human sizes for summaries: "1.2 MiB". */
void cli_human_bytes(uint64_t n, char *buf, size_t len);

/*
 * The alert output of a live mode: -o FILE (or standard output), text on
 * a terminal unless format says ("text"/"jsonl"), JSON lines otherwise;
 * *jo (kept by the output: it must outlive it) gets the ingest time,
 * version and host (none with deterministic). Prints why and returns NULL
 * on failure.
 */
struct mm_output *cli_output_open(const char *cmd, const struct cli_env *env, bool deterministic,
				  const char *output, const char *format,
				  struct mm_alert_json_opts *jo);

/*
 * Where a command that produces alerts also writes them: the store (one
 * run record, its sink) and, with a Redis URL, the fleet stream (its spool
 * beside the store). Shared by the live modes (sniff, watch, honeypot).
 */
struct cli_store_out {
	struct mm_store *store;		/* NULL with no_db */
	int64_t run_id;
	const char *db;			/* the path in use, or NULL */
	char db_buf[4096];
	char spool[4200];
};
/* Opens the store (dbarg, else store.path, else the default; nothing when
 * no_db or store.enabled is false and no dbarg), begins a run of `cmd`
 * with args, and adds its sink to out; with redis_url adds the Redis sink
 * too. Prints what went wrong and returns CLI_EXIT_ERROR or
 * CLI_EXIT_USAGE; 0 on success. */
int cli_store_out_open(struct cli_store_out *so, const char *cmd, const struct cli_env *env,
		       const char *dbarg, bool no_db, const char *args, const char *redis_url,
		       struct mm_output *out, const struct mm_alert_json_opts *jo);
/* Ends the run (status from the exit code rc) and closes the store; call
 * after mm_output_free(). */
void cli_store_out_close(struct cli_store_out *so, int rc);

#endif
