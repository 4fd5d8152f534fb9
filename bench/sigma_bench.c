/*
 * sigma_bench.c — drives the Sigma engine alone over Windows events in
 * evtx_dump-style JSON (concatenated {"Event":{"System":...,"EventData":...}}
 * objects, as in SigmaHQ's regression_data/ JSON files) or in the JSON lines
 * of `mamori logs dump` (any reader's records), to measure evaluation
 * speed and to count matches per rule without the readers or the CLI.
 *
 *   sigma_bench -r RULES [-r RULES...] [-n REPEAT] [-q] FILE.json...
 *
 * Prints "match <rule id> <count>" per rule that matched (plain rules and
 * correlations), then "events N rules R seconds S events_per_sec E".
 * Built by bench/sigma.sh against the static libraries of a build dir.
 * The flattening mirrors event.h: System fields under their Sigma names,
 * EventData/UserData leaves under their names. Single-threaded.
 */
#include "core/compat.h"

#include "logs/sigma.h"

#include <jansson.h>
#include <time.h>

#define MAX_FIELDS 256
#define MAX_EVENTS 2000000

struct ev {
	struct log_event e;
	struct log_field f[MAX_FIELDS];
	char *own[MAX_FIELDS * 2 + 4];
	size_t n_own;
};

static char *keep(struct ev *x, char *s)
{
	if (s && x->n_own < MM_ARRAY_SIZE(x->own))
		x->own[x->n_own++] = s;
	else if (s) {
		free(s);
		return NULL;
	}
	return s;
}

static char *scalar_text(json_t *v)
{
	char buf[64];

	if (json_is_string(v))
		return strdup(json_string_value(v));
	if (json_is_integer(v)) {
		snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return strdup(buf);
	}
	if (json_is_real(v)) {
		snprintf(buf, sizeof(buf), "%g", json_real_value(v));
		return strdup(buf);
	}
	if (json_is_true(v))
		return strdup("true");
	if (json_is_false(v))
		return strdup("false");
	if (json_is_null(v))
		return strdup("");
	return NULL;
}

static void add(struct ev *x, const char *name, json_t *v)
{
	struct log_field *f;
	char *n, *s;

	if (x->e.n_fields >= MAX_FIELDS)
		return;
	if (json_is_object(v) && json_object_get(v, "#text"))
		v = json_object_get(v, "#text");
	if (json_is_array(v)) {
		size_t i;
		char nb[128];

		for (i = 0; i < json_array_size(v); i++) {
			if (i == 0)
				snprintf(nb, sizeof(nb), "%s", name);
			else
				snprintf(nb, sizeof(nb), "%s%zu", name, i);
			add(x, nb, json_array_get(v, i));
		}
		return;
	}
	s = scalar_text(v);
	if (!s)
		return;
	n = keep(x, strdup(name));
	s = keep(x, s);
	if (n) {
		/* "Data Name" values lose their spaces, as Sigma expects */
		char *w = n, *q;

		for (q = n; *q; q++)
			if (*q != ' ')
				*w++ = *q;
		*w = '\0';
	}
	if (!n || !s)
		return;
	f = &x->f[x->e.n_fields++];
	f->name = n;
	f->name_len = (uint32_t)strlen(n);
	f->value = s;
	f->value_len = (uint32_t)strlen(s);
}

static void flatten(struct ev *x, json_t *o)
{
	const char *k;
	json_t *v;

	json_object_foreach(o, k, v) {
		if (!strcmp(k, "#attributes") || !strcmp(k, "xmlns"))
			continue;
		if (json_is_object(v) && !json_object_get(v, "#text"))
			flatten(x, v);
		else
			add(x, k, v);
	}
}

static const char *fget(struct ev *x, const char *name)
{
	size_t i;

	for (i = 0; i < x->e.n_fields; i++)
		if (!strcmp(x->f[i].name, name))
			return x->f[i].value;
	return NULL;
}

static char *keep_str(struct ev *x, json_t *v)
{
	return json_is_string(v) ? keep(x, strdup(json_string_value(v))) : NULL;
}

