/*
 * ps_decode.h — the PowerShell de-obfuscator of the file engine (private
 * to src/files/).
 *
 * ps_decode() turns one script or command line (UTF-8, or UTF-16LE with or
 * without a BOM) into a list of layers of text: the input itself, then
 * whatever it hides, each found layer decoded again:
 *   - -EncodedCommand / -enc / -e / -ec (any unique prefix, introduced by
 *     '-', '/', an en or em dash): Base64 of UTF-16LE;
 *   - FromBase64String('...') literals, inflated when they are gzip or the
 *     script uses a GzipStream/DeflateStream (zlib, bounded output and
 *     ratio), read as UTF-16LE or UTF-8 per [Text.Encoding]::X.GetString;
 *   - a "deobfuscate" pass: backtick escapes removed, 'a'+'b' literals
 *     joined, [char]73+[char]69 and [char[]](73,69,88) -join '' turned into
 *     literals, 'lit' -replace 'a','b' applied.
 * Depth is at most PS_MAX_DEPTH, the decoded layers together at most
 * PS_MAX_OUTPUT bytes (the input's own copy comes on top, at most
 * PS_MAX_INPUT bytes read), at most PS_MAX_LAYERS layers; what a limit
 * stopped is flagged.
 *
 * ps_indicators() then looks at every layer for what matters: download
 * cradles, scheduled-task registration, hidden-window flags, miner hints.
 *
 * Ownership: struct ps_result owns its text buffer (ps_result_release()).
 * Layers are offsets into it (the buffer may move while it grows).
 * Threading: pure, one result per thread.
 */
#ifndef FILES_PS_DECODE_H
#define FILES_PS_DECODE_H

#include "core/core.h"

#define PS_MAX_DEPTH 4
#define PS_MAX_OUTPUT (4u << 20)
#define PS_MAX_LAYERS 32
#define PS_MAX_INPUT (16u << 20)	/* bytes of input read */
#define PS_INFLATE_RATIO 200		/* inflated / compressed */

/* flags: what a limit or bad input stopped */
#define PS_F_OUTPUT_LIMIT 0x01u
#define PS_F_LAYER_LIMIT 0x02u
#define PS_F_DEPTH_LIMIT 0x04u
#define PS_F_RATIO_LIMIT 0x08u
#define PS_F_BAD_UTF16 0x10u		/* invalid UTF-16 replaced by U+FFFD */
#define PS_F_BAD_BASE64 0x20u		/* a Base64 literal did not decode */
#define PS_F_INFLATE_ERROR 0x40u	/* a compressed stream was corrupt */
#define PS_F_INPUT_LIMIT 0x80u		/* only the first PS_MAX_INPUT bytes read */

/* how a layer was obtained */
enum ps_how {
	PS_HOW_INPUT = 0,
	PS_HOW_ENCODED_COMMAND,
	PS_HOW_FROM_BASE64,
	PS_HOW_FROM_BASE64_GZIP,
	PS_HOW_FROM_BASE64_DEFLATE,
	PS_HOW_DEOBFUSCATE,
};

struct ps_layer {
	size_t off;		/* in result.text */
	size_t len;
	enum ps_how how;
	int depth;		/* 0 for the input */
	int parent;		/* index of the layer it came from, -1 for the input */
	size_t src_off;		/* where in the parent it was found */
	bool binary;		/* decoded bytes that are not text */
};

struct ps_result {
	struct mm_buf text;
	struct ps_layer layers[PS_MAX_LAYERS];
	unsigned nlayers;
	unsigned flags;		/* PS_F_* */
};

void ps_result_init(struct ps_result *r);
void ps_result_release(struct ps_result *r);

/* Decodes in (any bytes) into r (initialised). 0, or MM_ENOMEM; limits
 * are flags, not errors. */
int ps_decode(struct ps_result *r, const uint8_t *in, size_t len);

/* A layer's text (valid until r changes). */
static inline const char *ps_layer_text(const struct ps_result *r, unsigned i)
{
	return r->text.ptr + r->layers[i].off;
}

const char *ps_how_name(enum ps_how how);

/* Indicator bits found by ps_indicators() */
#define PS_I_IEX 0x0001u		/* IEX / Invoke-Expression */
#define PS_I_DOWNLOAD 0x0002u		/* Net.WebClient, DownloadString/Data/File, iwr, irm, BITS */
#define PS_I_CRADLE 0x0004u		/* IEX and a download together, or download + start */
#define PS_I_SCHTASK 0x0008u		/* Register-ScheduledTask, New-ScheduledTask*, schtasks /create */
#define PS_I_HIDDEN 0x0010u		/* -w hidden */
#define PS_I_NOPROFILE 0x0020u		/* -nop */
#define PS_I_BYPASS 0x0040u		/* -ep bypass / unrestricted */
#define PS_I_NONINTERACTIVE 0x0080u	/* -noni */
#define PS_I_ENCODED 0x0100u		/* a layer came from -EncodedCommand or FromBase64String */
#define PS_I_OBFUSCATED 0x0200u		/* a deobfuscate layer changed the text */
#define PS_I_MINER 0x0400u		/* stratum URLs, xmrig, donate-level, pools */
#define PS_I_POWERSHELL 0x0800u		/* the text invokes powershell / pwsh */
#define PS_I_COMPRESSED 0x1000u		/* gzip/deflate payload */
#define PS_I_START 0x2000u		/* Start-Process / Invoke-Item / start */
#define PS_I_SYMBOLS 0x4000u		/* code spelled in symbols or whitespace (few letters) */

struct ps_findings {
	unsigned ind;		/* PS_I_* */
	int cradle_layer;	/* layer where the cradle was seen, or -1 */
	int schtask_layer;
	const char *url;	/* first http(s) URL in a decoded layer (into r->text) */
	size_t url_len;
	unsigned ind_input;	/* what the input (layer 0) says by itself */
};

/* Looks at every layer of r. */
void ps_indicators(const struct ps_result *r, struct ps_findings *f);
/*
 * The same, cheaper: words(arg, text, len) says which of ps_words[] occur
 * in a layer (bit k set: ps_words[k] occurs somewhere, ignoring ASCII case;
 * a set bit for an absent word is harmless, a clear bit for a present one
 * is a missed indicator). The file engine answers with one Hyperscan scan
 * instead of one search per word. words NULL: every bit set.
 */
#define PS_N_WORDS 40
extern const char *const ps_words[PS_N_WORDS];
typedef uint64_t ps_words_fn(void *arg, const uint8_t *text, size_t len);
void ps_indicators_with(const struct ps_result *r, struct ps_findings *f, ps_words_fn *words,
			void *arg);
const char *ps_indicator_name(unsigned bit);

/* Command-line flags only (for one layer): PS_I_HIDDEN, NOPROFILE, BYPASS,
 * NONINTERACTIVE. */
unsigned ps_flags_of(const char *text, size_t len);

/* Transcodes UTF-16LE (BOM optional) to UTF-8 into out (appending);
 * invalid units become U+FFFD and set *bad. Returns 0 or the buffer's
 * error. */
int ps_utf16le_to_utf8(struct mm_buf *out, const uint8_t *in, size_t len, bool *bad);
/* True when in looks like UTF-16LE text (BOM, or zero high bytes). */
bool ps_looks_utf16le(const uint8_t *in, size_t len);

#endif
