#!/usr/bin/env python3
"""S3 benchmark: lifeboat's S3 backend vs restic's, against one moto_server on loopback.

One run starts moto_server, creates one bucket, and gives each tool its own prefix in it
(`s3:http://127.0.0.1:PORT/bench/lifeboat`, `.../bench/restic`). Then, as in compare.py:
backup of datadir v1, mutate, backup of v2, restore of the latest snapshot (verified by
SHA-256). Upload throughput is the growth of the tool's prefix in the bucket (object bytes,
listed with ListObjectsV2) divided by the backup's wall time. moto keeps every object in
memory, hence the smaller default dataset (256 MB).

Stdlib only; shares the dataset, timing and verification helpers of compare.py.
"""
from __future__ import annotations

import argparse
import datetime
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import compare  # noqa: E402  (the helpers of the local benchmark)

BUCKET = "bench"
ACCESS_KEY = "AKIABENCHMARK0000001"
SECRET_KEY = "lifeboat-bench-secret"
S3_TOOLS = ("lifeboat", "restic")


class MotoServer:
    """moto_server on a free loopback port, stopped on exit; moto checks no signatures."""

    def __init__(self, log_file: Path):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.log = open(log_file, "w")
        try:
            self.process = subprocess.Popen(["moto_server", "-H", "127.0.0.1", "-p", str(self.port)],
                                            stdout=self.log, stderr=subprocess.STDOUT)
        except OSError as e:
            raise compare.BenchError(f"cannot start moto_server ({e}); pip install 'moto[server]'")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise compare.BenchError(f"moto_server exited with {self.process.returncode}\n"
                                         f"{compare.tail(log_file)}")
            try:
                urllib.request.urlopen(f"{self.endpoint}/moto-api/", timeout=2).read()
                return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise compare.BenchError("moto_server did not answer within 60 seconds")

    def request(self, method: str, path: str) -> bytes:
        req = urllib.request.Request(self.endpoint + path, method=method)
        with urllib.request.urlopen(req, timeout=60) as answer:
            return answer.read()

    def prefix_bytes(self, prefix: str) -> int:
        """Total size of the objects under bucket/prefix/ (ListObjectsV2, all pages)."""
        total, token = 0, None
        ns = "{http://s3.amazonaws.com/doc/2006-03-01/}"
        while True:
            query = {"list-type": "2", "prefix": prefix + "/"}
            if token:
                query["continuation-token"] = token
            root = ET.fromstring(self.request("GET", f"/{BUCKET}?{urllib.parse.urlencode(query)}"))
            total += sum(int(c.findtext(f"{ns}Size") or 0) for c in root.iter(f"{ns}Contents"))
            token = root.findtext(f"{ns}NextContinuationToken")
            if root.findtext(f"{ns}IsTruncated") != "true" or not token:
                return total

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.log.close()


def s3_env(base: dict[str, str]) -> dict[str, str]:
    """A tool's environment with moto's keys and no AWS settings from this machine."""
    env = {k: v for k, v in base.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID=ACCESS_KEY, AWS_SECRET_ACCESS_KEY=SECRET_KEY, AWS_REGION="us-east-1",
               AWS_DEFAULT_REGION="us-east-1", AWS_SHARED_CREDENTIALS_FILE="/dev/null",
               AWS_CONFIG_FILE="/dev/null")
    return env


class S3Lifeboat(compare.Lifeboat):
    """lifeboat with its repository at s3:ENDPOINT/bench/lifeboat."""

    def __init__(self, binary: str, suite_dir: Path, endpoint: str):
        super().__init__(binary, suite_dir)
        self.url = f"s3:{endpoint}/{BUCKET}/{self.name}"

    def env(self) -> dict[str, str]:
        return s3_env(super().env())

    def init_cmd(self) -> list[str]:
        return [self.binary, "init", "--repo", self.url]

    def backup_cmd(self, datadir: Path, n: int) -> list[str]:
        return [self.binary, "backup", "--repo", self.url, str(datadir)]

    def restore_cmd(self) -> tuple[list[str], Path | None]:
        return [self.binary, "restore", "--repo", self.url, "latest", "--target", str(self.restore_dir)], None


