/*
 * fuzz_honeypot.c — libFuzzer target for the honeypot's request path: bytes
 * in, records and alerts out, no sockets. The first byte picks the service
 * (bit 0) and how the rest is cut into pieces (bits 1-7: piece size), so
 * that requests split at every place are parsed; the honeypot is made per
 * input (deterministic) so each run is reproducible. Records and alerts
 * are serialised and checked to be one line of JSON.
 */
#include "core/compat.h"
#include "core/core.h"
#include "honeypot/honeypot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int check_record(void *arg, const char *json, size_t len)
{
	(void)arg;
	if (!len || json[0] != '{' || json[len - 1] != '}' || memchr(json, '\n', len))
		abort();
	return 0;
}

static void sink_write(void *arg, const void *data, size_t len)
{
	(void)data;
	*(size_t *)arg += len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct honeypot_config cfg;
	struct honeypot *hp = NULL;
	struct honeypot_session *s = NULL;
	struct mm_output *out = NULL;
	struct mm_alert_json_opts jo;
	size_t written = 0;

	if (size < 1)
		return 0;
	memset(&jo, 0, sizeof(jo));
	out = mm_output_new(&jo);
	honeypot_config_defaults(&cfg);
	cfg.sensor = "fuzz";
	cfg.deterministic = true;
	cfg.max_body = 4096;
	cfg.record_body_max = 512;
	if (honeypot_new(&hp, &cfg, out, NULL))
		goto out;
	honeypot_set_record_fn(hp, check_record, NULL);
	if (honeypot_session_open(hp, (data[0] & 1) ? HONEYPOT_CONFLUENCE : HONEYPOT_DOCKER,
				  "192.0.2.1", 1234, "198.51.100.1", 2375, sink_write, &written, &s))
		goto out;
	{
		size_t piece = (size_t)(data[0] >> 1) * 7 + 1;
		const uint8_t *p = data + 1;
		size_t left = size - 1;
		while (left) {
			size_t n = MM_MIN(piece, left);
			if (honeypot_session_feed(s, p, n) != 0)
				break;
			p += n;
			left -= n;
		}
	}
	honeypot_session_close(s, "fuzz");
out:
	honeypot_free(hp);
	mm_output_free(out);
	return 0;
}
