/*
 * sigma_helpers.c — see sigma_helpers.h. Test-only; no log_event_get here
 * (event.c provides it).
 */
#include "core/compat.h"

#include "sigma_helpers.h"

void sigma_t_event_init(struct sigma_t_event *t, const char *channel, uint32_t eid)
{
	memset(t, 0, sizeof(*t));
	t->e.format = "test";
	t->e.src.product = "test";
	t->e.channel = channel;
	t->e.event_id = eid;
	t->e.fields = t->f;
}

void sigma_t_event_set(struct sigma_t_event *t, const char *name, const char *value)
{
	struct log_field *f;

	if (t->e.n_fields >= SIGMA_T_MAX_FIELDS)
		return;
	f = &t->f[t->e.n_fields++];
	f->name = name;
	f->name_len = (uint32_t)strlen(name);
	f->value = value;
	f->value_len = (uint32_t)strlen(value);
}

struct sigma_ruleset *sigma_t_load(const char *yaml)
{
	struct sigma_ruleset *rs = sigma_ruleset_new();
	struct mm_diag d;

	if (!rs)
		return NULL;
	mm_diag_init(&d);
	if (sigma_ruleset_load_text(rs, "test.yml", yaml, strlen(yaml), NULL, NULL) != 0 ||
	    sigma_ruleset_compile(rs, &d) != 0) {
		sigma_ruleset_free(rs);
		return NULL;
	}
	return rs;
}

struct sigma_ruleset *sigma_t_rule(const char *detection)
{
	char buf[8192];

	snprintf(buf, sizeof(buf),
		 "title: t\nid: 00000000-0000-4000-8000-000000000001\nlevel: high\n"
		 "logsource:\n  product: test\ndetection:\n%s\n",
		 detection);
	return sigma_t_load(buf);
}

int sigma_t_collect(void *arg, const struct log_event *e, const struct sigma_match *m)
{
	struct sigma_t_hits *h = arg;
	size_t i;

	(void)e;
	if (m->correlation)
		h->n_corr++;
	else
		h->n++;
	snprintf(h->last_title, sizeof(h->last_title), "%s", m->rule_title ? m->rule_title : "");
	snprintf(h->last_group, sizeof(h->last_group), "%s", m->group ? m->group : "");
	h->last_count = m->count;
	h->last_first_record = m->first_record;
	h->last_last_record = m->last_record;
	h->last_n_matched = m->n_matched;
	for (i = 0; i < m->n_matched && i < 8; i++)
		snprintf(h->last_matched[i], sizeof(h->last_matched[i]), "%s", m->matched[i]);
	return 0;
}

size_t sigma_t_count(const struct sigma_ruleset *rs, const struct sigma_t_event *t)
{
	struct sigma_state *st = sigma_state_new(rs);
	struct sigma_t_hits h;

	memset(&h, 0, sizeof(h));
	if (!st)
		return (size_t)-1;
	if (sigma_eval(rs, st, &t->e, sigma_t_collect, &h) != 0)
		h.n = (size_t)-1;
	sigma_state_free(st);
	return h.n;
}

const char *sigma_t_problem_key(const struct sigma_ruleset *rs)
{
	const char *key = "";

	if (sigma_ruleset_problem_count(rs))
		sigma_ruleset_problem(rs, 0, NULL, NULL, NULL, &key, NULL);
	return key;
}
