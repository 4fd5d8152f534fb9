/*
 * fuzz_tls.c — libFuzzer target for the TLS parser (app_tls.c): records, handshake reassembly, JA3/JA4, certificate DER walk.
 * Input format: fuzz_app.h (direction/gap records driving one parser).
 */
#include "fuzz_app.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
extern const struct app_parser app_parser_tls;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fa_run(&app_parser_tls, data, size);
	return 0;
}
