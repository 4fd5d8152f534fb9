/*
 * fuzz_telnet.c — libFuzzer target for the Telnet parser (app_telnet.c): IAC state machine, prompts.
 * Input format: fuzz_app.h (direction/gap records driving one parser).
 */
#include "fuzz_app.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
extern const struct app_parser app_parser_telnet;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fa_run(&app_parser_telnet, data, size);
	return 0;
}
