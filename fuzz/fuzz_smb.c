/*
 * fuzz_smb.c — libFuzzer target for the SMB parser (app_smb.c: NetBIOS
 * framing, SMB1, SMB2, NTLMSSP) and the MS17-010 detector it feeds.
 * Input format: fuzz_app.h.
 */
#include "fuzz_app.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
extern const struct app_parser app_parser_smb;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fa_run(&app_parser_smb, data, size);
	return 0;
}
