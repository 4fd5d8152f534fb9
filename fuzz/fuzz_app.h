/*
 * fuzz_app.h — shared by the app-parser fuzz targets (fuzz_http.c,
 * fuzz_smb.c): drives one parser over a two-way stream described by the
 * input. Records: 1 byte (bit 0: direction, bit 1: a gap of the record's
 * length instead of data), 2 bytes little-endian length, the bytes. The
 * parser runs inside a real net_ctx so detectors and logs run too.
 */
#ifndef FUZZ_APP_H
#define FUZZ_APP_H

#include "core/compat.h"
#include "core/core.h"
#include "net/net.h"
#include "net/app.h"

static void *fa_state;
static struct mm_config *fa_cfg;
static struct mm_output *fa_out;

static void fa_setup(void)
{
	static const char *const none[] = { NULL };
	struct mm_engine_env env;
	struct mm_diag diag;
	struct mm_alert_json_opts jo = { 0, "fuzz", "fuzz" };
	fa_cfg = mm_config_new();
	mm_config_declare(fa_cfg, mm_engine_net.config_defaults);
	/* small tables: each run makes a fresh net_ctx */
	mm_config_set(fa_cfg, "net.flow.max", "1024");
	memset(&env, 0, sizeof(env));
	env.config = fa_cfg;
	env.rule_paths = none;
	env.deterministic = true;
	mm_diag_init(&diag);
	if (mm_engine_net.open(&fa_state, &env, &diag))
		abort();
	fa_out = mm_output_new(&jo);
}

static void fa_run(const struct app_parser *ap, const uint8_t *data, size_t size)
{
	struct mm_scan_ctx *scan;
	struct net_ctx *n = NULL;
	struct net_flow_info info;
	if (!fa_state)
		fa_setup();
	scan = mm_scan_ctx_new(fa_out, fa_cfg, true, "fuzz");
	if (net_ctx_new(&n, fa_state, scan, 1)) {
		mm_scan_ctx_free(scan);
		return;
	}
	memset(&info, 0, sizeof(info));
	info.id = 1;
	info.ip_version = 4;
	info.proto = 6;
	snprintf(info.src_ip, sizeof(info.src_ip), "198.51.100.1");
	snprintf(info.dst_ip, sizeof(info.dst_ip), "10.0.0.1");
	info.src_port = 40000;
	info.dst_port = 445;
	struct app_ctx ctx = { n, NULL, &info, scan, 1, 1 };
	void *s = ap->session_new(&ctx);
	if (s) {
		size_t off = 0;
		int rc = 0;
		while (rc >= 0 && off + 3 <= size) {
			uint8_t h = data[off];
			size_t len = (size_t)(data[off + 1] | (data[off + 2] << 8));
			off += 3;
			enum app_dir dir = (h & 1) ? APP_TO_CLIENT : APP_TO_SERVER;
			ctx.frame++;
			if (h & 2) {
				rc = ap->gap(s, &ctx, dir, len);
				continue;
			}
			if (len > size - off)
				len = size - off;
			uint8_t *copy = malloc(len ? len : 1);
			if (!copy)
				break;
			memcpy(copy, data + off, len);
			rc = ap->data(s, &ctx, dir, copy, len);
			free(copy);
			off += len;
		}
		ap->close(s, &ctx);
		ap->session_free(s);
	}
	net_ctx_free(n);
	mm_scan_ctx_free(scan);
}

#endif
