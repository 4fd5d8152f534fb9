/*
 * binxml.c — Windows binary XML (as stored in EVTX chunks) to flat fields.
 *
 * A record's XML is walked once, but a template (the shape shared by every
 * record of one event type, defined once per chunk) is compiled only once
 * per chunk into struct bx_op slots: "field NAME is made of these literal
 * texts and substitution values". Rendering a record then decodes only its
 * substitution values. Substitutions of type BinXml (0x21) are walked
 * recursively in the context (section, depth) where they appear, so that
 * EventData inside UserData, or a Data list passed as one value, flattens
 * the same way.
 *
 * Flattening (the field vocabulary of event.h, documented in docs/logs.md):
 * Event/System/X -> X (attributes: Provider_Name, Provider_Guid,
 * TimeCreated, ProcessID, ThreadID, UserID, ActivityID, Qualifiers, else
 * X_Attr); Event/EventData/Data Name="A B" -> AB; unnamed Data -> Data (or,
 * when several, Data = all joined by newlines and Data1..DataN); other
 * leaves (UserData, EventData/Binary, ProcessingErrorData...) -> their
 * element name; RenderingInfo is dropped.
 *
 * Bounds: every read is checked against the chunk (or the record, for the
 * token stream); names <= 512 characters, element depth <= 32, nested
 * BinXml <= 6, ops per template <= 1024, values per instance <= 1024,
 * parts per value <= 16. Caches: names and templates by chunk offset, in a
 * per-chunk arena (at most one chunk's worth of entries can exist).
 *
 * Threading: a struct bx_chunk belongs to one thread.
 */
#include "core/compat.h"
#include "logs/evtx.h"

#define BX_NAME_SLOTS 8192		/* > names that fit in 64 KiB */
#define BX_TEMPLATE_SLOTS 2048		/* > templates that fit in 64 KiB */
#define BX_MAX_NAME_CHARS 512
#define BX_MAX_DEPTH 32
#define BX_MAX_NEST 6
#define BX_MAX_OPS 1024
#define BX_MAX_PARTS 4096		/* scratch parts per compile */
#define BX_MAX_EPARTS 16		/* text parts per element */
#define BX_MAX_ATTRS 16
#define BX_MAX_VALUES 1024
#define BX_MAX_UNNAMED 64
#define BX_RECORD_BUDGET 65536		/* ops rendered per record */
#define BX_CHUNK_ARENA_MAX (16u << 20)
#define BX_RECORD_ARENA_MAX (16u << 20)

enum { PART_LIT, PART_SUB };

struct bx_part {
	const char *s;
	uint32_t len;
	uint16_t sub;
	uint8_t kind;
	uint8_t optional;
};

enum { OP_FIELD, OP_CONTAINER, OP_DATA };
enum { SEC_NONE, SEC_SYSTEM, SEC_EVENTDATA, SEC_USERDATA, SEC_RENDERING, SEC_OTHER };

struct bx_op {
	uint8_t kind;
	uint8_t depth;			/* of the element: nested BinXml goes at depth+1 */
	uint8_t section;
	uint8_t has_name;		/* OP_DATA: Name attribute given */
	uint8_t defer;			/* emit after the event data (see below) */
	const char *name;		/* OP_FIELD */
	uint32_t name_len;
	uint16_t n_name_parts, n_parts;
	const struct bx_part *name_parts;	/* OP_DATA */
	const struct bx_part *parts;
	/* while compiling: index of the first part in scratch */
	uint32_t first_name_part, first_part;
};

struct bx_template {
	uint32_t key;			/* offset + 1; 0 = empty slot */
	uint8_t depth, section;
	bool incomplete;
	const struct bx_op *ops;
	uint32_t n_ops;
};

struct bx_name {
	uint32_t key;			/* offset + 1 */
	uint32_t len;
	const char *s;
};

struct bx_value {
	uint8_t type;
	uint32_t off;			/* chunk offset */
	uint32_t size;
};

struct bx_chunk {
	const uint8_t *d;
	size_t len;
	struct log_reader_stats *st;
	struct mm_arena chunk_arena;	/* names, templates */
	struct mm_arena rec_arena;	/* values, fields, plain-element ops */
	struct bx_name *names;		/* BX_NAME_SLOTS */
	struct bx_template *tmpl;	/* BX_TEMPLATE_SLOTS */
	size_t n_tmpl;
	/* compiler scratch */
	struct bx_op *ops;
	size_t n_ops;
	struct bx_part *parts;
	size_t n_parts;
	struct mm_arena *dest;		/* where compiled literals go */
	bool no_dep;			/* element starts without dependency id */
	bool cdamaged;			/* the compile in progress lost ops */
	uint32_t budget;		/* ops left for this record (nesting bombs) */
	bool damaged;			/* the record being rendered is damaged */
	/* render state */
	struct log_fields fields;
	const char *unnamed[BX_MAX_UNNAMED];
	uint32_t unnamed_len[BX_MAX_UNNAMED];
	size_t n_unnamed;
	struct log_field deferred[4];
	size_t n_deferred;
};

struct bx_chunk *bx_chunk_new(struct log_reader_stats *st)
{
	struct bx_chunk *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	b->st = st;
	b->names = calloc(BX_NAME_SLOTS, sizeof(*b->names));
	b->tmpl = calloc(BX_TEMPLATE_SLOTS, sizeof(*b->tmpl));
	b->ops = malloc(BX_MAX_OPS * sizeof(*b->ops));
	b->parts = malloc(BX_MAX_PARTS * sizeof(*b->parts));
	mm_arena_init(&b->chunk_arena, 256 * 1024, BX_CHUNK_ARENA_MAX);
	mm_arena_init(&b->rec_arena, 64 * 1024, BX_RECORD_ARENA_MAX);
	if (!b->names || !b->tmpl || !b->ops || !b->parts) {
		bx_chunk_free(b);
		return NULL;
	}
	return b;
}