class S3Restic(compare.Restic):
    """restic with its repository at s3:ENDPOINT/bench/restic."""

    def __init__(self, binary: str, suite_dir: Path, endpoint: str):
        super().__init__(binary, suite_dir)
        self.url = f"s3:{endpoint}/{BUCKET}/{self.name}"

    def env(self) -> dict[str, str]:
        return s3_env(super().env())

    def init_cmd(self) -> list[str]:
        return [self.binary, "init", "--repo", self.url]

    def backup_cmd(self, datadir: Path, n: int) -> list[str]:
        return [self.binary, "backup", "--repo", self.url, str(datadir)]

    def restore_cmd(self) -> tuple[list[str], Path | None]:
        return [self.binary, "restore", "latest", "--repo", self.url, "--target", str(self.restore_dir)], None


S3_CLASSES = {"lifeboat": S3Lifeboat, "restic": S3Restic}


def run(args: argparse.Namespace, tool_bins: dict[str, str]) -> tuple[dict[str, dict[str, float]], dict[str, list[str]], dict]:
    """The whole S3 suite; returns figures and restore problems per tool, and dataset sizes."""
    compare.check_disk_space(args.work, args.size_mb, len(tool_bins))
    pristine = compare.pristine_dataset(args.work, args.dataset_script, args.size_mb, args.fresh_dataset)
    suite_dir = args.work / f"s3-run-{args.size_mb}mb"
    subprocess.run(["rm", "-rf", str(suite_dir)], check=True)
    logs = suite_dir / "logs"
    logs.mkdir(parents=True)
    datadir = suite_dir / "data"
    compare.run_checked(["cp", "-a", str(pristine), str(datadir)], logs / "copy.log")
    moto = MotoServer(logs / "moto.log")
    try:
        moto.request("PUT", f"/{BUCKET}")
        tools = [S3_CLASSES[name](binary, suite_dir, moto.endpoint) for name, binary in tool_bins.items()]
        for t in tools:
            t.cache.mkdir(parents=True)
            t.restore_dir.mkdir(parents=True)
            compare.log(f"{t.name}: init on {t.url}")
            compare.run_checked(t.init_cmd(), logs / f"{t.name}-init.log", t.env())
        figures: dict[str, dict[str, float]] = {t.name: {} for t in tools}
        sizes = {"v1": compare.dir_bytes(datadir)}
        for n in (1, 2):
            if n == 2:
                compare.phase_mutate(args.dataset_script, datadir, args.size_mb, logs)
                sizes["v2"] = compare.dir_bytes(datadir)
            for t in tools:
                compare.warm_cache(datadir)
                before = moto.prefix_bytes(t.name)
                compare.log(f"{t.name}: backup {n}")
                step = compare.run_timed(t.backup_cmd(datadir, n), logs / f"{t.name}-backup{n}.log", t.env())
                uploaded = moto.prefix_bytes(t.name) - before
                f = figures[t.name]
                f[f"backup{n}_s"], f[f"up{n}_mb"] = step.wall_s, uploaded / 1e6
                f[f"rss{n}_mib"] = step.rss_mib
                compare.log(f"{t.name}: backup {n} took {step.wall_s:.2f} s, uploaded {uploaded / 1e6:.1f} MB")
        expected = compare.file_hashes(datadir)
        problems = {}
        for t in tools:
            compare.log(f"{t.name}: restore")
            cmd, cwd = t.restore_cmd()
            step = compare.run_timed(cmd, logs / f"{t.name}-restore.log", t.env(), cwd)
            figures[t.name]["restore_s"] = step.wall_s
            figures[t.name]["rss3_mib"] = step.rss_mib
            problems[t.name] = compare.verify_restore(t.restore_dir, expected)
        return figures, problems, sizes
    finally:
        moto.stop()
        if not args.keep:
            subprocess.run(["rm", "-rf", str(suite_dir)])


