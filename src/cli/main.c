/*
 * main.c — the mamori program's entry: dispatches to a subcommand.
 *
 * Subcommands come from the generated table cli_commands[] (one
 * cmd_<name>.c each, see cli.h). `mamori --help` lists them with their
 * synopsis; `mamori NAME --help` is handled by each command, and
 * `mamori help NAME` prints the same usage text. Exit statuses are in cli.h.
 */
#include "core/compat.h"
#include "cli/cli.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: mamori COMMAND [OPTIONS] [ARGS]\n\n"
		   "mamori finds the threats around cryptocurrency in files, packet\n"
		   "captures, event logs and on a honeypot.\n\ncommands:\n");
	for (size_t i = 0; cli_commands[i]; i++)
		fprintf(f, "  %-10s %s\n", cli_commands[i]->name, cli_commands[i]->synopsis);
	fprintf(f, "\n`mamori COMMAND --help` shows a command's options; "
		   "see mamori(1).\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		/* `mamori help COMMAND` is `mamori COMMAND --help` */
		for (size_t i = 0; argc > 2 && cli_commands[i]; i++) {
			if (!strcmp(argv[2], cli_commands[i]->name)) {
				char help[] = "--help";
				char *av[] = { argv[2], help, NULL };

				if (cli_commands[i]->usage) {
					fputs(cli_commands[i]->usage, stdout);
					return 0;
				}
				return cli_commands[i]->run(2, av);
			}
		}
		if (argc > 2) {
			fprintf(stderr, "mamori: unknown command '%s'\n\n", argv[2]);
			usage(stderr);
			return CLI_EXIT_USAGE;
		}
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("mamori %s\n", MM_VERSION);
		return 0;
	}
	for (size_t i = 0; cli_commands[i]; i++) {
		if (!strcmp(argv[1], cli_commands[i]->name))
			return cli_commands[i]->run(argc - 1, argv + 1);
	}
	fprintf(stderr, "mamori: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return CLI_EXIT_USAGE;
}