void bx_chunk_free(struct bx_chunk *b)
{
	if (!b)
		return;
	mm_arena_release(&b->chunk_arena);
	mm_arena_release(&b->rec_arena);
	free(b->names);
	free(b->tmpl);
	free(b->ops);
	free(b->parts);
	free(b);
}

void bx_chunk_reset(struct bx_chunk *b, const uint8_t *data, size_t len)
{
	b->d = data;
	b->len = len;
	memset(b->names, 0, BX_NAME_SLOTS * sizeof(*b->names));
	memset(b->tmpl, 0, BX_TEMPLATE_SLOTS * sizeof(*b->tmpl));
	b->n_tmpl = 0;
	mm_arena_reset(&b->chunk_arena);
}

/* ---- bounded reads (offsets are chunk offsets) ---- */

static inline bool have(const struct bx_chunk *b, size_t pos, size_t n, size_t end)
{
	return end <= b->len && pos <= end && n <= end - pos;
}

static inline uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static inline uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
	       ((uint32_t)p[3] << 24);
}

static inline uint64_t le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | ((uint64_t)le32(p + 4) << 32);
}

/* ---- names ---- */

static int get_name(struct bx_chunk *b, uint32_t off, const char **s, uint32_t *len)
{
	uint32_t h = (off * 2654435761u) & (BX_NAME_SLOTS - 1);
	struct bx_name *slot;
	uint16_t n;
	char *out;

	for (;;) {
		slot = &b->names[h];
		if (slot->key == off + 1) {
			*s = slot->s;
			*len = slot->len;
			return 0;
		}
		if (slot->key == 0)
			break;
		h = (h + 1) & (BX_NAME_SLOTS - 1);
	}
	if (!have(b, off, 8, b->len))
		return MM_ECORRUPT;
	n = le16(b->d + off + 6);
	if (n > BX_MAX_NAME_CHARS || !have(b, off + 8, (size_t)n * 2, b->len))
		return MM_ECORRUPT;
	out = mm_arena_alloc(&b->chunk_arena, (size_t)n * 3 + 1);
	if (!out)
		return MM_ENOMEM;
	slot->len = (uint32_t)log_utf16_to_utf8(b->d + off + 8, n, out);
	out[slot->len] = '\0';
	slot->s = out;
	slot->key = off + 1;
	*s = out;
	*len = slot->len;
	return 0;
}

/* Reads a name offset at *pos; skips the name if it is stored inline. */
static int read_name(struct bx_chunk *b, size_t *pos, size_t end, const char **s, uint32_t *len)
{
	uint32_t off;
	int err;

	if (!have(b, *pos, 4, end))
		return MM_ETRUNC;
	off = le32(b->d + *pos);
	*pos += 4;
	err = get_name(b, off, s, len);
	if (err)
		return err;
	if (off == *pos) {
		uint16_t n = le16(b->d + off + 6);
		size_t skip = 8 + (size_t)n * 2 + 2;

		if (!have(b, *pos, skip, end))
			return MM_ETRUNC;
		*pos += skip;
	}
	return 0;
}

/* ---- compiler ---- */

static int push_part(struct bx_chunk *b, struct bx_part *local, size_t *n, const struct bx_part *p)
{
	(void)b;
	if (*n >= BX_MAX_EPARTS)
		return 0;	/* dropped: an element made of more pieces is rare */
	local[(*n)++] = *p;
	return 0;
}

static int lit_utf16(struct bx_chunk *b, size_t *pos, size_t end, struct bx_part *p)
{
	uint16_t n;
	char *out;

	if (!have(b, *pos, 2, end))
		return MM_ETRUNC;
	n = le16(b->d + *pos);
	*pos += 2;
	if (!have(b, *pos, (size_t)n * 2, end))
		return MM_ETRUNC;
	out = mm_arena_alloc(b->dest, (size_t)n * 3 + 1);
	if (!out)
		return MM_ENOMEM;
	p->kind = PART_LIT;
	p->len = (uint32_t)log_utf16_to_utf8(b->d + *pos, n, out);
	out[p->len] = '\0';
	p->s = out;
	*pos += (size_t)n * 2;
	return 0;
}

static int lit_str(struct bx_chunk *b, const char *s, size_t len, struct bx_part *p)
{
	char *out = mm_arena_strndup(b->dest, s, len);

	if (!out)
		return MM_ENOMEM;
	p->kind = PART_LIT;
	p->s = out;
	p->len = (uint32_t)len;
	return 0;
}

/* One piece of an attribute value or element content: value text,
 * substitution, character or entity reference, CDATA. Returns 1 if the
 * token at *pos was such a piece (consumed), 0 if not, < 0 on damage. */
static int parse_piece(struct bx_chunk *b, size_t *pos, size_t end, struct bx_part *p)
{
	uint8_t tok;
	int err;

	if (!have(b, *pos, 1, end))
		return MM_ETRUNC;
	tok = b->d[*pos] & 0xbf;
	memset(p, 0, sizeof(*p));
	switch (tok) {
	case 0x05: {	/* value text: type byte, then a counted UTF-16 string */
		uint8_t type;

		if (!have(b, *pos, 2, end))
			return MM_ETRUNC;
		type = b->d[*pos + 1];
		*pos += 2;
		if (type != 0x01)
			return MM_ECORRUPT;
		err = lit_utf16(b, pos, end, p);
		return err ? err : 1;
	}
	case 0x0d:
	case 0x0e:	/* substitution: id, type */
		if (!have(b, *pos, 4, end))
			return MM_ETRUNC;
		p->kind = PART_SUB;
		p->sub = le16(b->d + *pos + 1);
		p->optional = tok == 0x0e;
		*pos += 4;
		return 1;
	case 0x07:	/* CDATA */
		*pos += 1;
		err = lit_utf16(b, pos, end, p);
		return err ? err : 1;
	case 0x08: {	/* character reference */
		uint16_t c;
		uint8_t u[4];
		char tmp[8];
		size_t n;

		if (!have(b, *pos, 3, end))
			return MM_ETRUNC;
		c = le16(b->d + *pos + 1);
		*pos += 3;
		u[0] = (uint8_t)(c & 0xff);
		u[1] = (uint8_t)(c >> 8);
		n = log_utf16_to_utf8(u, 1, tmp);
		err = lit_str(b, tmp, n, p);
		return err ? err : 1;
	}
	case 0x09: {	/* entity reference */
		const char *name;
		uint32_t nl;
		const char *rep = NULL;

		*pos += 1;
		err = read_name(b, pos, end, &name, &nl);
		if (err)
			return err;
		if (nl == 2 && !memcmp(name, "lt", 2))
			rep = "<";
		else if (nl == 2 && !memcmp(name, "gt", 2))
			rep = ">";
		else if (nl == 3 && !memcmp(name, "amp", 3))
			rep = "&";
		else if (nl == 4 && !memcmp(name, "quot", 4))
			rep = "\"";
		else if (nl == 4 && !memcmp(name, "apos", 4))
			rep = "'";
		if (rep)
			err = lit_str(b, rep, strlen(rep), p);
		else
			err = lit_str(b, name, nl, p);
		return err ? err : 1;
	}
	default:
		return 0;
	}
}

