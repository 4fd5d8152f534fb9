/*
 * detect_confluence.c — Confluence Server widget connector template
 * injection (CVE-2019-3396), from HTTP requests.
 *
 * A POST to /rest/tinymce/1/macro/preview (path compared after URI
 * normalisation, case-insensitively) whose JSON body (parsed with jansson)
 * names a macro — normally "widget" — with a `_template` parameter. The
 * template says what the attacker wants: a remote Velocity template
 * (http/https/ftp, usually ".vm": code execution, critical), a local file
 * or a path traversal ("file://", "../", an absolute path: file read,
 * high). Any other parameter beside url/width/height (e.g. "cmd") is
 * carried as the command. A body that does not parse as JSON but still
 * holds "_template" is flagged high (malformed on purpose or cut by the
 * body limit). A preview without `_template` is normal use and stays
 * silent.
 *
 * Threading: stateless apart from the flow's once-only flag.
 */
#include "core/compat.h"
#include "net/internal.h"

#include <jansson.h>

#define PREVIEW_PATH "/rest/tinymce/1/macro/preview"

static const struct mm_rule_meta meta_confluence = {
	.id = "mamori.net.http.confluence.cve-2019-3396",
	.name = "Confluence widget connector template injection (CVE-2019-3396)",
	.engine = "net",
	.ruleset = "builtin",
	.category = "exploit",
	.level = MM_LEVEL_HIGH,
	.description = "POST /rest/tinymce/1/macro/preview whose macro parameters carry a "
		       "_template: a remote Velocity template (code execution), a local file "
		       "or a path traversal (file read).",
	.references = { "CVE-2019-3396" },
	.techniques = { "T1190" },
	.tactics = { "initial-access" },
};

int detect_confluence_register(struct mm_catalogue *cat)
{
	int rc = mm_catalogue_add(cat, &meta_confluence, NULL);
	return rc == MM_EEXIST ? 0 : rc;
}

/* The normalised path (no query, "//" folded, case-insensitive) equals
 * PREVIEW_PATH, allowing a trailing slash and a context path before it. */
static bool is_preview_path(struct mm_slice path)
{
	char buf[512];
	size_t n = 0;
	for (size_t i = 0; i < path.len && n + 1 < sizeof(buf); i++) {
		uint8_t c = path.ptr[i];
		if (c == '%' && i + 2 < path.len) {
			/* the common encodings of '/' and letters */
			char h[3] = { (char)path.ptr[i + 1], (char)path.ptr[i + 2], 0 };
			char *e;
			long v = strtol(h, &e, 16);
			if (!*e) {
				c = (uint8_t)v;
				i += 2;
			}
		}
		if (c >= 'A' && c <= 'Z')
			c = (uint8_t)(c + 32);
		if (c == '/' && n > 0 && buf[n - 1] == '/')
			continue;
		buf[n++] = (char)c;
	}
	while (n > 1 && buf[n - 1] == '/')
		n--;
	buf[n] = 0;
	size_t pl = strlen(PREVIEW_PATH);
	return n >= pl && !strcmp(buf + n - pl, PREVIEW_PATH);
}

enum tpl_kind { TPL_REMOTE, TPL_LOCAL, TPL_TRAVERSAL, TPL_OTHER };

static enum tpl_kind classify_template(const char *t)
{
	struct mm_slice s = { (const uint8_t *)t, strlen(t) };
	struct mm_slice head = { s.ptr, MM_MIN(s.len, (size_t)8) };
	if (net_slice_icontains(head, "http://") || net_slice_icontains(head, "https://") ||
	    net_slice_icontains(head, "ftp://"))
		return TPL_REMOTE;
	if (net_slice_icontains(s, "../") || net_slice_icontains(s, "..\\") ||
	    net_slice_icontains(s, "%2e%2e"))
		return TPL_TRAVERSAL;
	if (net_slice_icontains(head, "file:") || t[0] == '/' || t[0] == '\\')
		return TPL_LOCAL;
	return TPL_OTHER;
}

