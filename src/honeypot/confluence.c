/*
 * confluence.c — enough of a Confluence Server 6.14.1 (the last release
 * before the CVE-2019-3396 fix) for exploit scripts to believe they found a
 * vulnerable instance: a login page at / and /login.action, and
 * POST /rest/tinymce/1/macro/preview answering a Widget Connector macro
 * whose _template is a local path (web.xml, /etc/passwd) or a remote
 * Velocity template (ftp://, http://, https://) with the reply a vulnerable
 * server gives: the file's content, or the command's output inside
 * <div class="wiki-content">. The template URL is never opened and no file
 * of this host is ever read: every content is made up here.
 *
 * Each exploit raises mamori.honeypot.confluence.cve-2019-3396 with the
 * template, the extra parameters (cmd) and the indicators found in them.
 * Input: hostile JSON (jansson). Threading: one thread.
 */
#include "core/compat.h"
#include "honeypot/internal.h"

#include <jansson.h>

#define HTML_CT "text/html;charset=UTF-8"

static const char login_page[] =
	"<!DOCTYPE html>\n<html>\n<head>\n"
	"    <title>Log In - Confluence</title>\n"
	"    <meta http-equiv=\"X-UA-Compatible\" content=\"IE=EDGE,chrome=IE7\">\n"
	"    <meta name=\"ajs-version-number\" content=\"6.14.1\">\n"
	"    <meta name=\"ajs-build-number\" content=\"7901\">\n"
	"    <meta name=\"ajs-context-path\" content=\"\">\n"
	"    <meta name=\"application-name\" content=\"Confluence\">\n"
	"</head>\n<body id=\"com-atlassian-confluence\" class=\"login aui-layout aui-theme-default\">\n"
	"<div id=\"page\">\n<div id=\"main\" class=\"aui-page-panel\">\n"
	"<form name=\"loginform\" method=\"POST\" action=\"/dologin.action\" class=\"aui login-form-container\">\n"
	"  <div class=\"field-group\"><label for=\"os_username\">Username</label>\n"
	"    <input type=\"text\" name=\"os_username\" id=\"os_username\" class=\"text\"></div>\n"
	"  <div class=\"field-group\"><label for=\"os_password\">Password</label>\n"
	"    <input type=\"password\" name=\"os_password\" id=\"os_password\" class=\"password\"></div>\n"
	"  <div class=\"buttons-container\"><input id=\"loginButton\" class=\"aui-button aui-button-primary\" "
	"name=\"login\" type=\"submit\" value=\"Log in\"></div>\n"
	"</form>\n</div>\n</div>\n"
	"<footer id=\"footer\"><ul class=\"atlassian-footer\"><li class=\"print-only\">Printed by "
	"Atlassian Confluence 6.14.1</li><li class=\"noprint\">Powered by <a href=\"https://www."
	"atlassian.com/software/confluence\">Atlassian Confluence</a> <span id=\"footer-build-"
	"information\">6.14.1</span></li></ul></footer>\n</body>\n</html>\n";

