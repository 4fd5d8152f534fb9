/*
 * fuzz_rdp.c — libFuzzer target for the RDP parser (app_rdp.c): TPKT/X.224 CR/CC, cookie, negotiation.
 * Input format: fuzz_app.h (direction/gap records driving one parser).
 */
#include "fuzz_app.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
extern const struct app_parser app_parser_rdp;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fa_run(&app_parser_rdp, data, size);
	return 0;
}
