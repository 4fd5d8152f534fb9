/*
 * fuzz_config.c — libFuzzer target for the configuration loader
 * (mamori.yaml through libyaml into dotted keys, config.c).
 *
 * The input is the YAML file itself, handed over as an in-memory file
 * (memfd, opened by its /proc path, as mm_config_load_file wants a path).
 * Core's keys are declared first, plus a few of every type, so typed
 * values, lists, unknown keys, aliases, anchors, deep nesting and bad
 * bytes are all reached. After the load (which may fail with a
 * diagnostic) every key is read back through every typed getter: nothing
 * may crash, and iteration must end.
 */
#define _GNU_SOURCE	/* memfd_create */
#include "core/compat.h"
#include "core/config.h"
#include "core/error.h"

#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct mm_config_default fuzz_keys[] = {
	{ "fuzz.flag", "true", "a boolean" },
	{ "fuzz.count", "10", "an integer" },
	{ "fuzz.size", "64k", "a size" },
	{ "fuzz.list", "a,b", "a string (lists are joined)" },
	{ "fuzz.deep.nested.key", "x", "a string under several maps" },
	{ NULL, NULL, NULL },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mm_config *c;
	struct mm_diag d;
	char path[64];
	const char *key, *value, *desc, *origin;
	int fd;

	if (size > 1 << 20)
		return 0;
	fd = memfd_create("fuzz-config", 0);
	if (fd < 0)
		return 0;
	if (size && write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	c = mm_config_new();
	if (!c) {
		close(fd);
		return 0;
	}
	mm_config_declare(c, mm_core_config_defaults);
	mm_config_declare(c, fuzz_keys);
	mm_diag_init(&d);
	(void)mm_config_load_file(c, path, &d);
	for (size_t i = 0; i < 100000 && mm_config_iter(c, i, &key, &value, &desc, &origin); i++) {
		(void)mm_config_get(c, key, "");
		(void)mm_config_get_int(c, key, -1);
		(void)mm_config_get_size(c, key, 1);
		(void)mm_config_get_bool(c, key, false);
		(void)mm_config_default_value(c, key);
	}
	mm_config_free(c);
	close(fd);
	return 0;
}