static const char fake_web_xml[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<web-app xmlns=\"http://java.sun.com/xml/ns/javaee\" version=\"2.5\">\n"
	"    <display-name>Confluence</display-name>\n"
	"    <description>Confluence Web App</description>\n"
	"    <context-param>\n"
	"        <param-name>contextConfigLocation</param-name>\n"
	"        <param-value>classpath:/com/atlassian/confluence/setup/confluenceBootstrapContext.xml</param-value>\n"
	"    </context-param>\n"
	"    <listener>\n"
	"        <listener-class>com.atlassian.confluence.setup.ConfluenceConfigurationListener</listener-class>\n"
	"    </listener>\n"
	"</web-app>\n";

static const char fake_passwd[] =
	"root:x:0:0:root:/root:/bin/bash\n"
	"daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
	"bin:x:2:2:bin:/bin:/usr/sbin/nologin\n"
	"sys:x:3:3:sys:/dev:/usr/sbin/nologin\n"
	"www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\n"
	"nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
	"confluence:x:1001:1001:Atlassian Confluence:/home/confluence:/bin/bash\n";

/* The output a remote template run with `cmd` would print. */
static const char *command_output(const char *cmd)
{
	if (!cmd || !*cmd)
		return "";
	if (!strcmp(cmd, "id") || strstr(cmd, " id"))
		return "uid=1001(confluence) gid=1001(confluence) groups=1001(confluence)";
	if (!strcmp(cmd, "whoami"))
		return "confluence";
	if (strstr(cmd, "uname"))
		return "Linux wiki 4.15.0-45-generic #48-Ubuntu SMP Tue Jan 29 16:28:13 UTC 2019 "
		       "x86_64 x86_64 x86_64 GNU/Linux";
	if (strstr(cmd, "hostname"))
		return "wiki";
	return "";
}

static void preview(struct hp_session *s, const struct hp_req *q, struct hp_reply_info *ri)
{
	struct honeypot *hp = s->hp;
	json_t *root = NULL;
	json_error_t err;
	const json_t *params = NULL;
	const char *tmpl = NULL, *cmd = NULL, *url = NULL;
	struct mm_buf page, allp;
	struct hp_ind ind;
	struct mm_json j;
	char reason[600];

	mm_buf_init(&page, 64 * 1024);
	mm_buf_init(&allp, 64 * 1024);
	hp_ind_init(&ind);
	if (q->body_len)
		root = json_loadb((const char *)q->body, q->body_len, JSON_DECODE_ANY, &err);
	params = json_object_get(json_object_get(root, "macro"), "params");
	tmpl = json_string_value(json_object_get(params, "_template"));
	url = json_string_value(json_object_get(params, "url"));
	cmd = json_string_value(json_object_get(params, "cmd"));
	if (!tmpl) {
		/* a preview without the injection: what the editor itself sends */
		ri->status = 200;
		hp_reply(s, 200, HTML_CT, NULL, "<div class=\"wiki-content\">\n</div>\n", 33, 0);
		goto out;
	}
	/* every string parameter is searched for indicators */
	if (json_is_object(params)) {
		const char *k;
		json_t *v;
		json_object_foreach((json_t *)(uintptr_t)params, k, v) {
			if (!json_is_string(v))
				continue;
			if (allp.len)
				mm_buf_append_byte(&allp, ' ');
			mm_buf_append(&allp, json_string_value(v), json_string_length(v));
		}
	}
	hp_ind_scan(&ind, allp.ptr, allp.len);

	hp_record_begin(s, &j, "mamori.confluence.exploit", "CVE-2019-3396 widget _template");
	hp_json_request_brief(hp, &j, q);
	mm_json_str(&j, "template", tmpl);
	if (cmd)
		mm_json_str(&j, "cmd", cmd);
	hp_record_end(s, &j);
	ri->eventid = "mamori.confluence.exploit";

	mm_buf_reset(&hp->scratch);
	mm_json_init(&j, &hp->scratch);
	mm_json_object_begin(&j, NULL);
	mm_json_str(&j, "session", s->id);
	mm_json_object_begin(&j, "request");
	hp_json_request(hp, &j, q);
	mm_json_object_end(&j);
	mm_json_str(&j, "template", tmpl);
	if (url)
		mm_json_str(&j, "widget_url", url);
	if (cmd)
		mm_json_str(&j, "cmd", cmd);
	{
		bool remote = strstr(tmpl, "://") && strncasecmp(tmpl, "file:", 5);
		mm_json_str(&j, "kind", remote ? "remote-template" : "file-read");
		snprintf(reason, sizeof(reason), "CVE-2019-3396 %s: _template=%.300s%s%.200s",
			 remote ? "remote Velocity template" : "local file read", tmpl,
			 cmd ? " cmd=" : "", cmd ? cmd : "");
	}
	hp_ind_json(&ind, &j);
	mm_json_object_end(&j);
	hp_alert(s, HP_RULE_CONFLUENCE, -1, reason, mm_json_finish(&j) ? NULL : hp->scratch.ptr,
		 strstr(tmpl, "://") ? tmpl : NULL);
	/* decoded payloads of the parameters (a base64 cmd) go to the file
	 * analysers too, as for Docker create bodies */
	hp_payloads(s, &ind);

	/* what the vulnerable server renders */
	mm_buf_append_str(&page, "<div class=\"wiki-content\">\n");
	if (strstr(tmpl, "web.xml"))
		mm_buf_append_str(&page, fake_web_xml);
	else if (strstr(tmpl, "/etc/passwd"))
		mm_buf_append_str(&page, fake_passwd);
	else
		mm_buf_append_str(&page, command_output(cmd));
	mm_buf_append_str(&page, "\n            </div>\n");
	ri->status = 200;
	hp_reply(s, 200, HTML_CT, NULL, page.ptr, page.len, 0);
out:
	json_decref(root);
	hp_ind_release(&ind);
	mm_buf_release(&page);
	mm_buf_release(&allp);
}

void confluence_handle(struct hp_session *s, const struct hp_req *q, struct hp_reply_info *ri)
{
	const char *p = q->path;
	bool get = !strcmp(q->method, "GET") || q->head;
	unsigned head = q->head ? HP_R_NOBODY : 0;
	static const char extra[] = "X-Confluence-Request-Time: 1556000000000\r\n"
				    "X-XSS-Protection: 1; mode=block\r\n"
				    "X-Content-Type-Options: nosniff\r\n"
				    "X-Frame-Options: SAMEORIGIN\r\n";

	if (!strcmp(p, "/rest/tinymce/1/macro/preview") && !strcmp(q->method, "POST")) {
		preview(s, q, ri);
	} else if (!strcmp(p, "/") && get) {
		ri->status = 302;
		hp_reply(s, 302, HTML_CT, "Location: /login.action?os_destination=%2Findex.action"
				       "&permissionViolation=true\r\n", NULL, 0, head);
	} else if ((!strcmp(p, "/login.action") || !strcmp(p, "/index.action")) && get) {
		ri->status = 200;
		hp_reply(s, 200, HTML_CT, extra, login_page, sizeof(login_page) - 1, head);
	} else if (!strcmp(p, "/dologin.action")) {
		ri->status = 200;
		hp_reply(s, 200, HTML_CT, extra, login_page, sizeof(login_page) - 1, head);
	} else {
		static const char nf[] = "<html><head><title>Page Not Found - Confluence</title></head>"
					 "<body><h1>Page Not Found</h1></body></html>\n";
		ri->status = 404;
		hp_reply(s, 404, HTML_CT, extra, nf, sizeof(nf) - 1, head);
	}
}