static uint8_t section_of(const char *name, uint32_t len)
{
	if (len == 6 && !memcmp(name, "System", 6))
		return SEC_SYSTEM;
	if (len == 9 && !memcmp(name, "EventData", 9))
		return SEC_EVENTDATA;
	if (len == 8 && !memcmp(name, "UserData", 8))
		return SEC_USERDATA;
	if (len == 13 && !memcmp(name, "RenderingInfo", 13))
		return SEC_RENDERING;
	return SEC_OTHER;
}

static struct bx_op *new_op(struct bx_chunk *b)
{
	struct bx_op *op;

	if (b->n_ops >= BX_MAX_OPS) {
		b->cdamaged = true;
		return NULL;
	}
	op = &b->ops[b->n_ops++];
	memset(op, 0, sizeof(*op));
	return op;
}

static int store_parts(struct bx_chunk *b, const struct bx_part *p, size_t n, uint32_t *first)
{
	if (n > BX_MAX_PARTS - b->n_parts)
		return MM_ELIMIT;
	*first = (uint32_t)b->n_parts;
	memcpy(&b->parts[b->n_parts], p, n * sizeof(*p));
	b->n_parts += n;
	return 0;
}

/* System attribute names as Sigma knows them. */
static const char *system_attr_name(const char *el, uint32_t el_len, const char *at,
				    uint32_t at_len, char *buf, size_t cap)
{
#define IS(s, l, lit) ((l) == sizeof(lit) - 1 && !memcmp((s), lit, (l)))
	if (IS(el, el_len, "Provider") && IS(at, at_len, "Name"))
		return "Provider_Name";
	if (IS(el, el_len, "Provider") && IS(at, at_len, "Guid"))
		return "Provider_Guid";
	if (IS(el, el_len, "Provider") && IS(at, at_len, "EventSourceName"))
		return "EventSourceName";
	if (IS(el, el_len, "TimeCreated") && IS(at, at_len, "SystemTime"))
		return "TimeCreated";
	if (IS(el, el_len, "Execution") && IS(at, at_len, "ProcessID"))
		return "ProcessID";
	if (IS(el, el_len, "Execution") && IS(at, at_len, "ThreadID"))
		return "ThreadID";
	if (IS(el, el_len, "Security") && IS(at, at_len, "UserID"))
		return "UserID";
	if (IS(el, el_len, "Correlation") && IS(at, at_len, "ActivityID"))
		return "ActivityID";
	if (IS(el, el_len, "Correlation") && IS(at, at_len, "RelatedActivityID"))
		return "RelatedActivityID";
	if (IS(el, el_len, "EventID") && IS(at, at_len, "Qualifiers"))
		return "Qualifiers";
#undef IS
	snprintf(buf, cap, "%.*s_%.*s", (int)MM_MIN(el_len, 100), el, (int)MM_MIN(at_len, 100), at);
	return buf;
}

static int compile_element(struct bx_chunk *b, size_t *pos, size_t end, unsigned depth,
			   uint8_t section);

/* Compiles content tokens until the end-element token. */
static int compile_content(struct bx_chunk *b, size_t *pos, size_t end, unsigned depth,
			   uint8_t section, struct bx_part *text, size_t *n_text, bool *child)
{
	for (;;) {
		struct bx_part p;
		uint8_t tok;
		int r;

		if (!have(b, *pos, 1, end))
			return MM_ETRUNC;
		tok = b->d[*pos] & 0xbf;
		if (tok == 0x04) {
			*pos += 1;
			return 0;
		}
		if (tok == 0x01) {
			*child = true;
			r = compile_element(b, pos, end, depth + 1, section);
			if (r)
				return r;
			continue;
		}
		if (tok == 0x0a) {	/* PI target: a name */
			const char *nm;
			uint32_t nl;

			*pos += 1;
			r = read_name(b, pos, end, &nm, &nl);
			if (r)
				return r;
			continue;
		}
		if (tok == 0x0b) {	/* PI data: a counted string, dropped */
			struct bx_part ign;

			*pos += 1;
			r = lit_utf16(b, pos, end, &ign);
			if (r)
				return r;
			continue;
		}
		r = parse_piece(b, pos, end, &p);
		if (r < 0)
			return r;
		if (r == 0)
			return MM_ECORRUPT;
		push_part(b, text, n_text, &p);
	}
}

