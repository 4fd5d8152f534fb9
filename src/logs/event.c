/*
 * event.c — the normalised log record's helpers: field lookup, bounded
 * field lists, the Windows logsource mapping, and small decoders every
 * reader shares (UTF-16LE, decimal, PowerShell -EncodedCommand); and the
 * one reader interface (struct log_reader, internal.h): EVTX read chunk by
 * chunk from a file or from memory, text formats through one bounded line
 * splitter (fd, memory, or bytes fed by `mamori watch`), plus
 * log_guess_kind() for commands that read logs without the classifier.
 *
 * The helpers are pure or write only the caller's structures; the strings
 * an event points to live in its reader's arena (event.h). A reader
 * belongs to one thread.
 */
#include "core/compat.h"
#include "logs/internal.h"

#include <ctype.h>
#include <errno.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "logs/evtx.h"
#include "logs/logs.h"

const char *log_event_get(const struct log_event *e, const char *name, size_t *len)
{
	size_t nl = strlen(name);

	for (size_t i = 0; i < e->n_fields; i++) {
		const struct log_field *f = &e->fields[i];

		if (f->name_len == nl && strncasecmp(f->name, name, nl) == 0) {
			if (len)
				*len = f->value_len;
			return f->value;
		}
	}
	return NULL;
}

void log_stats_problem(struct log_reader_stats *st, const char *fmt, ...)
{
	va_list ap;

	if (st->n_problems < LOG_MAX_PROBLEMS) {
		va_start(ap, fmt);
		vsnprintf(st->problems[st->n_problems], LOG_PROBLEM_LEN, fmt, ap);
		va_end(ap);
	}
	st->n_problems++;
}

int log_fields_init(struct log_fields *f, struct mm_arena *a, size_t cap,
		    struct log_reader_stats *st)
{
	f->a = a;
	f->st = st;
	f->n = 0;
	f->cap = cap;
	f->v = mm_arena_alloc(a, cap * sizeof(*f->v));
	return f->v ? 0 : MM_ENOMEM;
}

int log_fields_add_ref(struct log_fields *f, const char *name, size_t name_len,
		       const char *value, size_t value_len)
{
	struct log_field *d;

	if (f->n >= f->cap) {
		if (f->st)
			f->st->fields_dropped++;
		return 0;
	}
	if (name_len > UINT32_MAX || value_len > UINT32_MAX)
		return MM_ELIMIT;
	d = &f->v[f->n++];
	d->name = name;
	d->name_len = (uint32_t)name_len;
	d->value = value;
	d->value_len = (uint32_t)value_len;
	return 0;
}

int log_fields_add(struct log_fields *f, const char *name, long name_len, const char *value,
		   size_t value_len)
{
	size_t nl = name_len < 0 ? strlen(name) : (size_t)name_len;
	char *n, *v;

	if (f->n >= f->cap) {
		if (f->st)
			f->st->fields_dropped++;
		return 0;
	}
	n = mm_arena_strndup(f->a, name, nl);
	v = mm_arena_strndup(f->a, value ? value : "", value ? value_len : 0);
	if (!n || !v)
		return MM_ENOMEM;
	return log_fields_add_ref(f, n, nl, v, value ? value_len : 0);
}

int log_fields_addf(struct log_fields *f, const char *name, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		return MM_EINVAL;
	return log_fields_add(f, name, -1, tmp, MM_MIN((size_t)n, sizeof(tmp) - 1));
}

/* Sysmon event ids -> Sigma categories. */
static const char *sysmon_category(uint32_t id)
{
	switch (id) {
	case 1: return "process_creation";
	case 2: return "file_change";
	case 3: return "network_connection";
	case 4: return "sysmon_status";
	case 5: return "process_termination";
	case 6: return "driver_load";
	case 7: return "image_load";
	case 8: return "create_remote_thread";
	case 9: return "raw_access_thread";
	case 10: return "process_access";
	case 11: return "file_event";
	case 12: return "registry_add";
	case 13: return "registry_set";
	case 14: return "registry_rename";
	case 15: return "create_stream_hash";
	case 16: return "sysmon_status";
	case 17: case 18: return "pipe_created";
	case 19: case 20: case 21: return "wmi_event";
	case 22: return "dns_query";
	case 23: return "file_delete";
	case 24: return "clipboard_capture";
	case 25: return "process_tampering";
	case 26: return "file_delete_detected";
	case 27: return "file_block_executable";
	case 28: return "file_block_shredding";
	case 29: return "file_executable_detected";
	case 255: return "sysmon_error";
	default: return NULL;
	}
}

