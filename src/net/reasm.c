/*
 * reasm.c — TCP stream reassembly, one struct reasm_stream per direction.
 *
 * Bytes are delivered in sequence order through out->data, without a copy
 * when a segment arrives in order and nothing is queued (the common case):
 * the callback then sees the capture buffer itself. Segments that arrive
 * ahead of the next expected byte are copied into a sorted queue and
 * delivered once the hole before them fills.
 *
 * Policy, in the order it applies:
 *   - midstream pickup: a direction with no SYN seen starts at the first
 *     segment seen in it;
 *   - retransmissions (bytes before next_seq) are dropped and counted;
 *   - overlaps: FIRST WINS. Bytes already delivered or already queued are
 *     kept; a later segment only contributes the bytes nobody gave before.
 *     Overlaps whose bytes differ are counted (an evasion signal);
 *   - segments starting more than `window` bytes past next_seq are ignored
 *     and counted (out of window);
 *   - gaps: when the peer acknowledges bytes we never saw while later
 *     bytes are queued, or when the queue is over its limit, or at the end
 *     of the flow, the hole is reported with out->gap(len) and delivery goes
 *     on after it;
 *   - depth: after `depth` bytes delivered in a direction, the stream stops
 *     (counted); memory: `flow_memcap` bytes queued per direction and
 *     `memcap` over all flows; past either, the queue is flushed as a gap
 *     first, and a segment that still does not fit is dropped and counted.
 *
 * Threading: the streams and the struct reasm_global of one net_ctx belong
 * to its thread.
 */
#include "core/compat.h"
#include "net/internal.h"

struct reasm_seg {
	struct reasm_seg *next;
	uint32_t seq;
	uint32_t len;
	uint8_t data[];
};

#define SEQ_DIFF(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)))

void reasm_stream_init(struct reasm_stream *s)
{
	memset(s, 0, sizeof(*s));
}

void reasm_stream_start(struct reasm_stream *s, uint32_t seq)
{
	s->next_seq = seq;
	s->started = true;
}

static void seg_free(struct reasm_global *g, struct reasm_stream *s, struct reasm_seg *x)
{
	s->queued -= MM_MIN(s->queued, (size_t)x->len);
	g->mem -= MM_MIN(g->mem, (size_t)x->len);
	free(x);
}

void reasm_stream_release(struct reasm_global *g, struct reasm_stream *s)
{
	while (s->segs) {
		struct reasm_seg *n = s->segs->next;
		seg_free(g, s, s->segs);
		s->segs = n;
	}
}

/* Delivers bytes at next_seq, honouring the depth limit. */
static void deliver(struct reasm_global *g, struct reasm_stream *s, const uint8_t *data,
		    size_t len, const struct reasm_out *out)
{
	if (s->closed || len == 0)
		return;
	if (g->depth && s->delivered + len > g->depth) {
		len = (size_t)(g->depth - s->delivered);
		s->closed = true;
		s->depth_hit = true;
		g->st.depth_reached++;
	}
	s->next_seq += (uint32_t)len;
	s->delivered += len;
	if (len)
		out->data(out->arg, data, len);
	if (s->closed)
		reasm_stream_release(g, s);
}

/* Delivers queued segments that now start at or before next_seq. */
static void drain(struct reasm_global *g, struct reasm_stream *s, const struct reasm_out *out)
{
	while (s->segs && !s->closed) {
		struct reasm_seg *x = s->segs;
		int32_t rel = SEQ_DIFF(x->seq, s->next_seq);
		if (rel > 0)
			break;
		s->segs = x->next;
		uint32_t skip = s->next_seq - x->seq;	/* unsigned: no overflow */
		if (skip < x->len)
			deliver(g, s, x->data + skip, x->len - skip, out);
		seg_free(g, s, x);
	}
}

/* Reports the hole before the first queued segment as a gap. */
static void gap_to_first(struct reasm_global *g, struct reasm_stream *s,
			 const struct reasm_out *out)
{
	if (!s->segs || s->closed)
		return;
	int32_t rel = SEQ_DIFF(s->segs->seq, s->next_seq);
	if (rel > 0) {
		g->st.gaps++;
		g->st.gap_bytes += (uint64_t)rel;
		s->next_seq = s->segs->seq;
		s->delivered += (uint64_t)rel;
		if (out->gap)
			out->gap(out->arg, (uint64_t)rel);
	}
	drain(g, s, out);
}

static bool room_for(struct reasm_global *g, struct reasm_stream *s, size_t n)
{
	return s->queued + n <= g->flow_memcap && g->mem + n <= g->memcap;
}

static struct reasm_seg *seg_new(struct reasm_global *g, struct reasm_stream *s, uint32_t seq,
				 const uint8_t *data, size_t len)
{
	struct reasm_seg *x = malloc(sizeof(*x) + len);
	if (!x)
		return NULL;
	x->next = NULL;
	x->seq = seq;
	x->len = (uint32_t)len;
	memcpy(x->data, data, len);
	s->queued += len;
	g->mem += len;
	return x;
}

