#!/usr/bin/env python3
"""Corruption campaign: damage ONE stored object of a copy of a pristine repository, then
require that `check --read-data` refuses it naming the object, and that no restore ever
writes a wrong byte.

The pristine repository has three snapshots of a tree with a large file (enough chunks
for chunk-list blobs), small files and a subdirectory, and three key slots (the init
password, a second password, a key file). The script decrypts the repository with the
password (key slot -> master key, AES-256-GCM, zstd via the `zstd` command) to map every
frame of every pack: its members, whether it holds file data, a directory tree or a chunk
list, and which snapshots need it. That map gives every trial a precise target and tells
which restores must still succeed.

Object kinds: config, key slot in use (the one the campaign's password opens), another key
slot, index file, snapshot manifest, pack header (the pack's tail: sealed header and its
4-byte length), a data frame, a tree frame, a chunk-list frame, and a whole pack.
Damages: flip (XOR one random byte of the region with a random non-zero value), truncate
(the object cut at a random length; for a frame or header kind the cut falls inside that
region of the pack), swap (the object's bytes replaced by another object's: another of the
same kind or, for a part of the trials, of a different kind; a frame is overwritten in
place by another frame's bytes, a header by another pack's tail; a whole pack by another
pack's bytes).

Per trial:
  * check --read-data must exit non-zero and its output must name the object (the first
    8 hex characters of its name; "config" for config). A damaged key slot that the
    password does not use is counted separately: nothing needs it to open the repository.
  * restore of every snapshot (by id) into a fresh target must either exit 0 with every
    file bit-identical, or exit non-zero naming the object. After a failed restore every
    file under its final name must equal the original ("wrong bytes" must be 0); temporary
    `.lifeboat-restore-*` files left behind are counted.
  * a snapshot that does not need the damaged object (per the map) is expected to restore;
    a refusal of it is counted ("over-refused") but allowed.
"""
from __future__ import annotations

import argparse
import base64
import collections
import hashlib
import json
import os
import random
import shutil
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import (DEFAULT_LIFEBOAT, PASSWORD, Lifeboat, diff_trees, one_line, rmtree,  # noqa: E402
                     tree_hashes, write_random, write_text)

try:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
except ImportError:  # pragma: no cover
    AESGCM = None

KINDS = ["config", "key-used", "key-other", "index", "snapshot", "pack-header",
         "frame-data", "frame-tree", "frame-chunklist", "pack"]
DAMAGES = ["flip", "truncate", "swap"]
CELLS = [(k, d) for k in KINDS for d in DAMAGES if not (k == "pack" and d != "swap")]
TMP_PREFIX = ".lifeboat-restore-"
PASSWORD2 = "second-campaign-password"


# ----------------------------------------------------------------------------- decoding