struct channel_map {
	const char *channel;
	const char *service;
};

static const struct channel_map channels[] = {
	{ "Security", "security" },
	{ "System", "system" },
	{ "Application", "application" },
	{ "Microsoft-Windows-Sysmon/Operational", "sysmon" },
	{ "Microsoft-Windows-PowerShell/Operational", "powershell" },
	{ "PowerShellCore/Operational", "powershell" },
	{ "Windows PowerShell", "powershell-classic" },
	{ "Microsoft-Windows-TaskScheduler/Operational", "taskscheduler" },
	{ "Microsoft-Windows-WMI-Activity/Operational", "wmi" },
	{ "Microsoft-Windows-Windows Defender/Operational", "windefend" },
	{ "Microsoft-Windows-Bits-Client/Operational", "bits-client" },
	{ "Microsoft-Windows-DNS-Client/Operational", "dns-client" },
	{ "Microsoft-Windows-TerminalServices-LocalSessionManager/Operational",
	  "terminalservices-localsessionmanager" },
	{ "Microsoft-Windows-TerminalServices-RemoteConnectionManager/Operational",
	  "terminalservices-remoteconnectionmanager" },
	{ "Microsoft-Windows-Windows Firewall With Advanced Security/Firewall", "firewall-as" },
	{ "Microsoft-Windows-CodeIntegrity/Operational", "codeintegrity-operational" },
	{ "Microsoft-Windows-AppLocker/EXE and DLL", "applocker" },
	{ "Microsoft-Windows-AppLocker/MSI and Script", "applocker" },
	{ "Microsoft-Windows-NTLM/Operational", "ntlm" },
	{ "Microsoft-Windows-SMBClient/Security", "smbclient-security" },
	{ "Microsoft-Windows-Shell-Core/Operational", "shell-core" },
	{ "Microsoft-Windows-CAPI2/Operational", "capi2" },
	{ "Microsoft-Windows-DriverFrameworks-UserMode/Operational", "driver-framework" },
	{ "Microsoft-Windows-Kernel-ShimEngine/Operational", "shim-engine" },
	{ "Microsoft-Windows-LSA/Operational", "lsa-server" },
	{ "Microsoft-Windows-OpenSSH/Operational", "openssh" },
	{ "Microsoft-Windows-WinRM/Operational", "winrm" },
};

void log_source_windows(struct log_source *src, const char *channel, const char *provider,
			uint32_t event_id)
{
	src->product = "windows";
	src->service = NULL;
	src->category = NULL;
	if (channel) {
		for (size_t i = 0; i < MM_ARRAY_SIZE(channels); i++) {
			if (strcasecmp(channel, channels[i].channel) == 0) {
				src->service = channels[i].service;
				break;
			}
		}
	}
	if (!src->service && provider &&
	    strcasecmp(provider, "Microsoft-Windows-Sysmon") == 0)
		src->service = "sysmon";
	if (!src->service)
		return;
	if (strcmp(src->service, "sysmon") == 0) {
		src->category = sysmon_category(event_id);
	} else if (strcmp(src->service, "security") == 0) {
		if (event_id == 4688)
			src->category = "process_creation";
	} else if (strcmp(src->service, "powershell") == 0) {
		if (event_id == 4104)
			src->category = "ps_script";
		else if (event_id == 4103)
			src->category = "ps_module";
	} else if (strcmp(src->service, "powershell-classic") == 0) {
		if (event_id == 400)
			src->category = "ps_classic_start";
		else if (event_id == 600)
			src->category = "ps_classic_provider_start";
		else if (event_id == 800)
			src->category = "ps_classic_script";
	}
}

