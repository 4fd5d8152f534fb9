/*
 * fuzz_lnk.c — libFuzzer target for the MS-SHLLINK parser and the worm
 * checks (src/files/lnk.c), and for the path checks on raw bytes (as an
 * autorun.inf command would reach them).
 */
#include "core/compat.h"
#include "files/lnk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct lnk_file l;
	static char target[LNK_STR_MAX * 2];
	char *text;

	if (lnk_parse(&l, data, size) == 0) {
		(void)lnk_worm_assess(&l, target, sizeof target);
		if (strlen(target) >= sizeof target)
			__builtin_trap();
	}
	/* the same bytes as a command line (NUL-terminated copy) */
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	(void)lnk_args_assess(text, strlen(text));
	(void)lnk_blank_component(text, strlen(text));
	(void)lnk_double_ext(text, strlen(text));
	(void)lnk_hidden_folder_name(text, strlen(text));
	(void)lnk_is_interpreter(text, strlen(text));
	free(text);
	return 0;
}