ROWS = (
    ("first backup (s)", lambda f: f["backup1_s"], 2),
    ("uploaded by 1st (MB)", lambda f: f["up1_mb"], 1),
    ("upload throughput 1st (MB/s)", lambda f: f["up1_mb"] / f["backup1_s"], 1),
    ("second backup (s)", lambda f: f["backup2_s"], 2),
    ("uploaded by 2nd (MB)", lambda f: f["up2_mb"], 1),
    ("upload throughput 2nd (MB/s)", lambda f: f["up2_mb"] / f["backup2_s"], 1),
    ("restore (s)", lambda f: f["restore_s"], 2),
    ("total time (s)", lambda f: f["backup1_s"] + f["backup2_s"] + f["restore_s"], 2),
    ("peak RSS (MiB)", lambda f: max(f["rss1_mib"], f["rss2_mib"], f["rss3_mib"]), 1),
)


def render(args, tool_bins, figures, problems, sizes) -> str:
    versions = {name: compare.TOOL_CLASSES[name](b, args.work).version() for name, b in tool_bins.items()}
    names = list(figures)
    both = "lifeboat" in figures and "restic" in figures
    header = ["", *names] + (["lifeboat/restic"] if both else [])
    lines = [f"# Lifeboat S3 benchmark, {args.size_mb} MB dataset", "",
             *compare.environment_lines(tool_bins, versions),
             "- S3 server: moto_server on loopback (objects in memory), one bucket, one prefix per tool",
             f"- dataset: {sizes['v1'] / 1e6:.1f} MB v1, {sizes.get('v2', 0) / 1e6:.1f} MB v2 after "
             f"--mutate {compare.MUTATE_PCT}; throughput = object bytes added under the tool's prefix / wall time",
             "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for label, value, digits in ROWS:
        cells = [f"{value(figures[n]):.{digits}f}" for n in names]
        if both:
            base = value(figures["restic"])
            cells.append(f"{value(figures['lifeboat']) / base:.2f}" if base > 0 else "—")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    verified = ["yes" if not problems[n] else "**NO**" for n in names]
    lines.append("| restore verified (SHA-256) | " + " | ".join(verified) + (" |  |" if both else " |"))
    for name in names:
        if problems[name]:
            lines += ["", f"**RESTORE MISMATCH: {name}** ({len(problems[name])} problems)",
                      *[f"- {p}" for p in problems[name][:20]]]
    return "\n".join(lines) + "\n"


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="Benchmark lifeboat's S3 backend against restic's on moto.")
    p.add_argument("--size-mb", type=int, default=256, help="dataset size in MB (default 256)")
    p.add_argument("--work", type=Path, default=Path("/tmp/lifeboat-bench"), help="scratch directory")
    p.add_argument("--lifeboat", default=str(compare.DEFAULT_LIFEBOAT), help="lifeboat executable")
    p.add_argument("--tools", default=",".join(S3_TOOLS), help="comma-separated subset of lifeboat,restic")
    p.add_argument("--dataset-script", type=Path, default=compare.DEFAULT_DATASET_SCRIPT, help="make_dataset.py")
    p.add_argument("--fresh-dataset", action="store_true", help="regenerate the pristine dataset")
    p.add_argument("--keep", action="store_true", help="keep the datadir, restores and logs under --work")
    p.add_argument("--out-dir", type=Path, default=compare.BENCH_DIR / "out", help="where results-s3-<date>.md goes")
    args = p.parse_args(argv)
    if args.size_mb <= 0:
        p.error("--size-mb must be positive")
    args.work = args.work.resolve()
    return args


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    try:
        if any(n.strip() not in S3_TOOLS for n in args.tools.split(",") if n.strip()):
            raise compare.BenchError(f"--tools: the S3 run knows only {','.join(S3_TOOLS)}")
        if not Path(compare.GNU_TIME).exists():
            raise compare.BenchError(f"GNU time not found at {compare.GNU_TIME} (Debian: apt-get install time)")
        tool_bins = compare.resolve_tools(args)
        args.work.mkdir(parents=True, exist_ok=True)
        figures, problems, sizes = run(args, tool_bins)
    except compare.BenchError as e:
        print(f"\nbench: ERROR: {e}", file=sys.stderr)
        return 2
    report = render(args, tool_bins, figures, problems, sizes)
    print(report)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    out_file = args.out_dir / f"results-s3-{datetime.datetime.now():%Y-%m-%d-%H%M%S}.md"
    out_file.write_text(report)
    compare.log(f"wrote {out_file}")
    return 1 if any(problems.values()) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