bool log_parse_u64(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;

	if (!s || len == 0 || len > 20)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		if (v > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return true;
}

void log_event_fill_windows(struct log_event *ev)
{
	uint64_t v;

	for (size_t i = 0; i < ev->n_fields; i++) {
		const struct log_field *f = &ev->fields[i];

		switch (f->name_len) {
		case 7:
			if (!ev->event_id && memcmp(f->name, "EventID", 7) == 0 &&
			    log_parse_u64(f->value, f->value_len, &v) && v <= UINT32_MAX)
				ev->event_id = (uint32_t)v;
			else if (!ev->channel && memcmp(f->name, "Channel", 7) == 0)
				ev->channel = f->value;
			break;
		case 8:
			if (!ev->host && memcmp(f->name, "Computer", 8) == 0)
				ev->host = f->value;
			break;
		case 13:
			if (!ev->provider && memcmp(f->name, "Provider_Name", 13) == 0)
				ev->provider = f->value;
			else if (!ev->record_id && memcmp(f->name, "EventRecordID", 13) == 0 &&
				 log_parse_u64(f->value, f->value_len, &v))
				ev->record_id = v;
			break;
		default:
			break;
		}
	}
	log_source_windows(&ev->src, ev->channel, ev->provider, ev->event_id);
}

size_t log_utf16_to_utf8(const uint8_t *p, size_t nchars, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < nchars; i++) {
		uint32_t c = (uint32_t)p[2 * i] | ((uint32_t)p[2 * i + 1] << 8);

		if (c >= 0xd800 && c <= 0xdbff) {
			uint32_t d = 0;

			if (i + 1 < nchars)
				d = (uint32_t)p[2 * i + 2] | ((uint32_t)p[2 * i + 3] << 8);
			if (d >= 0xdc00 && d <= 0xdfff) {
				c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
				i++;
			} else {
				c = 0xfffd;
			}
		} else if (c >= 0xdc00 && c <= 0xdfff) {
			c = 0xfffd;
		}
		if (c < 0x80) {
			out[o++] = (char)c;
		} else if (c < 0x800) {
			out[o++] = (char)(0xc0 | (c >> 6));
			out[o++] = (char)(0x80 | (c & 0x3f));
		} else if (c < 0x10000) {
			out[o++] = (char)(0xe0 | (c >> 12));
			out[o++] = (char)(0x80 | ((c >> 6) & 0x3f));
			out[o++] = (char)(0x80 | (c & 0x3f));
		} else {
			out[o++] = (char)(0xf0 | (c >> 18));
			out[o++] = (char)(0x80 | ((c >> 12) & 0x3f));
			out[o++] = (char)(0x80 | ((c >> 6) & 0x3f));
			out[o++] = (char)(0x80 | (c & 0x3f));
		}
	}
	return o;
}

#define PS_DECODE_MAX (64 * 1024)

long log_decode_ps_encoded(const char *b64, size_t len, char *out, size_t cap)
{
	uint8_t *raw = NULL;
	long n, ret = -1;
	size_t o;

	if (cap == 0 || len < 4)
		return -1;
	if (len > PS_DECODE_MAX * 4 / 3)
		len = PS_DECODE_MAX * 4 / 3 / 4 * 4;
	raw = malloc(len);
	if (!raw)
		return -1;
	n = mm_base64_decode(b64, len, raw, len);
	if (n < 2)
		goto out;
	n &= ~1L;
	/* UTF-16LE text: mostly printable with zero high bytes */
	{
		size_t printable = 0;

		for (long i = 0; i < n; i += 2) {
			if (raw[i + 1] == 0 && (raw[i] >= 0x20 || raw[i] == '\t' ||
						raw[i] == '\r' || raw[i] == '\n'))
				printable++;
		}
		if (printable * 10 < (size_t)n / 2 * 8)
			goto out;
	}
	{
		size_t nchars = (size_t)n / 2;
		size_t room = (cap - 1) / 3;

		if (nchars > room)
			nchars = room;
		o = log_utf16_to_utf8(raw, nchars, out);
		out[o] = '\0';
		ret = (long)o;
	}
out:
	free(raw);
	return ret;
}

