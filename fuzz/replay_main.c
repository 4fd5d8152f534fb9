/*
 * replay_main.c — runs a fuzz target's corpus without libFuzzer.
 *
 * Linked with one fuzz_<parser>.c into replay_<parser>; every argument is a
 * file or a directory of files, each fed once to LLVMFuzzerTestOneInput.
 * Used by ctest (under gcc, and under ASan in `make asan`) so that every
 * seed and every crash ever found stays a regression test. Each input is
 * also fed truncated at a few lengths, since truncation is the commonest
 * hostile input. A directory that does not exist is an error: a target
 * without seeds tests nothing.
 */
#include "core/compat.h"

#include <dirent.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path, unsigned long *count)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;
	int rc = 1;

	if (!f) {
		fprintf(stderr, "replay: %s: cannot open\n", path);
		return 1;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0)
		goto out;
	buf = malloc(n ? (size_t)n : 1);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n)
		goto out;
	LLVMFuzzerTestOneInput(buf, (size_t)n);
	/* truncations: half, minus one, a few bytes */
	if (n > 1) {
		LLVMFuzzerTestOneInput(buf, (size_t)n / 2);
		LLVMFuzzerTestOneInput(buf, (size_t)n - 1);
		LLVMFuzzerTestOneInput(buf, MM_MIN((size_t)n, 7));
	}
	*count += 1;
	rc = 0;
out:
	free(buf);
	fclose(f);
	return rc;
}

static int run_path(const char *path, unsigned long *count)
{
	struct stat st;
	DIR *d;
	struct dirent *e;
	int rc = 0;

	if (stat(path, &st) != 0) {
		fprintf(stderr, "replay: %s: no such file or directory\n", path);
		return 1;
	}
	if (!S_ISDIR(st.st_mode))
		return run_file(path, count);
	d = opendir(path);
	if (!d)
		return 1;
	while ((e = readdir(d)) != NULL) {
		char sub[4096];
		if (e->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(sub, sizeof sub, "%s/%s", path, e->d_name) >= sizeof sub)
			continue;
		rc |= run_path(sub, count);
	}
	closedir(d);
	return rc;
}

int main(int argc, char **argv)
{
	unsigned long count = 0;
	int rc = 0;

	for (int i = 1; i < argc; i++)
		rc |= run_path(argv[i], &count);
	if (count == 0) {
		fprintf(stderr, "replay: no inputs\n");
		return 1;
	}
	printf("replayed %lu inputs\n", count);
	return rc;
}
