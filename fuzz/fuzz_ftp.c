/*
 * fuzz_ftp.c — libFuzzer target for the FTP parser (app_ftp.c) and the brute-force detector it reports to.
 * Input format: fuzz_app.h (direction/gap records driving one parser).
 */
#include "fuzz_app.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
extern const struct app_parser app_parser_ftp;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fa_run(&app_parser_ftp, data, size);
	return 0;
}