static bool is_enc_switch(const char *s, size_t n)
{
	static const char full[] = "encodedcommand";

	/* -e, -en, -enc, ... -encodedcommand (PowerShell accepts any prefix);
	 * "-ec" too. Also '/' and the dash look-alikes are "windash" forms. */
	if (n == 2 && tolower((unsigned char)s[0]) == 'e' && tolower((unsigned char)s[1]) == 'c')
		return true;
	if (n == 0 || n > sizeof(full) - 1)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (tolower((unsigned char)s[i]) != full[i])
			return false;
	}
	return true;
}

bool log_find_ps_encoded(const char *cmd, size_t len, const char **val, size_t *val_len)
{
	size_t i = 0;

	while (i < len) {
		size_t start, end;

		while (i < len && (cmd[i] == ' ' || cmd[i] == '\t'))
			i++;
		start = i;
		while (i < len && cmd[i] != ' ' && cmd[i] != '\t')
			i++;
		end = i;
		if (end - start >= 2 && (cmd[start] == '-' || cmd[start] == '/') &&
		    is_enc_switch(cmd + start + 1, end - start - 1)) {
			size_t vs, ve;

			while (i < len && (cmd[i] == ' ' || cmd[i] == '\t'))
				i++;
			vs = i;
			if (vs < len && (cmd[vs] == '"' || cmd[vs] == '\''))
				vs++;
			ve = vs;
			while (ve < len && (isalnum((unsigned char)cmd[ve]) || cmd[ve] == '+' ||
					    cmd[ve] == '/' || cmd[ve] == '='))
				ve++;
			if (ve - vs >= 8) {
				*val = cmd + vs;
				*val_len = ve - vs;
				return true;
			}
		}
	}
	return false;
}

/* ---- readers: one interface over EVTX and the line-based formats ---- */


#define READ_BLOCK (64 * 1024)
#define ARENA_BLOCK (64 * 1024)
#define ARENA_MAX (8u << 20)

enum src_kind { SRC_MEM, SRC_FD, SRC_STREAM };

struct log_reader {
	enum mm_kind kind;
	struct log_reader_stats st;
	char *origin;
	struct log_reader_opts opts;
	/* EVTX */
	struct evtx_file *evtx;
	size_t map_len;		/* bytes in owned (EVTX read from a pipe) */
	uint8_t *owned;
	/* text */
	const struct text_parser_ops *ops;
	struct text_parser *tp;
	struct mm_arena arena;
	enum src_kind src;
	int fd;
	const uint8_t *data;	/* SRC_MEM: the input; else buf */
	uint8_t *buf;
	size_t len, pos, cap;	/* bytes in data/buf, next line start */
	uint64_t base;		/* input offset of data[0] */
	uint64_t lineno;
	bool eof, skipping, done;
};

bool log_reader_kind_ok(enum mm_kind kind)
{
	switch (kind) {
	case MM_KIND_EVTX:
	case MM_KIND_JSONL:
	case MM_KIND_SYSLOG:
	case MM_KIND_AUDITD:
	case MM_KIND_JOURNAL_EXPORT:
		return true;
	default:
		return false;
	}
}

static const struct text_parser_ops *text_ops(enum mm_kind kind)
{
	switch (kind) {
	case MM_KIND_JSONL: return &log_winjson_ops;
	case MM_KIND_SYSLOG: return &log_syslog_ops;
	case MM_KIND_AUDITD: return &log_auditd_ops;
	case MM_KIND_JOURNAL_EXPORT: return &log_journal_ops;
	default: return NULL;
	}
}

static struct log_reader *reader_alloc(enum mm_kind kind, const struct log_reader_opts *opts)
{
	struct log_reader *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->kind = kind;
	r->fd = -1;
	if (opts)
		r->opts = *opts;
	r->opts.origin = NULL;
	if (opts && opts->origin) {
		r->origin = strdup(opts->origin);
		if (!r->origin) {
			free(r);
			return NULL;
		}
	}
	mm_arena_init(&r->arena, ARENA_BLOCK, ARENA_MAX);
	return r;
}

static int text_init(struct log_reader *r)
{
	r->ops = text_ops(r->kind);
	if (!r->ops)
		return MM_EUNSUPPORTED;
	r->tp = r->ops->create(&r->opts);
	return r->tp ? 0 : MM_ENOMEM;
}