static int compile_element(struct bx_chunk *b, size_t *pos, size_t end, unsigned depth,
			   uint8_t section)
{
	struct bx_part text[BX_MAX_EPARTS];
	size_t n_text = 0;
	const char *name;
	uint32_t name_len;
	bool has_attrs, child = false;
	bool data_named = false;
	uint32_t dn_first = 0;
	size_t dn_n = 0;
	size_t n_attrs = 0;
	uint8_t tok, child_sec;
	int err;
	struct bx_op *op;

	if (depth >= BX_MAX_DEPTH)
		return MM_ELIMIT;
	if (!have(b, *pos, 1, end))
		return MM_ETRUNC;
	tok = b->d[*pos];
	has_attrs = (tok & 0x40) != 0;
	*pos += 1;
	if (!b->no_dep)
		*pos += 2;
	/* data size: not trusted, the tokens say where the element ends */
	if (!have(b, *pos, 4, end))
		return MM_ETRUNC;
	*pos += 4;
	err = read_name(b, pos, end, &name, &name_len);
	if (err)
		return err;
	/* section: this element's; child_sec: what its children (and any
	 * BinXml substituted into it) see. EventData at any depth makes its
	 * Data children named fields (EventData inside UserData). */
	if (depth == 1)
		section = section_of(name, name_len);
	else if (depth == 0)
		section = SEC_NONE;
	child_sec = (name_len == 9 && !memcmp(name, "EventData", 9)) ? SEC_EVENTDATA : section;

	if (has_attrs) {
		if (!have(b, *pos, 4, end))
			return MM_ETRUNC;
		*pos += 4;	/* attribute list size */
		for (;;) {
			struct bx_part ap[BX_MAX_EPARTS];
			size_t n_ap = 0;
			const char *an;
			uint32_t an_len;
			uint8_t at;

			if (!have(b, *pos, 1, end))
				return MM_ETRUNC;
			at = b->d[*pos] & 0xbf;
			if (at != 0x06)
				break;
			*pos += 1;
			err = read_name(b, pos, end, &an, &an_len);
			if (err)
				return err;
			for (;;) {
				struct bx_part p;
				int r = parse_piece(b, pos, end, &p);

				if (r < 0)
					return r;
				if (r == 0)
					break;
				push_part(b, ap, &n_ap, &p);
			}
			if (++n_attrs > BX_MAX_ATTRS)
				continue;
			if (section == SEC_EVENTDATA && an_len == 4 && !memcmp(an, "Name", 4) &&
			    name_len == 4 && !memcmp(name, "Data", 4)) {
				data_named = true;
				err = store_parts(b, ap, n_ap, &dn_first);
				if (err)
					return err;
				dn_n = n_ap;
				continue;
			}
			if (section == SEC_RENDERING || section == SEC_EVENTDATA ||
			    depth < 2 || (an_len >= 5 && !memcmp(an, "xmlns", 5)))
				continue;
			op = new_op(b);
			if (!op)
				continue;
			op->kind = OP_FIELD;
			op->depth = (uint8_t)depth;
			op->section = section;
			if (section == SEC_SYSTEM && depth == 2) {
				char buf[256];
				const char *fn = system_attr_name(name, name_len, an, an_len, buf,
								  sizeof(buf));
				struct bx_part tmp;

				err = lit_str(b, fn, strlen(fn), &tmp);
				if (err)
					return err;
				op->name = tmp.s;
				op->name_len = tmp.len;
				/* System/Execution ProcessID and ThreadID go last:
				 * lookups are case-insensitive and first-wins, and
				 * EventData's ProcessId (Sysmon, 4688) is the one rules
				 * mean */
				op->defer = !strcmp(fn, "ProcessID") || !strcmp(fn, "ThreadID");
			} else {
				op->name = an;
				op->name_len = an_len;
			}
			err = store_parts(b, ap, n_ap, &op->first_part);
			if (err)
				return err;
			op->n_parts = (uint16_t)n_ap;
		}
	}
	if (!have(b, *pos, 1, end))
		return MM_ETRUNC;
	tok = b->d[*pos];
	if (tok == 0x03) {
		*pos += 1;
	} else if (tok == 0x02) {
		*pos += 1;
		err = compile_content(b, pos, end, depth, child_sec, text, &n_text, &child);
		if (err)
			return err;
	} else {
		return MM_ECORRUPT;
	}

	/* the element's own value */
	if (section == SEC_RENDERING)
		return 0;
	op = new_op(b);
	if (!op)
		return 0;
	op->depth = (uint8_t)depth;
	op->section = child_sec;
	if (depth < 2 || child) {
		op->kind = OP_CONTAINER;	/* only nested BinXml matters */
		if (n_text == 0) {
			b->n_ops--;
			return 0;
		}
	} else if (section == SEC_EVENTDATA && name_len == 4 && !memcmp(name, "Data", 4)) {
		op->kind = OP_DATA;
		op->has_name = data_named;
		op->first_name_part = dn_first;
		op->n_name_parts = (uint16_t)dn_n;
	} else {
		if (n_text == 0 && n_attrs > 0) {
			b->n_ops--;	/* <Provider Name=.../>: only attributes */
			return 0;
		}
		op->kind = OP_FIELD;
		op->name = name;
		op->name_len = name_len;
	}
	err = store_parts(b, text, n_text, &op->first_part);
	if (err)
		return err;
	op->n_parts = (uint16_t)n_text;
	return 0;
}

/* Copies the scratch ops into the destination arena. */
static int finish_ops(struct bx_chunk *b, const struct bx_op **out, uint32_t *n_out)
{
	struct bx_op *ops;
	struct bx_part *parts = NULL;

	*out = NULL;
	*n_out = 0;
	if (b->n_ops == 0)
		return 0;
	ops = mm_arena_alloc(b->dest, b->n_ops * sizeof(*ops));
	if (b->n_parts)
		parts = mm_arena_alloc(b->dest, b->n_parts * sizeof(*parts));
	if (!ops || (b->n_parts && !parts))
		return MM_ENOMEM;
	if (b->n_parts)
		memcpy(parts, b->parts, b->n_parts * sizeof(*parts));
	for (size_t i = 0; i < b->n_ops; i++) {
		ops[i] = b->ops[i];
		ops[i].parts = ops[i].n_parts ? parts + ops[i].first_part : NULL;
		ops[i].name_parts = ops[i].n_name_parts ? parts + ops[i].first_name_part : NULL;
	}
	*out = ops;
	*n_out = (uint32_t)b->n_ops;
	return 0;
}

