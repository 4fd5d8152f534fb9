/*
 * detect_docker.c — abuse of the Docker Engine API, from HTTP requests on
 * any port.
 *
 * A request is a Docker API call when its path is one (an optional
 * "/vN.N" version prefix, then /_ping, /containers/..., /images/...,
 * /exec/..., /info, /version, ...). Then:
 *   api-external (low)   any Docker API request from a source outside
 *                        net.home_net, once per flow;
 *   container-create     POST /containers/create whose JSON body (jansson)
 *                        asks for the host: a bind or mount of the host
 *                        root ("/:/mnt", Mounts Source "/"), Privileged,
 *                        PidMode/NetworkMode/IpcMode/UTSMode "host", CapAdd
 *                        SYS_ADMIN/ALL/SYS_MODULE/SYS_PTRACE — high; critical
 *                        with a download-and-run or chroot command, or from
 *                        outside home_net. A command that downloads and runs
 *                        code alone is high;
 *   image-pull           POST /images/create?fromImage=... from outside
 *                        home_net (medium), high when the same flow also
 *                        creates containers;
 *   exec                 POST /containers/<id>/exec whose Cmd is a shell
 *                        (medium; high from outside home_net) or a download-
 *                        and-run / chroot command (critical).
 * Evidence: image, binds/mounts, privileges, the command, the frame.
 * A docker CLI creating an ordinary container inside home_net is silent.
 *
 * Threading: stateless apart from the flow's once-only flags.
 */
#include "core/compat.h"
#include "net/internal.h"

#include <jansson.h>

#define CMD_MAX 1024

static const struct mm_rule_meta meta_external = {
	.id = "mamori.net.docker.api-external",
	.name = "Docker Engine API used from outside HOME_NET",
	.engine = "net",
	.ruleset = "builtin",
	.category = "exposure",
	.level = MM_LEVEL_LOW,
	.description = "A Docker Engine API request from an address outside net.home_net: "
		       "the API is exposed to strangers (how cryptojacking crews find hosts).",
	.techniques = { "T1610" },
	.tactics = { "execution" },
};

static const struct mm_rule_meta meta_create = {
	.id = "mamori.net.docker.container-create",
	.name = "Docker container created with access to the host",
	.engine = "net",
	.ruleset = "builtin",
	.category = "container-abuse",
	.level = MM_LEVEL_HIGH,
	.description = "POST /containers/create with a host-root bind or mount, Privileged, "
		       "host namespaces, dangerous capabilities, or a download-and-run command.",
	.techniques = { "T1610", "T1611" },
	.tactics = { "execution", "privilege-escalation" },
};

static const struct mm_rule_meta meta_pull = {
	.id = "mamori.net.docker.image-pull",
	.name = "Docker image pulled through the API from outside HOME_NET",
	.engine = "net",
	.ruleset = "builtin",
	.category = "container-abuse",
	.level = MM_LEVEL_MEDIUM,
	.description = "POST /images/create?fromImage=... from an address outside net.home_net.",
	.techniques = { "T1610" },
	.tactics = { "execution" },
};

static const struct mm_rule_meta meta_exec = {
	.id = "mamori.net.docker.exec",
	.name = "Shell or download-and-run command executed in a container through the API",
	.engine = "net",
	.ruleset = "builtin",
	.category = "container-abuse",
	.level = MM_LEVEL_HIGH,
	.description = "POST /containers/<id>/exec running a shell, or a command that downloads "
		       "and runs code or chroots into the host's filesystem.",
	.techniques = { "T1610", "T1611" },
	.tactics = { "execution", "privilege-escalation" },
};

int detect_docker_register(struct mm_catalogue *cat)
{
	const struct mm_rule_meta *all[] = { &meta_external, &meta_create, &meta_pull, &meta_exec };
	for (size_t i = 0; i < MM_ARRAY_SIZE(all); i++) {
		int rc = mm_catalogue_add(cat, all[i], NULL);
		if (rc && rc != MM_EEXIST)
			return rc;
	}
	return 0;
}

#define FLAG_CREATED 0x100

static bool starts(struct mm_slice s, const char *p)
{
	size_t n = strlen(p);
	return s.len >= n && !memcmp(s.ptr, p, n);
}

