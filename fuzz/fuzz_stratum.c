/*
 * fuzz_stratum.c — libFuzzer target for the Stratum parser (app_stratum.c, jansson per line) and the mining detector (wallet validation).
 * Input format: fuzz_app.h (direction/gap records driving one parser).
 */
#include "fuzz_app.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
extern const struct app_parser app_parser_stratum;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fa_run(&app_parser_stratum, data, size);
	return 0;
}
