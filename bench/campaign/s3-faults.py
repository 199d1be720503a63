#!/usr/bin/env python3
"""S3 fault campaign: lifeboat backs up, restores, forgets, prunes and copies through a
fault-injecting HTTP proxy in front of moto_server; every operation must either succeed with
correct results or fail with one clear error line, and nothing that was reported saved may
be lost.

Set-up
------
moto_server (from the venv, `LIFEBOAT_VENV`) on a free 127.0.0.1 port, and a threaded
HTTP/1.1 proxy of this script's own on another, between lifeboat and moto. The proxy keeps
connections alive as lifeboat's client does, forwards each request to moto over a
connection of its own, and fails a seeded share (`--rate`, 20 %) of the requests, the kind
drawn uniformly from:

  500           reads the request, answers 500 InternalError (S3 XML error body), not forwarded
  503           the same with 503 SlowDown
  reset-before  reads the request, forwards it to moto or not (half each), then resets the
                connection (TCP RST) before sending a byte of the answer
  reset-mid     resets in the middle of a body: half of the request body read (requests with a
                body, half of the time), or the request forwarded and half of the answer
                (its body, else its head) sent before the reset
  stall         reads the request, forwards it or not (half each), then holds the connection
                without a byte of answer for longer than lifeboat's per-request timeout,
                then closes it
  truncated     forwards the request, sends the answer's head with its full Content-Length but
                only part of the body, then closes cleanly (FIN); an answer without a body gets
                a Content-Length of 64 it never delivers, a HEAD answer half of its head

Lifeboat's per-request timeout is S3Configuration.requestTimeout (120 s by default), set for
the CLI by LIFEBOAT_S3_REQUEST_TIMEOUT (seconds). The campaign sets it to `--request-timeout`
(2 s) for every proxied run and stalls for `--stall` (request timeout + 1.5 s). A binary
without that variable would make each stall cost 120 s; the script checks and stops.

Trials
------
Each trial gets a fresh prefix in a fresh bucket (moto reset), a dataset of `--size-mb` (64)
MB under DIR/src (a few random files, one a copy of another so they share content, a text
log, small config files) and runs `--ops-per-trial` operations, all through the proxy:

  init, backup, backup, then drawn: backup (after mutating the dataset: pages overwritten in
  place, the log appended, a config rewritten, files added, removed or copied), restore of a
  random earlier snapshot, forget --keep-last N (sometimes with --prune), prune, copy (all
  or one snapshot into a second S3 repository, initialised directly on moto)

Assertions per operation
------------------------
Outcome: exit 0 with correct results (a restore bit for bit; a backup's snapshot id), or a
non-zero exit (1) with exactly one stderr line `lifeboat: error: ...` that names S3 or the
endpoint (restore, which goes on with the other files when one fails, prints one such line a
file it could not restore and then `N file(s) were not restored`); anything else (a signal, a Swift fatal error, no exit within `--op-timeout`, other
output, another exit code, exit 0 with wrong results) is a bad outcome.
State, through moto directly (no proxy): `check --read-data` exits 0 (plain `check` after a
restore and for a copy's source, which write nothing to the repository); every snapshot that
was reported created and not forgotten is listed; every listed snapshot is one the campaign
took (no unknown or half snapshot: a snapshot a failed backup still wrote is accepted when it
restores bit for bit, and counted); the snapshots the operation made or could have damaged
(backup: the new one; forget and prune: every one left; copy: the target's) restore bit for
bit, SHA-256 of every file against the source as it was when that backup ran. After a failed
restore, every file left under its final name is bit-identical. A lost snapshot (missing,
unrestorable or restoring wrong bytes) counts as a loss.

Prints a table: trials, operations, faults injected per kind, outcomes per operation,
losses, time; then every bad outcome with its operation and output. Exit 1 on any bad
outcome or loss, 2 when the set-up failed.
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import random
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import (DEFAULT_LIFEBOAT, VENV, Lifeboat, diff_trees, one_line, rmtree,  # noqa: E402
                     tree_hashes, write_random, write_text)

KINDS = ["500", "503", "reset-before", "reset-mid", "stall", "truncated"]
OPS = ["backup", "restore", "forget", "forget-prune", "prune", "copy"]
WEIGHTS = {"backup": 0.36, "restore": 0.26, "forget": 0.08, "forget-prune": 0.06, "prune": 0.10, "copy": 0.14}
MOTO = os.path.join(VENV, "bin", "moto_server")
S3NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"
TIMEOUT_VAR = "LIFEBOAT_S3_REQUEST_TIMEOUT"
CRASH_MARKERS = ("Fatal error", "fatal error:", "Stack dump", "Segmentation fault", "Illegal instruction",
                 "Current stack trace", "💣", "SIGSEGV", "SIGILL", "SIGABRT")


# ----------------------------------------------------------------------------- moto

class Moto:
    """moto_server on a free loopback port; requests to it go straight, never through a proxy."""

    def __init__(self, work: str):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.log = open(os.path.join(work, "moto.log"), "wb")
        self.proc = subprocess.Popen([MOTO, "-H", "127.0.0.1", "-p", str(self.port)],
                                     stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        deadline = time.monotonic() + 60
        while True:
            try:
                self.req("GET", "/moto-api/")
                return
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"moto_server ({MOTO}) did not start")
                time.sleep(0.2)

    def req(self, method: str, path: str, data: bytes | None = None) -> bytes:
        r = urllib.request.Request(self.endpoint + path, method=method, data=data)
        with self.opener.open(r, timeout=60) as a:
            return a.read()

    def fresh_bucket(self, bucket: str):
        self.req("POST", "/moto-api/reset")
        self.req("PUT", f"/{bucket}")

    def keys(self, bucket: str, prefix: str) -> dict[str, int]:
        out, token = {}, None
        while True:
            q = {"list-type": "2", "prefix": prefix}
            if token:
                q["continuation-token"] = token
            root = ET.fromstring(self.req("GET", f"/{bucket}?{urllib.parse.urlencode(q)}"))
            for c in root.iter(f"{S3NS}Contents"):
                out[c.findtext(f"{S3NS}Key")] = int(c.findtext(f"{S3NS}Size") or 0)
            token = root.findtext(f"{S3NS}NextContinuationToken")
            if root.findtext(f"{S3NS}IsTruncated") != "true" or not token:
                return out

    def open_uploads(self, bucket: str, prefix: str) -> int:
        root = ET.fromstring(self.req("GET", f"/{bucket}?uploads&prefix={urllib.parse.quote(prefix)}"))
        return len(list(root.iter(f"{S3NS}Upload")))

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


# ----------------------------------------------------------------------------- the proxy

class ClientGone(Exception):
    pass


class FaultProxy:
    """Threaded HTTP/1.1 proxy in front of moto that fails a seeded share of the requests.

    Request number n (in arrival order) gets its fate from the n-th draws of a generator
    seeded with the campaign seed, so the sequence of fates is fixed; which request meets
    which fate depends on the order requests arrive in when several are in flight."""

    def __init__(self, upstream_port: int, rate: float, seed: str, stall_s: float, kinds: list[str]):
        self.upstream_port = upstream_port
        self.rate = rate
        self.stall_s = stall_s
        self.kinds = kinds
        self.rng = random.Random(f"{seed}:proxy")
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.requests = 0
        self.faults: collections.Counter = collections.Counter()    # kind -> n
        self.variants: collections.Counter = collections.Counter()  # "kind/variant" -> n
        self.upstream_errors = 0
        self.conns: set[socket.socket] = set()
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(128)
        self.port = self.listener.getsockname()[1]
        self.endpoint = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self._accept_loop, daemon=True).start()

    def counters(self):
        with self.lock:
            return self.requests, collections.Counter(self.faults), collections.Counter(self.variants)

    def stop(self):
        self.stopping.set()
        try:
            self.listener.close()
        except OSError:
            pass
        with self.lock:
            conns = list(self.conns)
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def _decide(self):
        with self.lock:
            self.requests += 1
            roll, pick, variant = self.rng.random(), self.rng.randrange(len(self.kinds)), self.rng.random()
            if roll >= self.rate:
                return None, variant
            self.faults[self.kinds[pick]] += 1
            return self.kinds[pick], variant

    def _count_variant(self, name: str):
        with self.lock:
            self.variants[name] += 1

    def _accept_loop(self):
        while not self.stopping.is_set():
            try:
                c, _ = self.listener.accept()
            except OSError:
                return
            c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self.lock:
                self.conns.add(c)
            threading.Thread(target=self._serve, args=(c,), daemon=True).start()

    # ------------------------------------------------------------------ one client connection
    def _serve(self, c: socket.socket):
        up: socket.socket | None = None
        buf = bytearray()
        try:
            c.settimeout(600)
            while not self.stopping.is_set():
                head = self._read_head(c, buf)
                if head is None:
                    return
                method, target, headers, want_close = self._parse_head(head)
                length = int(self._header(headers, "content-length") or 0)
                fault, variant = self._decide()
                if fault == "reset-mid" and length >= 2 and variant < 0.5:
                    self._read_exact(c, buf, length // 2)
                    self._count_variant("reset-mid/request body")
                    return self._reset(c)
                body = self._read_exact(c, buf, length)
                if fault in ("500", "503"):
                    code, reason, s3code = (500, "Internal Server Error", "InternalError") if fault == "500" \
                        else (503, "Slow Down", "SlowDown")
                    xml = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{s3code}</Code>'
                           f'<Message>fault injected by the campaign proxy</Message>'
                           f'<RequestId>campaign</RequestId></Error>').encode()
                    resp = (f"HTTP/1.1 {code} {reason}\r\nContent-Type: application/xml\r\n"
                            f"Content-Length: {len(xml)}\r\n\r\n").encode()
                    c.sendall(resp if method == "HEAD" else resp + xml)
                    continue
                forwarded = False
                if fault in ("reset-before", "stall"):
                    if variant < 0.5:
                        up, _ = self._forward(up, head, body, method)
                        forwarded = True
                    self._count_variant(f"{fault}/{'forwarded' if forwarded else 'not forwarded'}")
                    if fault == "stall":
                        self.stopping.wait(self.stall_s)
                        return self._close(c)
                    return self._reset(c)
                up, answer = self._forward(up, head, body, method)
                if answer is None:
                    with self.lock:
                        self.upstream_errors += 1
                    return self._reset(c)
                rhead, rbody = answer
                if fault == "reset-mid":
                    self._count_variant("reset-mid/answer")
                    c.sendall(rhead + rbody[:len(rbody) // 2] if rbody else rhead[:len(rhead) // 2])
                    return self._reset(c)
                if fault == "truncated":
                    if method != "HEAD" and rbody:
                        self._count_variant("truncated/body")
                        c.sendall(rhead + rbody[:self.rng.randrange(len(rbody))])
                    elif method != "HEAD":
                        self._count_variant("truncated/empty body, Content-Length 64")
                        c.sendall(self._set_length(rhead, 64))
                    else:
                        self._count_variant("truncated/HEAD answer head")
                        c.sendall(rhead[:len(rhead) // 2])
                    return self._close(c)
                c.sendall(rhead + rbody)
                if want_close:
                    return self._close(c)
        except (OSError, ClientGone):
            pass
        finally:
            with self.lock:
                self.conns.discard(c)
            for s in (c, up):
                if s is not None:
                    try:
                        s.close()
                    except OSError:
                        pass

    @staticmethod
    def _read_head(c: socket.socket, buf: bytearray) -> bytes | None:
        while True:
            i = buf.find(b"\r\n\r\n")
            if i >= 0:
                head = bytes(buf[:i + 4])
                del buf[:i + 4]
                return head
            if len(buf) > 1 << 20:
                raise ClientGone()
            chunk = c.recv(1 << 16)
            if not chunk:
                if buf:
                    raise ClientGone()
                return None
            buf += chunk

    @staticmethod
    def _read_exact(c: socket.socket, buf: bytearray, n: int) -> bytes:
        while len(buf) < n:
            chunk = c.recv(min(1 << 20, max(1 << 16, n - len(buf))))
            if not chunk:
                raise ClientGone()
            buf += chunk
        out = bytes(buf[:n])
        del buf[:n]
        return out

    @staticmethod
    def _parse_head(head: bytes):
        lines = head.decode("latin-1").split("\r\n")
        method, target, _ = lines[0].split(" ", 2)
        headers = []
        for line in lines[1:]:
            if line:
                k, _, v = line.partition(":")
                headers.append((k.strip(), v.strip()))
        if any(k.lower() == "transfer-encoding" for k, _ in headers):
            raise ClientGone()  # S3 clients send a Content-Length with every body
        conn = FaultProxy._header(headers, "connection") or ""
        return method, target, headers, conn.lower() == "close"

    @staticmethod
    def _header(headers, name: str) -> str | None:
        for k, v in headers:
            if k.lower() == name:
                return v
        return None

    @staticmethod
    def _set_length(rhead: bytes, n: int) -> bytes:
        lines = rhead.decode("latin-1").split("\r\n")
        kept = [l for l in lines[1:] if l and not l.lower().startswith("content-length:")]
        return ("\r\n".join([lines[0]] + kept + [f"Content-Length: {n}", "", ""])).encode("latin-1")

    def _connect(self) -> socket.socket:
        s = socket.create_connection(("127.0.0.1", self.upstream_port), timeout=120)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return s

    def _forward(self, up, head: bytes, body: bytes, method: str):
        """Sends the request to moto (keep-alive, one reconnect); returns (socket, (head, body)) or (socket, None)."""
        for attempt in (0, 1):
            try:
                if up is None:
                    up = self._connect()
                up.sendall(head + body)
                rhead, rbody, closing = self._read_answer(up, method)
                if closing:
                    up.close()
                    up = None  # the next request reconnects
                return up, (rhead, rbody)
            except (OSError, ClientGone, ValueError):
                try:
                    if up is not None:
                        up.close()
                except OSError:
                    pass
                up = None
        return None, None

    def _read_answer(self, up: socket.socket, method: str):
        buf = bytearray()
        head = self._read_head(up, buf)
        if head is None:
            raise ClientGone()
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = []
        for line in lines[1:]:
            if line:
                k, _, v = line.partition(":")
                headers.append((k.strip(), v.strip()))
        te = (self._header(headers, "transfer-encoding") or "").lower()
        if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
            body = b""
        elif "chunked" in te:
            body = bytearray()
            while True:
                while b"\r\n" not in buf:
                    chunk = up.recv(1 << 16)
                    if not chunk:
                        raise ClientGone()
                    buf += chunk
                i = buf.find(b"\r\n")
                size = int(bytes(buf[:i]).split(b";")[0], 16)
                del buf[:i + 2]
                body += self._read_exact(up, buf, size + 2)[:size]
                if size == 0:
                    break
            body = bytes(body)
        elif self._header(headers, "content-length") is not None:
            body = self._read_exact(up, buf, int(self._header(headers, "content-length")))
        else:
            while True:
                chunk = up.recv(1 << 16)
                if not chunk:
                    break
                buf += chunk
            body = bytes(buf)
            up.close()
            raise ValueError("answer without length")  # moto always sends one; reconnect and retry
        keep = [(k, v) for k, v in headers if k.lower() not in ("transfer-encoding", "connection")
                and not (k.lower() == "content-length" and method != "HEAD")]
        if method != "HEAD":
            keep.append(("Content-Length", str(len(body))))
        rhead = "\r\n".join([lines[0]] + [f"{k}: {v}" for k, v in keep] + ["", ""]).encode("latin-1")
        closing = (self._header(headers, "connection") or "").lower() == "close" or lines[0].startswith("HTTP/1.0")
        return rhead, body, closing

    @staticmethod
    def _reset(c: socket.socket):
        try:
            c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            c.close()
        except OSError:
            pass

    @staticmethod
    def _close(c: socket.socket):
        try:
            c.shutdown(socket.SHUT_WR)
            c.close()
        except OSError:
            pass


# ----------------------------------------------------------------------------- the dataset

class Dataset:
    """A few files under DIR/src, some sharing content, changed between backups."""

    def __init__(self, root: str, size_mb: int, rng: random.Random):
        self.src = os.path.join(root, "src")
        self.rng = rng
        self.added = 0
        total = size_mb << 20
        rmtree(self.src)
        write_random(os.path.join(self.src, "db", "ledger.db"), int(total * 0.40) // 4096 * 4096, rng)
        write_random(os.path.join(self.src, "db", "state.db"), int(total * 0.22) // 4096 * 4096, rng)
        shutil.copyfile(os.path.join(self.src, "db", "state.db"), os.path.join(self.src, "db", "state-copy.db"))
        write_random(os.path.join(self.src, "blobs", "b0.bin"), int(total * 0.12), rng)
        write_text(os.path.join(self.src, "logs", "node.log"), 1 << 20, rng)
        for i in range(5):
            write_text(os.path.join(self.src, "conf", f"c{i}.yaml"), rng.randint(200, 20000), rng)

    def mutate(self):
        rng = self.rng
        ledger = os.path.join(self.src, "db", "ledger.db")
        pages = os.path.getsize(ledger) // 4096
        with open(ledger, "r+b") as f:
            for _ in range(rng.randint(1, 40)):
                f.seek(rng.randrange(pages) * 4096)
                f.write(rng.randbytes(4096))
        with open(os.path.join(self.src, "logs", "node.log"), "ab") as f:
            f.write(b"".join(b"round %d entry %d ok\n" % (self.added, i) for i in range(rng.randint(100, 5000))))
        write_text(os.path.join(self.src, "conf", f"c{rng.randrange(5)}.yaml"), rng.randint(200, 20000), rng)
        r = rng.random()
        if r < 0.3:
            # the copy diverges from, or catches up with, its original
            state, copy = os.path.join(self.src, "db", "state.db"), os.path.join(self.src, "db", "state-copy.db")
            if rng.random() < 0.5:
                with open(copy, "r+b") as f:
                    f.seek(rng.randrange(os.path.getsize(copy) // 4096) * 4096)
                    f.write(rng.randbytes(4096 * rng.randint(1, 8)))
            else:
                shutil.copyfile(state, copy)
        elif r < 0.55:
            self.added += 1
            write_random(os.path.join(self.src, "blobs", f"b{self.added}.bin"), rng.randint(1 << 20, 6 << 20), rng)
        elif r < 0.7:
            blobs = sorted(os.listdir(os.path.join(self.src, "blobs")))
            if len(blobs) > 1:
                os.unlink(os.path.join(self.src, "blobs", blobs[0]))
        elif r < 0.8:
            blobs = sorted(os.listdir(os.path.join(self.src, "blobs")))
            self.added += 1
            shutil.copyfile(os.path.join(self.src, "blobs", rng.choice(blobs)),
                            os.path.join(self.src, "blobs", f"b{self.added}.bin"))

    def hashes(self) -> dict[str, str]:
        return tree_hashes(self.src, prefix=os.path.basename(self.src))


# ----------------------------------------------------------------------------- campaign

class Campaign:
    def __init__(self, args):
        self.args = args
        self.work = args.work
        self.lb = Lifeboat(args.lifeboat)
        self.proxied_env = {TIMEOUT_VAR: str(args.request_timeout)}
        self.rng = random.Random(f"{args.seed}:campaign")
        self.outcomes: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
        self.bad: list[dict] = []
        self.notes: collections.Counter = collections.Counter()
        self.losses: list[str] = []
        self.op_count = 0
        self.op_seconds: dict[str, list[float]] = collections.defaultdict(list)
        self.faults_at_failure: collections.Counter = collections.Counter()
        self.trials_done = 0
        self.direct_seconds = 0.0

    # ------------------------------------------------------------------ running lifeboat
    def proxied(self, args, timeout=None):
        return self.lb.run(args, timeout=timeout or self.args.op_timeout, env=self.proxied_env)

    def direct(self, args, timeout=600):
        r = self.lb.run(args, timeout=timeout)
        self.direct_seconds += r[3]
        return r

    def classify(self, rc: int, out: str, err: str):
        """('ok'|'clean'|'bad', why)."""
        if rc == -999:
            return "bad", f"hang: no exit within {self.args.op_timeout:.0f} s"
        if rc < 0:
            return "bad", f"killed by signal {-rc}"
        if any(m in err or m in out for m in CRASH_MARKERS):
            return "bad", f"crash (rc={rc}): {one_line(err or out)}"
        if rc == 0:
            return "ok", ""
        lines = [l for l in err.splitlines() if l.strip()]
        # restore reports each file it could not restore, then a count: one line a file
        per_file = len(lines) >= 2 and re.fullmatch(r"lifeboat: error: \d+ file\(s\) were not restored", lines[-1])
        errors = lines[:-1] if per_file else lines
        if not (len(errors) == 1 or per_file) or not all(l.startswith("lifeboat: error: ") for l in errors):
            return "bad", f"rc={rc}, not one clear error line: {one_line(err)}"
        if rc != 1:
            return "bad", f"rc={rc} (1 expected for a failure of S3): {errors[0]}"
        for l in errors:
            if f"127.0.0.1:{self.proxy.port}" not in l and "S3" not in l:
                return "bad", f"error does not name S3 or its endpoint: {l}"
        return "clean", errors[0] + (f" (+{len(errors) - 1} more files)" if len(errors) > 1 else "")

    # ------------------------------------------------------------------ verification (direct)
    def direct_url(self, prefix: str) -> str:
        return f"s3:{self.moto.endpoint}/{self.bucket}/{prefix}"

    def proxy_url(self, prefix: str) -> str:
        return f"s3:{self.proxy.endpoint}/{self.bucket}/{prefix}"

    def list_direct(self, prefix: str):
        rc, out, err, _ = self.direct(["snapshots", "--repo", self.direct_url(prefix), "--json"])
        if rc != 0:
            raise RuntimeError(f"snapshots --json (direct) rc={rc}: {one_line(err)}")
        return json.loads(out)

    def restore_matches(self, url: str, sid: str, expected: dict[str, str], label: str, env_proxied=False):
        tgt = os.path.join(self.tdir, f"verify-{sid[:8]}")
        rmtree(tgt)
        run = self.proxied if env_proxied else self.direct
        rc, out, err, _ = run(["restore", sid, "--repo", url, "--target", tgt, "-q"])
        try:
            if rc != 0:
                return f"restore {sid[:8]} ({label}) rc={rc}: {one_line(err or out)}"
            d = diff_trees(expected, tree_hashes(tgt))
            return f"restore {sid[:8]} ({label}) not bit-identical: {d}" if d else None
        finally:
            rmtree(tgt)

    def verify(self, repo: dict, restore_ids, read_data: bool = True) -> list[str]:
        """check (--read-data), listing against the model, restores of `restore_ids` ('all' = every listed).

        read_data=False only after operations that write nothing to the repository (restore;
        the source of a copy): the data read the last time is the data there now."""
        fails = []
        url = self.direct_url(repo["prefix"])
        rc, out, err, _ = self.direct(["check", "--repo", url] + (["--read-data"] if read_data else []))
        if rc != 0:
            fails.append(f"check{' --read-data' if read_data else ''} of {repo['prefix']} rc={rc}: "
                         f"{one_line(out + err)}")
        try:
            listed = self.list_direct(repo["prefix"])
        except Exception as e:
            return fails + [str(e)]
        ids = {s["id"] for s in listed}
        for sid, rec in list(repo["snaps"].items()):
            if rec["must"] and sid not in ids:
                fails.append(f"LOSS: snapshot {sid[:8]} ({rec['tag']}) reported created is not listed")
                self.losses.append(f"{repo['prefix']}: {sid[:8]} ({rec['tag']}) missing")
                rec["must"] = False
                rec["lost"] = True
        for s in listed:
            sid = s["id"]
            if sid in repo["snaps"]:
                continue
            tags = [t for t in s.get("tags", []) if t in repo["pending"]]
            if len(tags) != 1:
                fails.append(f"unknown snapshot {sid[:8]} tags={s.get('tags')} visible in {repo['prefix']}")
                continue
            # a snapshot that a failed backup (or copy) still wrote: it must be whole
            tag = tags[0]
            why = self.restore_matches(url, sid, repo["pending"][tag], f"{tag}, written by a failed run")
            if why:
                fails.append(f"half snapshot visible: {why}")
            else:
                self.notes["snapshot written by a backup or copy that then failed (complete, restores bit for bit)"] += 1
            repo["snaps"][sid] = {"tag": tag, "hashes": repo["pending"][tag], "must": True}
        for sid, rec in repo["snaps"].items():
            if rec.get("lost") or sid not in ids:
                continue
            if restore_ids == "all" or sid in restore_ids:
                why = self.restore_matches(url, sid, rec["hashes"], rec["tag"])
                if why:
                    fails.append(f"LOSS: {why}")
                    self.losses.append(f"{repo['prefix']}: {why}")
                    rec["lost"] = True
                    rec["must"] = False
        for gone in [sid for sid in repo["snaps"] if sid not in ids and not repo["snaps"][sid].get("lost")]:
            del repo["snaps"][gone]
        return fails

    def leftovers(self, repo: dict):
        keys = self.moto.keys(self.bucket, repo["prefix"] + "/locks/")
        if keys:
            self.notes["lock object left after the run (stale: its process is gone)"] += 1
            for k in keys:  # stale locks never block; remove them so the next run starts clean
                self.moto.req("DELETE", f"/{self.bucket}/{urllib.parse.quote(k)}")
        if self.moto.open_uploads(self.bucket, repo["prefix"] + "/"):
            self.notes["multipart upload left open"] += 1

    # ------------------------------------------------------------------ operations
    def op_init(self, repo):
        rc, out, err, secs = self.proxied(["init", "--repo", self.proxy_url(repo["prefix"]), "-q"])
        outcome, why = self.classify(rc, out, err)
        fails = []
        keys = self.moto.keys(self.bucket, repo["prefix"] + "/")
        if outcome == "ok":
            try:
                self.list_direct(repo["prefix"])
            except Exception as e:
                fails.append(f"init reported success but the repository does not open: {e}")
        elif outcome == "clean":
            if keys:
                # a failed init may leave objects; the repository must then open, or init must work again
                rc2, _, err2, _ = self.direct(["snapshots", "--repo", self.direct_url(repo["prefix"]), "--json"])
                if rc2 == 0:
                    self.notes["init failed but the repository it left opens"] += 1
                    outcome = "clean-usable"
                else:
                    self.notes[f"init failed leaving {len(keys)} objects that do not open a repository"] += 1
        return outcome, why, fails, secs

    def op_backup(self, repo, ds: Dataset, n: int):
        if n > 1:
            ds.mutate()
        tag = f"{repo['prefix']}-b{n}"
        expected = ds.hashes()
        repo["pending"][tag] = expected
        rc, out, err, secs = self.proxied(["backup", "--repo", self.proxy_url(repo["prefix"]), "--tag", tag,
                                           "--json", ds.src])
        outcome, why = self.classify(rc, out, err)
        fails = []
        new_ids = set()
        if outcome == "ok":
            try:
                res = json.loads(out)
                sid = res["snapshot_id"]
                if res.get("warnings"):
                    fails.append(f"backup warnings: {res['warnings']}")
                repo["snaps"][sid] = {"tag": tag, "hashes": expected, "must": True}
                new_ids.add(sid)
            except (ValueError, KeyError) as e:
                fails.append(f"backup exit 0 without a snapshot id in its JSON ({e}): {one_line(out)}")
        fails += self.verify(repo, new_ids)
        return outcome, why, fails, secs

    def op_restore(self, repo, rng):
        cands = [sid for sid, r in repo["snaps"].items() if r["must"]]
        if not cands:
            return None
        sid = rng.choice(sorted(cands))
        rec = repo["snaps"][sid]
        tgt = os.path.join(self.tdir, "restore")
        rmtree(tgt)
        rc, out, err, secs = self.proxied(["restore", sid, "--repo", self.proxy_url(repo["prefix"]),
                                           "--target", tgt, "--json"])
        outcome, why = self.classify(rc, out, err)
        fails = []
        got = tree_hashes(tgt)
        if outcome == "ok":
            d = diff_trees(rec["hashes"], got)
            if d:
                fails.append(f"restore {sid[:8]} exit 0 but not bit-identical: {d}")
            try:
                if json.loads(out).get("failures"):
                    fails.append(f"restore exit 0 with failures: {one_line(out)}")
            except ValueError:
                fails.append(f"restore --json printed no JSON: {one_line(out)}")
        else:
            temps = [k for k in got if os.path.basename(k).startswith(".lifeboat-restore")]
            if temps:
                self.notes["temporary restore files left by a failed restore"] += 1
            wrong = [k for k, h in got.items() if k not in temps and h != "dir" and rec["hashes"].get(k) != h]
            if wrong:
                fails.append(f"failed restore left {len(wrong)} wrong files under their final names: {wrong[:5]}")
        rmtree(tgt)
        fails += self.verify(repo, set(), read_data=False)
        return outcome, why, fails, secs

    def op_forget(self, repo, rng, prune: bool):
        listed = self.list_direct(repo["prefix"])
        if len(listed) < 2:
            return None
        keep_n = rng.randint(1, max(1, len(listed) - 1))
        newest = sorted(listed, key=lambda s: s["time"], reverse=True)
        keep = {s["id"] for s in newest[:keep_n]}
        drop = {s["id"] for s in newest[keep_n:]}
        args = ["forget", "--repo", self.proxy_url(repo["prefix"]), "--keep-last", str(keep_n), "-q"]
        if prune:
            args.append("--prune")
        rc, out, err, secs = self.proxied(args)
        outcome, why = self.classify(rc, out, err)
        fails = []
        # the dropped ones may go, success or not; the kept ones must stay
        for sid in drop:
            if sid in repo["snaps"]:
                repo["snaps"][sid]["must"] = False
        after = {s["id"] for s in self.list_direct(repo["prefix"])}
        if outcome == "ok" and after & drop:
            fails.append(f"forget exit 0 but {len(after & drop)} snapshots it should remove are still listed")
        # forget alone deletes snapshot objects only (check shows the rest whole); with --prune data goes too
        fails += self.verify(repo, "all" if prune else set())
        return outcome, why, fails, secs

    def op_prune(self, repo):
        rc, out, err, secs = self.proxied(["prune", "--repo", self.proxy_url(repo["prefix"]), "-q"])
        outcome, why = self.classify(rc, out, err)
        return outcome, why, self.verify(repo, "all"), secs

    def op_copy(self, repo, copy_repo, rng):
        cands = sorted(sid for sid, r in repo["snaps"].items() if r["must"])
        if not cands:
            return None
        if not copy_repo["ready"]:
            rc, out, err, _ = self.direct(["init", "--repo", self.direct_url(copy_repo["prefix"]), "-q"])
            if rc != 0:
                raise RuntimeError(f"init of the copy target (direct) rc={rc}: {one_line(err)}")
            copy_repo["ready"] = True
        pick = cands if rng.random() < 0.5 else [rng.choice(cands)]
        # what a copied snapshot must hold, by tag
        for sid in pick:
            copy_repo["pending"][repo["snaps"][sid]["tag"]] = repo["snaps"][sid]["hashes"]
        rc, out, err, secs = self.proxied(["copy", "--from", self.proxy_url(repo["prefix"]),
                                           "--to", self.proxy_url(copy_repo["prefix"]), "--json"] + pick)
        outcome, why = self.classify(rc, out, err)
        fails = []
        new_ids = set()
        if outcome == "ok":
            try:
                res = json.loads(out)
                done = {c["source_id"]: c["target_id"] for c in res.get("copied", [])}
                skipped = {s if isinstance(s, str) else s.get("source_id") for s in res.get("skipped", [])}
                for sid in pick:
                    if sid in done:
                        tid = done[sid]
                        copy_repo["snaps"][tid] = {"tag": repo["snaps"][sid]["tag"],
                                                   "hashes": repo["snaps"][sid]["hashes"], "must": True}
                        new_ids.add(tid)
                    elif sid not in skipped:
                        fails.append(f"copy exit 0 but {sid[:8]} neither copied nor skipped: {one_line(out)}")
            except (ValueError, KeyError, TypeError) as e:
                fails.append(f"copy exit 0 with unreadable JSON ({e}): {one_line(out)}")
        fails += self.verify(copy_repo, new_ids)
        fails += self.verify(repo, set(), read_data=False)
        return outcome, why, fails, secs

    # ------------------------------------------------------------------ driving
    def record(self, trial: int, op: str, result, before):
        if result is None:
            return
        outcome, why, fails, secs = result
        req0, f0, _ = before
        req1, f1, _ = self.proxy.counters()
        faults = f1 - f0
        self.op_count += 1
        self.op_seconds[op].append(secs)
        kind = {"ok": "succeeded", "clean": "failed cleanly", "clean-usable": "failed cleanly"}.get(outcome, "failed badly")
        if fails and kind != "failed badly":
            kind = "failed badly"
            why = fails[0]
        self.outcomes[op][kind] += 1
        if kind == "failed cleanly":
            self.faults_at_failure.update(faults)
        mark = {"succeeded": "ok", "failed cleanly": "failed cleanly", "failed badly": "BAD"}[kind]
        fs = ",".join(f"{k}:{v}" for k, v in sorted(faults.items())) or "none"
        if self.args.verbose or kind != "succeeded":
            print(f"  t{trial} #{self.op_count:<4} {op:<12} {mark:<14} {secs:6.1f} s  {req1 - req0:4d} req  "
                  f"faults {fs}" + (f"  | {one_line(why, 200)}" if kind != "succeeded" else ""), flush=True)
        if kind == "failed badly":
            self.bad.append({"trial": trial, "op": op, "why": why, "fails": fails, "faults": dict(faults),
                             "n": self.op_count})

    def trial(self, t: int):
        rng = random.Random(f"{self.args.seed}:trial:{t}")
        self.tdir = os.path.join(self.work, f"t{t}")
        rmtree(self.tdir)
        os.makedirs(self.tdir)
        self.bucket = f"faults-{t}"
        self.moto.fresh_bucket(self.bucket)
        ds = Dataset(self.tdir, self.args.size_mb, rng)
        repo = {"prefix": f"t{t}", "snaps": {}, "pending": {}}
        copy_repo = {"prefix": f"t{t}-copy", "snaps": {}, "pending": {}, "ready": False}
        # init until it works (a failed init is an operation too)
        for attempt in range(4):
            before = self.proxy.counters()
            res = self.op_init(repo)
            self.record(t, "init", res, before)
            if res[0] in ("ok", "clean-usable"):
                break
            if self.moto.keys(self.bucket, repo["prefix"] + "/"):
                repo["prefix"] += "x"  # unusable leftovers were recorded; go on in a fresh prefix
        else:
            print(f"  t{t}: init never succeeded, trial skipped", flush=True)
            return
        plan = ["backup", "backup"]
        while len(plan) < self.args.ops_per_trial - 1:
            plan.append(rng.choices(OPS, weights=[WEIGHTS[o] for o in OPS])[0])
        n_backup = 0
        for op in plan:
            before = self.proxy.counters()
            if op == "backup":
                n_backup += 1
                res = self.op_backup(repo, ds, n_backup)
            elif op == "restore":
                res = self.op_restore(repo, rng)
            elif op in ("forget", "forget-prune"):
                res = self.op_forget(repo, rng, op == "forget-prune")
            elif op == "prune":
                res = self.op_prune(repo)
            else:
                res = self.op_copy(repo, copy_repo, rng)
            self.record(t, op, res, before)
            self.leftovers(repo)
            if copy_repo["ready"]:
                self.leftovers(copy_repo)
        # the end of a trial: every snapshot still there restores, in both repositories
        final = self.verify(repo, "all") + (self.verify(copy_repo, "all") if copy_repo["ready"] else [])
        if final:
            self.bad.append({"trial": t, "op": "end of trial", "why": final[0], "fails": final, "faults": {},
                             "n": self.op_count})
            print(f"  t{t} end of trial BAD: {final[0]}", flush=True)
        self.trials_done += 1
        if not self.args.keep:
            rmtree(self.tdir)

    def probe_timeout_support(self):
        env = {TIMEOUT_VAR: "not-a-number"}
        rc, out, err, _ = self.lb.run(["snapshots", "--repo", f"s3:{self.moto.endpoint}/probe/none"], env=env,
                                      timeout=60)
        return TIMEOUT_VAR in err

    def run(self) -> int:
        rmtree(self.work)
        os.makedirs(self.work)
        t0 = time.monotonic()
        self.moto = Moto(self.work)
        try:
            if not self.probe_timeout_support() and not self.args.allow_long_stalls:
                print(f"error: {self.args.lifeboat} does not read {TIMEOUT_VAR}: every stall would cost its "
                      f"120 s timeout (pass --allow-long-stalls --stall 125 to run anyway)", file=sys.stderr)
                return 2
            self.proxy = FaultProxy(self.moto.port, self.args.rate, self.args.seed, self.args.stall,
                                    self.args.kinds)
            print(f"moto {self.moto.endpoint}, fault proxy {self.proxy.endpoint} ({self.args.rate:.0%} of requests, "
                  f"stall {self.args.stall:.1f} s, lifeboat request timeout {self.args.request_timeout:g} s)",
                  flush=True)
            for t in range(self.args.trials):
                if self.args.max_ops and self.op_count >= self.args.max_ops:
                    break
                if self.args.max_minutes and time.monotonic() - t0 > self.args.max_minutes * 60:
                    print(f"  --max-minutes {self.args.max_minutes:g} reached: no more trials", flush=True)
                    break
                try:
                    self.trial(t)
                except KeyboardInterrupt:
                    print(f"  interrupted in trial {t}: summary of what ran", flush=True)
                    break
            self.proxy.stop()
        finally:
            self.moto.stop()
        self.report(time.monotonic() - t0)
        return 1 if self.bad or self.losses else 0

    def report(self, secs: float):
        req, faults, variants = self.proxy.counters()
        a = self.args
        print()
        print(f"S3 fault campaign: lifeboat {a.lifeboat}, seed {a.seed!r}, {a.size_mb} MB datasets, "
              f"{secs:.0f} s")
        print()
        print(f"trials {self.trials_done}, operations {self.op_count}, proxied requests {req}, "
              f"faults injected {sum(faults.values())} ({sum(faults.values()) / max(req, 1):.1%})")
        print()
        print("faults injected per kind:")
        for k in a.kinds:
            vs = "; ".join(f"{v.split('/', 1)[1]} {n}" for v, n in sorted(variants.items()) if v.startswith(k + "/"))
            print(f"  {k:<13} {faults[k]:>6}" + (f"   ({vs})" if vs else ""))
        if self.proxy.upstream_errors:
            print(f"  (moto unreachable through the proxy {self.proxy.upstream_errors} times, answered with a reset)")
        print()
        hdr = f"{'operation':<13} {'ops':>5} {'succeeded':>10} {'failed cleanly':>15} {'failed badly':>13} {'median s':>9}"
        print(hdr)
        print("-" * len(hdr))
        tot = collections.Counter()
        for op in ["init"] + OPS:
            c = self.outcomes.get(op)
            if not c:
                continue
            n = sum(c.values())
            tot.update(c)
            times = sorted(self.op_seconds[op])
            med = times[len(times) // 2] if times else 0
            print(f"{op:<13} {n:>5} {c['succeeded']:>10} {c['failed cleanly']:>15} {c['failed badly']:>13} {med:>9.1f}")
        print("-" * len(hdr))
        print(f"{'total':<13} {sum(tot.values()):>5} {tot['succeeded']:>10} {tot['failed cleanly']:>15} "
              f"{tot['failed badly']:>13}")
        print()
        print(f"time: {secs:.0f} s, of which operations through the proxy "
              f"{sum(sum(v) for v in self.op_seconds.values()):.0f} s, verification on moto directly "
              f"{self.direct_seconds:.0f} s")
        print()
        print(f"losses: {len(self.losses)}")
        for l in self.losses:
            print(f"  - {l}")
        if self.notes:
            print("notes (allowed):")
            for k, v in sorted(self.notes.items()):
                print(f"  - {k}: {v}")
        if self.bad:
            print()
            print(f"BAD OUTCOMES: {len(self.bad)}")
            for b in self.bad:
                print(f"- trial {b['trial']} op #{b['n']} {b['op']} (faults {b['faults']}): {b['why']}")
                for f in b["fails"][1:6]:
                    print(f"    {f}")
            print(f"reproduce: python3 {os.path.abspath(__file__)} --seed {a.seed!r} --trials {a.trials} "
                  f"--ops-per-trial {a.ops_per_trial} --size-mb {a.size_mb} --keep -v")
        else:
            print("\nno bad outcomes")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--trials", type=int, default=5, help="trials, each a fresh repository (5)")
    ap.add_argument("--ops-per-trial", type=int, default=12, help="operations per trial, init included (12)")
    ap.add_argument("--max-ops", type=int, default=0, help="stop starting trials after this many operations")
    ap.add_argument("--max-minutes", type=float, default=0, help="stop starting trials after this many minutes")
    ap.add_argument("--size-mb", type=int, default=64, help="dataset size per trial, MB (64)")
    ap.add_argument("--rate", type=float, default=0.2, help="share of proxied requests that fail (0.2)")
    ap.add_argument("--kinds", default=",".join(KINDS), help=f"fault kinds to draw from ({','.join(KINDS)})")
    ap.add_argument("--request-timeout", type=float, default=2.0,
                    help=f"lifeboat's per-request timeout in seconds, set through {TIMEOUT_VAR} (2)")
    ap.add_argument("--stall", type=float, default=None, help="how long a stall holds, s (request timeout + 1.5)")
    ap.add_argument("--allow-long-stalls", action="store_true",
                    help=f"run a binary that ignores {TIMEOUT_VAR} (stalls must then exceed 120 s)")
    ap.add_argument("--op-timeout", type=float, default=300, help="an operation running longer is a hang (300 s)")
    ap.add_argument("--seed", default="lifeboat-s3-faults", help="campaign seed (data, plan and faults)")
    ap.add_argument("--lifeboat", default=DEFAULT_LIFEBOAT)
    ap.add_argument("--work", default="/tmp/lb-s3-faults")
    ap.add_argument("--keep", action="store_true", help="keep every trial directory")
    ap.add_argument("-v", "--verbose", action="store_true", help="print every operation, not only failures")
    args = ap.parse_args()
    args.kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    if any(k not in KINDS for k in args.kinds) or not args.kinds:
        ap.error(f"--kinds: choose from {','.join(KINDS)}")
    if args.stall is None:
        args.stall = args.request_timeout + 1.5
    if not (os.path.isfile(args.lifeboat) and os.access(args.lifeboat, os.X_OK)):
        print(f"error: no lifeboat executable at {args.lifeboat} (build it, or pass --lifeboat)", file=sys.stderr)
        sys.exit(2)
    if not os.access(MOTO, os.X_OK):
        print(f"error: no moto_server at {MOTO} (set LIFEBOAT_VENV)", file=sys.stderr)
        sys.exit(2)
    # SIGTERM ends the run like Ctrl-C: the current trial stops and the summary is printed
    def on_term(*_):
        raise KeyboardInterrupt()
    signal.signal(signal.SIGTERM, on_term)
    try:
        sys.exit(Campaign(args).run())
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