/* Strips "/vN.N" and returns the rest of the path. */
static struct mm_slice api_path(struct mm_slice p, bool *versioned)
{
	*versioned = false;
	if (p.len >= 5 && p.ptr[0] == '/' && (p.ptr[1] == 'v' || p.ptr[1] == 'V')) {
		size_t i = 2, digits = 0;
		while (i < p.len && p.ptr[i] >= '0' && p.ptr[i] <= '9')
			i++, digits++;
		if (digits && i < p.len && p.ptr[i] == '.') {
			i++;
			size_t d2 = 0;
			while (i < p.len && p.ptr[i] >= '0' && p.ptr[i] <= '9')
				i++, d2++;
			if (d2 && (i == p.len || p.ptr[i] == '/')) {
				*versioned = true;
				p.ptr += i;
				p.len -= i;
			}
		}
	}
	return p;
}

static bool is_docker_api(struct mm_slice rest, bool versioned)
{
	static const char *const roots[] = { "/containers/", "/images/", "/exec/", "/networks",
					     "/volumes", "/swarm", "/services", "/nodes",
					     "/secrets", "/plugins", "/system/", "/build",
					     "/session", "/distribution/", NULL };
	if (net_slice_ieq(rest, "/_ping"))
		return true;
	if (starts(rest, "/containers/") || starts(rest, "/images/create") || starts(rest, "/exec/"))
		return true;
	if (!versioned)
		return false;
	if (net_slice_ieq(rest, "/info") || net_slice_ieq(rest, "/version") ||
	    net_slice_ieq(rest, "/events"))
		return true;
	for (size_t i = 0; roots[i]; i++) {
		if (starts(rest, roots[i]))
			return true;
	}
	return false;
}

/* Joins a Cmd/Entrypoint (array or string) into out. */
static void join_cmd(json_t *v, char *out, size_t cap)
{
	size_t n = strlen(out);
	if (json_is_string(v)) {
		snprintf(out + n, cap - n, "%s%s", n ? " " : "", json_string_value(v));
		return;
	}
	if (!json_is_array(v))
		return;
	size_t i;
	json_t *e;
	json_array_foreach(v, i, e)
	{
		n = strlen(out);
		if (json_is_string(e) && n + 1 < cap)
			snprintf(out + n, cap - n, "%s%s", n ? " " : "", json_string_value(e));
	}
}

static bool has(const char *s, const char *needle)
{
	struct mm_slice sl = { (const uint8_t *)s, strlen(s) };
	return net_slice_icontains(sl, needle);
}

/* curl/wget/... piped into a shell or run, or a chroot into a host mount. */
static bool download_and_run(const char *cmd)
{
	bool fetch = has(cmd, "curl ") || has(cmd, "wget ") || has(cmd, "tftp ") ||
		     has(cmd, "/dev/tcp/") || has(cmd, "python -c") || has(cmd, "busybox wget");
	bool run = has(cmd, "| sh") || has(cmd, "|sh") || has(cmd, "| bash") || has(cmd, "|bash") ||
		   has(cmd, "chmod +x") || has(cmd, "chmod 777") || has(cmd, "&& ./") ||
		   has(cmd, "; ./") || has(cmd, "sh -c");
	return (fetch && run) || has(cmd, "chroot /mnt") || has(cmd, "chroot /host") ||
	       has(cmd, "nsenter ");
}

static bool is_shell(const char *cmd)
{
	static const char *const shells[] = { "sh", "bash", "ash", "dash", "zsh", "ksh", NULL };
	const char *first_end = strchr(cmd, ' ');
	size_t n = first_end ? (size_t)(first_end - cmd) : strlen(cmd);
	const char *base = cmd;
	for (size_t i = 0; i < n; i++) {
		if (cmd[i] == '/')
			base = cmd + i + 1;
	}
	size_t bl = (size_t)(cmd + n - base);
	for (size_t i = 0; shells[i]; i++) {
		if (strlen(shells[i]) == bl && !memcmp(base, shells[i], bl))
			return true;
	}
	return false;
}

static void emit(struct app_ctx *ctx, const struct mm_rule_meta *meta, enum mm_level level,
		 const char *family, const char *reason, struct mm_buf *ev)
{
	struct mm_alert a;
	net_alert_fill(&a, ctx, "http");
	a.meta = meta;
	a.has_level = 1;
	a.level = level;
	a.family = family;
	a.reason = reason;
	a.evidence_json = ev->ptr;
	net_alert_emit(ctx, &a);
}

static void begin_ev(struct mm_json *j, struct mm_buf *ev, const struct http_msg *req)
{
	mm_buf_init(ev, 64 * 1024);
	mm_json_init(j, ev);
	mm_json_object_begin(j, NULL);
	mm_json_strn(j, "method", req->method.ptr, req->method.len);
	mm_json_strn(j, "uri", req->uri.ptr, req->uri.len);
	mm_json_uint(j, "frame", req->frame_last);
}