int log_reader_open_mem(struct log_reader **out, enum mm_kind kind, const uint8_t *data,
			size_t len, const struct log_reader_opts *opts, struct mm_diag *diag)
{
	struct log_reader *r;
	int err;

	*out = NULL;
	if (!log_reader_kind_ok(kind))
		return mm_diag_set(diag, MM_EUNSUPPORTED, NULL, -1, -1,
				   "the log engine does not read %s input", mm_kind_name(kind));
	r = reader_alloc(kind, opts);
	if (!r)
		return MM_ENOMEM;
	if (kind == MM_KIND_EVTX) {
		err = evtx_file_open(&r->evtx, data, len, &r->st, opts ? opts->workers : 0, diag);
		if (!err && opts && opts->workers > 1)
			err = evtx_file_set_workers(r->evtx, opts->workers);
	} else {
		r->src = SRC_MEM;
		r->data = data;
		r->len = len;
		err = text_init(r);
	}
	if (err) {
		log_reader_free(r);
		return err;
	}
	*out = r;
	return 0;
}

int log_reader_open_fd(struct log_reader **out, enum mm_kind kind, int fd,
		       const struct log_reader_opts *opts, struct mm_diag *diag)
{
	struct log_reader *r;
	struct stat sb;
	int err;

	*out = NULL;
	if (kind != MM_KIND_EVTX) {
		if (!log_reader_kind_ok(kind))
			return mm_diag_set(diag, MM_EUNSUPPORTED, NULL, -1, -1,
					   "the log engine does not read %s input",
					   mm_kind_name(kind));
		r = reader_alloc(kind, opts);
		if (!r)
			return MM_ENOMEM;
		r->src = SRC_FD;
		r->fd = fd;
		err = text_init(r);
		if (err) {
			log_reader_free(r);
			return err;
		}
		*out = r;
		return 0;
	}
	if (fstat(fd, &sb) != 0)
		return mm_diag_set(diag, mm_from_errno(errno), NULL, -1, -1, "cannot stat: %s",
				   strerror(errno));
	r = reader_alloc(kind, opts);
	if (!r)
		return MM_ENOMEM;
	if (S_ISREG(sb.st_mode)) {
		/* read chunk by chunk: 64 KiB resident whatever the size */
		err = evtx_file_open_fd(&r->evtx, fd, (uint64_t)sb.st_size, &r->st,
					opts ? opts->workers : 0, diag);
		if (err) {
			log_reader_free(r);
			return err;
		}
		*out = r;
		return 0;
	}
	{
		{
			/* not a regular file (a pipe): read it all, bounded */
			size_t cap = 0, n = 0;
			uint8_t *p = NULL;

			for (;;) {
				ssize_t k;

				if (n == cap) {
					uint8_t *q;

					if (cap >= ((size_t)1 << 32)) {
						free(p);
						log_reader_free(r);
						return mm_diag_set(diag, MM_ELIMIT, NULL, -1, -1,
								   "EVTX input over 4 GiB");
					}
					cap = cap ? cap * 2 : 1 << 20;
					q = realloc(p, cap);
					if (!q) {
						free(p);
						log_reader_free(r);
						return MM_ENOMEM;
					}
					p = q;
				}
				k = read(fd, p + n, cap - n);
				if (k < 0 && errno == EINTR)
					continue;
				if (k <= 0)
					break;
				n += (size_t)k;
			}
			r->owned = p;
			r->map_len = n;
		}
	}
	err = evtx_file_open(&r->evtx, r->owned, r->map_len, &r->st,
			     opts ? opts->workers : 0, diag);
	if (err) {
		log_reader_free(r);
		return err;
	}
	*out = r;
	return 0;
}

int log_reader_open_stream(struct log_reader **out, enum mm_kind kind,
			   const struct log_reader_opts *opts)
{
	struct log_reader *r;
	int err;

	*out = NULL;
	if (kind == MM_KIND_EVTX || !log_reader_kind_ok(kind))
		return MM_EUNSUPPORTED;
	r = reader_alloc(kind, opts);
	if (!r)
		return MM_ENOMEM;
	r->src = SRC_STREAM;
	err = text_init(r);
	if (err) {
		log_reader_free(r);
		return err;
	}
	*out = r;
	return 0;
}

