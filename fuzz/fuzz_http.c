/*
 * fuzz_http.c — libFuzzer target for the HTTP parser (app_http.c) and the
 * HTTP detectors it feeds (Confluence, Docker). Input format: fuzz_app.h.
 */
#include "fuzz_app.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
extern const struct app_parser app_parser_http;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fa_run(&app_parser_http, data, size);
	return 0;
}