/* Compiles one element (a template's root, or a plain element in a
 * record). Damage keeps the ops compiled so far; returns the error. */
static int compile_root(struct bx_chunk *b, size_t *pos, size_t end, unsigned depth,
			uint8_t section, struct mm_arena *dest, bool no_dep,
			const struct bx_op **ops, uint32_t *n_ops)
{
	int err, err2;

	b->n_ops = 0;
	b->n_parts = 0;
	b->dest = dest;
	b->no_dep = no_dep;
	b->cdamaged = false;
	err = compile_element(b, pos, end, depth, section);
	err2 = finish_ops(b, ops, n_ops);
	return err ? err : err2;
}

static const struct bx_template *get_template(struct bx_chunk *b, uint32_t off, unsigned depth,
					      uint8_t section)
{
	uint32_t h = (off * 2654435761u) & (BX_TEMPLATE_SLOTS - 1);
	struct bx_template *slot = NULL;
	size_t pos, end;
	uint32_t size;
	int err;

	for (;;) {
		slot = &b->tmpl[h];
		if (slot->key == off + 1 && slot->depth == depth && slot->section == section)
			return slot;
		if (slot->key == 0)
			break;
		h = (h + 1) & (BX_TEMPLATE_SLOTS - 1);
	}
	if (b->n_tmpl >= BX_TEMPLATE_SLOTS / 2)
		return NULL;
	if (!have(b, off, 24, b->len))
		return NULL;
	size = le32(b->d + off + 20);
	pos = (size_t)off + 24;
	end = MM_MIN(pos + size, b->len);
	b->n_tmpl++;
	b->st->templates++;
	slot->key = off + 1;
	slot->depth = (uint8_t)depth;
	slot->section = section;
	/* fragment header, then the root element */
	if (have(b, pos, 4, end) && b->d[pos] == 0x0f)
		pos += 4;
	err = compile_root(b, &pos, end, depth, section, &b->chunk_arena, false, &slot->ops,
			   &slot->n_ops);
	if (err || b->cdamaged || size > b->len - ((size_t)off + 24)) {
		slot->incomplete = true;
		b->st->templates_incomplete++;
	}
	return slot;
}

/* ---- values ---- */

/* Hand-written number formatting: printf was half of the parse time. */
static size_t fmt_u64(char *out, uint64_t v)
{
	char tmp[24];
	size_t n = 0, i;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	return n;
}

static size_t fmt_i64(char *out, int64_t v)
{
	if (v < 0) {
		out[0] = '-';
		return 1 + fmt_u64(out + 1, (uint64_t)0 - (uint64_t)v);
	}
	return fmt_u64(out, (uint64_t)v);
}

static size_t fmt_hex(char *out, uint64_t v)
{
	static const char hx[] = "0123456789abcdef";
	char tmp[16];
	size_t n = 0, i;

	do {
		tmp[n++] = hx[v & 15];
		v >>= 4;
	} while (v);
	out[0] = '0';
	out[1] = 'x';
	for (i = 0; i < n; i++)
		out[2 + i] = tmp[n - 1 - i];
	return n + 2;
}

/* n digits, zero-padded */
static void fmt_dec_pad(char *out, unsigned v, int n)
{
	for (int i = n - 1; i >= 0; i--) {
		out[i] = (char)('0' + v % 10);
		v /= 10;
	}
}

/* "YYYY-MM-DDTHH:MM:SS.fffffffZ" (28 bytes + NUL) */
static size_t fmt_datetime(char *out, int y, unsigned mo, unsigned d, unsigned h, unsigned mi,
			   unsigned s, unsigned frac7)
{
	fmt_dec_pad(out, (unsigned)(y < 0 ? 0 : y % 10000), 4);
	out[4] = '-';
	fmt_dec_pad(out + 5, mo % 100, 2);
	out[7] = '-';
	fmt_dec_pad(out + 8, d % 100, 2);
	out[10] = 'T';
	fmt_dec_pad(out + 11, h % 100, 2);
	out[13] = ':';
	fmt_dec_pad(out + 14, mi % 100, 2);
	out[16] = ':';
	fmt_dec_pad(out + 17, s % 100, 2);
	out[19] = '.';
	fmt_dec_pad(out + 20, frac7 % 10000000u, 7);
	out[27] = 'Z';
	out[28] = '\0';
	return 28;
}

static void civil(int64_t days, int *y, unsigned *m, unsigned *d)
{
	/* days since 1970-01-01 -> proleptic Gregorian date */
	int64_t z = days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t yy = (int64_t)yoe + era * 400;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;

	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int)(yy + (*m <= 2));
}

void bx_format_filetime(uint64_t ft, char *out, size_t cap)
{
	/* 100 ns ticks since 1601-01-01; 11644473600 s to 1970 */
	uint64_t secs = ft / 10000000u;
	unsigned frac = (unsigned)(ft % 10000000u);
	int64_t unix_s = (int64_t)secs - INT64_C(11644473600);
	int64_t days = unix_s >= 0 ? unix_s / 86400 : (unix_s - 86399) / 86400;
	int64_t rem = unix_s - days * 86400;
	int y;
	unsigned m, d;

	char tmp[32];

	civil(days, &y, &m, &d);
	fmt_datetime(tmp, y, m, d, (unsigned)(rem / 3600), (unsigned)(rem / 60 % 60),
		     (unsigned)(rem % 60), frac);
	if (cap > 0) {
		size_t n = MM_MIN(cap - 1, (size_t)28);

		memcpy(out, tmp, n);
		out[n] = '\0';
	}
}