/* Makes room for n more bytes in the owned buffer (moves the unread part
 * to the front first). */
static int buf_room(struct log_reader *r, size_t n)
{
	if (r->pos > 0) {
		memmove(r->buf, r->buf + r->pos, r->len - r->pos);
		r->len -= r->pos;
		r->base += r->pos;
		r->pos = 0;
	}
	if (r->cap - r->len < n) {
		size_t want = r->len + n;
		uint8_t *q;

		if (want > LOG_MAX_LINE + 2 * (size_t)READ_BLOCK)
			return MM_ELIMIT;
		want = MM_MAX(want, r->cap * 2);
		want = MM_MIN(want, LOG_MAX_LINE + 2 * (size_t)READ_BLOCK);
		q = realloc(r->buf, want);
		if (!q)
			return MM_ENOMEM;
		r->buf = q;
		r->cap = want;
	}
	r->data = r->buf;
	return 0;
}

int log_reader_feed(struct log_reader *r, const uint8_t *data, size_t len)
{
	while (len > 0) {
		size_t n = MM_MIN(len, (size_t)READ_BLOCK);
		int err;

		if (r->src != SRC_STREAM)
			return MM_ESTATE;
		err = buf_room(r, n);
		if (err == MM_ELIMIT) {
			/* an over-long line is in the buffer: drop it (counted
			 * once, however many buffers it fills) */
			if (!r->skipping) {
				r->st.lines_too_long++;
				log_stats_problem(&r->st, "line at offset %" PRIu64 " longer than %u "
						  "bytes, skipped", r->base, LOG_MAX_LINE);
			}
			r->base += r->len;
			r->len = r->pos = 0;
			r->skipping = true;
			err = buf_room(r, n);
		}
		if (err)
			return err;
		memcpy(r->buf + r->len, data, n);
		r->len += n;
		r->st.bytes += n;
		data += n;
		len -= n;
	}
	return 0;
}

void log_reader_finish(struct log_reader *r)
{
	r->eof = true;
}

/* Reads more of an fd source; sets eof at the end. */
static int fill(struct log_reader *r)
{
	ssize_t k;
	int err = buf_room(r, READ_BLOCK);

	if (err == MM_ELIMIT) {
		if (!r->skipping) {
			r->st.lines_too_long++;
			log_stats_problem(&r->st, "line at offset %" PRIu64 " longer than %u bytes, "
					  "skipped", r->base, LOG_MAX_LINE);
		}
		r->base += r->len;
		r->len = r->pos = 0;
		r->skipping = true;
		err = buf_room(r, READ_BLOCK);
	}
	if (err)
		return err;
	do {
		k = read(r->fd, r->buf + r->len, READ_BLOCK);
	} while (k < 0 && errno == EINTR);
	if (k < 0)
		return mm_from_errno(errno);
	if (k == 0)
		r->eof = true;
	r->len += (size_t)k;
	r->st.bytes += (size_t)k;
	return 0;
}

/* 1: a line in ln; 0: none yet (stream) or the end; < 0: error. */
static int next_line(struct log_reader *r, struct log_line *ln)
{
	for (;;) {
		const uint8_t *p = r->data + r->pos;
		size_t avail = r->len - r->pos;
		const uint8_t *nl = avail ? memchr(p, '\n', avail) : NULL;
		size_t n;

		if (nl) {
			n = (size_t)(nl - p);
			r->pos += n + 1;
			if (r->skipping) {
				r->skipping = false;
				continue;
			}
		} else if (r->src == SRC_FD && !r->eof) {
			int err = fill(r);

			if (err)
				return err;
			continue;
		} else if (r->eof || r->src == SRC_MEM) {
			if (avail == 0)
				return 0;
			n = avail;
			r->pos += n;
			if (r->skipping) {
				r->skipping = false;
				continue;
			}
		} else {
			return 0;	/* stream: wait for the rest of the line */
		}
		r->lineno++;
		r->st.lines++;
		if (n > LOG_MAX_LINE) {
			r->st.lines_too_long++;
			log_stats_problem(&r->st, "line %" PRIu64 " longer than %u bytes, skipped",
					  r->lineno, LOG_MAX_LINE);
			continue;
		}
		ln->s = (const char *)p;
		ln->len = n;
		if (n > 0 && ln->s[n - 1] == '\r')
			ln->len--;
		ln->lineno = r->lineno;
		ln->offset = r->base + (uint64_t)(p - r->data);
		return 1;
	}
}

