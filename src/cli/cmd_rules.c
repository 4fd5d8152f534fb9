/*
 * cmd_rules.c — `mamori rules list|check|show`: the rule catalogue.
 *
 * Every engine is opened as `scan` would open it (cli_engines_open), so
 * what is listed is exactly what a scan would use. `check FILE...` opens
 * the engines with only those files (no bundled rules) and prints every
 * rejected rule as file:line: engine: reason, then counts per engine and
 * per reason; it exits 1 when any rule was rejected, 0 otherwise, 64 on
 * bad usage, 2 when an engine cannot start at all.
 */
#include "core/compat.h"
#include "cli/cli_common.h"
#include "honeypot/honeypot.h"

#include <errno.h>
#include <getopt.h>
#include <sys/stat.h>
#include <unistd.h>

static const char rules_usage[] =
	"usage: mamori rules list [--engine E] [--format text|jsonl] [-r RULES]...\n"
	"                         [--no-bundled-rules] [-c FILE] [--set KEY=VALUE]...\n"
	"       mamori rules check [--engine E] [-c FILE] [--set KEY=VALUE]... FILE...\n"
	"       mamori rules show [-r RULES]... [--no-bundled-rules] ID\n"
	"\n"
	"list   every built-in detector and loaded rule (id, level, engine, name)\n"
	"check  loads only FILE... and reports every rule that fails: file, line, reason;\n"
	"       exit status 1 if any rule was rejected\n"
	"show   everything known about one rule or detector\n";

enum {
	OPT_ENGINE = CLI_OPT_FIRST_FREE,
	OPT_FORMAT,
	OPT_HELP,
};

static const struct option rules_opts[] = {
	{ "engine", required_argument, NULL, OPT_ENGINE },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "rules", required_argument, NULL, 'r' },
	{ "no-bundled-rules", no_argument, NULL, CLI_OPT_NO_BUNDLED },
	{ "config", required_argument, NULL, 'c' },
	{ "set", required_argument, NULL, CLI_OPT_SET },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

static void json_list(struct mm_json *j, const char *key, const char *const *v)
{
	if (!v[0])
		return;
	mm_json_array_begin(j, key);
	for (size_t i = 0; i < MM_ALERT_MAX_LIST && v[i]; i++)
		mm_json_str(j, NULL, v[i]);
	mm_json_array_end(j);
}

static int rule_json(const struct mm_rule_meta *m, struct mm_buf *b)
{
	struct mm_json j;

	mm_json_init(&j, b);
	mm_json_object_begin(&j, NULL);
	mm_json_str(&j, "id", m->id);
	if (m->name)
		mm_json_str(&j, "name", m->name);
	if (m->engine)
		mm_json_str(&j, "engine", m->engine);
	if (m->ruleset)
		mm_json_str(&j, "ruleset", m->ruleset);
	if (m->category)
		mm_json_str(&j, "category", m->category);
	mm_json_str(&j, "level", mm_level_name(m->level));
	if (m->description)
		mm_json_str(&j, "description", m->description);
	if (m->source_file) {
		mm_json_str(&j, "file", m->source_file);
		if (m->source_line > 0)
			mm_json_int(&j, "line", m->source_line);
	}
	json_list(&j, "reference", m->references);
	json_list(&j, "technique", m->techniques);
	json_list(&j, "tactic", m->tactics);
	mm_json_object_end(&j);
	return mm_json_finish(&j);
}

static void put_escaped(const char *s)
{
	struct mm_buf b;

	mm_buf_init(&b, 1u << 16);
	if (s && mm_json_escape(&b, s, strlen(s)) == 0 && b.ptr)
		fputs(b.ptr, stdout);
	mm_buf_release(&b);
}

static int do_list(struct cli_env *env, const char *engine, bool jsonl)
{
	struct mm_buf b;
	size_t n = mm_catalogue_count(env->catalogue), shown = 0;

	mm_buf_init(&b, 1u << 20);
	for (size_t i = 0; i < n; i++) {
		const struct mm_rule_meta *m = mm_catalogue_at(env->catalogue, i);

		if (engine && (!m->engine || strcmp(engine, m->engine)))
			continue;
		shown++;
		if (jsonl) {
			mm_buf_reset(&b);
			if (rule_json(m, &b) == 0 && b.ptr)
				printf("%s\n", b.ptr);
			continue;
		}
		put_escaped(m->id);
		printf("  %s  %s  ", mm_level_name(m->level), m->engine ? m->engine : "?");
		put_escaped(m->name ? m->name : "");
		putchar('\n');
	}
	mm_buf_release(&b);
	if (!jsonl && isatty(STDOUT_FILENO))
		fprintf(stderr, "%zu rules and detectors\n", shown);
	return 0;
}