static size_t fmt_guid(const uint8_t *p, char *out)
{
	static const char hx[] = "0123456789ABCDEF";
	/* little-endian first three groups, then bytes as stored */
	static const int order[16] = { 3, 2, 1, 0, -1, 5, 4, -1, 7, 6, -1, 8, 9, -1, 10, 11 };
	size_t o = 0;

	out[o++] = '{';
	for (int i = 0; i < 16; i++) {
		if (order[i] < 0) {
			out[o++] = '-';
			continue;
		}
		out[o++] = hx[p[order[i]] >> 4];
		out[o++] = hx[p[order[i]] & 15];
	}
	for (int i = 12; i < 16; i++) {
		out[o++] = hx[p[i] >> 4];
		out[o++] = hx[p[i] & 15];
	}
	out[o++] = '}';
	out[o] = '\0';
	return o;
}

/* Fixed size of an element of a base type; 0 = variable. */
static size_t type_size(uint8_t t)
{
	switch (t) {
	case 0x03: case 0x04: return 1;
	case 0x05: case 0x06: return 2;
	case 0x07: case 0x08: case 0x0b: case 0x0d: case 0x14: return 4;
	case 0x09: case 0x0a: case 0x0c: case 0x11: case 0x15: return 8;
	case 0x0f: case 0x12: return 16;
	default: return 0;
	}
}

/* Renders one scalar of base type t from [p, p+n) into out (room >=
 * 3*n+80). Returns bytes written, or -1 if undecodable. */
static long render_scalar(uint8_t t, const uint8_t *p, size_t n, char *out)
{
	size_t o = 0;

	switch (t) {
	case 0x00:
		return 0;
	case 0x01: {
		size_t nc = n / 2;

		while (nc > 0 && p[2 * nc - 2] == 0 && p[2 * nc - 1] == 0)
			nc--;
		return (long)log_utf16_to_utf8(p, nc, out);
	}
	case 0x02:
		while (n > 0 && p[n - 1] == 0)
			n--;
		memcpy(out, p, n);
		return (long)n;
	case 0x03: return n >= 1 ? (long)fmt_i64(out, (int8_t)p[0]) : -1;
	case 0x04: return n >= 1 ? (long)fmt_u64(out, p[0]) : -1;
	case 0x05: return n >= 2 ? (long)fmt_i64(out, (int16_t)le16(p)) : -1;
	case 0x06: return n >= 2 ? (long)fmt_u64(out, le16(p)) : -1;
	case 0x07: return n >= 4 ? (long)fmt_i64(out, (int32_t)le32(p)) : -1;
	case 0x08: return n >= 4 ? (long)fmt_u64(out, le32(p)) : -1;
	case 0x09: return n >= 8 ? (long)fmt_i64(out, (int64_t)le64(p)) : -1;
	case 0x0a: return n >= 8 ? (long)fmt_u64(out, le64(p)) : -1;
	case 0x0b: {
		uint32_t u;
		float f;

		if (n < 4)
			return -1;
		u = le32(p);
		memcpy(&f, &u, 4);
		return snprintf(out, 64, "%.7g", (double)f);
	}
	case 0x0c: {
		uint64_t u;
		double f;

		if (n < 8)
			return -1;
		u = le64(p);
		memcpy(&f, &u, 8);
		return snprintf(out, 64, "%.15g", f);
	}
	case 0x0d: {	/* any non-zero value is true ("irregular" bools exist) */
		bool v = false;

		if (n == 0 || n > 8)
			return -1;
		for (size_t i = 0; i < n; i++)
			v = v || p[i];
		memcpy(out, v ? "true" : "false", v ? 4 : 5);
		return v ? 4 : 5;
	}
	case 0x0e:
	case 0x20:
	case 0x23:
		for (size_t i = 0; i < n; i++) {
			static const char hx[] = "0123456789ABCDEF";

			out[o++] = hx[p[i] >> 4];
			out[o++] = hx[p[i] & 15];
		}
		return (long)o;
	case 0x0f:
		return n >= 16 ? (long)fmt_guid(p, out) : -1;
	case 0x10:
		if (n == 4)
			return (long)fmt_hex(out, le32(p));
		if (n == 8)
			return (long)fmt_hex(out, le64(p));
		return -1;
	case 0x11:
		if (n < 8)
			return -1;
		bx_format_filetime(le64(p), out, 40);
		return 28;
	case 0x12:
		if (n < 16)
			return -1;
		return (long)fmt_datetime(out, le16(p), le16(p + 2), le16(p + 6), le16(p + 8),
					  le16(p + 10), le16(p + 12),
					  (unsigned)(le16(p + 14) % 1000u) * 10000u);
	case 0x13: {
		uint8_t cnt;
		uint64_t auth = 0;

		if (n < 8)
			return -1;
		cnt = p[1];
		if (8 + (size_t)cnt * 4 > n)
			return -1;
		for (int i = 2; i < 8; i++)
			auth = (auth << 8) | p[i];
		out[o++] = 'S';
		out[o++] = '-';
		o += fmt_u64(out + o, p[0]);
		out[o++] = '-';
		o += fmt_u64(out + o, auth);
		for (unsigned i = 0; i < cnt; i++) {
			out[o++] = '-';
			o += fmt_u64(out + o, le32(p + 8 + 4 * i));
		}
		return (long)o;
	}
	case 0x14: return n >= 4 ? (long)fmt_hex(out, le32(p)) : -1;
	case 0x15: return n >= 8 ? (long)fmt_hex(out, le64(p)) : -1;
	default:
		return -1;
	}
}

