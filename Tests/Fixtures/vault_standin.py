#!/usr/bin/env python3
"""A STAND-IN for HashiCorp Vault's KV secrets engine, for Lifeboat's tests only.

No Vault server can be installed on the machines these tests run on, so this small
server speaks the part of Vault's HTTP API that the Nuts node and Lifeboat use,
following Vault's documented behaviour (developer.hashicorp.com/vault/api-docs):

- every request needs the `X-Vault-Token` header; a missing or wrong token gets
  `403 {"errors": ["permission denied"]}`;
- `GET /v1/auth/token/lookup-self` answers `200 {"data": {...token info...}}`;
- KV version 1 mounts (`--mount kv=1`): `GET /v1/<mount>/<path>` -> `{"data": {...}}`,
  `PUT`/`POST` stores the JSON body as the secret (204), `DELETE` (204), listing with
  `GET ...?list=true` or the `LIST` method -> `{"data": {"keys": [...]}}` where folders
  end in `/`; a missing secret or an empty folder answers `404 {"errors": []}`;
- KV version 2 mounts (`--mount secret=2`): `/v1/<mount>/data/<path>` reads
  `{"data": {"data": {...}, "metadata": {...}}}` and writes `{"data": {...}}` (200 with
  the new version), listing under `/v1/<mount>/metadata/<path>?list=true`;
- an unknown mount answers `404 {"errors": ["no handler for route ..."]}`.

It prints `PORT <n>` on its first stdout line, then serves until killed. It never logs
request bodies (they hold private keys).
"""
import argparse
import json
import sys
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit, parse_qs

MOUNTS = {}  # mount -> version
STORE = {}  # (mount, path) -> {"data": dict, "version": int}
TOKEN = ""


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # quiet: no request lines in test output
        pass

    def reply(self, status, body=None):
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        if body is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        return json.loads(raw) if raw else {}

    def handle_any(self, method):
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        if self.headers.get("X-Vault-Token") != TOKEN:
            return self.reply(403, {"errors": ["permission denied"]})
        path = unquote(parts.path)
        if not path.startswith("/v1/"):
            return self.reply(404, {"errors": []})
        path = path[len("/v1/"):]
        if path == "auth/token/lookup-self" and method == "GET":
            return self.reply(200, {"data": {"id": "redacted", "policies": ["default"], "ttl": 0, "renewable": False}})
        mount, _, rest = path.partition("/")
        if mount not in MOUNTS:
            return self.reply(404, {"errors": ['no handler for route "%s". route entry not found.' % path]})
        listing = method == "LIST" or (method == "GET" and query.get("list", [""])[0] == "true")
        if MOUNTS[mount] == 1:
            return self.kv1(method, mount, rest, listing)
        return self.kv2(method, mount, rest, listing)

    def list_keys(self, mount, folder):
        folder = folder.rstrip("/")
        prefix = folder + "/" if folder else ""
        keys = set()
        for (m, p) in STORE:
            if m != mount or not p.startswith(prefix):
                continue
            rest = p[len(prefix):]
            head, slash, _ = rest.partition("/")
            keys.add(head + "/" if slash else head)
        if not keys:
            return self.reply(404, {"errors": []})
        return self.reply(200, {"request_id": str(uuid.uuid4()), "data": {"keys": sorted(keys)}})

    def kv1(self, method, mount, path, listing):
        if listing:
            return self.list_keys(mount, path)
        if method == "GET":
            entry = STORE.get((mount, path))
            if entry is None:
                return self.reply(404, {"errors": []})
            return self.reply(200, {"request_id": str(uuid.uuid4()), "lease_duration": 2764800, "renewable": False,
                                    "data": entry["data"]})
        if method in ("PUT", "POST"):
            data = self.body()
            if not isinstance(data, dict) or not data:
                return self.reply(400, {"errors": ["missing data"]})
            STORE[(mount, path)] = {"data": data, "version": 1}
            return self.reply(204)
        if method == "DELETE":
            STORE.pop((mount, path), None)
            return self.reply(204)
        return self.reply(405, {"errors": ["unsupported operation"]})

    def kv2(self, method, mount, path, listing):
        kind, _, sub = path.partition("/")
        if kind == "metadata" and listing:
            return self.list_keys(mount, sub)
        if kind != "data":
            return self.reply(404, {"errors": []})
        if method == "GET":
            entry = STORE.get((mount, sub))
            if entry is None:
                return self.reply(404, {"errors": []})
            metadata = {"version": entry["version"], "created_time": entry["created"], "deletion_time": "", "destroyed": False}
            return self.reply(200, {"request_id": str(uuid.uuid4()), "data": {"data": entry["data"], "metadata": metadata}})
        if method in ("PUT", "POST"):
            body = self.body()
            if not isinstance(body.get("data"), dict):
                return self.reply(400, {"errors": ["no data provided"]})
            version = STORE.get((mount, sub), {"version": 0})["version"] + 1
            created = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            STORE[(mount, sub)] = {"data": body["data"], "version": version, "created": created}
            return self.reply(200, {"data": {"version": version, "created_time": created, "destroyed": False}})
        return self.reply(405, {"errors": ["unsupported operation"]})

    def do_GET(self):
        self.handle_any("GET")

    def do_PUT(self):
        self.handle_any("PUT")

    def do_POST(self):
        self.handle_any("POST")

    def do_DELETE(self):
        self.handle_any("DELETE")

    def do_LIST(self):
        self.handle_any("LIST")


def main():
    global TOKEN
    parser = argparse.ArgumentParser(description="Vault KV stand-in for tests")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--token", required=True)
    parser.add_argument("--mount", action="append", default=[], help="NAME=VERSION, e.g. kv=1 or secret=2")
    args = parser.parse_args()
    TOKEN = args.token
    for spec in args.mount or ["kv=1"]:
        name, _, version = spec.partition("=")
        MOUNTS[name] = int(version or "1")
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    print("PORT %d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