/* `mamori logs dump` lines: the normalised record as the readers made it. */
static void build_dump(struct ev *x, json_t *root)
{
	json_t *ls = json_object_get(root, "logsource"), *f = json_object_get(root, "fields"), *v;
	const char *k;

	x->e.format = "dump";
	x->e.src.product = keep_str(x, json_object_get(ls, "product"));
	x->e.src.service = keep_str(x, json_object_get(ls, "service"));
	x->e.src.category = keep_str(x, json_object_get(ls, "category"));
	x->e.channel = keep_str(x, json_object_get(root, "channel"));
	x->e.provider = keep_str(x, json_object_get(root, "provider"));
	x->e.host = keep_str(x, json_object_get(root, "host"));
	x->e.event_id = (uint32_t)json_integer_value(json_object_get(root, "event_id"));
	x->e.record_id = (uint64_t)json_integer_value(json_object_get(root, "record_id"));
	if ((v = json_object_get(root, "@timestamp")) && json_is_string(v))
		mm_time_parse(json_string_value(v), 0, &x->e.ts_us);
	json_object_foreach(f, k, v)
		add(x, k, v);
}

static void build(struct ev *x, json_t *root, const char *path, uint64_t n)
{
	json_t *ev = json_object_get(root, "Event"), *sys, *v;
	const char *s;

	memset(&x->e, 0, sizeof(x->e));
	x->e.fields = x->f;
	x->e.format = "evtx-json";
	x->e.origin = path;
	x->e.record_id = n;
	if (!ev && json_object_get(root, "fields")) {
		build_dump(x, root);
		return;
	}
	if (!ev)
		return;
	sys = json_object_get(ev, "System");
	if (sys) {
		json_t *p = json_object_get(sys, "Provider");

		if ((v = json_object_get(json_object_get(p, "#attributes"), "Name")))
			add(x, "Provider_Name", v);
		if ((v = json_object_get(sys, "EventID")))
			add(x, "EventID", v);
		if ((v = json_object_get(sys, "Channel")))
			add(x, "Channel", v);
		if ((v = json_object_get(sys, "Computer")))
			add(x, "Computer", v);
		if ((v = json_object_get(sys, "EventRecordID")))
			add(x, "EventRecordID", v);
		if ((v = json_object_get(sys, "Level")))
			add(x, "Level", v);
		if ((v = json_object_get(sys, "Task")))
			add(x, "Task", v);
		if ((v = json_object_get(sys, "Keywords")))
			add(x, "Keywords", v);
		if ((v = json_object_get(json_object_get(json_object_get(sys, "Security"), "#attributes"),
					 "UserID")))
			add(x, "UserID", v);
		if ((v = json_object_get(json_object_get(json_object_get(sys, "Execution"), "#attributes"),
					 "ProcessID")))
			add(x, "ProcessID", v);
		if ((v = json_object_get(json_object_get(json_object_get(sys, "TimeCreated"), "#attributes"),
					 "SystemTime")))
			add(x, "TimeCreated", v);
	}
	if ((v = json_object_get(ev, "EventData")) && json_is_object(v))
		flatten(x, v);
	if ((v = json_object_get(ev, "UserData")) && json_is_object(v))
		flatten(x, v);
	x->e.channel = fget(x, "Channel");
	x->e.provider = fget(x, "Provider_Name");
	x->e.host = fget(x, "Computer");
	if ((s = fget(x, "EventID")))
		x->e.event_id = (uint32_t)strtoul(s, NULL, 10);
	if ((s = fget(x, "EventRecordID")))
		x->e.record_id = strtoull(s, NULL, 10);
	if ((s = fget(x, "TimeCreated")))
		mm_time_parse(s, 0, &x->e.ts_us);
	x->e.src.product = "windows";
}

static void release(struct ev *x)
{
	size_t i;

	for (i = 0; i < x->n_own; i++)
		free(x->own[i]);
	x->n_own = 0;
	x->e.n_fields = 0;
}

struct tally {
	char **ids;
	uint64_t *counts;
	size_t n;
};

