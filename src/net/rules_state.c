/*
 * rules_state.c — the rule engine's mutable state: per-flow flowbits (in
 * the flow's NET_SLOT_RULES slot, freed with the flow) and per-input
 * threshold / detection_filter counters keyed by (rule, address).
 *
 * Limits: the per-flow state is the last RULES_STREAM_TAIL bytes of each
 * stream direction plus one bit per flowbit name of the rule set (at most
 * 65536 names = 8 KiB), made on first use; the threshold table holds at
 * most THR_MAX entries (open addressing); when full, a new key is not
 * tracked and the alert is let through (counted in thr_dropped) — better a
 * duplicate alert than a lost one.
 *
 * Threading: one struct net_rules_state per input, one thread.
 */
#include "core/compat.h"
#include "net/rules.h"

#include <stdlib.h>
#include <string.h>

#define THR_MAX 65536

struct rules_flow {
	const char *app_proto;
	bool seen[2];
	uint16_t tail_len[2];
	uint8_t tail[2][RULES_STREAM_TAIL];
	size_t nbits;
	uint8_t bits[];
};

struct thr_entry {
	bool used;
	uint32_t rule;
	uint8_t addr[32];
	int64_t window_start;
	uint32_t count;
	bool alerted;
};

struct rules_thr_table {
	struct thr_entry e[THR_MAX];
};

static void flow_free(void *p)
{
	free(p);
}

static struct rules_flow *flow_new(size_t nbits)
{
	struct rules_flow *f = calloc(1, sizeof(*f) + (nbits + 7) / 8);
	if (f)
		f->nbits = nbits;
	return f;
}

struct rules_flow *rules_flow_get(struct net_rules_state *s, struct app_ctx *ctx, bool create)
{
	if (!ctx || !ctx->flow) {
		if (!s->fallback && create)
			s->fallback = flow_new(s->nflowbits);
		return s->fallback;
	}
	struct rules_flow *f = net_flow_slot(ctx->flow, NET_SLOT_RULES);
	if (!f && create) {
		f = flow_new(s->nflowbits);
		if (f)
			net_flow_slot_set(ctx->flow, NET_SLOT_RULES, f, flow_free);
	}
	return f;
}

const char *rules_flow_app_proto(const struct rules_flow *f)
{
	return f ? f->app_proto : NULL;
}

void rules_flow_set_app_proto(struct rules_flow *f, const char *app_proto)
{
	if (f && app_proto)
		f->app_proto = app_proto;
}

bool rules_flow_first(struct rules_flow *f, enum app_dir dir)
{
	bool first = !f->seen[dir];
	f->seen[dir] = true;
	return first;
}

const uint8_t *rules_flow_tail(const struct rules_flow *f, enum app_dir dir, size_t *len)
{
	*len = f ? f->tail_len[dir] : 0;
	return f ? f->tail[dir] : NULL;
}

void rules_flow_set_tail(struct rules_flow *f, enum app_dir dir, const uint8_t *data, size_t len)
{
	if (!f)
		return;
	size_t n = len < RULES_STREAM_TAIL ? len : RULES_STREAM_TAIL;
	memmove(f->tail[dir], data + len - n, n);
	f->tail_len[dir] = (uint16_t)n;
}

static bool bit(const struct rules_flow *f, uint32_t id)
{
	return f && id < f->nbits && (f->bits[id / 8] & (1u << (id % 8)));
}

bool rules_flowbits_check(const struct rule *r, const struct rules_flow *f)
{
	for (unsigned i = 0; i < r->nfb; i++) {
		const struct rule_flowbit *fb = &r->fb[i];
		if (fb->cmd != FB_ISSET && fb->cmd != FB_ISNOTSET)
			continue;
		bool want = fb->cmd == FB_ISSET;
		bool ok = !fb->any;
		for (unsigned k = 0; k < fb->n; k++) {
			bool hit = bit(f, fb->id[k]) == want;
			if (fb->any && hit) {
				ok = true;
				break;
			}
			if (!fb->any && !hit) {
				ok = false;
				break;
			}
		}
		if (!ok)
			return false;
	}
	return true;
}

void rules_flowbits_apply(const struct rule *r, struct rules_flow *f)
{
	if (!f)
		return;
	for (unsigned i = 0; i < r->nfb; i++) {
		const struct rule_flowbit *fb = &r->fb[i];
		for (unsigned k = 0; k < fb->n; k++) {
			uint32_t id = fb->id[k];
			if (id >= f->nbits)
				continue;
			uint8_t m = (uint8_t)(1u << (id % 8));
			if (fb->cmd == FB_SET)
				f->bits[id / 8] |= m;
			else if (fb->cmd == FB_UNSET)
				f->bits[id / 8] &= (uint8_t)~m;
			else if (fb->cmd == FB_TOGGLE)
				f->bits[id / 8] ^= m;
		}
	}
}

static uint64_t mix(uint64_t h, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

bool rules_threshold_pass(struct net_rules_state *s, const struct rule *r,
			  const uint8_t *src, const uint8_t *dst, uint64_t flow_id, int64_t ts_us)
{
	if (r->thr_type == THR_NONE)
		return true;
	if (!s->thr) {
		s->thr = calloc(1, sizeof(*s->thr));
		if (!s->thr) {
			s->thr_dropped++;
			return true;
		}
	}
	uint8_t key[32] = { 0 };
	if (r->thr_track == TRK_SRC || r->thr_track == TRK_BOTH)
		memcpy(key, src, 16);
	if (r->thr_track == TRK_DST || r->thr_track == TRK_BOTH)
		memcpy(key + 16, dst, 16);
	if (r->thr_track == TRK_FLOW)
		memcpy(key, &flow_id, sizeof(flow_id));
	uint64_t h = mix(0xcbf29ce484222325ULL ^ r->index, key, sizeof(key));
	struct thr_entry *e = NULL;
	for (size_t probe = 0; probe < 64; probe++) {
		struct thr_entry *c = &s->thr->e[(h + probe) % THR_MAX];
		if (!c->used) {
			c->used = true;
			c->rule = r->index;
			memcpy(c->addr, key, sizeof(key));
			c->window_start = ts_us;
			e = c;
			break;
		}
		if (c->rule == r->index && !memcmp(c->addr, key, sizeof(key))) {
			e = c;
			break;
		}
	}
	if (!e) {
		s->thr_dropped++;
		return true;
	}
	int64_t window = (int64_t)r->thr_seconds * 1000000;
	if (ts_us - e->window_start >= window || ts_us < e->window_start) {
		e->window_start = ts_us;
		e->count = 0;
		e->alerted = false;
	}
	e->count++;
	switch (r->thr_type) {
	case THR_LIMIT:
		return e->count <= r->thr_count;
	case THR_THRESHOLD:
		if (e->count >= r->thr_count) {
			e->count = 0;
			return true;
		}
		return false;
	case THR_BOTH:
		if (e->count >= r->thr_count && !e->alerted) {
			e->alerted = true;
			return true;
		}
		return false;
	case THR_DETECTION:
		return e->count > r->thr_count;
	default:
		return true;
	}
}