/*
 * Queues [seq, seq+len) keeping bytes already queued (first wins): only
 * the holes between queued segments are filled with the new bytes.
 */
static void enqueue(struct reasm_global *g, struct reasm_stream *s, uint32_t seq,
		    const uint8_t *data, size_t len, const struct reasm_out *out)
{
	if (!room_for(g, s, len)) {
		gap_to_first(g, s, out);
		if (s->closed)
			return;
		/* the hole before seq may now be gone */
		int32_t rel = SEQ_DIFF(seq, s->next_seq);
		if (rel <= 0) {
			uint32_t skip = s->next_seq - seq;
			if (skip >= len)
				return;
			seq += skip;
			data += skip;
			len -= skip;
			if (!s->segs) {
				deliver(g, s, data, len, out);
				return;
			}
		}
		if (!room_for(g, s, len)) {
			g->st.memcap_drops++;
			return;
		}
	}
	struct reasm_seg **pp = &s->segs;
	uint32_t pos = seq;
	uint32_t end = seq + (uint32_t)len;
	bool overlapped = false;
	while (SEQ_DIFF(pos, end) < 0) {
		struct reasm_seg *cur = *pp;
		if (!cur || SEQ_DIFF(cur->seq, end) >= 0) {
			/* the rest fits before cur (or at the end) */
			struct reasm_seg *x = seg_new(g, s, pos, data + (pos - seq), end - pos);
			if (!x) {
				g->st.memcap_drops++;
				break;
			}
			x->next = cur;
			*pp = x;
			break;
		}
		uint32_t cend = cur->seq + cur->len;
		if (SEQ_DIFF(cend, pos) <= 0) {
			pp = &cur->next;
			continue;
		}
		if (SEQ_DIFF(cur->seq, pos) > 0) {
			/* hole [pos, cur->seq) */
			struct reasm_seg *x = seg_new(g, s, pos, data + (pos - seq), cur->seq - pos);
			if (!x) {
				g->st.memcap_drops++;
				break;
			}
			x->next = cur;
			*pp = x;
			pp = &x->next;
			pos = cur->seq;
		}
		/* [pos, min(end, cend)) is already queued: keep the old bytes */
		uint32_t oend = SEQ_DIFF(cend, end) < 0 ? cend : end;
		if (memcmp(cur->data + (pos - cur->seq), data + (pos - seq), oend - pos) != 0)
			g->st.overlap_diff++;
		overlapped = true;
		pos = oend;
		pp = &cur->next;
	}
	if (overlapped)
		g->st.overlaps++;
}

void reasm_segment(struct reasm_global *g, struct reasm_stream *s, uint32_t seq,
		   const uint8_t *data, size_t len, bool fin, const struct reasm_out *out)
{
	if (!s->started)
		reasm_stream_start(s, seq);
	if (fin && !s->fin_seen) {
		s->fin_seen = true;
		s->fin_seq = seq + (uint32_t)len;
	}
	if (s->closed || len == 0)
		return;
	int32_t rel = SEQ_DIFF(seq, s->next_seq);
	if (rel < 0) {
		uint32_t old = s->next_seq - seq;
		if (old >= len) {
			g->st.retransmitted += len;
			return;
		}
		/* partly old: the delivered part wins */
		g->st.retransmitted += old;
		g->st.overlaps++;
		seq += old;
		data += old;
		len -= old;
		rel = 0;
	}
	if ((uint32_t)rel > g->window) {
		g->st.out_of_window++;
		return;
	}
	if (rel == 0 && !s->segs) {
		deliver(g, s, data, len, out);
		return;
	}
	enqueue(g, s, seq, data, len, out);
	drain(g, s, out);
}

void reasm_acked(struct reasm_global *g, struct reasm_stream *s, uint32_t ack,
		 const struct reasm_out *out)
{
	if (!s->started || s->closed || !s->segs)
		return;
	/* the receiver has the bytes up to ack: a hole before a queued
	 * segment that is acknowledged will never be filled */
	if (SEQ_DIFF(ack, s->segs->seq) >= 0 && SEQ_DIFF(ack, s->next_seq) > 0)
		gap_to_first(g, s, out);
}

void reasm_lost(struct reasm_global *g, struct reasm_stream *s, uint32_t upto,
		const struct reasm_out *out)
{
	if (!s->started || s->closed || s->segs)
		return;
	int32_t rel = SEQ_DIFF(upto, s->next_seq);
	if (rel <= 0 || (uint32_t)rel > g->window)
		return;
	g->st.gaps++;
	g->st.gap_bytes += (uint64_t)rel;
	s->next_seq = upto;
	s->delivered += (uint64_t)rel;
	if (out->gap)
		out->gap(out->arg, (uint64_t)rel);
}

void reasm_flush(struct reasm_global *g, struct reasm_stream *s, const struct reasm_out *out)
{
	while (s->segs && !s->closed)
		gap_to_first(g, s, out);
	reasm_stream_release(g, s);
}