static const char *kind_name(enum tpl_kind k)
{
	switch (k) {
	case TPL_REMOTE:
		return "remote template";
	case TPL_LOCAL:
		return "local file";
	case TPL_TRAVERSAL:
		return "path traversal";
	default:
		return "template";
	}
}

static void raise_alert(struct app_ctx *ctx, const struct http_msg *req, const char *macro,
		  const char *tpl, enum tpl_kind kind, json_t *params, bool parsed)
{
	struct mm_buf ev;
	struct mm_json j;
	char reason[512];
	struct mm_alert a;
	bool has_cmd = false;

	mm_buf_init(&ev, 64 * 1024);
	mm_json_init(&j, &ev);
	mm_json_object_begin(&j, NULL);
	mm_json_strn(&j, "uri", req->uri.ptr, req->uri.len);
	if (macro)
		mm_json_str(&j, "macro", macro);
	if (tpl) {
		mm_json_str(&j, "template", tpl);
		mm_json_str(&j, "template_kind", kind_name(kind));
	}
	if (params && json_is_object(params)) {
		const char *k;
		json_t *v;
		json_object_foreach(params, k, v)
		{
			if (!strcmp(k, "_template") || !strcmp(k, "url") || !strcmp(k, "width") ||
			    !strcmp(k, "height"))
				continue;
			if (!json_is_string(v))
				continue;
			if (!has_cmd)
				mm_json_object_begin(&j, "command_params");
			has_cmd = true;
			mm_json_str(&j, k, json_string_value(v));
		}
		if (has_cmd)
			mm_json_object_end(&j);
		json_t *url = json_object_get(params, "url");
		if (json_is_string(url))
			mm_json_str(&j, "widget_url", json_string_value(url));
	}
	if (!parsed)
		mm_json_strn(&j, "body", req->body.ptr, MM_MIN(req->body.len, (size_t)2048));
	mm_json_uint(&j, "frame", req->frame_last);
	mm_json_object_end(&j);
	if (mm_json_finish(&j) == 0) {
		net_alert_fill(&a, ctx, "http");
		a.meta = &meta_confluence;
		a.has_level = 1;
		a.level = (kind == TPL_REMOTE || has_cmd) ? MM_LEVEL_CRITICAL : MM_LEVEL_HIGH;
		a.family = "cve-2019-3396";
		if (tpl)
			snprintf(reason, sizeof(reason), "widget macro preview with _template %s (%s)%s",
				 tpl, kind_name(kind), has_cmd ? " and a command parameter" : "");
		else
			snprintf(reason, sizeof(reason),
				 "macro preview body mentions _template but is not valid JSON");
		a.reason = reason;
		a.evidence_json = ev.ptr;
		a.url = NULL;
		net_alert_emit(ctx, &a);
	}
	mm_buf_release(&ev);
}

void detect_confluence_http(struct app_ctx *ctx, const struct http_msg *req,
			    const struct http_msg *resp)
{
	if (resp || !req || !req->is_request || !net_slice_ieq(req->method, "POST"))
		return;
	if (!is_preview_path(req->path))
		return;
	if (!req->body.len)
		return;
	json_error_t err;
	json_t *root = json_loadb((const char *)req->body.ptr, req->body.len, 0, &err);
	if (!root) {
		if (net_slice_icontains(req->body, "_template"))
			raise_alert(ctx, req, NULL, NULL, TPL_OTHER, NULL, false);
		return;
	}
	json_t *macro = json_object_get(root, "macro");
	json_t *params = macro ? json_object_get(macro, "params") : NULL;
	json_t *tpl = params ? json_object_get(params, "_template") : NULL;
	if (json_is_string(tpl)) {
		json_t *name = json_object_get(macro, "name");
		const char *t = json_string_value(tpl);
		raise_alert(ctx, req, json_is_string(name) ? json_string_value(name) : NULL, t,
		      classify_template(t), params, true);
	}
	json_decref(root);
}
