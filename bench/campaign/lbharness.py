"""Throwaway Lifeboat environment for the API campaign (api-fuzz.py, api-load.py).

Creates a temp dir holding everything: a demo Nuts node (lifeboat-demo-node) under a write
load, an encrypted local repository, a catalog and `lifeboat serve` with three API tokens
(admin, operator, viewer). Stops everything it started on exit (atexit + SIGINT/SIGTERM).

Confinement (so that fuzzing restore endpoints cannot write outside the temp dir):
  * api.restore_roots is set to TMP/restore-root only (the daemon refuses other targets,
    identity files and restore-kit directories with 403, plus the node's own datadir for a
    node restore — also inside TMP);
  * the daemon runs in a private mount namespace (unshare -m, when running as root) in
    which every mount is remounted read-only except TMP itself (bind-mounted read-write),
    so even a confinement bug in the daemon cannot write outside TMP; the demo node it
    (re)starts through control.start inherits the same namespace;
  * the fuzz hooks additionally rewrite every path field of generated bodies to a path
    under TMP/restore-root or TMP/outside (a decoy outside the restore roots, see
    fuzz_hooks.py).
"""
from __future__ import annotations

import atexit
import base64
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

CHECKOUT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
# The binaries `scripts/test` and `scripts/demo` build; override with LIFEBOAT_BIN_DIR.
BIN_DIR = os.environ.get("LIFEBOAT_BIN_DIR", os.path.join(CHECKOUT, ".build", "release"))
LIFEBOAT = os.path.join(BIN_DIR, "lifeboat")
DEMO_NODE = os.path.join(BIN_DIR, "lifeboat-demo-node")
NODE = "nuts-demo"
PORT_RANGE = (18000, 18999)


def _free_port(start: int) -> int:
    for port in range(start, PORT_RANGE[1] + 1):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
                return port
            except OSError:
                continue
    raise RuntimeError("no free port in 18000-18999")


def _token() -> str:
    return base64.b64encode(os.urandom(24)).decode().translate({ord(c): None for c in "/+="})


def _get(url: str, token: str | None = None, timeout: float = 2.0) -> tuple[int, bytes]:
    req = urllib.request.Request(url)
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


