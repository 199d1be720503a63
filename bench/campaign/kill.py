#!/usr/bin/env python3
"""Kill campaign: kill -9 lifeboat at random points that are shown to be mid-operation,
then check that the repository is consistent and that the next run succeeds.

Operations: backup (local), prune, forget (plain or --prune), copy (local -> local),
restore, backup to S3 (moto_server on 127.0.0.1).

How a kill point is chosen and shown to be mid-operation
-------------------------------------------------------
While the process runs, the script polls the state it changes (every ~1 ms): the files
under the repository's data/, index/, snapshots/ and locks/ (local), the restore target,
or the request log of moto_server (S3; one line per *completed* request). Each trial draws
a kill point: either a progress threshold (bytes written under data/ or the target, or
number of files changed by prune/forget, or number of completed data PUTs for S3) uniform
in [1, what an uninterrupted run writes], or a delay uniform in [0, the duration of an
uninterrupted run] after the first write was seen, or (a quarter of the trials, where the
operation has them) the first poll that sees a late phase, e.g. "index written, no snapshot
yet" or "prune: superseded index files being deleted". When the point is reached the process
is stopped (SIGSTOP, waited for until /proc says it is stopped), the state is observed
again while it cannot change, and only if that observation shows "started and not
finished" is it killed with SIGKILL. Otherwise it is resumed, runs to its end, and the
trial is discarded (counted and reported). "Started / not finished" per operation:

  backup     data/ grew beyond the baseline (bytes, .tmp- files count) / no new snapshot
  prune      our exclusive lock (lock JSON pid == process pid) is in locks/ and some file
             of data/ index/ snapshots/ was added or deleted / the lock is still there
  forget     same as prune
  copy       target data/ grew / fewer new snapshots in the target than to be copied
  restore    some bytes are in the target / not every file has its final name yet
  s3-backup  moto logged a completed PUT under data/ and a ListObjectsV2 (made while the
             process is stopped) shows more data/ objects than the baseline / no PUT under
             snapshots/ logged, and no new snapshot listed (listed again 0.3 s after the kill:
             a snapshot PUT that was in flight at the kill discards the trial)

After each kill: `check --read-data` exits 0; every listed snapshot is known (no
half-written snapshot is visible) and restores bit for bit (SHA-256 of every file against
the source at the time of that backup); every snapshot that must survive is listed; the
same operation run again (no `unlock`) succeeds, and its result is verified the same way.
For restore: every file the killed restore left under its final name is bit-identical.
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
import subprocess
import sys
import time
import traceback
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import (DEFAULT_LIFEBOAT, VENV, Lifeboat, diff_trees, one_line, rmtree,  # noqa: E402
                     tree_hashes, write_random, write_text)

OPS = ["backup", "prune", "forget", "copy", "restore", "s3-backup"]
WEIGHTS = {"backup": 0.20, "prune": 0.16, "forget": 0.18, "copy": 0.16, "restore": 0.15, "s3-backup": 0.15}
MOTO = os.path.join(VENV, "bin", "moto_server")
BUCKET = "killcampaign"
S3NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"


class Discard(Exception):
    pass


# ----------------------------------------------------------------------------- state views

def scan_tree(root: str) -> dict[str, int]:
    """relpath -> size of every file below root (files that vanish while scanning are skipped)."""
    out: dict[str, int] = {}
    stack = [root]
    while stack:
        d = stack.pop()
        try:
            it = os.scandir(d)
        except FileNotFoundError:
            continue
        with it:
            for e in it:
                try:
                    if e.is_dir(follow_symlinks=False):
                        stack.append(e.path)
                    else:
                        out[os.path.relpath(e.path, root)] = e.stat(follow_symlinks=False).st_size
                except FileNotFoundError:
                    pass
    return out


def scan_repo(repo: str) -> dict[str, dict[str, int]]:
    return {k: scan_tree(os.path.join(repo, k)) for k in ("data", "index", "snapshots")}


def read_locks(repo: str) -> list[dict]:
    out = []
    d = os.path.join(repo, "locks")
    try:
        names = os.listdir(d)
    except FileNotFoundError:
        return out
    for n in names:
        if n.startswith(".tmp-"):
            continue
        try:
            with open(os.path.join(d, n), "rb") as f:
                out.append(json.loads(f.read()))
        except (OSError, ValueError):
            pass
    return out


def is_tmp(rel: str) -> bool:
    return os.path.basename(rel).startswith(".tmp-")


def proc_state(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/stat") as f:
            s = f.read()
        return s[s.rindex(")") + 2]
    except (OSError, ValueError):
        return "X"


def wait_stopped(pid: int, timeout: float = 3.0) -> str:
    t = time.monotonic() + timeout
    while time.monotonic() < t:
        st = proc_state(pid)
        if st in "TtZX":
            return st
        time.sleep(0.0002)
    return proc_state(pid)


# ----------------------------------------------------------------------------- S3 (moto)

class Moto:
    def __init__(self, work: str):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.log_path = os.path.join(work, "moto.log")
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([MOTO, "-H", "127.0.0.1", "-p", str(self.port)],
                                     stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        deadline = time.monotonic() + 60
        while True:
            try:
                self.req("GET", "/moto-api/")
                break
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("moto_server did not start")
                time.sleep(0.2)

    def req(self, method: str, path: str, data: bytes | None = None) -> bytes:
        r = urllib.request.Request(self.endpoint + path, method=method, data=data)
        with self.opener.open(r, timeout=30) as a:
            return a.read()

    def reset(self):
        self.req("POST", "/moto-api/reset")
        self.req("PUT", f"/{BUCKET}")

    def list(self, prefix: str) -> dict[str, int]:
        out, token = {}, None
        while True:
            q = {"list-type": "2", "prefix": prefix}
            if token:
                q["continuation-token"] = token
            root = ET.fromstring(self.req("GET", f"/{BUCKET}?{urllib.parse.urlencode(q)}"))
            for c in root.iter(f"{S3NS}Contents"):
                out[c.findtext(f"{S3NS}Key")] = int(c.findtext(f"{S3NS}Size") or 0)
            token = root.findtext(f"{S3NS}NextContinuationToken")
            if root.findtext(f"{S3NS}IsTruncated") != "true" or not token:
                return out

    def log_offset(self) -> int:
        self.log.flush()
        return os.path.getsize(self.log_path)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


# ----------------------------------------------------------------------------- campaign

class Campaign:
    def __init__(self, args):
        self.args = args
        self.lb = Lifeboat(args.lifeboat)
        self.work = args.work
        self.expected: dict[str, dict[str, str]] = {}   # snapshot tag -> {relpath: sha256}
        self.calib: dict[str, dict] = {}
        self.results = collections.defaultdict(lambda: {
            "trials": 0, "discarded": collections.Counter(), "modes": collections.Counter(),
            "phases": collections.Counter(), "failures": [], "attempts": 0})
        self.moto: Moto | None = None

    # ------------------------------------------------------------------ helpers
    def run_ok(self, args, what):
        rc, out, err, _ = self.lb.run(args)
        if rc != 0:
            raise RuntimeError(f"{what}: rc={rc} {one_line(err or out)}")
        return out

    def backup(self, repo: str, src: str, tag: str) -> str:
        out = self.run_ok(["backup", "--repo", repo, "--tag", tag, "--json", src], f"backup {tag}")
        self.expected[tag] = tree_hashes(src, prefix=os.path.basename(src))
        return json.loads(out)["snapshot_id"]

    def verify_repo(self, repo: str, must: set[str], allowed: set[str], scratch: str,
                    read_data: bool = True, only: set[str] | None = None) -> list[str]:
        """check (--read-data) exits 0; every listed snapshot is allowed and restores bit for bit."""
        fails = []
        rc, out, err, _ = self.lb.run(["check", "--repo", repo] + (["--read-data"] if read_data else []))
        if rc != 0:
            fails.append(f"check{' --read-data' if read_data else ''} rc={rc}: {one_line(out + err)}")
        try:
            snaps = self.lb.snapshots(repo)
        except Exception as e:
            return fails + [str(e)]
        seen = set()
        for s in snaps:
            tags = [t for t in s.get("tags", []) if t in self.expected]
            if len(tags) != 1 or tags[0] not in allowed:
                fails.append(f"unexpected snapshot {s['id'][:8]} tags={s.get('tags')} (allowed {sorted(allowed)})")
                continue
            tag = tags[0]
            if tag in seen:
                fails.append(f"snapshot tag {tag} listed twice")
            seen.add(tag)
            if only is not None and tag not in only:
                continue
            tgt = os.path.join(scratch, f"verify-{s['id'][:8]}")
            rmtree(tgt)
            rc, out, err, _ = self.lb.run(["restore", s["id"], "--repo", repo, "--target", tgt, "-q"])
            if rc != 0:
                fails.append(f"restore {s['id'][:8]} ({tag}) rc={rc}: {one_line(err or out)}")
            else:
                d = diff_trees(self.expected[tag], tree_hashes(tgt))
                if d:
                    fails.append(f"restore {s['id'][:8]} ({tag}) not bit-identical: {d}")
            rmtree(tgt)
        for t in sorted(must - seen):
            fails.append(f"snapshot {t} missing from the listing")
        return fails

    # ------------------------------------------------------------------ the kill driver
    def drive(self, proc, observe, mode: str, threshold: float, on_stopped=None):
        """Poll until the kill point; returns ('killed', obs) or raises Discard.
        mode: 'progress' (obs['progress'] >= threshold), 'delay' (seconds after the first write
        was seen >= threshold) or 'observe' (calibration: never kill, return stats)."""
        t0 = time.monotonic()
        t_first = None
        max_progress = 0
        finished_seen = None
        pid = proc.pid
        while True:
            rc = proc.poll()
            if rc is not None:
                if mode == "observe":
                    end = finished_seen or time.monotonic()
                    return ("done", {"rc": rc, "max_progress": max_progress,
                                     "duration": (end - t_first) if t_first else 0.0,
                                     "total": time.monotonic() - t0})
                raise Discard(("finished before kill point", rc))
            if time.monotonic() - t0 > 120:
                proc.kill()
                proc.wait()
                raise RuntimeError("operation did not finish within 120 s (hang?)")
            obs = observe()
            if obs["started"] and t_first is None:
                t_first = time.monotonic()
            max_progress = max(max_progress, obs["progress"])
            if obs["finished"]:
                if finished_seen is None:
                    finished_seen = time.monotonic()
            elif obs["started"] and mode != "observe" and finished_seen is None:
                if mode == "phase":
                    hit = obs["phase"].startswith(threshold)
                elif mode == "progress":
                    hit = obs["progress"] >= threshold
                else:
                    hit = time.monotonic() - t_first >= threshold
                if hit:
                    os.kill(pid, signal.SIGSTOP)
                    st = wait_stopped(pid)
                    if st not in "Tt":
                        raise Discard(("finished before kill point", None))
                    obs2 = observe()
                    if on_stopped is not None and obs2["started"] and not obs2["finished"]:
                        obs2 = on_stopped(obs2)
                    if obs2["started"] and not obs2["finished"]:
                        os.kill(pid, signal.SIGKILL)
                        proc.wait()
                        return ("killed", obs2)
                    os.kill(pid, signal.SIGCONT)
                    finished_seen = time.monotonic()
            time.sleep(0.001)

    def pick_kill_point(self, key: str, rng: random.Random, late_phases=()):
        c = self.calib[key]
        if late_phases and rng.random() < 0.25:
            return "phase", rng.choice(list(late_phases))
        if rng.random() < 0.5 and c["max_progress"] >= 1:
            mode, thr = "progress", rng.uniform(1, max(1, c["max_progress"]))
            if c.get("integer"):
                thr = rng.randint(1, max(1, int(c["max_progress"])))
        else:
            mode, thr = "delay", rng.uniform(0, max(0.001, c["duration"]))
        return mode, thr

    # ------------------------------------------------------------------ operations
    # Each op has: base(op) builds pristine state; prepare(op, tdir, rng) -> ctx with
    # 'argv', 'observer' (factory taking pid), 'post_kill'(ctx) -> fails, 'rerun'(ctx) -> fails.

    def build_bases(self):
        rng = random.Random(f"{self.args.seed}:bases")
        B = os.path.join(self.work, "base")
        rmtree(B)
        os.makedirs(B)

        def small_files(src, n, lo=1000, hi=60000):
            for i in range(n):
                write_text(os.path.join(src, "conf", f"f{i:02d}.txt"), rng.randint(lo, hi), rng)

        sel = set(self.args.ops)
        # backup
        if "backup" in sel:
            d = os.path.join(B, "backup")
            src = os.path.join(d, "src")
            small_files(src, 20)
            write_random(os.path.join(src, "big.bin"), 6 << 20, rng)
            for i in range(3):
                write_random(os.path.join(src, "med", f"m{i}.bin"), rng.randint(200_000, 1_000_000), rng)
            repo = os.path.join(d, "repo")
            self.run_ok(["init", "--repo", repo, "-q"], "init")
            self.backup(repo, src, "b1")
            write_random(os.path.join(src, "u1.bin"), 3 << 20, rng)
            write_text(os.path.join(src, "conf", "f03.txt"), 5000, rng)
            self.backup(repo, src, "b2")
        if "prune" in sel:
            d = os.path.join(B, "prune")
            src = os.path.join(d, "src")
            repo = os.path.join(d, "repo")
            self.run_ok(["init", "--repo", repo, "-q"], "init")
            small_files(src, 15)
            write_random(os.path.join(src, "big.bin"), 6 << 20, rng)
            for k in range(1, 6):
                for old in os.listdir(src):
                    if old.startswith("u"):
                        os.unlink(os.path.join(src, old))
                write_random(os.path.join(src, f"u{k}.bin"), 2 << 20, rng)
                write_text(os.path.join(src, "conf", f"f{k:02d}.txt"), rng.randint(1000, 50000), rng)
                self.backup(repo, src, f"p{k}")
            self.run_ok(["forget", "--repo", repo, "--keep-last", "2", "-q"], "forget (prune base)")
        if "forget" in sel:
            d = os.path.join(B, "forget")
            src = os.path.join(d, "src")
            repo = os.path.join(d, "repo")
            self.run_ok(["init", "--repo", repo, "-q"], "init")
            small_files(src, 8)
            write_random(os.path.join(src, "shared.bin"), 1 << 20, rng)
            for k in range(1, 11):
                for old in os.listdir(src):
                    if old.startswith("u"):
                        os.unlink(os.path.join(src, old))
                write_random(os.path.join(src, f"u{k}.bin"), 600_000, rng)
                self.backup(repo, src, f"f{k}")
        if "copy" in sel:
            d = os.path.join(B, "copy")
            src = os.path.join(d, "src")
            srepo, trepo = os.path.join(d, "from"), os.path.join(d, "to")
            self.run_ok(["init", "--repo", srepo, "-q"], "init")
            self.run_ok(["init", "--repo", trepo, "-q"], "init")
            small_files(src, 12)
            write_random(os.path.join(src, "shared.bin"), 4 << 20, rng)
            for k in range(1, 4):
                write_random(os.path.join(src, f"u{k}.bin"), 3 << 20, rng)
                self.backup(srepo, src, f"c{k}")
            snaps = self.lb.snapshots(srepo)
            c1 = [s["id"] for s in snaps if "c1" in s["tags"]][0]
            self.run_ok(["copy", "--from", srepo, "--to", trepo, c1, "-q"], "copy c1")
        if "restore" in sel:
            d = os.path.join(B, "restore")
            src = os.path.join(d, "src")
            repo = os.path.join(d, "repo")
            self.run_ok(["init", "--repo", repo, "-q"], "init")
            small_files(src, 30)
            for i in range(10):
                write_random(os.path.join(src, "db", f"d{i}.bin"), rng.randint(500_000, 3_000_000), rng)
            self.restore_snap = self.backup(repo, src, "rbase")

    # --- backup -----------------------------------------------------------------------
    def prep_backup(self, tdir, rng, i):
        base = os.path.join(self.work, "base", "backup")
        repo = os.path.join(tdir, "repo")
        src = os.path.join(tdir, "src")
        shutil.copytree(os.path.join(base, "repo"), repo, symlinks=True)
        shutil.copytree(os.path.join(base, "src"), src, symlinks=True)
        write_random(os.path.join(src, f"new{i}.bin"), rng.randint(4 << 20, 14 << 20), rng)
        for _ in range(rng.randint(1, 5)):
            write_text(os.path.join(src, "conf", f"f{rng.randrange(20):02d}.txt"), rng.randint(500, 60000), rng)
        os.unlink(os.path.join(src, "med", "m0.bin"))
        tag, rtag = f"bk{i}", f"br{i}"
        new_hashes = tree_hashes(src, prefix="src")
        base_scan = scan_repo(repo)

        def observer(pid):
            def obs():
                s = scan_repo(repo)
                new_data = {k: v for k, v in s["data"].items() if k not in base_scan["data"]}
                tmp = any(is_tmp(k) for k in new_data)
                new_snap = [k for k in s["snapshots"] if k not in base_scan["snapshots"]]
                snap_done = [k for k in new_snap if not is_tmp(k)]
                new_idx = [k for k in s["index"] if k not in base_scan["index"] and not is_tmp(k)]
                if any(is_tmp(k) for k in new_snap):
                    phase = "B4 snapshot being written (.tmp-)"
                elif new_idx:
                    phase = "B3 index written, no snapshot"
                elif tmp:
                    phase = "B1 pack streaming (.tmp- in data/)"
                else:
                    phase = "B2 packs stored, no index yet"
                return {"started": sum(new_data.values()) > 0 or tmp, "finished": bool(snap_done),
                        "progress": sum(new_data.values()), "phase": phase}
            return obs

        def post_kill(ctx):
            return self.verify_repo(repo, {"b1", "b2"}, {"b1", "b2"}, tdir)

        def rerun(ctx):
            rc, out, err, _ = self.lb.run(["backup", "--repo", repo, "--tag", rtag, "-q", src])
            if rc != 0:
                return [f"re-run backup rc={rc}: {one_line(err or out)}"]
            self.expected[rtag] = new_hashes
            return [f"after re-run: {f}" for f in
                    self.verify_repo(repo, {"b1", "b2", rtag}, {"b1", "b2", rtag}, tdir, only={rtag})]

        return {"argv": ["backup", "--repo", repo, "--tag", tag, "-q", src], "observer": observer,
                "post_kill": post_kill, "rerun": rerun, "integer": False, "late": ("B2", "B3", "B4")}

    # --- prune / forget ------------------------------------------------------------------
    def exclusive_observer(self, repo, base_scan, n_forget: int, with_prune: bool, label: str):
        def observer(pid):
            st = {"seen_lock": False}

            def obs():
                locks = read_locks(repo)
                held = any(l.get("pid") == pid and l.get("exclusive") for l in locks)
                s = scan_repo(repo)
                if held:
                    st["seen_lock"] = True
                added = {k: [p for p in s[k] if p not in base_scan[k]] for k in s}
                removed = {k: [p for p in base_scan[k] if p not in s[k]] for k in s}
                changes = sum(len(v) for v in added.values()) + sum(len(v) for v in removed.values())
                rm_snaps = len([p for p in removed["snapshots"] if not is_tmp(p)])
                packs_added = [p for p in added["data"] if not is_tmp(p)]
                tmp = any(is_tmp(p) for k in added for p in added[k])
                idx_added = [p for p in added["index"] if not is_tmp(p)]
                if label == "forget" and rm_snaps < n_forget:
                    phase = "F1 removing snapshots"
                elif label == "forget" and not with_prune:
                    phase = "F2 all snapshots removed, lock still held"
                elif removed["data"]:
                    phase = "P4 deleting unused packs"
                elif removed["index"]:
                    phase = "P3 deleting superseded index files"
                elif idx_added:
                    phase = "P2 new index written"
                elif packs_added or tmp:
                    phase = "P1 writing rewritten packs"
                else:
                    phase = "F3 snapshots removed, prune not yet writing" if label == "forget" else "P0"
                return {"started": held and changes > 0,
                        "finished": (not held) and (st["seen_lock"] or changes > 0),
                        "progress": changes, "phase": phase}
            return obs
        return observer

    def prep_prune(self, tdir, rng, i):
        base = os.path.join(self.work, "base", "prune")
        repo = os.path.join(tdir, "repo")
        shutil.copytree(os.path.join(base, "repo"), repo, symlinks=True)
        argv = ["prune", "--repo", repo, "-q"]
        keep = {"p4", "p5"}

        def rerun(ctx):
            rc, out, err, _ = self.lb.run(argv)
            if rc != 0:
                return [f"re-run prune rc={rc}: {one_line(err or out)}"]
            return [f"after re-run: {f}" for f in self.verify_repo(repo, keep, keep, tdir)]

        return {"argv": argv, "observer": self.exclusive_observer(repo, scan_repo(repo), 0, True, "prune"),
                "post_kill": lambda ctx: self.verify_repo(repo, keep, keep, tdir), "rerun": rerun,
                "integer": True, "late": ("P2", "P3")}

    def prep_forget(self, tdir, rng, i):
        base = os.path.join(self.work, "base", "forget")
        repo = os.path.join(tdir, "repo")
        shutil.copytree(os.path.join(base, "repo"), repo, symlinks=True)
        with_prune = (i % 2 == 1)
        argv = ["forget", "--repo", repo, "--keep-last", "2", "-q"] + (["--prune"] if with_prune else [])
        keep = {"f9", "f10"}
        everything = {f"f{k}" for k in range(1, 11)}

        def rerun(ctx):
            rc, out, err, _ = self.lb.run(argv)
            if rc != 0:
                return [f"re-run forget rc={rc}: {one_line(err or out)}"]
            return [f"after re-run: {f}" for f in self.verify_repo(repo, keep, keep, tdir)]

        return {"argv": argv, "variant": "forget --prune" if with_prune else "forget (plain)",
                "observer": self.exclusive_observer(repo, scan_repo(repo), 8, with_prune, "forget"),
                "post_kill": lambda ctx: self.verify_repo(repo, keep, everything, tdir), "rerun": rerun,
                "integer": True, "late": ("F3", "P2", "P3") if with_prune else ("F2",)}

    # --- copy ------------------------------------------------------------------------------
    def prep_copy(self, tdir, rng, i):
        base = os.path.join(self.work, "base", "copy")
        srepo, trepo = os.path.join(tdir, "from"), os.path.join(tdir, "to")
        shutil.copytree(os.path.join(base, "from"), srepo, symlinks=True)
        shutil.copytree(os.path.join(base, "to"), trepo, symlinks=True)
        argv = ["copy", "--from", srepo, "--to", trepo, "-q"]
        base_scan = scan_repo(trepo)
        allc = {"c1", "c2", "c3"}

        def observer(pid):
            def obs():
                s = scan_repo(trepo)
                new_data = {k: v for k, v in s["data"].items() if k not in base_scan["data"]}
                tmp = any(is_tmp(k) for k in new_data)
                committed = len([k for k in s["snapshots"] if k not in base_scan["snapshots"] and not is_tmp(k)])
                new_idx = len([k for k in s["index"] if k not in base_scan["index"] and not is_tmp(k)])
                what = "pack streaming" if tmp else ("index written" if new_idx > committed else "packs stored")
                return {"started": sum(new_data.values()) > 0 or tmp, "finished": committed >= 2,
                        "progress": sum(new_data.values()), "phase": f"C {committed}/2 copied, {what}"}
            return obs

        def post_kill(ctx):
            f = self.verify_repo(trepo, {"c1"}, allc, tdir)
            rc, out, err, _ = self.lb.run(["check", "--repo", srepo])
            if rc != 0:
                f.append(f"source check rc={rc}: {one_line(out + err)}")
            return f

        def rerun(ctx):
            rc, out, err, _ = self.lb.run(argv)
            if rc != 0:
                return [f"re-run copy rc={rc}: {one_line(err or out)}"]
            return [f"after re-run: {f}" for f in self.verify_repo(trepo, allc, allc, tdir)]

        return {"argv": argv, "observer": observer, "post_kill": post_kill, "rerun": rerun, "integer": False,
                "late": ("C 0/2 copied, index", "C 1/2 copied, index")}

    # --- restore ---------------------------------------------------------------------------
    def prep_restore(self, tdir, rng, i):
        base = os.path.join(self.work, "base", "restore")
        repo = os.path.join(tdir, "repo")
        tgt = os.path.join(tdir, "target")
        shutil.copytree(os.path.join(base, "repo"), repo, symlinks=True)
        exp = self.expected["rbase"]
        exp_files = {k for k, v in exp.items() if v != "dir"}
        argv = ["restore", self.restore_snap, "--repo", repo, "--target", tgt, "-q"]

        def observer(pid):
            def obs():
                s = scan_tree(tgt)
                final = [k for k in s if not os.path.basename(k).startswith(".lifeboat-restore-")]
                tmp = len(s) - len(final)
                done = len([k for k in final if k in exp_files])
                frac = done / len(exp_files)
                q = "0%" if done == 0 else f"<{min(100, 25 * (int(frac * 4) + 1))}%"
                return {"started": sum(s.values()) > 0, "finished": done >= len(exp_files),
                        "progress": sum(s.values()),
                        "phase": f"R files final {q}" + (", temp file in flight" if tmp else "")}
            return obs

        def post_kill(ctx):
            f = []
            got = tree_hashes(tgt)
            for k, h in got.items():
                if os.path.basename(k).startswith(".lifeboat-restore-"):
                    continue
                if k not in exp:
                    f.append(f"killed restore left unknown file {k}")
                elif exp[k] != h:
                    f.append(f"killed restore left {k} under its final name with wrong content")
            ctx["left_tmp"] = len([k for k in got if os.path.basename(k).startswith(".lifeboat-restore-")])
            return f + self.verify_repo(repo, {"rbase"}, {"rbase"}, tdir)

        def rerun(ctx):
            rc, out, err, _ = self.lb.run(argv + ["--force"])
            if rc != 0:
                return [f"re-run restore --force rc={rc}: {one_line(err or out)}"]
            got = tree_hashes(tgt)
            left = sorted(k for k in got if os.path.basename(k).startswith(".lifeboat-restore-"))
            fails = [f"re-run restore --force left the killed run's temp file(s) in the target: {left}"] if left else []
            d = diff_trees(exp, {k: v for k, v in got.items() if k not in left})
            return fails + ([f"re-run restore --force into the killed target: {d}"] if d else [])

        return {"argv": argv, "observer": observer, "post_kill": post_kill, "rerun": rerun, "integer": False}

    # --- S3 backup -------------------------------------------------------------------------
    def prep_s3(self, tdir, rng, i):
        m = self.moto
        m.reset()
        prefix = f"t{i}"
        url = f"s3:{m.endpoint}/{BUCKET}/{prefix}"
        src = os.path.join(tdir, "src")
        r2 = random.Random(f"{self.args.seed}:s3base")
        for j in range(10):
            write_text(os.path.join(src, "conf", f"f{j}.txt"), r2.randint(1000, 40000), r2)
        write_random(os.path.join(src, "big.bin"), 2 << 20, r2)
        self.run_ok(["init", "--repo", url, "-q"], "s3 init")
        self.backup(url, src, "s1")
        write_random(os.path.join(src, f"new{i}.bin"), rng.randint(6 << 20, 12 << 20), rng)
        write_text(os.path.join(src, "conf", "f1.txt"), rng.randint(1000, 40000), rng)
        new_hashes = tree_hashes(src, prefix="src")
        base_data = m.list(f"{prefix}/data/")
        base_snaps = set(m.list(f"{prefix}/snapshots/"))
        tag, rtag = f"sk{i}", f"sr{i}"
        put_data = re.compile(rf'"PUT /{BUCKET}/{prefix}/data/\S+ HTTP/1\.[01]" 200')
        put_snap = re.compile(rf'"PUT /{BUCKET}/{prefix}/snapshots/\S+ HTTP/1\.[01]" 2\d\d')
        put_idx = re.compile(rf'"PUT /{BUCKET}/{prefix}/index/\S+ HTTP/1\.[01]" 2\d\d')

        def observer(pid):
            st = {"off": m.log_offset(), "data": 0, "snap": 0, "idx": 0, "buf": b""}

            def obs():
                with open(m.log_path, "rb") as f:
                    f.seek(st["off"])
                    chunk = f.read()
                st["off"] += len(chunk)
                buf = st["buf"] + chunk
                lines = buf.split(b"\n")
                st["buf"] = lines.pop()
                for ln in lines:
                    s = ln.decode(errors="replace")
                    if put_data.search(s):
                        st["data"] += 1
                    elif put_snap.search(s):
                        st["snap"] += 1
                    elif put_idx.search(s):
                        st["idx"] += 1
                phase = "S2 index PUT done, no snapshot" if st["idx"] else "S1 packs uploading"
                return {"started": st["data"] > 0, "finished": st["snap"] > 0, "progress": st["data"],
                        "phase": phase}
            return obs

        def on_stopped(o):
            # authoritative listing while the process is stopped
            data = m.list(f"{prefix}/data/")
            snaps = set(m.list(f"{prefix}/snapshots/"))
            o = dict(o)
            if snaps - base_snaps:
                o["finished"] = True
            if len(data) <= len(base_data):
                o["started"] = False
            o["phase"] += f" ({len(data) - len(base_data)} packs listed)"
            return o

        def post_kill(ctx):
            time.sleep(0.3)
            if set(m.list(f"{prefix}/snapshots/")) - base_snaps:
                raise Discard(("snapshot PUT was in flight at the kill", None))
            return self.verify_repo(url, {"s1"}, {"s1"}, tdir)

        def rerun(ctx):
            rc, out, err, _ = self.lb.run(["backup", "--repo", url, "--tag", rtag, "-q", src])
            if rc != 0:
                return [f"re-run S3 backup rc={rc}: {one_line(err or out)}"]
            self.expected[rtag] = new_hashes
            return [f"after re-run: {f}" for f in
                    self.verify_repo(url, {"s1", rtag}, {"s1", rtag}, tdir, only={rtag})]

        return {"argv": ["backup", "--repo", url, "--tag", tag, "-q", src], "observer": observer,
                "on_stopped": on_stopped, "post_kill": post_kill, "rerun": rerun, "integer": True, "late": ("S2",)}

    PREP = {"backup": "prep_backup", "prune": "prep_prune", "forget": "prep_forget", "copy": "prep_copy",
            "restore": "prep_restore", "s3-backup": "prep_s3"}

    # ------------------------------------------------------------------ trial loop
    def calibrate(self, op):
        bests = {}
        for j in range(4 if op == "forget" else 2):
            tdir = os.path.join(self.work, "trials", f"calib-{op}-{j}")
            rmtree(tdir)
            os.makedirs(tdir)
            ctx = getattr(self, self.PREP[op])(tdir, random.Random(f"{self.args.seed}:calib:{op}:{j}"), 90000 + j)
            p = self.lb.popen(ctx["argv"], os.path.join(tdir, "out.txt"))
            _, st = self.drive(p, ctx["observer"](p.pid), "observe", 0)
            if st["rc"] != 0:
                raise RuntimeError(f"calibration run of {op} failed rc={st['rc']}: "
                                   f"{open(os.path.join(tdir, 'out.txt')).read()[:500]}")
            key = ctx.get("variant", op)
            best = bests.setdefault(key, {"max_progress": 0, "duration": 0.0})
            best["max_progress"] = max(best["max_progress"], st["max_progress"])
            best["duration"] = max(best["duration"], st["duration"])
            best["integer"] = ctx["integer"]
            rmtree(tdir)
        for key, best in bests.items():
            self.calib[key] = best
            print(f"  calibrated {key}: progress up to {best['max_progress']}, "
                  f"{best['duration'] * 1000:.0f} ms from first write to the end", flush=True)

    def trial(self, op, i, trial_seed):
        r = self.results[op]
        rng = random.Random(trial_seed)
        tdir = os.path.join(self.work, "trials", f"{op}-{i}")
        rmtree(tdir)
        os.makedirs(tdir)
        ctx = getattr(self, self.PREP[op])(tdir, rng, i)
        mode, thr = self.pick_kill_point(ctx.get("variant", op), rng, ctx.get("late", ()))
        r["attempts"] += 1
        p = self.lb.popen(ctx["argv"], os.path.join(tdir, "out.txt"))
        try:
            _, obs = self.drive(p, ctx["observer"](p.pid), mode, thr, ctx.get("on_stopped"))
            fails = ctx["post_kill"](ctx)
        except Discard as d:
            reason, rc = d.args[0]
            if reason == "finished before kill point" and rc not in (None, 0):
                out = open(os.path.join(tdir, "out.txt"), errors="replace").read()
                r["failures"].append({"trial": i, "seed": trial_seed, "kill": f"{mode}={thr}",
                                      "phase": "-", "dir": tdir,
                                      "what": [f"un-killed run failed rc={rc}: {one_line(out)}"]})
                return
            r["discarded"][reason] += 1
            rmtree(tdir)
            return
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
        fails += ctx["rerun"](ctx)
        r["trials"] += 1
        r["modes"][mode] += 1
        phase = obs["phase"]
        if ctx.get("variant"):
            phase = f"{ctx['variant']}: {phase}"
        r["phases"][phase] += 1
        if ctx.get("left_tmp"):
            r.setdefault("notes", collections.Counter())["killed restore left .lifeboat-restore-* temp files"] += 1
        for fd in ctx.get("findings", []):
            r.setdefault("findings", []).append({"trial": i, "seed": trial_seed, "what": fd})
        killdesc = f"phase {thr}" if mode == "phase" else f"{mode} {'threshold' if mode == 'progress' else 'delay'}=" + \
            (f"{thr:.0f}" if mode == "progress" else f"{thr * 1000:.1f}ms")
        if fails:
            r["failures"].append({"trial": i, "seed": trial_seed, "kill": killdesc, "phase": phase,
                                  "dir": tdir, "what": fails})
            print(f"  FAIL {op} #{i} ({killdesc}, {phase}): {fails[0]}", flush=True)
        elif not self.args.keep:
            rmtree(tdir)

    def run(self):
        os.makedirs(self.work, exist_ok=True)
        t0 = time.monotonic()
        ops = self.args.ops
        if "s3-backup" in ops:
            self.moto = Moto(self.work)
        try:
            print("building base repositories…", flush=True)
            self.build_bases()
            for op in ops:
                self.calibrate(op)
            wsum = sum(WEIGHTS[o] for o in ops)
            counts = {o: max(1, round(self.args.trials * WEIGHTS[o] / wsum)) for o in ops}
            diff = self.args.trials - sum(counts.values())
            counts[ops[0]] += diff
            for op in ops:
                want = counts[op]
                i = self.args.first_index
                tstart = time.monotonic()
                while self.results[op]["trials"] + len(self.results[op]["failures"]) * 0 < want and \
                        self.results[op]["attempts"] < want * 6:
                    seed = self.args.trial_seed if self.args.trial_seed else f"{self.args.seed}:{op}:{i}"
                    try:
                        self.trial(op, i, seed)
                    except Exception as e:
                        self.results[op]["failures"].append({"trial": i, "seed": seed, "kill": "-", "phase": "-",
                                                             "dir": "-", "what": [f"harness error: {e!r}",
                                                                                  traceback.format_exc()[-800:]]})
                        self.results[op]["attempts"] += 1
                    i += 1
                r = self.results[op]
                print(f"  {op}: {r['trials']} trials, {sum(r['discarded'].values())} discarded, "
                      f"{len(r['failures'])} failures, {time.monotonic() - tstart:.0f} s", flush=True)
        finally:
            if self.moto:
                self.moto.stop()
        self.report(time.monotonic() - t0)
        return 1 if any(self.results[o]["failures"] for o in ops) or \
            any(self.results[o]["trials"] < counts[o] for o in ops) else 0

    def report(self, secs):
        print()
        print(f"Kill campaign: lifeboat {self.args.lifeboat}, seed {self.args.seed!r}, {secs:.0f} s")
        print()
        hdr = f"{'operation':<11} {'trials':>6} {'discarded':>9} {'failures':>8}  kill points (mode: count; phase at kill: count)"
        print(hdr)
        print("-" * len(hdr))
        tot = collections.Counter()
        for op in self.args.ops:
            r = self.results[op]
            nd = sum(r["discarded"].values())
            tot["trials"] += r["trials"]
            tot["disc"] += nd
            tot["fail"] += len(r["failures"])
            modes = ", ".join(f"{k}: {v}" for k, v in sorted(r["modes"].items()))
            print(f"{op:<11} {r['trials']:>6} {nd:>9} {len(r['failures']):>8}  {modes}")
            for ph, n in sorted(r["phases"].items()):
                print(f"{'':<40}{ph}: {n}")
            for why, n in sorted(r["discarded"].items()):
                print(f"{'':<40}discarded, {why}: {n}")
            for why, n in sorted(r.get("notes", {}).items()):
                print(f"{'':<40}note, {why}: {n}")
        print("-" * len(hdr))
        print(f"{'total':<11} {tot['trials']:>6} {tot['disc']:>9} {tot['fail']:>8}")
        c = self.calib
        print()
        print("calibration (uninterrupted run): " + "; ".join(
            f"{o} progress≤{c[o]['max_progress']:.0f} in {c[o]['duration'] * 1000:.0f} ms" for o in c))
        finds = [(o, f) for o in self.args.ops for f in self.results[o].get("findings", [])]
        if finds:
            print()
            print(f"FINDINGS (not counted as crash-safety failures): {len(finds)}")
            by = collections.defaultdict(list)
            for o, f in finds:
                by[(o, re.sub(r"\[.*\]", "[…]", f["what"]))].append(f)
            for (o, w), fs in by.items():
                print(f"- {o}, {len(fs)} trials (e.g. trial {fs[0]['trial']}): {w}")
                print(f"    e.g. {fs[0]['what']}")
        fails = [(o, f) for o in self.args.ops for f in self.results[o]["failures"]]
        if fails:
            print()
            print("FAILURES")
            for o, f in fails:
                print(f"- {o} trial {f['trial']} (seed {f['seed']!r}), kill at {f['kill']}, phase {f['phase']}, "
                      f"kept in {f['dir']}")
                for w in f["what"]:
                    print(f"    {w}")
                print(f"    reproduce: python3 {os.path.abspath(__file__)} --ops {o} --trials 1 "
                      f"--first-index {f['trial']} --seed {self.args.seed!r} --keep")
        else:
            print("\nno failures")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--trials", type=int, default=200, help="counted kill trials over all operations (200)")
    ap.add_argument("--ops", default=",".join(OPS), help=f"comma-separated subset of {','.join(OPS)}")
    ap.add_argument("--seed", default="lifeboat-kill", help="campaign seed (data and kill points)")
    ap.add_argument("--trial-seed", default=None, help="override the per-trial seed (reproduction)")
    ap.add_argument("--first-index", type=int, default=0, help="index of the first trial of each operation")
    ap.add_argument("--lifeboat", default=DEFAULT_LIFEBOAT)
    ap.add_argument("--work", default="/tmp/lb-kill-campaign")
    ap.add_argument("--keep", action="store_true", help="keep every trial directory")
    args = ap.parse_args()
    args.ops = [o for o in args.ops.split(",") if o]
    for o in args.ops:
        if o not in OPS:
            ap.error(f"unknown operation {o}")
    if not os.access(args.lifeboat, os.X_OK):
        ap.error(f"{args.lifeboat} is not executable")
    sys.exit(Campaign(args).run())


if __name__ == "__main__":
    main()
