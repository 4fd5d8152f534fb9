/*
 * fuzz_ssh.c — libFuzzer target for the SSH parser (app_ssh.c): banners, cleartext binary packets, KEXINIT, size inference.
 * Input format: fuzz_app.h (direction/gap records driving one parser).
 */
#include "fuzz_app.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
extern const struct app_parser app_parser_ssh;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fa_run(&app_parser_ssh, data, size);
	return 0;
}