static bool host_root(const char *src)
{
	return !strcmp(src, "/") || !strcmp(src, "/.") || !strcmp(src, "//");
}

static void container_create(struct app_ctx *ctx, const struct http_msg *req, bool external)
{
	json_error_t err;
	json_t *root = req->body.len ? json_loadb((const char *)req->body.ptr, req->body.len, 0, &err)
				     : NULL;
	if (!root)
		return;
	json_t *hc = json_object_get(root, "HostConfig");
	char cmd[CMD_MAX] = "";
	char why[512] = "";
	bool rootbind = false, priv = false, ns = false, caps = false;
	json_t *binds = hc ? json_object_get(hc, "Binds") : NULL;
	json_t *mounts = hc ? json_object_get(hc, "Mounts") : NULL;
	size_t i;
	json_t *e;
	join_cmd(json_object_get(root, "Entrypoint"), cmd, sizeof(cmd));
	join_cmd(json_object_get(root, "Cmd"), cmd, sizeof(cmd));
	if (json_is_array(binds)) {
		json_array_foreach(binds, i, e)
		{
			if (!json_is_string(e))
				continue;
			char src[256];
			snprintf(src, sizeof(src), "%s", json_string_value(e));
			char *colon = strchr(src, ':');
			if (colon)
				*colon = 0;
			if (host_root(src))
				rootbind = true;
		}
	}
	if (json_is_array(mounts)) {
		json_array_foreach(mounts, i, e)
		{
			json_t *s = json_object_get(e, "Source");
			if (json_is_string(s) && host_root(json_string_value(s)))
				rootbind = true;
		}
	}
	if (hc && json_is_true(json_object_get(hc, "Privileged")))
		priv = true;
	static const char *const modes[] = { "PidMode", "NetworkMode", "IpcMode", "UTSMode", NULL };
	for (size_t k = 0; hc && modes[k]; k++) {
		json_t *m = json_object_get(hc, modes[k]);
		if (json_is_string(m) && !strcmp(json_string_value(m), "host"))
			ns = true;
	}
	json_t *cap = hc ? json_object_get(hc, "CapAdd") : NULL;
	if (json_is_array(cap)) {
		json_array_foreach(cap, i, e)
		{
			const char *c = json_string_value(e);
			if (c && (has(c, "SYS_ADMIN") || !strcmp(c, "ALL") || has(c, "SYS_MODULE") ||
				  has(c, "SYS_PTRACE")))
				caps = true;
		}
	}
	bool dl = cmd[0] && download_and_run(cmd);
	bool hostish = rootbind || priv || ns || caps;
	if (!hostish && !dl) {
		json_decref(root);
		return;
	}
	enum mm_level level = MM_LEVEL_HIGH;
	if (hostish && (dl || external || (rootbind && priv)))
		level = MM_LEVEL_CRITICAL;
	snprintf(why, sizeof(why), "container create%s%s%s%s%s", rootbind ? " with the host root mounted" : "",
		 priv ? ", privileged" : "", ns ? ", host namespaces" : "",
		 caps ? ", dangerous capabilities" : "", dl ? ", download-and-run command" : "");

	struct mm_buf ev;
	struct mm_json j;
	begin_ev(&j, &ev, req);
	json_t *img = json_object_get(root, "Image");
	if (json_is_string(img))
		mm_json_str(&j, "image", json_string_value(img));
	if (json_is_array(binds) && json_array_size(binds)) {
		mm_json_array_begin(&j, "binds");
		json_array_foreach(binds, i, e)
		{
			if (json_is_string(e) && i < 16)
				mm_json_str(&j, NULL, json_string_value(e));
		}
		mm_json_array_end(&j);
	}
	if (json_is_array(mounts) && json_array_size(mounts)) {
		mm_json_array_begin(&j, "mount_sources");
		json_array_foreach(mounts, i, e)
		{
			json_t *s = json_object_get(e, "Source");
			if (json_is_string(s) && i < 16)
				mm_json_str(&j, NULL, json_string_value(s));
		}
		mm_json_array_end(&j);
	}
	mm_json_bool(&j, "privileged", priv);
	mm_json_bool(&j, "host_namespaces", ns);
	mm_json_bool(&j, "dangerous_caps", caps);
	if (cmd[0])
		mm_json_str(&j, "command", cmd);
	mm_json_bool(&j, "external_source", external);
	mm_json_object_end(&j);
	if (mm_json_finish(&j) == 0)
		emit(ctx, &meta_create, level, "docker-abuse", why, &ev);
	mm_buf_release(&ev);
	json_decref(root);
}