/* Renders a substitution value into the record arena. */
static int render_value(struct bx_chunk *b, const struct bx_value *v, const char **s,
			uint32_t *len)
{
	const uint8_t *p = b->d + v->off;
	size_t n = v->size;
	uint8_t base = v->type & 0x7f;
	char *out;
	long r;

	*s = "";
	*len = 0;
	if (v->type == 0x00 || n == 0)
		return 0;
	/* worst case: SID of n bytes gives ~ 11 chars per 4 bytes; hex 2/byte;
	 * UTF-16 1.5/byte; arrays add a separator per element */
	out = mm_arena_alloc(&b->rec_arena, n * 4 + 96);
	if (!out)
		return MM_ENOMEM;
	if (!(v->type & 0x80)) {
		r = render_scalar(base, p, n, out);
		if (r < 0) {
			b->st->values_bad++;
			r = 0;
		}
	} else if (base == 0x01 || base == 0x02) {
		size_t o = 0, i = 0, unit = base == 0x01 ? 2 : 1;

		/* NUL-terminated strings one after another */
		while (i + unit <= n) {
			size_t j = i;

			while (j + unit <= n && (p[j] || (unit == 2 && p[j + 1])))
				j += unit;
			if (o)
				out[o++] = ',';
			r = render_scalar(base, p + i, j - i, out + o);
			o += (size_t)MM_MAX(r, 0);
			i = j + unit;
		}
		r = (long)o;
	} else {
		size_t es = type_size(base), o = 0;

		if (base == 0x10)
			es = (n % 8 == 0) ? 8 : 4;
		if (es == 0 || base == 0x13) {
			b->st->values_bad++;
			r = render_scalar(0x0e, p, n, out);
		} else {
			for (size_t i = 0; i + es <= n; i += es) {
				if (o)
					out[o++] = ',';
				r = render_scalar(base, p + i, es, out + o);
				o += (size_t)MM_MAX(r, 0);
			}
			r = (long)o;
		}
	}
	out[r] = '\0';
	*s = out;
	*len = (uint32_t)r;
	return 0;
}

/* ---- rendering ---- */

static int walk_fragment(struct bx_chunk *b, size_t pos, size_t end, unsigned depth,
			 uint8_t section, unsigned nest);

/* Concatenates parts into one value, walking nested BinXml values. */
static int render_parts(struct bx_chunk *b, const struct bx_part *parts, size_t n,
			const struct bx_value *vals, size_t n_vals, unsigned depth, uint8_t section,
			unsigned nest, const char **s, uint32_t *len)
{
	const char *ps[BX_MAX_EPARTS];
	uint32_t pl[BX_MAX_EPARTS];
	size_t total = 0;
	char *out;
	int err;

	*s = "";
	*len = 0;
	for (size_t i = 0; i < n; i++) {
		ps[i] = "";
		pl[i] = 0;
		if (parts[i].kind == PART_LIT) {
			ps[i] = parts[i].s;
			pl[i] = parts[i].len;
		} else if (parts[i].sub < n_vals) {
			const struct bx_value *v = &vals[parts[i].sub];

			if (v->type == 0x21) {
				if (nest + 1 < BX_MAX_NEST) {
					err = walk_fragment(b, v->off, (size_t)v->off + v->size,
							    depth + 1, section, nest + 1);
					if (err == MM_ENOMEM || err == MM_ELIMIT)
						return err;
					if (err)
						b->damaged = true;
				}
			} else {
				err = render_value(b, v, &ps[i], &pl[i]);
				if (err)
					return err;
			}
		}
		total += pl[i];
	}
	if (n == 1) {
		*s = ps[0];
		*len = pl[0];
		return 0;
	}
	out = mm_arena_alloc(&b->rec_arena, total + 1);
	if (!out)
		return MM_ENOMEM;
	total = 0;
	for (size_t i = 0; i < n; i++) {
		memcpy(out + total, ps[i], pl[i]);
		total += pl[i];
	}
	out[total] = '\0';
	*s = out;
	*len = (uint32_t)total;
	return 0;
}

/* An element or attribute made only of optional substitutions whose
 * values are NULL is not created. */
static bool absent(const struct bx_op *op, const struct bx_value *vals, size_t n_vals)
{
	if (op->n_parts == 0)
		return false;
	for (size_t i = 0; i < op->n_parts; i++) {
		const struct bx_part *p = &op->parts[i];

		if (p->kind != PART_SUB || !p->optional)
			return false;
		if (p->sub < n_vals && vals[p->sub].type != 0x00)
			return false;
	}
	return true;
}

static int render_ops(struct bx_chunk *b, const struct bx_op *ops, size_t n_ops,
		      const struct bx_value *vals, size_t n_vals, unsigned nest)
{
	for (size_t i = 0; i < n_ops; i++) {
		const struct bx_op *op = &ops[i];
		const char *v;
		uint32_t vl;
		int err;

		/* a template may use a BinXml value many times, at each level
		 * of nesting: the work of one record is bounded */
		if (b->budget == 0)
			return MM_ELIMIT;
		b->budget--;
		err = render_parts(b, op->parts, op->n_parts, vals, n_vals, op->depth, op->section,
				   nest, &v, &vl);
		if (err)
			return err;
		if (op->kind == OP_CONTAINER || absent(op, vals, n_vals))
			continue;
		if (op->kind == OP_FIELD && op->defer && nest == 0) {
			if (b->n_deferred < MM_ARRAY_SIZE(b->deferred)) {
				struct log_field *d = &b->deferred[b->n_deferred++];

				d->name = op->name;
				d->name_len = op->name_len;
				d->value = v;
				d->value_len = vl;
			}
		} else if (op->kind == OP_FIELD) {
			err = log_fields_add_ref(&b->fields, op->name, op->name_len, v, vl);
		} else if (!op->has_name) {
			if (b->n_unnamed < BX_MAX_UNNAMED) {
				b->unnamed[b->n_unnamed] = v;
				b->unnamed_len[b->n_unnamed++] = vl;
			} else {
				b->st->fields_dropped++;
			}
		} else {
			const char *nm;
			uint32_t nl, k = 0;
			char *clean;

			err = render_parts(b, op->name_parts, op->n_name_parts, vals, n_vals,
					   op->depth, op->section, nest, &nm, &nl);
			if (err)
				return err;
			clean = mm_arena_alloc(&b->rec_arena, (size_t)nl + 1);
			if (!clean)
				return MM_ENOMEM;
			for (uint32_t j = 0; j < nl; j++) {
				if (nm[j] != ' ')
					clean[k++] = nm[j];
			}
			clean[k] = '\0';
			err = log_fields_add_ref(&b->fields, clean, k, v, vl);
		}
		if (err)
			return err;
	}
	return 0;
}