static void print_list(const char *label, const char *const *v)
{
	if (!v[0])
		return;
	printf("%-12s", label);
	for (size_t i = 0; i < MM_ALERT_MAX_LIST && v[i]; i++) {
		printf("%s", i ? ", " : "");
		put_escaped(v[i]);
	}
	putchar('\n');
}

static int do_show(struct cli_env *env, const char *id)
{
	const struct mm_rule_meta *m = mm_catalogue_find(env->catalogue, id);

	if (!m) {
		fprintf(stderr, "mamori rules show: no rule or detector '%s' "
				"(`mamori rules list` shows them)\n", id);
		return 1;
	}
#define LINE(label, v) \
	do { if (v) { printf("%-12s", label); put_escaped(v); putchar('\n'); } } while (0)
	LINE("id", m->id);
	LINE("name", m->name);
	LINE("engine", m->engine);
	LINE("ruleset", m->ruleset);
	LINE("category", m->category);
	printf("%-12s%s\n", "level", mm_level_name(m->level));
	if (m->source_file) {
		printf("%-12s", "source");
		put_escaped(m->source_file);
		if (m->source_line > 0)
			printf(":%ld", m->source_line);
		putchar('\n');
	}
	print_list("references", m->references);
	print_list("techniques", m->techniques);
	print_list("tactics", m->tactics);
	LINE("description", m->description);
#undef LINE
	return 0;
}

struct reason_count {
	const char *key;
	size_t n;
};

static int do_check(struct cli_env *env)
{
	const struct mm_rule_report *r = env->report;
	size_t np = mm_rule_report_problem_count(r), rejected, kinds = 0;
	struct reason_count *reasons = calloc(np ? np : 1, sizeof(*reasons));
	size_t total_loaded = 0, total_rejected = 0;

	if (!reasons) {
		fprintf(stderr, "mamori: out of memory\n");
		return CLI_EXIT_ERROR;
	}
	rejected = cli_print_rule_problems(stdout, r, true);
	for (size_t i = 0; i < np; i++) {
		const struct mm_rule_problem *p = mm_rule_report_problem(r, i);
		const char *key = p->reason_key ? p->reason_key : (p->reason ? p->reason : "?");
		size_t k;

		if (p->is_warning)
			continue;
		for (k = 0; k < kinds; k++) {
			if (!strcmp(reasons[k].key, key))
				break;
		}
		if (k == kinds)
			reasons[kinds++].key = key;
		reasons[k].n++;
	}
	printf("\n");
	for (size_t i = 0; i < env->n_engines; i++) {
		const char *e = env->engines[i]->name;
		size_t l = mm_rule_report_loaded_count(r, e), x = mm_rule_report_rejected_count(r, e);

		total_loaded += l;
		total_rejected += x;
		printf("%-10s %zu loaded, %zu rejected\n", e, l, x);
	}
	if (kinds) {
		printf("rejected by reason:\n");
		for (size_t k = 0; k < kinds; k++)
			printf("  %6zu  %s\n", reasons[k].n, reasons[k].key);
	}
	printf("total: %zu loaded, %zu rejected\n", total_loaded, MM_MAX(total_rejected, rejected));
	free(reasons);
	if (!total_loaded && !total_rejected && !rejected) {
		/* nothing loaded and nothing rejected: no engine took the files */
		printf("no engine recognised a rule in these files (YARA .yar/.yara, "
		       "Suricata .rules, Sigma .yml/.yaml)\n");
		return 1;
	}
	return rejected || total_rejected ? 1 : 0;
}