class RepoMap:
    """Decrypts a local repository far enough to map packs, frames and what snapshots need."""

    def __init__(self, repo: str, password: str):
        if AESGCM is None:
            raise RuntimeError("python3 module 'cryptography' is needed to map the repository")
        self.repo = repo
        self.master = None
        self.used_slot = None
        for name in sorted(os.listdir(os.path.join(repo, "keys"))):
            slot = json.load(open(os.path.join(repo, "keys", name)))
            if slot.get("kind") != "password":
                continue
            kek = hashlib.scrypt(password.encode(), salt=base64.b64decode(slot["salt"]), n=slot["n"],
                                 r=slot["r"], p=slot["p"], dklen=32, maxmem=1 << 30)
            sealed = base64.b64decode(slot["data"])
            try:
                self.master = AESGCM(kek).decrypt(sealed[:12], sealed[12:], None)
                self.used_slot = name
                break
            except Exception:
                continue
        if self.master is None:
            raise RuntimeError("password opens no key slot")
        self.aes = AESGCM(self.master[:32])
        self.packs: dict[str, dict] = {}      # pack id -> {path, size, header_start, frames{offset: frame}}
        self.blob_loc: dict[bytes, tuple[str, int]] = {}
        for sub in sorted(os.listdir(os.path.join(repo, "data"))):
            d = os.path.join(repo, "data", sub)
            if not os.path.isdir(d):
                continue
            for name in sorted(os.listdir(d)):
                if name.startswith(".tmp-"):
                    continue
                self._map_pack(name, os.path.join(d, name))
        self.snapshots: dict[str, dict] = {}
        for name in sorted(os.listdir(os.path.join(repo, "snapshots"))):
            m = json.loads(self.open_object(open(os.path.join(repo, "snapshots", name), "rb").read()))
            self.snapshots[name] = m
        self.needs: dict[str, set[tuple[str, int]]] = {}   # snapshot -> frames (pack, offset)
        for sid, m in self.snapshots.items():
            frames: set[tuple[str, int]] = set()
            self._walk_tree(bytes.fromhex(m["tree"]), frames)
            self.needs[sid] = frames

    def open_object(self, sealed: bytes, aad: bytes | None = None) -> bytes:
        payload = self.aes.decrypt(sealed[:12], sealed[12:], aad)
        if payload[0] == 0:
            return payload[1:]
        if payload[0] == 1:
            return subprocess.run(["zstd", "-d", "-c", "-q"], input=payload[1:], stdout=subprocess.PIPE,
                                  check=True).stdout
        raise ValueError(f"unknown form byte {payload[0]}")

    def _map_pack(self, name: str, path: str):
        data = open(path, "rb").read()
        hlen = struct.unpack("<I", data[-4:])[0]
        hstart = len(data) - 4 - hlen
        plain = self.aes.decrypt(data[hstart:hstart + 12], data[hstart + 12:len(data) - 4], None)
        assert plain[:4] == b"LBPK", "bad pack magic"
        version = plain[4]
        count = struct.unpack("<I", plain[5:9])[0]
        esize = 49 if version >= 2 else 45
        frames: dict[int, dict] = {}
        for i in range(count):
            e = plain[9 + i * esize: 9 + (i + 1) * esize]
            typ, bid = e[0], e[1:33]
            off, ln, raw = struct.unpack("<III", e[33:45])
            inner = struct.unpack("<I", e[45:49])[0] if version >= 2 else 0
            f = frames.setdefault(off, {"offset": off, "length": ln, "members": [], "type": typ})
            f["members"].append((bid, raw, inner, typ))
            self.blob_loc[bid] = (name, off)
        for off, f in frames.items():
            first = [m for m in f["members"] if m[2] == 0][0]
            plain_f = self.open_object(data[off:off + f["length"]], aad=first[0])
            f["plain"] = plain_f
            kind = "data"
            if f["type"] == 1:
                mem = plain_f[first[2]:first[2] + first[1]]
                try:
                    json.loads(mem)
                    kind = "tree"
                except ValueError:
                    kind = "chunklist"
            f["kind"] = kind
        self.packs[name] = {"path": path, "size": len(data), "header_start": hstart, "frames": frames}

    def blob(self, bid: bytes) -> bytes:
        pack, off = self.blob_loc[bid]
        f = self.packs[pack]["frames"][off]
        for m in f["members"]:
            if m[0] == bid:
                return f["plain"][m[2]:m[2] + m[1]]
        raise KeyError(bid.hex())

    def _walk_tree(self, tid: bytes, frames: set):
        frames.add(self.blob_loc[tid])
        tree = json.loads(self.blob(tid))
        for n in tree.get("nodes", []):
            if n.get("subtree"):
                self._walk_tree(bytes.fromhex(n["subtree"]), frames)
            for c in n.get("chunks") or []:
                frames.add(self.blob_loc[bytes.fromhex(c[0])])
            for cl in n.get("chunkLists") or []:
                cid = bytes.fromhex(cl)
                frames.add(self.blob_loc[cid])
                b = self.blob(cid)
                for i in range(0, len(b), 36):
                    frames.add(self.blob_loc[b[i:i + 32]])

    def frames_of_kind(self, kind: str) -> list[tuple[str, int]]:
        return [(p, o) for p, pk in self.packs.items() for o, f in pk["frames"].items() if f["kind"] == kind]


# ----------------------------------------------------------------------------- campaign