static void container_exec(struct app_ctx *ctx, const struct http_msg *req, bool external)
{
	json_error_t err;
	json_t *root = req->body.len ? json_loadb((const char *)req->body.ptr, req->body.len, 0, &err)
				     : NULL;
	if (!root)
		return;
	char cmd[CMD_MAX] = "";
	join_cmd(json_object_get(root, "Cmd"), cmd, sizeof(cmd));
	bool dl = cmd[0] && download_and_run(cmd);
	bool sh = cmd[0] && is_shell(cmd);
	if (dl || sh) {
		enum mm_level level = dl ? MM_LEVEL_CRITICAL : external ? MM_LEVEL_HIGH : MM_LEVEL_MEDIUM;
		struct mm_buf ev;
		struct mm_json j;
		char why[CMD_MAX + 64];
		begin_ev(&j, &ev, req);
		mm_json_str(&j, "command", cmd);
		mm_json_bool(&j, "external_source", external);
		mm_json_object_end(&j);
		snprintf(why, sizeof(why), "exec in a container: %s%s", cmd,
			 dl ? " (download-and-run)" : "");
		if (mm_json_finish(&j) == 0)
			emit(ctx, &meta_exec, level, "docker-abuse", why, &ev);
		mm_buf_release(&ev);
	}
	json_decref(root);
}

static void image_pull(struct app_ctx *ctx, const struct http_msg *req, bool created)
{
	char image[256] = "";
	struct mm_slice q = req->query;
	for (size_t i = 0; i + 10 <= q.len; i++) {
		if ((i == 0 || q.ptr[i - 1] == '&') && !memcmp(q.ptr + i, "fromImage=", 10)) {
			size_t k = i + 10, n = 0;
			while (k < q.len && q.ptr[k] != '&' && n + 1 < sizeof(image))
				image[n++] = (char)q.ptr[k++];
			image[n] = 0;
			break;
		}
	}
	if (!image[0])
		return;
	struct mm_buf ev;
	struct mm_json j;
	char why[400];
	begin_ev(&j, &ev, req);
	mm_json_str(&j, "image", image);
	mm_json_object_end(&j);
	snprintf(why, sizeof(why), "image %s pulled through the Docker API from outside HOME_NET",
		 image);
	if (mm_json_finish(&j) == 0)
		emit(ctx, &meta_pull, created ? MM_LEVEL_HIGH : MM_LEVEL_MEDIUM, "docker-abuse", why,
		     &ev);
	mm_buf_release(&ev);
}

void detect_docker_http(struct app_ctx *ctx, const struct http_msg *req,
			const struct http_msg *resp)
{
	if (resp || !req || !req->is_request)
		return;
	bool versioned;
	struct mm_slice rest = api_path(req->path, &versioned);
	if (!is_docker_api(rest, versioned))
		return;
	bool external = !ctx->info->src_in_home_net;
	struct net_flow *f = ctx->flow;
	if (external && f && !(f->detect_flags & NET_DETECT_DOCKER_EXTERNAL)) {
		f->detect_flags |= NET_DETECT_DOCKER_EXTERNAL;
		struct mm_buf ev;
		struct mm_json j;
		begin_ev(&j, &ev, req);
		struct mm_slice ua = http_msg_header(req, "User-Agent");
		if (ua.len)
			mm_json_strn(&j, "user_agent", ua.ptr, ua.len);
		mm_json_object_end(&j);
		if (mm_json_finish(&j) == 0)
			emit(ctx, &meta_external, MM_LEVEL_LOW, "docker-api",
			     "Docker Engine API request from outside HOME_NET", &ev);
		mm_buf_release(&ev);
	}
	if (!net_slice_ieq(req->method, "POST"))
		return;
	if (net_slice_ieq(rest, "/containers/create")) {
		if (f)
			f->detect_flags |= FLAG_CREATED;
		container_create(ctx, req, external);
	} else if (starts(rest, "/containers/") && rest.len > 5 &&
		   net_slice_ieq((struct mm_slice){ rest.ptr + rest.len - 5, 5 }, "/exec")) {
		container_exec(ctx, req, external);
	} else if (starts(rest, "/images/create") && external) {
		image_pull(ctx, req, f && (f->detect_flags & FLAG_CREATED));
	}
}
