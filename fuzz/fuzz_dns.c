/*
 * fuzz_dns.c — libFuzzer target for the DNS parser (app_dns.c, TCP framing; the UDP path is the same message decoder) and the mining detector's DNS hooks.
 * Input format: fuzz_app.h (direction/gap records driving one parser).
 */
#include "fuzz_app.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
extern const struct app_parser app_parser_dns;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fa_run(&app_parser_dns, data, size);
	return 0;
}