static int on_match(void *arg, const struct log_event *e, const struct sigma_match *m)
{
	struct tally *t = arg;
	const char *id = m->meta ? m->meta->id : "?";
	size_t i;

	(void)e;
	for (i = 0; i < t->n; i++) {
		if (!strcmp(t->ids[i], id)) {
			t->counts[i]++;
			return 0;
		}
	}
	t->ids = realloc(t->ids, (t->n + 1) * sizeof(*t->ids));
	t->counts = realloc(t->counts, (t->n + 1) * sizeof(*t->counts));
	if (!t->ids || !t->counts)
		return MM_ENOMEM;
	t->ids[t->n] = strdup(id);
	t->counts[t->n++] = 1;
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct sigma_ruleset *rs = sigma_ruleset_new();
	struct ev **evs = NULL;
	size_t n_evs = 0, i, repeat = 1, r;
	struct tally t;
	struct mm_diag d;
	bool quiet = false;
	double evaluated_per_event = 0;
	double t0, t1;
	int a;

	memset(&t, 0, sizeof(t));
	for (a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "-r") && a + 1 < argc) {
			sigma_ruleset_load(rs, argv[++a], NULL, NULL);
		} else if (!strcmp(argv[a], "-n") && a + 1 < argc) {
			repeat = strtoul(argv[++a], NULL, 10);
		} else if (!strcmp(argv[a], "-q")) {
			quiet = true;
		} else {
			FILE *f = fopen(argv[a], "rb");
			char *buf;
			long sz;
			size_t off = 0;

			if (!f || fseek(f, 0, SEEK_END) || (sz = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
				fprintf(stderr, "sigma_bench: cannot read %s\n", argv[a]);
				if (f)
					fclose(f);
				continue;
			}
			buf = malloc((size_t)sz + 1);
			if (!buf || fread(buf, 1, (size_t)sz, f) != (size_t)sz) {
				fclose(f);
				free(buf);
				continue;
			}
			fclose(f);
			while (off < (size_t)sz && n_evs < MAX_EVENTS) {
				json_error_t err;
				json_t *j = json_loadb(buf + off, (size_t)sz - off, JSON_DISABLE_EOF_CHECK, &err);
				struct ev *x;

				if (!j)
					break;
				off += err.position;
				while (off < (size_t)sz && (buf[off] == '\n' || buf[off] == ' ' || buf[off] == '\r'))
					off++;
				x = calloc(1, sizeof(*x));
				evs = realloc(evs, (n_evs + 1) * sizeof(*evs));
				if (!x || !evs)
					return 1;
				build(x, j, argv[a], n_evs + 1);
				json_decref(j);
				evs[n_evs++] = x;
			}
			free(buf);
		}
	}
	mm_diag_init(&d);
	if (sigma_ruleset_compile(rs, &d) != 0) {
		fprintf(stderr, "sigma_bench: compile failed: %s\n", d.reason);
		return 1;
	}
	t0 = now_s();
	for (r = 0; r < repeat; r++) {
		struct sigma_state *st = sigma_state_new(rs);

		for (i = 0; i < n_evs; i++)
			sigma_eval(rs, st, &evs[i]->e, on_match, &t);
		sigma_flush(rs, st, on_match, &t);
		if (r == 0) {
			uint64_t ne, nr;

			sigma_state_stats(st, &ne, &nr);
			evaluated_per_event = ne ? (double)nr / (double)ne : 0;
		}
		sigma_state_free(st);
	}
	t1 = now_s();
	if (!quiet)
		for (i = 0; i < t.n; i++)
			printf("match %s %" PRIu64 "\n", t.ids[i], t.counts[i] / (repeat ? repeat : 1));
	printf("events %zu rules %zu seconds %.3f events_per_sec %.0f rules_evaluated_per_event %.1f\n",
	       n_evs * repeat, sigma_ruleset_count(rs), t1 - t0,
	       (double)(n_evs * repeat) / (t1 - t0 > 0 ? t1 - t0 : 1e-9), evaluated_per_event);
	for (i = 0; i < n_evs; i++) {
		release(evs[i]);
		free(evs[i]);
	}
	free(evs);
	for (i = 0; i < t.n; i++)
		free(t.ids[i]);
	free(t.ids);
	free(t.counts);
	sigma_ruleset_free(rs);
	return 0;
}
