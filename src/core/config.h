/*
 * config.h — effective configuration: built-in defaults, then mamori.yaml,
 * then command-line overrides.
 *
 * The configuration is a flat map of dotted keys ("net.home_net",
 * "logs.bruteforce.threshold") to string values. Every key that mamori reads
 * is declared with its default and a one-line description (core's own keys,
 * and each engine's `config_defaults` table), so `mamori config show` can
 * print the whole effective configuration and an unknown key in a file is
 * reported rather than silently ignored. The YAML file (libyaml) is nested
 * maps whose paths become dotted keys; lists become comma-separated values.
 *
 * Ownership: the config copies everything. Threading: read-only after load.
 */
#ifndef MM_CONFIG_H
#define MM_CONFIG_H

#include "core/error.h"

struct mm_config_default {
	const char *key;
	const char *value;
	const char *description;
};

struct mm_config;

struct mm_config *mm_config_new(void);
void mm_config_free(struct mm_config *c);

/* Declares keys and their defaults (the table must end with {NULL}). */
int mm_config_declare(struct mm_config *c, const struct mm_config_default *table);
/* Loads a YAML file; unknown keys and type errors fill diag (file, line). */
int mm_config_load_file(struct mm_config *c, const char *path, struct mm_diag *diag);
/* Sets one key ("key=value" from the command line, or from code). */
int mm_config_set(struct mm_config *c, const char *key, const char *value);

/* Value of a key, or def if the key is unknown/unset. */
const char *mm_config_get(const struct mm_config *c, const char *key, const char *def);
int64_t mm_config_get_int(const struct mm_config *c, const char *key, int64_t def);
/* Accepts sizes with suffixes: 64k, 16M, 2G (powers of 1024). */
uint64_t mm_config_get_size(const struct mm_config *c, const char *key, uint64_t def);
bool mm_config_get_bool(const struct mm_config *c, const char *key, bool def);

/* Iteration in key order, for `config show`: returns false past the end. */
bool mm_config_iter(const struct mm_config *c, size_t i, const char **key,
		    const char **value, const char **description, const char **origin);

/*
 * Additions (core A):
 *
 * A key's type is taken from its declared default: "true"/"false" (also
 * yes/no/on/off) make a boolean, an integer an integer, a number with a
 * k/M/G/T suffix a size; anything else is a string. mm_config_set() and
 * files must then give a value of that type (MM_EINVAL otherwise);
 * mm_config_set() on a key nobody declared returns MM_ENOTFOUND.
 * mm_config_load_file() goes on past an unknown key or a bad value, applies
 * the rest, and returns the first error (diag: file, line, reason and how
 * many more problems there were).
 */

/* core's own keys: scan.max_size, scan.timeout, scan.threads,
 * scan.one_filesystem, scan.exclude, net.home_net, output.format,
 * store.path, store.enabled, limits.archive_depth. net.home_net is a
 * comma-separated list of IPv4/IPv6 addresses or CIDR blocks (private,
 * loopback and link-local by default); surrounding brackets ("[a,b]") are
 * accepted. Engines declare their own keys (struct mm_engine). */
extern const struct mm_config_default mm_core_config_defaults[];

/* mm_config_set() with a chosen origin (shown by `config show`), e.g.
 * "environment"; NULL means "command line". */
int mm_config_set_from(struct mm_config *c, const char *key, const char *value,
		       const char *origin);
/* The declared default of a key, or NULL if undeclared. */
const char *mm_config_default_value(const struct mm_config *c, const char *key);

#endif