class Campaign:
    def __init__(self, args):
        self.args = args
        self.lb = Lifeboat(args.lifeboat)
        self.work = args.work
        self.rows = collections.defaultdict(collections.Counter)
        self.failures: list[dict] = []
        self.notes: list[str] = []

    def run_ok(self, argv, what, env=None):
        rc, out, err, _ = self.lb.run(argv, env=env)
        if rc != 0:
            raise RuntimeError(f"{what}: rc={rc} {one_line(err or out)}")
        return out

    def build(self):
        rng = random.Random(f"{self.args.seed}:pristine")
        B = os.path.join(self.work, "pristine")
        rmtree(B)
        src = os.path.join(B, "src")
        repo = os.path.join(B, "repo")
        os.makedirs(B)
        write_random(os.path.join(src, "big.bin"), self.args.big_mb << 20, rng)
        for i in range(10):
            write_text(os.path.join(src, "conf", f"c{i}.txt"), rng.randint(200, 30000), rng)
        for i in range(3):
            write_random(os.path.join(src, "sub", "deep", f"m{i}.bin"), rng.randint(100_000, 600_000), rng)
        os.symlink("big.bin", os.path.join(src, "current"))
        self.run_ok(["init", "--repo", repo, "-q"], "init")
        self.expected: dict[str, dict[str, str]] = {}
        order = []

        def backup(tag):
            out = self.run_ok(["backup", "--repo", repo, "--tag", tag, "--json", src], "backup")
            sid = json.loads(out)["snapshot_id"]
            self.expected[sid] = tree_hashes(src, prefix="src")
            order.append(sid)

        backup("s1")
        for i in (2, 5):
            write_text(os.path.join(src, "conf", f"c{i}.txt"), rng.randint(200, 30000), rng)
        write_random(os.path.join(src, "sub", "new.bin"), 400_000, rng)
        backup("s2")
        with open(os.path.join(src, "big.bin"), "r+b") as f:   # change the middle of the large file
            f.seek((self.args.big_mb << 20) // 2)
            f.write(rng.randbytes(300_000))
        os.unlink(os.path.join(src, "conf", "c7.txt"))
        backup("s3")
        self.snap_order = order
        # more key slots: a second password and a key file
        pw2 = os.path.join(B, "pw2")
        open(pw2, "w").write(PASSWORD2 + "\n")
        keyfile = os.path.join(B, "keyfile")
        self.run_ok(["key", "generate", "-o", keyfile], "key generate")
        keys_before = set(os.listdir(os.path.join(repo, "keys")))
        self.run_ok(["key", "add", "--repo", repo, "--new-password-file", pw2, "-q"], "key add password")
        self.run_ok(["key", "add", "--repo", repo, "--new-key-file", keyfile, "-q"], "key add key file")
        self.keyfile = keyfile
        rc, out, err, _ = self.lb.run(["check", "--repo", repo, "--read-data"])
        if rc != 0:
            raise RuntimeError(f"pristine repository fails check: {one_line(out + err)}")
        self.map = RepoMap(repo, PASSWORD)
        assert self.map.used_slot in keys_before
        self.pristine = repo
        kinds = collections.Counter(f["kind"] for p in self.map.packs.values() for f in p["frames"].values())
        print(f"pristine repository: {len(self.map.snapshots)} snapshots, {len(self.map.packs)} packs, "
              f"frames {dict(kinds)}, {len(os.listdir(os.path.join(repo, 'index')))} index files, "
              f"{len(os.listdir(os.path.join(repo, 'keys')))} key slots", flush=True)
        for k in ("data", "tree", "chunklist"):
            if not kinds.get(k):
                raise RuntimeError(f"pristine repository has no {k} frame (raise --big-mb?)")

    # ------------------------------------------------------------------ damage
    def objects(self, kind: str, repo: str) -> list[str]:
        """Relative paths of the stored objects of a kind."""
        def ls(sub):
            d = os.path.join(repo, sub)
            return sorted(os.path.join(sub, n) for n in os.listdir(d) if not n.startswith(".tmp-"))
        if kind == "config":
            return ["config"]
        if kind == "key-used":
            return [os.path.join("keys", self.map.used_slot)]
        if kind == "key-other":
            return [p for p in ls("keys") if os.path.basename(p) != self.map.used_slot]
        if kind == "index":
            return ls("index")
        if kind == "snapshot":
            return ls("snapshots")
        if kind in ("pack", "pack-header"):
            return [os.path.relpath(p["path"], self.pristine) for p in self.map.packs.values()]
        raise KeyError(kind)

    def all_objects(self, repo) -> list[str]:
        out = []
        for k in ("config", "key-used", "key-other", "index", "snapshot", "pack"):
            out += self.objects(k, repo)
        return out

    def apply(self, repo: str, kind: str, damage: str, rng: random.Random) -> dict:
        """Damage one object in `repo`; returns a description with the object's name and the
        frames (pack, offset) whose bytes were touched (None: the whole object)."""
        info: dict = {"kind": kind, "damage": damage}
        if kind.startswith("frame-"):
            fk = kind[len("frame-"):]
            pack, off = rng.choice(self.map.frames_of_kind(fk))
            pk = self.map.packs[pack]
            fr = pk["frames"][off]
            rel = os.path.relpath(pk["path"], self.pristine)
            path = os.path.join(repo, rel)
            data = bytearray(open(path, "rb").read())
            start, end = off, off + fr["length"]
            info.update(object=rel, name=pack, frames={(pack, off)}, region=f"frame @{off}+{fr['length']}",
                        blob=fr["members"][0][0].hex())
            if damage == "flip":
                pos = rng.randrange(start, end)
                data[pos] ^= rng.randrange(1, 256)
                info["detail"] = f"byte {pos} of {len(data)} flipped (frame {start}..{end})"
            elif damage == "truncate":
                cut = rng.randrange(start, end)
                data = data[:cut]
                info["detail"] = f"pack truncated to {cut} bytes (inside frame {start}..{end}, was {len(data)})"
                info["frames"] = None     # the header is gone: the whole pack
            else:
                same = rng.random() < 0.6
                cands = [(p, o) for (p, o) in self.map.frames_of_kind(fk) if (p, o) != (pack, off)] if same else \
                    [(p, o) for k2 in ("data", "tree", "chunklist") if k2 != fk for (p, o) in self.map.frames_of_kind(k2)]
                if not cands:
                    cands = [(p, o) for p, pk2 in self.map.packs.items() for o in pk2["frames"] if (p, o) != (pack, off)]
                p2, o2 = rng.choice(cands)
                other = open(self.map.packs[p2]["path"], "rb").read()
                ob = other[o2:o2 + self.map.packs[p2]["frames"][o2]["length"]]
                repl = (ob + bytes(data[start + len(ob):end]))[:end - start]
                data[start:end] = repl
                info["detail"] = (f"frame overwritten with the {self.map.packs[p2]['frames'][o2]['kind']} frame "
                                  f"data/{p2[:2]}/{p2[:8]}…@{o2}")
            open(path, "wb").write(bytes(data))
            return info
        rel = rng.choice(self.objects(kind, repo))
        path = os.path.join(repo, rel)
        data = bytearray(open(path, "rb").read())
        name = os.path.basename(rel)
        info.update(object=rel, name=name, frames=None)
        lo, hi = 0, len(data)
        if kind == "pack-header":
            lo = self.map.packs[name]["header_start"]
            info["region"] = f"tail {lo}..{hi}"
        if damage == "flip":
            pos = rng.randrange(lo, hi)
            data[pos] ^= rng.randrange(1, 256)
            info["detail"] = f"byte {pos} of {hi} flipped"
            if kind == "pack-header" and pos >= hi - 4:
                info["detail"] += " (in the header length)"
        elif damage == "truncate":
            cut = rng.randrange(lo, hi)
            data = data[:cut]
            info["detail"] = f"truncated to {cut} of {hi} bytes"
        else:
            if kind == "pack-header":
                others = [p for p in self.map.packs if p != name]
                o = open(self.map.packs[(p2 := rng.choice(others))]["path"], "rb").read()
                data = data[:lo] + o[self.map.packs[p2]["header_start"]:]
                info["detail"] = f"tail replaced by the tail of pack {p2[:8]}"
            else:
                same_kind = kind not in ("config",) and rng.random() < 0.7
                if same_kind:
                    pool = [p for p in (self.objects("key-used", repo) + self.objects("key-other", repo)
                                        if kind.startswith("key") else self.objects(kind, repo)) if p != rel]
                else:
                    pool = [p for p in self.all_objects(repo) if p != rel and p.split("/")[0] != rel.split("/")[0]]
                if not pool:
                    pool = [p for p in self.all_objects(repo) if p != rel]
                src = rng.choice(pool)
                data = bytearray(open(os.path.join(repo, src), "rb").read())
                info["detail"] = f"contents replaced by those of {src[:20]}"
        open(path, "wb").write(bytes(data))
        return info

    # ------------------------------------------------------------------ one trial
    def is_needed(self, info: dict, sid: str) -> bool:
        kind = info["kind"]
        if kind in ("config", "key-used"):
            return True
        if kind in ("index", "key-other"):
            return False          # an index can be rebuilt from pack headers; an unused slot is not needed
        if kind == "snapshot":
            return info["name"] == sid
        if kind.startswith("frame-") and info["frames"] is not None:
            return bool(info["frames"] & self.map.needs[sid])
        return any(p == info["name"] for p, _ in self.map.needs[sid])

    def names_object(self, text: str, info: dict) -> bool:
        t = text.lower()
        if info["kind"] == "config":
            return "config" in t
        return info["name"][:8].lower() in t

    def trial(self, n: int, kind: str, damage: str, seed: str):
        rng = random.Random(seed)
        tdir = os.path.join(self.work, "t", f"{n}")
        rmtree(tdir)
        os.makedirs(tdir)
        repo = os.path.join(tdir, "repo")
        subprocess.run(["cp", "-a", self.pristine, repo], check=True)
        info = self.apply(repo, kind, damage, rng)
        row = self.rows[(kind, damage)]
        row["trials"] += 1
        fails = []
        rc, out, err, _ = self.lb.run(["check", "--repo", repo, "--read-data"])
        ctext = out + err
        detected = rc != 0
        named = detected and self.names_object(ctext, info)
        row["detected"] += detected
        row["named"] += named
        informational = kind == "key-other"
        if not informational:
            if not detected:
                fails.append(f"check --read-data exited 0: {one_line(ctext, 300)}")
            elif not named:
                fails.append(f"check --read-data (rc={rc}) did not name {info['object']}: {one_line(ctext, 400)}")
        check_msg = one_line(ctext, 300)
        for sid in self.snap_order:
            tgt = os.path.join(tdir, f"restore-{sid[:8]}")
            rc, out, err, _ = self.lb.run(["restore", sid, "--repo", repo, "--target", tgt])
            rtext = out + err
            exp = self.expected[sid]
            got = tree_hashes(tgt)
            tmp_left = [k for k in got if os.path.basename(k).startswith(TMP_PREFIX)]
            final = {k: v for k, v in got.items() if k not in tmp_left}
            needed = self.is_needed(info, sid)
            wrong = sorted(k for k, v in final.items() if k in exp and exp[k] != v)
            unknown = sorted(k for k in final if k not in exp)
            if wrong or unknown:
                row["wrong_bytes"] += 1
                fails.append(f"restore {sid[:8]} rc={rc} left files with wrong content {wrong[:5]} "
                             f"or unknown files {unknown[:5]}")
            if tmp_left:
                row["tmp_left"] += 1
            if rc == 0:
                row["restore_ok"] += 1
                d = diff_trees(exp, final)
                if d:
                    fails.append(f"restore {sid[:8]} exited 0 but the tree differs: {d}")
                if needed and not kind.startswith("key") and kind != "index":
                    row["ok_though_needed"] += 1
            else:
                row["restore_refused"] += 1
                if not needed:
                    row["over_refused"] += 1
                if self.names_object(rtext, info):
                    row["refusal_named"] += 1
                else:
                    fails.append(f"restore {sid[:8]} failed (rc={rc}) without naming {info['object']}: "
                                 f"{one_line(rtext, 400)}")
            rmtree(tgt)
        if fails:
            row["failed_trials"] += 1
            self.failures.append({"n": n, "seed": seed, "kind": kind, "damage": damage, "info": info,
                                  "what": fails, "check": check_msg, "dir": tdir})
            keep = os.path.join(self.work, "failed", f"{n}-{kind}-{damage}")
            rmtree(keep)
            shutil.move(tdir, keep)
            self.failures[-1]["dir"] = keep
        else:
            rmtree(tdir)

    # ------------------------------------------------------------------ run / report
    def run(self) -> int:
        t0 = time.monotonic()
        os.makedirs(self.work, exist_ok=True)
        rmtree(os.path.join(self.work, "failed"))
        self.build()
        rng = random.Random(f"{self.args.seed}:plan")
        plan = [CELLS[i % len(CELLS)] for i in range(self.args.trials)]
        rng.shuffle(plan)
        for n, (kind, damage) in enumerate(plan):
            if self.args.only and f"{kind}:{damage}" not in self.args.only:
                continue
            if self.args.trial is not None and n != self.args.trial:
                continue
            seed = f"{self.args.seed}:{n}"
            try:
                self.trial(n, kind, damage, seed)
            except Exception as e:
                import traceback
                self.failures.append({"n": n, "seed": seed, "kind": kind, "damage": damage, "info": {},
                                      "what": [f"harness error {e!r}", traceback.format_exc()[-600:]],
                                      "check": "", "dir": "-"})
            if (n + 1) % 50 == 0:
                print(f"  {n + 1}/{len(plan)} trials, {len(self.failures)} failing, "
                      f"{time.monotonic() - t0:.0f} s", flush=True)
        self.report(time.monotonic() - t0)
        return 1 if self.failures else 0

    def report(self, secs):
        print()
        print(f"Corruption campaign: lifeboat {self.args.lifeboat}, seed {self.args.seed!r}, {secs:.0f} s")
        print("restores: one per snapshot per trial (3); 'needed' from the decrypted pack/tree map")
        print()
        cols = ["trials", "detected", "named", "restore_ok", "restore_refused", "refusal_named",
                "over_refused", "ok_though_needed", "tmp_left", "wrong_bytes", "failed_trials"]
        short = ["trials", "check!=0", "named", "rst ok", "rst refused", "refusal named",
                 "over-refused", "ok(needed)", "tmp left", "WRONG BYTES", "failed"]
        w = [max(len(s), 5) for s in short]
        head = f"{'object kind':<16} {'damage':<9} " + " ".join(f"{s:>{x}}" for s, x in zip(short, w))
        print(head)
        print("-" * len(head))
        tot = collections.Counter()
        for kind in KINDS:
            for damage in DAMAGES:
                r = self.rows.get((kind, damage))
                if not r:
                    continue
                tot.update(r)
                print(f"{kind:<16} {damage:<9} " + " ".join(f"{r[c]:>{x}}" for c, x in zip(cols, w)))
        print("-" * len(head))
        print(f"{'total':<16} {'':<9} " + " ".join(f"{tot[c]:>{x}}" for c, x in zip(cols, w)))
        print()
        print("key-other: a slot the password does not use; its detection is reported, not required.")
        print("over-refused: a restore refused although the map says the snapshot does not need the object "
              "(allowed when it names the object).")
        print("ok(needed): a restore that succeeded, bit-identical, although the snapshot needs the damaged object.")
        if not self.failures:
            print("\nno failures")
            return
        print()
        print(f"FAILURES: {len(self.failures)} trials")
        groups = collections.defaultdict(list)
        for f in self.failures:
            groups[(f["kind"], f["damage"])].append(f)
        for (kind, damage), fs in groups.items():
            print(f"- {kind} × {damage}: {len(fs)} trials")
            for f in fs[:self.args.show]:
                i = f["info"]
                print(f"    trial {f['n']} (seed {f['seed']!r}): {i.get('object', '?')} "
                      f"{i.get('region', '')} {i.get('detail', '')}; kept in {f['dir']}")
                for w_ in f["what"][:4]:
                    print(f"      {w_}")
                print(f"      check said: {f['check']}")
                print(f"      reproduce: python3 {os.path.abspath(__file__)} --trials {self.args.trials} "
                      f"--seed {self.args.seed!r} --trial {f['n']}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--trials", type=int, default=500)
    ap.add_argument("--seed", default="lifeboat-corrupt")
    ap.add_argument("--trial", type=int, default=None, help="run only this trial number of the plan (reproduce)")
    ap.add_argument("--only", default="", help="comma-separated kind:damage cells to run, e.g. index:flip")
    ap.add_argument("--big-mb", type=int, default=20, help="size of the large file (MiB; chunk lists need >64 chunks)")
    ap.add_argument("--lifeboat", default=DEFAULT_LIFEBOAT)
    ap.add_argument("--work", default="/dev/shm/lb-corrupt-campaign" if os.path.isdir("/dev/shm") else
                    "/tmp/lb-corrupt-campaign")
    ap.add_argument("--show", type=int, default=3, help="failures shown per cell")
    args = ap.parse_args()
    args.only = set(x for x in args.only.split(",") if x)
    if not os.access(args.lifeboat, os.X_OK):
        ap.error(f"{args.lifeboat} is not executable")
    sys.exit(Campaign(args).run())


if __name__ == "__main__":
    main()