class Env:
    def __init__(self, *, port_base: int = 18400, write_interval: str = "200ms",
                 payload_bytes: int = 256, seed_transactions: int = 0,
                 backup_interval: str = "30s", keep: bool = False, label: str = "lb-campaign"):
        self.tmp = tempfile.mkdtemp(prefix=f"{label}.", dir="/tmp")
        os.chmod(self.tmp, 0o700)
        self.keep = keep
        self.port = _free_port(port_base)
        self.node_port = _free_port(self.port + 1)
        self.base = f"http://127.0.0.1:{self.port}"
        self.node_url = f"http://127.0.0.1:{self.node_port}"
        self.datadir = os.path.join(self.tmp, "nuts-node")
        self.restore_root = os.path.join(self.tmp, "restore-root")
        self.outside = os.path.join(self.tmp, "outside")
        os.makedirs(self.restore_root)
        os.makedirs(self.outside)
        self.tokens = {"admin": _token(), "operator": _token(), "viewer": _token()}
        self.write_interval = write_interval
        self.payload_bytes = payload_bytes
        self.seed_transactions = seed_transactions
        self.backup_interval = backup_interval
        self.serve: subprocess.Popen | None = None
        self.node: subprocess.Popen | None = None
        self.sandboxed = False
        self.extra_stores: list[dict] = []
        atexit.register(self.stop)
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, self._on_signal)

    def _on_signal(self, signum, _frame):
        self.stop()
        sys.exit(128 + signum)

    def path(self, *parts: str) -> str:
        return os.path.join(self.tmp, *parts)

    # -- setup -------------------------------------------------------------------------
    def start(self) -> "Env":
        pw = self.path("repo.pass")
        with open(pw, "w") as f:
            f.write(_token() + "\n")
        os.chmod(pw, 0o600)
        for role, tok in self.tokens.items():
            p = self.path(f"{role}.token")
            with open(p, "w") as f:
                f.write(tok + "\n")
            os.chmod(p, 0o600)
        out = subprocess.run([LIFEBOAT, "identity", "keygen", "-o", self.path("identity.key")],
                             capture_output=True, text=True, check=True)
        import re
        m = re.search(r"age1[0-9a-z]+", out.stdout + out.stderr)
        recipient = m.group(0)
        # a copy of the key inside the restore root so identity restores can be exercised
        shutil.copy(self.path("identity.key"), os.path.join(self.restore_root, "identity.key"))
        sha = {r: hashlib.sha256(t.encode()).hexdigest() for r, t in self.tokens.items()}
        node_cmd = (f"{DEMO_NODE} --datadir {self.datadir} --listen 127.0.0.1:{self.node_port} "
                    f"--nuts-version 5.4 --pid-file {self.path('node.pid')}")
        config = f"""listen: 127.0.0.1:{self.port}
catalog: {self.path('catalog.sqlite')}
repositories:
  local: {{url: {self.path('repo')}, password_file: {pw}}}
api:
  tokens:
    - {{name: fuzz-admin, role: admin, sha256: {sha['admin']}}}
    - {{name: fuzz-operator, role: operator, sha256: {sha['operator']}}}
    - {{name: fuzz-viewer, role: viewer, sha256: {sha['viewer']}}}
{{restore_roots}}jobs: {{max_parallel: 2, shutdown_grace: 5s, prune_every: 10m}}
nodes:
  - name: {NODE}
    profile: nuts
    version: "5.4"
    datadir: {self.datadir}
    stores:
      - {{type: sqlite, path: network/data.db}}
      - {{type: sqlite, path: vcr/backup-credentials.db}}
      - {{type: sqlite, path: vcr/backup-issued-credentials.db}}
      - {{type: sqlite, path: vcr/backup-revoked-credentials.db}}
      - {{type: sqlite, path: vdr/didstore.db}}
      - {{type: file, path: vcr/trusted_issuers.yaml}}
{{extra_stores}}    backups: {{interval: {self.backup_interval}, max: 10, repositories: [local]}}
    identity:
      interval: 2m
      max: 5
      repositories: [local]
      source: {{type: fs, directory: crypto}}
      recipients: [{recipient}]
    control:
      pid_file: {self.path('node.pid')}
      start: "{node_cmd} >> {self.path('node.log')} 2>&1 < /dev/null &"
      url: {self.node_url}
      timeout: 60s
"""
        self.config = self.path("lifeboat.yaml")
        config = config.replace("{extra_stores}", "".join(
            f"      - {{type: {st['type']}, path: {st['path']}}}\n" for st in self.extra_stores))
        # api.restore_roots confines API restore targets; older binaries do not know the key,
        # then the mount-namespace sandbox and the hooks' path rewriting are the only fence.
        with open(self.config, "w") as f:
            f.write(config.replace("{restore_roots}", f"  restore_roots: [{self.restore_root}]\n"))
        check = subprocess.run([LIFEBOAT, "config", "check", self.config, "-q"], capture_output=True, text=True)
        self.restore_roots_supported = check.returncode == 0
        if not self.restore_roots_supported and "restore_roots" in check.stderr:
            with open(self.config, "w") as f:
                f.write(config.replace("{restore_roots}", ""))
            subprocess.run([LIFEBOAT, "config", "check", self.config, "-q"], check=True)
        elif check.returncode != 0:
            raise RuntimeError(f"config check failed: {check.stderr}")

        # the demo node with its write load (outside the sandbox: it is started by us)
        self.node = subprocess.Popen(
            [DEMO_NODE, "--datadir", self.datadir, "--listen", f"127.0.0.1:{self.node_port}",
             "--nuts-version", "5.4", "--pid-file", self.path("node.pid"),
             "--write-interval", self.write_interval, "--payload-bytes", str(self.payload_bytes),
             "--seed-transactions", str(self.seed_transactions)],
            stdout=open(self.path("node.log"), "ab"), stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.time() + 600
        while time.time() < deadline:
            try:
                if _get(self.node_url + "/status")[0] == 200:
                    break
            except OSError:
                pass
            if self.node.poll() is not None:
                raise RuntimeError(f"demo node exited; see {self.path('node.log')}")
            time.sleep(0.2)
        else:
            raise RuntimeError("demo node did not come up")

        serve = [LIFEBOAT, "serve", "--config", self.config, "--init-repositories"]
        if os.geteuid() == 0 and shutil.which("unshare") and os.environ.get("LB_NO_SANDBOX") != "1":
            # private mount namespace: everything read-only except TMP
            script = (
                'set -e; T="$1"; shift; mount --bind "$T" "$T"; '
                "for m in $(awk '{print $5}' /proc/self/mountinfo | sort -u); do "
                '  case "$m" in "$T"|/proc|/proc/*) continue;; esac; '
                '  mount -o remount,bind,ro "$m" 2>/dev/null || true; '
                "done; "
                'touch /lb-sandbox-probe 2>/dev/null && { echo "sandbox: / still writable" >&2; exit 70; }; '
                'exec "$@"')
            serve = ["unshare", "-m", "--propagation", "private", "sh", "-c", script, "sh", self.tmp] + serve
            self.sandboxed = True
        os.makedirs(self.path("tmp"), exist_ok=True)
        serve_env = dict(os.environ, TMPDIR=self.path("tmp"))
        self.serve = subprocess.Popen(serve, cwd=self.tmp, env=serve_env, stdout=open(self.path("serve.log"), "ab"),
                                      stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                      start_new_session=True)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if _get(self.base + "/readyz")[0] == 200:
                    return self
            except OSError:
                pass
            if self.serve.poll() is not None:
                break
            time.sleep(0.2)
        tail = open(self.path("serve.log")).read()[-2000:]
        raise RuntimeError(f"lifeboat serve did not become ready:\n{tail}")

    def cli(self, *args: str, role: str = "admin", check: bool = True, timeout: float = 600):
        env = dict(os.environ, LIFEBOAT_SERVER=self.base, LIFEBOAT_TOKEN=self.tokens[role])
        return subprocess.run([LIFEBOAT, *args], env=env, capture_output=True, text=True,
                              check=check, timeout=timeout)

    def api(self, path: str, role: str | None = "admin") -> tuple[int, object]:
        status, body = _get(self.base + path, self.tokens[role] if role else None, timeout=30)
        try:
            return status, json.loads(body)
        except ValueError:
            return status, body.decode(errors="replace")

    # -- teardown ----------------------------------------------------------------------
    def _kill(self, proc: subprocess.Popen | None, grace: float):
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)

    def stop(self):
        self._kill(self.serve, 20)
        self.serve = None
        # the node we started, and any node the daemon (re)started via control.start
        pids = set()
        if self.node is not None:
            pids.add(self.node.pid)
        try:
            pids.add(int(open(self.path("node.pid")).read().strip()))
        except (OSError, ValueError):
            pass
        for pid in pids:
            try:
                cmdline = open(f"/proc/{pid}/cmdline", "rb").read()
            except OSError:
                continue
            if self.datadir.encode() in cmdline:  # only our own node
                try:
                    os.kill(pid, signal.SIGTERM)
                except OSError:
                    pass
        for pid in pids:
            for _ in range(50):
                if not os.path.exists(f"/proc/{pid}") or open(f"/proc/{pid}/stat").read().split()[2] == "Z":
                    break
                time.sleep(0.1)
            else:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
        if self.node is not None:
            try:
                self.node.wait(2)
            except subprocess.TimeoutExpired:
                pass
            self.node = None
        if not self.keep and os.path.isdir(self.tmp):
            shutil.rmtree(self.tmp, ignore_errors=True)
