/*
 * fuzz_decode.c — libFuzzer target for the packet decoder (decode.c):
 * link layers, IPv4/IPv6 with extension headers, fragment reassembly,
 * TCP/UDP/ICMP.
 *
 * Input: byte 0 picks the link type; then records of a 2-byte little-endian
 * length and that many bytes, each decoded as one frame by the same
 * decoder (so fragments of several records meet in reassembly). Every
 * decoded packet's slices are read in full so ASan sees any overrun.
 */
#include "core/compat.h"
#include "net/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int dlts[] = { NET_DLT_EN10MB, NET_DLT_LINUX_SLL, NET_DLT_LINUX_SLL2, NET_DLT_RAW,
			    NET_DLT_IPV4, NET_DLT_IPV6, NET_DLT_NULL, NET_DLT_LOOP };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct net_frag_limits lim = { 1 << 20, 8, 16, 30000000 };
	struct net_decoder d;
	struct net_pkt p;
	volatile uint8_t sink = 0;
	if (size < 1)
		return 0;
	int dlt = dlts[data[0] % MM_ARRAY_SIZE(dlts)];
	net_decoder_init(&d, &lim);
	memset(&p, 0, sizeof(p));
	size_t off = 1;
	int64_t ts = 0;
	while (off + 2 <= size) {
		size_t n = (size_t)(data[off] | (data[off + 1] << 8));
		off += 2;
		if (n > size - off)
			n = size - off;
		/* a private copy: the decoder must stay inside it */
		uint8_t *frame = malloc(n ? n : 1);
		if (!frame)
			break;
		memcpy(frame, data + off, n);
		if (net_decode(&d, dlt, frame, n, ts, &p) == NET_DEC_OK) {
			for (size_t i = 0; i < p.payload_len; i++)
				sink ^= p.payload[i];
		}
		free(frame);
		off += n;
		ts += 1000;
	}
	net_decoder_release(&d);
	(void)sink;
	return 0;
}
