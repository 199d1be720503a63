"""Helpers shared by kill.py and corrupt.py (stdlib only)."""
from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import subprocess
import time

CHECKOUT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
# The binary `scripts/test` and `scripts/demo` build; override with --lifeboat or LIFEBOAT_BIN_DIR.
DEFAULT_LIFEBOAT = os.path.join(os.environ.get("LIFEBOAT_BIN_DIR", os.path.join(CHECKOUT, ".build", "release")), "lifeboat")
VENV = os.environ.get("LIFEBOAT_VENV", os.path.join(CHECKOUT, ".build", "venv"))
PASSWORD = "campaign-password"


def sha256_file(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while True:
            b = f.read(1 << 20)
            if not b:
                break
            h.update(b)
    return h.hexdigest()


def tree_hashes(root: str, prefix: str = "") -> dict[str, str]:
    """relpath -> sha256 for files, 'link:<target>' for symlinks, 'dir' for directories."""
    out: dict[str, str] = {}
    if not os.path.isdir(root):
        return out
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = os.path.relpath(dirpath, root)
        for d in list(dirnames):
            p = os.path.join(dirpath, d)
            rel = os.path.normpath(os.path.join(prefix, rel_dir, d))
            if os.path.islink(p):
                out[rel] = "link:" + os.readlink(p)
                dirnames.remove(d)
        for name in filenames:
            p = os.path.join(dirpath, name)
            rel = os.path.normpath(os.path.join(prefix, rel_dir, name))
            out[rel] = ("link:" + os.readlink(p)) if os.path.islink(p) else sha256_file(p)
    return out


def diff_trees(expected: dict[str, str], got: dict[str, str], limit: int = 6) -> str:
    missing = sorted(set(expected) - set(got))
    extra = sorted(set(got) - set(expected))
    wrong = sorted(k for k in set(expected) & set(got) if expected[k] != got[k])
    parts = []
    if missing:
        parts.append(f"missing {len(missing)}: {missing[:limit]}")
    if extra:
        parts.append(f"extra {len(extra)}: {extra[:limit]}")
    if wrong:
        parts.append(f"wrong content {len(wrong)}: {wrong[:limit]}")
    return "; ".join(parts)


def write_random(path: str, size: int, rng: random.Random) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        left = size
        while left > 0:
            n = min(left, 4 << 20)
            f.write(rng.randbytes(n))
            left -= n


def write_text(path: str, size: int, rng: random.Random) -> None:
    """Compressible small file."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    words = [b"ledger", b"node", b"block", b"identity", b"%d" % rng.randrange(10**6), b"vcr", b"\n"]
    buf = bytearray()
    while len(buf) < size:
        buf += rng.choice(words) + b" "
    with open(path, "wb") as f:
        f.write(bytes(buf[:size]))


def rmtree(path: str) -> None:
    shutil.rmtree(path, ignore_errors=True)


class Lifeboat:
    def __init__(self, exe: str, extra_env: dict[str, str] | None = None):
        self.exe = exe
        self.env = dict(os.environ)
        for k in list(self.env):
            if k.startswith("LIFEBOAT_"):
                del self.env[k]
        self.env.update({
            "LIFEBOAT_PASSWORD": PASSWORD,
            "LIFEBOAT_FROM_PASSWORD": PASSWORD,
            "LIFEBOAT_TO_PASSWORD": PASSWORD,
            "AWS_ACCESS_KEY_ID": "campaign",
            "AWS_SECRET_ACCESS_KEY": "campaign-secret",
            "AWS_REGION": "us-east-1",
            "NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1",
        })
        for k in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
            self.env.pop(k, None)
        if extra_env:
            self.env.update(extra_env)

    def argv(self, args: list[str]) -> list[str]:
        return [self.exe] + list(args)

    def run(self, args: list[str], timeout: float = 120, env: dict[str, str] | None = None):
        e = self.env if env is None else {**self.env, **env}
        t = time.monotonic()
        try:
            p = subprocess.run(self.argv(args), env=e, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               timeout=timeout, stdin=subprocess.DEVNULL)
            rc, out, err = p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")
        except subprocess.TimeoutExpired as ex:
            rc, out, err = -999, (ex.stdout or b"").decode(errors="replace"), \
                ((ex.stderr or b"").decode(errors="replace") + f"\n[timeout after {timeout}s]")
        return rc, out, err, time.monotonic() - t

    def popen(self, args: list[str], out_path: str, env: dict[str, str] | None = None):
        e = self.env if env is None else {**self.env, **env}
        f = open(out_path, "wb")
        p = subprocess.Popen(self.argv(args), env=e, stdout=f, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        f.close()
        return p

    def snapshots(self, repo: str) -> list[dict]:
        rc, out, err, _ = self.run(["snapshots", "--repo", repo, "--json"])
        if rc != 0:
            raise RuntimeError(f"snapshots --json failed rc={rc}: {err.strip()}")
        return json.loads(out)


def one_line(s: str, n: int = 400) -> str:
    s = " | ".join(l.strip() for l in s.strip().splitlines() if l.strip())
    return s if len(s) <= n else s[:n] + "…"
