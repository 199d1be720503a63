#!/usr/bin/env python3
"""A STAND-IN for a Splice validator app's participant identities endpoint, for Lifeboat's tests only.

No Canton participant or Splice validator can run on the machines these tests run on, so
this server imitates the one endpoint Lifeboat calls, following the Splice validator's
documented admin API and data shapes:

- `GET /api/validator/v0/admin/participant/identities` with `Authorization: Bearer <token>`
  returns a `NodeIdentitiesDump`: `id` (`PAR::<name>::<namespace fingerprint>`), `keys`
  (each `{keyPair: base64, name}`; KMS keys as `{type, keyId, name}`), and either
  `authorizedStoreSnapshot` (base64, current validators) or `bootstrapTxs` (a list of
  base64 topology transactions, older validators), plus `version`;
- a missing or wrong bearer token gets 401;
- the OAuth client-credentials grant: `POST /oauth/token` (form-encoded `grant_type`,
  `client_id`, `client_secret`) returns `{"access_token", "token_type": "Bearer", ...}`,
  or 401 `{"error": "invalid_client"}`.

Each `keyPair` is shaped like Canton's export: an `UntypedVersionedMessage {bytes data = 1;
int32 version = 2}` around a `CryptoKeyPair {SigningKeyPair signing_key_pair = 1 |
EncryptionKeyPair encryption_key_pair = 2}` whose pair holds `public_key = 1` and
`private_key = 2`. Key bytes are random.

Modes (`--mode`): `authorized` (default), `bootstrap`, `kms`, `notfound` (the endpoint
answers 404, as seen after an upgrade), `emptykeys` (`keys: []`), `noid`, `badkey`
(a keyPair that is not base64). `--dump-out FILE` writes the served dump and the
private key bytes (hex) for the test's byte scan. Prints `PORT <n>` first.
"""
import argparse
import base64
import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

PATH = "/api/validator/v0/admin/participant/identities"


def varint(n):
    out = b""
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out += bytes([byte | 0x80])
        else:
            return out + bytes([byte])


def field(number, payload):
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def key_pair(kind):
    """A versioned CryptoKeyPair with random key bytes; returns (bytes, private bytes)."""
    private = os.urandom(48)
    public = os.urandom(32)
    public_message = field(1, b"\x30\x2a" + public) + bytes([0x10, 0x01])
    private_message = field(1, private) + bytes([0x10, 0x01])
    pair = field(1, public_message) + field(2, private_message)
    crypto_key_pair = field(1 if kind == "signing" else 2, pair)
    versioned = field(1, crypto_key_pair) + bytes([0x10, 0x01])
    return versioned, private


def make_dump(mode):
    private_keys = []
    keys = []
    for name, kind in (("namespace", "signing"), ("signing", "signing"), ("encryption", "encryption")):
        data, private = key_pair(kind)
        private_keys.append(private.hex())
        keys.append({"keyPair": base64.b64encode(data).decode(), "name": name})
    dump = {"id": "PAR::validator-1::1220" + os.urandom(32).hex(), "keys": keys, "version": "0.3.20"}
    if mode == "bootstrap":
        dump["bootstrapTxs"] = [base64.b64encode(os.urandom(120)).decode() for _ in range(3)]
    else:
        dump["authorizedStoreSnapshot"] = base64.b64encode(os.urandom(400)).decode()
    if mode == "kms":
        dump["keys"].append({"type": "signing", "keyId": "1220" + os.urandom(32).hex(), "name": "kms-signing"})
    if mode == "emptykeys":
        dump["keys"] = []
    if mode == "noid":
        del dump["id"]
    if mode == "badkey":
        dump["keys"][1]["keyPair"] = "this is not base64!"
    return dump, private_keys


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):
        pass

    def reply(self, status, body, content_type="application/json"):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path.split("?")[0] != PATH or self.server.mode == "notfound":
            return self.reply(404, b"The requested resource could not be found.", "text/plain")
        if self.headers.get("Authorization") != "Bearer " + self.server.token:
            return self.reply(401, b"invalid token", "text/plain")
        self.reply(200, self.server.dump_bytes)

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        form = parse_qs(self.rfile.read(length).decode())
        if self.path != "/oauth/token":
            return self.reply(404, b"not found", "text/plain")
        if form.get("grant_type") != ["client_credentials"]:
            return self.reply(400, {"error": "unsupported_grant_type"})
        if form.get("client_id") != [self.server.client_id] or form.get("client_secret") != [self.server.client_secret]:
            return self.reply(401, {"error": "invalid_client"})
        self.reply(200, {"access_token": self.server.token, "token_type": "Bearer", "expires_in": 3600})


def main():
    parser = argparse.ArgumentParser(description="Splice identities endpoint stand-in for tests")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--token", required=True)
    parser.add_argument("--mode", default="authorized",
                        choices=["authorized", "bootstrap", "kms", "notfound", "emptykeys", "noid", "badkey"])
    parser.add_argument("--client-id", default="lifeboat")
    parser.add_argument("--client-secret", default="")
    parser.add_argument("--dump-out")
    args = parser.parse_args()
    dump, private_keys = make_dump(args.mode)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.mode = args.mode
    server.token = args.token
    server.client_id = args.client_id
    server.client_secret = args.client_secret
    server.dump_bytes = json.dumps(dump).encode()
    if args.dump_out:
        with open(args.dump_out, "w") as out:
            json.dump({"dump": dump, "privateKeys": private_keys}, out)
    print("PORT %d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