int log_reader_next(struct log_reader *r, struct log_event *ev)
{
	int rc;

	if (r->evtx) {
		rc = evtx_file_next(r->evtx, ev);
		if (rc == 1)
			ev->origin = r->origin;
		return rc;
	}
	if (!r->ops || r->done)
		return 0;
	for (;;) {
		struct log_line ln;

		mm_arena_reset(&r->arena);
		memset(ev, 0, sizeof(*ev));
		rc = r->ops->pending(r->tp, false, &r->arena, ev, &r->st);
		if (rc != 0)
			break;
		rc = next_line(r, &ln);
		if (rc < 0)
			return rc;
		if (rc == 0) {
			if (!r->eof && r->src != SRC_MEM)
				return 0;
			memset(ev, 0, sizeof(*ev));
			rc = r->ops->pending(r->tp, true, &r->arena, ev, &r->st);
			if (rc == 0 && r->src != SRC_STREAM)
				r->done = true;
			break;
		}
		memset(ev, 0, sizeof(*ev));
		rc = r->ops->line(r->tp, &ln, &r->arena, ev, &r->st);
		if (rc != 0)
			break;
	}
	if (rc == 1) {
		ev->origin = r->origin;
		r->st.events++;
	}
	return rc;
}

const struct log_reader_stats *log_reader_stats(const struct log_reader *r)
{
	return &r->st;
}

void log_reader_free(struct log_reader *r)
{
	if (!r)
		return;
	evtx_file_free(r->evtx);
	free(r->owned);
	if (r->ops && r->tp)
		r->ops->destroy(r->tp);
	mm_arena_release(&r->arena);
	free(r->buf);
	free(r->origin);
	free(r);
}

/* ---- which reader fits ---- */


static bool line_has(const char *s, size_t n, const char *lit_s)
{
	size_t l = strlen(lit_s);

	for (size_t i = 0; i + l <= n; i++) {
		if (!memcmp(s + i, lit_s, l))
			return true;
	}
	return false;
}

enum mm_kind log_guess_kind(const uint8_t *head, size_t len)
{
	static const char *const mon[] = { "Jan ", "Feb ", "Mar ", "Apr ", "May ", "Jun ",
					   "Jul ", "Aug ", "Sep ", "Oct ", "Nov ", "Dec " };
	enum mm_kind k = mm_classify(head, len, len);
	const char *s = (const char *)head;
	size_t i = 0, n;
	const char *nl;

	if (log_reader_kind_ok(k))
		return k;
	if (len >= 8 && !memcmp(head, "ElfFile", 8))
		return MM_KIND_EVTX;
	while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
		i++;
	if (i >= len)
		return MM_KIND_UNKNOWN;
	nl = memchr(s + i, '\n', len - i);
	n = nl ? (size_t)(nl - (s + i)) : len - i;
	s += i;
	if (s[0] == '{')
		return MM_KIND_JSONL;
	if (line_has(s, n, "type=") && line_has(s, n, "msg=audit("))
		return MM_KIND_AUDITD;
	if ((n > 9 && !memcmp(s, "__CURSOR=", 9)) ||
	    (n > 21 && !memcmp(s, "__REALTIME_TIMESTAMP=", 21)))
		return MM_KIND_JOURNAL_EXPORT;
	if (s[0] == '<' && n > 3 && isdigit((unsigned char)s[1]))
		return MM_KIND_SYSLOG;
	for (size_t m = 0; m < MM_ARRAY_SIZE(mon); m++) {
		if (n > 15 && !memcmp(s, mon[m], 4))
			return MM_KIND_SYSLOG;
	}
	if (n > 20 && isdigit((unsigned char)s[0]) && s[4] == '-' && s[7] == '-' &&
	    (s[10] == 'T' || s[10] == ' '))
		return MM_KIND_SYSLOG;
	return MM_KIND_UNKNOWN;
}