static int render_instance(struct bx_chunk *b, size_t *pos, size_t end, unsigned depth,
			   uint8_t section, unsigned nest)
{
	struct bx_value *vals;
	const struct bx_template *t;
	uint32_t def_off, n_vals;
	size_t p = *pos, data;
	int err = 0;

	if (!have(b, p, 10, end))
		return MM_ETRUNC;
	def_off = le32(b->d + p + 6);
	p += 10;
	if (def_off == p) {
		uint32_t size;

		if (!have(b, p, 24, end))
			return MM_ETRUNC;
		size = le32(b->d + p + 20);
		if (!have(b, p + 24, size, end))
			return MM_ETRUNC;
		p += 24 + (size_t)size;
	}
	t = get_template(b, def_off, depth, section);
	if (!have(b, p, 4, end))
		return MM_ETRUNC;
	n_vals = le32(b->d + p);
	p += 4;
	if (n_vals > BX_MAX_VALUES)
		return MM_ECORRUPT;
	if (!have(b, p, (size_t)n_vals * 4, end))
		return MM_ETRUNC;
	vals = mm_arena_alloc(&b->rec_arena, (n_vals ? n_vals : 1) * sizeof(*vals));
	if (!vals)
		return MM_ENOMEM;
	data = p + (size_t)n_vals * 4;
	for (uint32_t i = 0; i < n_vals; i++) {
		uint16_t size = le16(b->d + p + 4 * i);

		vals[i].type = b->d[p + 4 * i + 2];
		vals[i].off = (uint32_t)data;
		vals[i].size = size;
		if (!have(b, data, size, end)) {
			/* values cut short: keep those that fit */
			n_vals = i;
			err = MM_ETRUNC;
			break;
		}
		data += size;
	}
	*pos = data;
	if (!t)
		return err ? err : MM_ECORRUPT;
	{
		int r = render_ops(b, t->ops, t->n_ops, vals, n_vals, nest);

		if (r)
			return r;
	}
	if (t->incomplete)
		return err ? err : MM_ECORRUPT;
	return err;
}

static int walk_fragment(struct bx_chunk *b, size_t pos, size_t end, unsigned depth,
			 uint8_t section, unsigned nest)
{
	while (pos < end) {
		uint8_t tok;
		int err;

		if (!have(b, pos, 1, end))
			return MM_ETRUNC;
		tok = b->d[pos];
		switch (tok & 0xbf) {
		case 0x00:
			return 0;
		case 0x0f:
			pos += 4;
			break;
		case 0x0c:
			err = render_instance(b, &pos, end, depth, section, nest);
			if (err)
				return err;
			break;
		case 0x01: {
			const struct bx_op *ops;
			uint32_t n_ops;

			err = compile_root(b, &pos, end, depth, section, &b->rec_arena, true,
					   &ops, &n_ops);
			if (err == MM_ENOMEM)
				return err;
			{
				int r = render_ops(b, ops, n_ops, NULL, 0, nest);

				if (r)
					return r;
			}
			if (err)
				return err;
			break;
		}
		case 0x0a:
		case 0x0b: {
			/* processing instruction outside the root: skip it */
			const char *nm;
			uint32_t nl;

			pos += 1;
			if (tok == 0x0a) {
				err = read_name(b, &pos, end, &nm, &nl);
			} else {
				uint16_t nc;

				if (!have(b, pos, 2, end))
					return MM_ETRUNC;
				nc = le16(b->d + pos);
				pos += 2;
				err = have(b, pos, (size_t)nc * 2, end) ? 0 : MM_ETRUNC;
				pos += (size_t)nc * 2;
			}
			if (err)
				return err;
			break;
		}
		default:
			return MM_ECORRUPT;
		}
	}
	return 0;
}

int bx_render_record(struct bx_chunk *b, size_t start, size_t end, struct log_event *ev)
{
	int err;

	mm_arena_reset(&b->rec_arena);
	b->n_unnamed = 0;
	b->n_deferred = 0;
	b->budget = BX_RECORD_BUDGET;
	err = log_fields_init(&b->fields, &b->rec_arena, LOG_MAX_FIELDS, b->st);
	if (err)
		return err;
	b->damaged = false;
	err = walk_fragment(b, start, MM_MIN(end, b->len), 0, SEC_NONE, 0);
	if (err == MM_ENOMEM || err == MM_ELIMIT) {
		/* the record's arena cap or work budget: this record is cut
		 * short, the next one starts afresh */
		b->st->fields_dropped++;
		err = MM_ECORRUPT;
	}
	if (b->n_unnamed == 1) {
		log_fields_add_ref(&b->fields, "Data", 4, b->unnamed[0], b->unnamed_len[0]);
	} else if (b->n_unnamed > 1) {
		size_t total = 0;
		char *all;

		for (size_t i = 0; i < b->n_unnamed; i++)
			total += b->unnamed_len[i] + 1;
		all = mm_arena_alloc(&b->rec_arena, total + 1);
		if (all) {
			size_t o = 0;

			for (size_t i = 0; i < b->n_unnamed; i++) {
				if (i)
					all[o++] = '\n';
				memcpy(all + o, b->unnamed[i], b->unnamed_len[i]);
				o += b->unnamed_len[i];
			}
			all[o] = '\0';
			log_fields_add_ref(&b->fields, "Data", 4, all, o);
		}
		for (size_t i = 0; i < b->n_unnamed; i++) {
			char nm[16];
			int nl = snprintf(nm, sizeof(nm), "Data%zu", i + 1);

			log_fields_add(&b->fields, nm, nl, b->unnamed[i], b->unnamed_len[i]);
		}
	}
	for (size_t i = 0; i < b->n_deferred; i++)
		log_fields_add_ref(&b->fields, b->deferred[i].name, b->deferred[i].name_len,
				   b->deferred[i].value, b->deferred[i].value_len);
	ev->fields = b->fields.v;
	ev->n_fields = b->fields.n;
	if (err || b->damaged)
		return MM_ECORRUPT;
	return 0;
}