static int rules_run(int argc, char **argv)
{
	struct cli_common common;
	struct cli_env env;
	const char *engine = NULL, *sub;
	bool jsonl;
	int opt, c, status = CLI_EXIT_ERROR;

	memset(&common, 0, sizeof(common));
	memset(&env, 0, sizeof(env));
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(rules_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_EXIT_USAGE : 0;
	}
	sub = argv[1];
	if (strcmp(sub, "list") && strcmp(sub, "check") && strcmp(sub, "show")) {
		fprintf(stderr, "mamori rules: unknown subcommand '%s'\n\n%s", sub, rules_usage);
		return CLI_EXIT_USAGE;
	}
	jsonl = !isatty(STDOUT_FILENO);
	optind = 1;
	argc--;
	argv++;
	while ((opt = getopt_long(argc, argv, "r:c:", rules_opts, NULL)) != -1) {
		c = cli_common_option(&common, opt, optarg);
		if (c < 0)
			return CLI_EXIT_USAGE;
		if (c > 0)
			continue;
		switch (opt) {
		case OPT_ENGINE:
			engine = optarg;
			break;
		case OPT_FORMAT:
			if (cli_parse_format(optarg) < 0) {
				fprintf(stderr, "mamori rules: --format is text or jsonl\n");
				return CLI_EXIT_USAGE;
			}
			jsonl = cli_parse_format(optarg) == 1;
			break;
		case OPT_HELP:
			fputs(rules_usage, stdout);
			return 0;
		default:
			fputs(rules_usage, stderr);
			return CLI_EXIT_USAGE;
		}
	}
	if (engine && strcmp(engine, "honeypot") != 0) {
		size_t i;

		for (i = 0; cli_engines[i]; i++) {
			if (!strcmp(cli_engines[i]->name, engine))
				break;
		}
		if (!cli_engines[i]) {
			fprintf(stderr, "mamori rules: no engine '%s' in this build\n", engine);
			return CLI_EXIT_USAGE;
		}
	}
	if (!strcmp(sub, "check")) {
		if (optind >= argc) {
			fprintf(stderr, "mamori rules check: no FILE given\n");
			return CLI_EXIT_USAGE;
		}
		if (common.n_rules) {
			fprintf(stderr, "mamori rules check: give the files as arguments, not -r\n");
			return CLI_EXIT_USAGE;
		}
		for (int i = optind; i < argc; i++) {
			struct stat s;

			if (stat(argv[i], &s) != 0) {
				fprintf(stderr, "mamori rules check: %s: %s\n", argv[i], strerror(errno));
				return CLI_EXIT_ERROR;
			}
			if (common.n_rules == CLI_MAX_LIST) {
				fprintf(stderr, "mamori rules check: too many files\n");
				return CLI_EXIT_USAGE;
			}
			common.rule_paths[common.n_rules++] = argv[i];
			common.rule_paths[common.n_rules] = NULL;
		}
		common.no_bundled_rules = true;
	} else if (!strcmp(sub, "show")) {
		if (optind + 1 != argc) {
			fprintf(stderr, "mamori rules show: give exactly one ID\n");
			return CLI_EXIT_USAGE;
		}
	} else if (optind < argc) {
		fprintf(stderr, "mamori rules list: unexpected argument '%s'\n", argv[optind]);
		return CLI_EXIT_USAGE;
	}
	c = cli_config_load(&env, &common);
	if (c) {
		status = c;
		goto out;
	}
	/* "honeypot" names no scan engine: open them all, list the honeypot's */
	if (cli_engines_open(&env, &common,
			     engine && !strcmp(engine, "honeypot") ? NULL : engine))
		goto out;
	/* the honeypot is no scan engine, but its detectors are rules too */
	if ((!engine || !strcmp(engine, "honeypot")) && strcmp(sub, "check") != 0 &&
	    honeypot_register_rules(env.catalogue) < 0) {
		fprintf(stderr, "mamori rules: cannot list the honeypot's rules\n");
		status = CLI_EXIT_ERROR;
		goto out;
	}
	if (!strcmp(sub, "list"))
		status = do_list(&env, engine, jsonl);
	else if (!strcmp(sub, "show"))
		status = do_show(&env, argv[optind]);
	else
		status = do_check(&env);
out:
	cli_env_release(&env);
	if (fflush(stdout) != 0)
		status = CLI_EXIT_ERROR;
	return status;
}

const struct cli_command cli_command_rules = {
	.name = "rules",
	.synopsis = "list, check and show rules and built-in detectors",
	.usage = rules_usage,
	.run = rules_run,
};
