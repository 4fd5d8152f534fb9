/*
 * fuzz_pcap.c — libFuzzer target for the whole network engine on a
 * capture file: libpcap's reader, then decode, flows, reassembly, every
 * app parser and detector.
 *
 * The input is written to a memfd and handed to mm_engine_net.scan() as a
 * pipeline would. The engine is opened once (default configuration); each
 * run gets a fresh scan ctx whose output has no sinks.
 */
#define _GNU_SOURCE
#include "core/compat.h"
#include "core/core.h"
#include "net/net.h"

#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void *state;
static struct mm_config *cfg;
static struct mm_output *out;

static void setup(void)
{
	static const char *const none[] = { NULL };
	struct mm_engine_env env;
	struct mm_diag diag;
	struct mm_alert_json_opts jo = { 0, "fuzz", "fuzz" };
	cfg = mm_config_new();
	mm_config_declare(cfg, mm_engine_net.config_defaults);
	mm_config_set(cfg, "net.flow.max", "1024");
	memset(&env, 0, sizeof(env));
	env.config = cfg;
	env.rule_paths = none;
	env.deterministic = true;
	mm_diag_init(&diag);
	if (mm_engine_net.open(&state, &env, &diag))
		abort();
	out = mm_output_new(&jo);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!state)
		setup();
	int fd = memfd_create("fuzz-pcap", 0);
	if (fd < 0)
		return 0;
	if (size && write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	lseek(fd, 0, SEEK_SET);
	struct mm_input in;
	memset(&in, 0, sizeof(in));
	in.path = "fuzz.pcap";
	in.fd = fd;
	in.size = size;
	in.head = data;
	in.head_len = size < 4096 ? size : 4096;
	in.kind = MM_KIND_PCAP;
	struct mm_scan_ctx *ctx = mm_scan_ctx_new(out, cfg, true, "fuzz.pcap");
	mm_engine_net.scan(state, NULL, &in, ctx);
	mm_scan_ctx_free(ctx);
	close(fd);
	return 0;
}
