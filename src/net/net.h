/*
 * net.h — the network engine as other modules see it.
 *
 * `mamori scan` reaches the engine through mm_engine_net (core/engine.h):
 * pcap and pcapng inputs. Live capture (`mamori sniff`) feeds packets it
 * reads itself through a struct net_ctx made from the engine's open()
 * state: the same decode / flow / reassembly / parser / detector pipeline,
 * alerts to the scan ctx's sinks.
 *
 * Ownership: net_ctx_new() borrows the engine state and the scan ctx; both
 * must outlive the net_ctx. Threading: one net_ctx per thread.
 */
#ifndef NET_NET_H
#define NET_NET_H

#include "core/core.h"

extern const struct mm_engine mm_engine_net;

struct net_ctx;

/* A pipeline for packets of link type dlt (pcap_datalink()). engine_state
 * is what mm_engine_net.open() returned. MM_EUNSUPPORTED for a link type
 * the decoder does not know. */
int net_ctx_new(struct net_ctx **out, void *engine_state, struct mm_scan_ctx *scan, int dlt);
/* One captured frame (ts in microseconds since the epoch). */
void net_ctx_packet(struct net_ctx *n, int64_t ts_us, const uint8_t *data, size_t caplen,
		    size_t wire_len);
/* Ends every flow (parsers see close, pending detections are raised),
 * reports the counters to the scan ctx, and frees n. NULL is a no-op. */
void net_ctx_free(struct net_ctx *n);

#endif
