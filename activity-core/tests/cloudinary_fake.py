#!/usr/bin/env python3
"""A loopback stand-in for Cloudinary's upload, destroy, Admin (resources) and delivery APIs.

Cloudinary's cloud cannot run here, so the storage tests talk to this server instead. It checks
what the real service checks: the API key, and each request's signature computed per Cloudinary's
documentation (parameters except file, cloud_name, resource_type and api_key, sorted, joined as
k=v&k=v, API secret appended, SHA-1 hex); the Admin API's Basic authentication; the expiry of
signed download URLs. A request with a wrong signature gets HTTP 401 and stores nothing.

Delivery types, as Cloudinary has them: an asset uploaded with `type=authenticated` (or
`private`) is not served by the public delivery URL `/<cloud>/image/upload/<id>.<fmt>` (401), nor
by `/<cloud>/image/authenticated/<id>.<fmt>` without a valid `s--<signature>--` component; only a
signed download URL with the matching `type` or a signed delivery URL serves it.

    python3 cloudinary_fake.py --port 0 --cloud demo --key 1234 --secret s3cr3t [--page 2]

Prints `port=<port>` once listening. `--page N` caps list pages at N items, to exercise paging.
"""
import argparse
import base64
import email.parser
import hashlib
import http.server
import json
import threading
import time
import urllib.parse

FILES = {}  # public_id -> (bytes, format, created_at, type)
LOCK = threading.Lock()


def sign(params, secret):
    items = sorted((k, v) for k, v in params.items()
                   if k not in ("file", "cloud_name", "resource_type", "api_key", "signature") and v != "")
    joined = "&".join(f"{k}={v}" for k, v in items)
    return hashlib.sha1((joined + secret).encode()).hexdigest()


class Handler(http.server.BaseHTTPRequestHandler):
    cfg = None

    def log_message(self, *a):
        pass

    def reply(self, status, body, ctype="application/json"):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def error(self, status, message):
        self.reply(status, {"error": {"message": message}})

    def api_prefix(self):
        return f"/v1_1/{self.cfg.cloud}/"

    def check_signature(self, params):
        if params.get("api_key") != self.cfg.key:
            self.error(401, "Invalid api_key")
            return False
        if params.get("signature") != sign(params, self.cfg.secret):
            self.error(401, "Invalid Signature")
            return False
        return True

    def check_basic(self):
        want = "Basic " + base64.b64encode(f"{self.cfg.key}:{self.cfg.secret}".encode()).decode()
        if self.headers.get("Authorization") != want:
            self.error(401, "Invalid credentials")
            return False
        return True

    @staticmethod
    def resource(pid, entry):
        data, fmt, created, kind = entry
        return {"public_id": pid, "format": fmt, "bytes": len(data), "resource_type": "image", "type": kind,
                "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(created))}

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        path = urllib.parse.urlparse(self.path).path
        ctype = self.headers.get("Content-Type", "")
        if path == self.api_prefix() + "image/upload":
            msg = email.parser.BytesParser().parsebytes(b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + body)
            params, file_bytes, file_name = {}, None, ""
            for part in msg.get_payload():
                name = part.get_param("name", header="content-disposition")
                if name == "file":
                    file_bytes = part.get_payload(decode=True)
                    file_name = part.get_filename() or ""
                else:
                    params[name] = part.get_payload(decode=True).decode()
            if not self.check_signature(params):
                return
            if file_bytes is None or "public_id" not in params:
                return self.error(400, "Missing file or public_id")
            fmt = file_name.rsplit(".", 1)[-1].lower() if "." in file_name else "jpg"
            with LOCK:
                FILES[params["public_id"]] = (file_bytes, fmt, time.time(), params.get("type", "upload"))
                entry = FILES[params["public_id"]]
            return self.reply(200, self.resource(params["public_id"], entry))
        if path == self.api_prefix() + "image/destroy":
            params = dict(urllib.parse.parse_qsl(body.decode(), keep_blank_values=True))
            if not self.check_signature(params):
                return
            with LOCK:
                entry = FILES.get(params.get("public_id", ""))
                found = entry is not None and entry[3] == params.get("type", "upload")
                if found:
                    del FILES[params["public_id"]]
            return self.reply(200, {"result": "ok" if found else "not found"})
        self.error(404, "no such endpoint")

    def do_GET(self):
        u = urllib.parse.urlparse(self.path)
        q = dict(urllib.parse.parse_qsl(u.query, keep_blank_values=True))
        for kind in ("upload", "authenticated", "private"):
            res = self.api_prefix() + "resources/image/" + kind
            if u.path == res or u.path.startswith(res + "/"):
                return self.admin(u, q, res, kind)
        if u.path == self.api_prefix() + "image/download":
            if not self.check_signature(q):
                return
            if int(q.get("expires_at", "0")) <= time.time():
                return self.error(401, "URL expired")
            with LOCK:
                entry = FILES.get(q.get("public_id", ""))
            if not entry or entry[1] != q.get("format") or entry[3] != q.get("type", "upload"):
                return self.error(404, "Resource not found")
            return self.reply(200, entry[0], "application/octet-stream")
        delivery = f"/{self.cfg.cloud}/image/"
        if u.path.startswith(delivery):
            kind, _, rest = u.path[len(delivery):].partition("/")
            signature = None
            if rest.startswith("s--"):
                signature, _, rest = rest[3:].partition("--/")
            name = urllib.parse.unquote(rest)
            pid, _, fmt = name.rpartition(".")
            with LOCK:
                entry = FILES.get(pid)
            if not entry or entry[1] != fmt:
                return self.error(404, "Resource not found")
            if entry[3] != kind:
                # A private or authenticated asset is not served at its public address.
                return self.error(401, "Resource is not public")
            if kind != "upload":
                want = base64.urlsafe_b64encode(
                    hashlib.sha1((name + self.cfg.secret).encode()).digest()).decode()[:8]
                if signature != want:
                    return self.error(401, "Missing or wrong delivery signature")
            return self.reply(200, entry[0], "image/" + fmt)
        self.error(404, "no such endpoint")

    def admin(self, u, q, res, kind):
        if u.path == res:
            if not self.check_basic():
                return
            prefix = q.get("prefix", "")
            with LOCK:
                ids = sorted(p for p in FILES if p.startswith(prefix) and FILES[p][3] == kind)
                start = int(q.get("next_cursor") or 0)
                n = min(int(q.get("max_results", 10)), self.cfg.page)
                page = [self.resource(p, FILES[p]) for p in ids[start:start + n]]
            out = {"resources": page}
            if start + n < len(ids):
                out["next_cursor"] = str(start + n)
            return self.reply(200, out)
        if u.path.startswith(res + "/"):
            if not self.check_basic():
                return
            pid = urllib.parse.unquote(u.path[len(res) + 1:])
            with LOCK:
                entry = FILES.get(pid)
            if entry and entry[3] == kind:
                return self.reply(200, self.resource(pid, entry))
            return self.error(404, "Resource not found")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--cloud", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--secret", required=True)
    ap.add_argument("--page", type=int, default=500)
    cfg = ap.parse_args()
    Handler.cfg = cfg
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", cfg.port), Handler)
    print(f"port={srv.server_address[1]}", flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
