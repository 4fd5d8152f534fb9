/*
 * cli.h — shared declarations of the mamori program (src/cli/), the only
 * code in mamori that prints or exits.
 *
 * Each subcommand lives in its own file cmd_<name>.c and defines
 * `const struct cli_command cli_command_<name>`; the build generates the
 * table cli_commands[] from the files present, and cli_engines[] from the
 * engine modules built (src/cli/CMakeLists.txt).
 */
#ifndef MM_CLI_H
#define MM_CLI_H

#include "core/core.h"

/* Exit codes, documented in docs/mamori.1. */
#define CLI_EXIT_CLEAN 0	/* nothing found, everything examined */
#define CLI_EXIT_FOUND 1	/* at least one alert */
#define CLI_EXIT_ERROR 2	/* an error kept some input from being examined */
#define CLI_EXIT_USAGE 64	/* bad command line */

struct cli_command {
	const char *name;	/* "scan" */
	const char *synopsis;	/* one line, for `mamori --help` */
	const char *usage;	/* the full option list for `mamori NAME --help` */
	int (*run)(int argc, char **argv);	/* argv[0] is the command name */
};

extern const struct cli_command *const cli_commands[];
extern const struct mm_engine *const cli_engines[];

#endif
