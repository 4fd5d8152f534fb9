/*
 * cmd_config.c — `mamori config show`: the effective configuration, every
 * key with its value, where the value came from (default, the file, --set)
 * and what it means. Core's keys and every engine's config_defaults are
 * declared first, so an unknown key in -c FILE or --set is an error here
 * as it is in every other command.
 */
#include "core/compat.h"
#include "cli/cli_common.h"

#include <getopt.h>
#include <unistd.h>

static const char config_usage[] =
	"usage: mamori config show [--format text|jsonl] [-c FILE] [--set KEY=VALUE]...\n"
	"\n"
	"Prints every configuration key: value, origin (default, the file, command line)\n"
	"and meaning.\n";

enum {
	OPT_FORMAT = CLI_OPT_FIRST_FREE,
	OPT_HELP,
};

static const struct option config_opts[] = {
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "config", required_argument, NULL, 'c' },
	{ "set", required_argument, NULL, CLI_OPT_SET },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

static int config_run(int argc, char **argv)
{
	struct cli_common common;
	struct cli_env env;
	struct mm_buf b;
	bool jsonl;
	int opt, c, status = CLI_EXIT_ERROR;

	memset(&common, 0, sizeof(common));
	memset(&env, 0, sizeof(env));
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(config_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_EXIT_USAGE : 0;
	}
	if (strcmp(argv[1], "show")) {
		fprintf(stderr, "mamori config: unknown subcommand '%s'\n\n%s", argv[1], config_usage);
		return CLI_EXIT_USAGE;
	}
	jsonl = false;
	argc--;
	argv++;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "c:", config_opts, NULL)) != -1) {
		c = cli_common_option(&common, opt, optarg);
		if (c < 0)
			return CLI_EXIT_USAGE;
		if (c > 0)
			continue;
		switch (opt) {
		case OPT_FORMAT:
			if (cli_parse_format(optarg) < 0) {
				fprintf(stderr, "mamori config: --format is text or jsonl\n");
				return CLI_EXIT_USAGE;
			}
			jsonl = cli_parse_format(optarg) == 1;
			break;
		case OPT_HELP:
			fputs(config_usage, stdout);
			return 0;
		default:
			fputs(config_usage, stderr);
			return CLI_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "mamori config show: unexpected argument '%s'\n", argv[optind]);
		return CLI_EXIT_USAGE;
	}
	c = cli_config_load(&env, &common);
	if (c) {
		status = c;
		goto out;
	}
	mm_buf_init(&b, 1u << 20);
	for (size_t i = 0;; i++) {
		const char *key, *value, *desc, *origin;

		if (!mm_config_iter(env.config, i, &key, &value, &desc, &origin))
			break;
		mm_buf_reset(&b);
		if (jsonl) {
			struct mm_json j;

			mm_json_init(&j, &b);
			mm_json_object_begin(&j, NULL);
			mm_json_str(&j, "key", key);
			mm_json_str(&j, "value", value ? value : "");
			mm_json_str(&j, "origin", origin ? origin : "default");
			if (desc)
				mm_json_str(&j, "description", desc);
			mm_json_object_end(&j);
			if (mm_json_finish(&j) == 0 && b.ptr)
				printf("%s\n", b.ptr);
			continue;
		}
		mm_json_escape(&b, value ? value : "", value ? strlen(value) : 0);
		printf("%-36s = %-24s  [%s]", key, b.ptr ? b.ptr : "", origin ? origin : "default");
		if (desc)
			printf("  %s", desc);
		putchar('\n');
	}
	mm_buf_release(&b);
	status = 0;
out:
	cli_env_release(&env);
	if (fflush(stdout) != 0)
		status = CLI_EXIT_ERROR;
	return status;
}

const struct cli_command cli_command_config = {
	.name = "config",
	.synopsis = "show the effective configuration",
	.usage = config_usage,
	.run = config_run,
};
