#!/usr/bin/env python3
"""Side-by-side benchmark: lifeboat vs restic vs borg on the node-like SQLite dataset.

Phases (same bytes for every tool):
  1. every tool backs up datadir v1 (first backup, into a fresh repository)
  2. the datadir is mutated once (make_dataset.py --mutate 1); every tool backs up v2
  3. every tool restores "latest" into a fresh empty directory; each restore is
     verified file by file (SHA-256) against datadir v2.

Each timed step is run under GNU time (wall seconds, peak RSS). Results are
printed as a markdown table and written to bench/out/results-<date>.md.
Stdlib only; see README.md next to this file.
"""
from __future__ import annotations

import argparse
import datetime
import hashlib
import os
import platform
import shutil
import statistics
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
PACKAGE_ROOT = BENCH_DIR.parent
DEFAULT_LIFEBOAT = PACKAGE_ROOT / ".build" / "release" / "lifeboat"
DEFAULT_DATASET_SCRIPT = PACKAGE_ROOT.parent / "shared" / "bench" / "make_dataset.py"
GNU_TIME = "/usr/bin/time"
PASSWORD = "lifeboat-bench-password"
MUTATE_PCT = "1"
# The restored datadir is located by this file, whatever prefix a tool puts in front of it.
MARKER_FILE = Path("network") / "data.db"
ALL_TOOLS = ("lifeboat", "restic", "borg")

# The targets for lifeboat, as ratios to restic (lower is better everywhere).
RATIO_TARGETS = (
    ("first backup", "backup1_s", 0.4),
    ("second backup", "backup2_s", 0.25),
    ("repository growth", "growth_mb", 0.1),
    ("restore", "restore_s", 0.6),
)
RSS_TARGET_MIB = 64


class BenchError(Exception):
    """A step failed in a way that makes the numbers meaningless."""


# --------------------------------------------------------------------------- results

@dataclass
class Step:
    """One timed command: wall-clock seconds and peak resident set size."""
    wall_s: float
    rss_kib: int

    @property
    def rss_mib(self) -> float:
        return self.rss_kib / 1024


@dataclass
class ToolResult:
    """Everything measured for one tool in one suite run."""
    backup1: Step | None = None
    backup2: Step | None = None
    restore: Step | None = None
    prune: Step | None = None
    repo1_bytes: int = 0
    repo2_bytes: int = 0
    verify_problems: list[str] = field(default_factory=list)

    def metric(self, key: str) -> float:
        return {
            "backup1_s": self.backup1.wall_s,
            "backup2_s": self.backup2.wall_s,
            "repo1_mb": self.repo1_bytes / 1e6,
            "growth_mb": (self.repo2_bytes - self.repo1_bytes) / 1e6,
            "restore_s": self.restore.wall_s,
            "rss_b1_mib": self.backup1.rss_mib,
            "rss_b2_mib": self.backup2.rss_mib,
            "rss_restore_mib": self.restore.rss_mib,
            "prune_s": self.prune.wall_s if self.prune else 0.0,
            "rss_prune_mib": self.prune.rss_mib if self.prune else 0.0,
            "rss_max_mib": max(self.backup1.rss_mib, self.backup2.rss_mib, self.restore.rss_mib,
                               self.prune.rss_mib if self.prune else 0.0),
        }[key]


@dataclass
class SuiteResult:
    """One full run (backup v1, mutate, backup v2, restore) at one dataset size."""
    size_mb: int
    data_v1_bytes: int
    data_v2_bytes: int
    tools: dict[str, ToolResult]
    extras: dict[str, str] = field(default_factory=dict)
    runs: int = 1


def median_suite(suites: list[SuiteResult]) -> SuiteResult:
    """One suite whose every figure is the median of the runs' (steps' wall time and RSS
    each on their own); restore problems of any run are kept."""
    if len(suites) == 1:
        return suites[0]

    def med(values: list[float]) -> float:
        return statistics.median(values)

    def step(steps: list[Step | None]) -> Step | None:
        present = [x for x in steps if x is not None]
        if not present:
            return None
        return Step(med([x.wall_s for x in present]), int(med([x.rss_kib for x in present])))

    tools: dict[str, ToolResult] = {}
    for name in suites[0].tools:
        runs = [s.tools[name] for s in suites]
        tools[name] = ToolResult(
            backup1=step([r.backup1 for r in runs]), backup2=step([r.backup2 for r in runs]),
            restore=step([r.restore for r in runs]),
            repo1_bytes=int(med([r.repo1_bytes for r in runs])),
            repo2_bytes=int(med([r.repo2_bytes for r in runs])),
            verify_problems=[p for r in runs for p in r.verify_problems])
    first = suites[0]
    return SuiteResult(first.size_mb, first.data_v1_bytes, first.data_v2_bytes, tools, first.extras,
                       runs=len(suites))


# --------------------------------------------------------------------------- tools

class Tool:
    """A backup program under test. Subclasses supply the command lines."""
    name = ""

    def __init__(self, binary: str, suite_dir: Path):
        self.binary = binary
        self.repo = suite_dir / "repos" / self.name
        self.cache = suite_dir / "cache" / self.name
        self.restore_dir = suite_dir / "restore" / self.name

    def env(self) -> dict[str, str]:
        # Caches and config under the work dir, so every run starts clean.
        env = dict(os.environ)
        env["XDG_CACHE_HOME"] = str(self.cache / "xdg-cache")
        env["XDG_CONFIG_HOME"] = str(self.cache / "xdg-config")
        return env

    def version(self) -> str:
        raise NotImplementedError

    def init_cmd(self) -> list[str]:
        raise NotImplementedError

    def backup_cmd(self, datadir: Path, n: int) -> list[str]:
        raise NotImplementedError

    def restore_cmd(self) -> tuple[list[str], Path | None]:
        """Command and working directory for restoring the latest snapshot into restore_dir."""
        raise NotImplementedError

    def forget_cmd(self) -> list[str]:
        """Drops every snapshot but the latest (not timed)."""
        raise NotImplementedError

    def prune_cmd(self) -> list[str]:
        """Deletes the data no snapshot needs any more (timed)."""
        raise NotImplementedError

    def _first_line(self, args: list[str]) -> str:
        try:
            out = subprocess.run([self.binary, *args], env=self.env(), capture_output=True,
                                 text=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired) as e:
            return f"unknown ({e})"
        text = (out.stdout or out.stderr).strip()
        return text.splitlines()[0] if out.returncode == 0 and text else "unknown"


class Lifeboat(Tool):
    name = "lifeboat"

    def env(self) -> dict[str, str]:
        return {**super().env(), "LIFEBOAT_PASSWORD": PASSWORD}

    def version(self) -> str:
        # The CLI may not have --version; fall back to identifying the binary itself.
        v = self._first_line(["--version"])
        if v.startswith("unknown"):
            st = Path(self.binary).stat()
            stamp = datetime.datetime.fromtimestamp(st.st_mtime).isoformat(timespec="seconds")
            v = f"{self.binary} (built {stamp}, {st.st_size} bytes)"
        return v

    def init_cmd(self) -> list[str]:
        return [self.binary, "init", "--repo", str(self.repo)]

    def backup_cmd(self, datadir: Path, n: int) -> list[str]:
        return [self.binary, "backup", "--repo", str(self.repo), str(datadir)]

    def restore_cmd(self) -> tuple[list[str], Path | None]:
        return [self.binary, "restore", "--repo", str(self.repo), "latest",
                "--target", str(self.restore_dir)], None

    def forget_cmd(self) -> list[str]:
        return [self.binary, "forget", "--repo", str(self.repo), "--keep-last", "1"]

    def prune_cmd(self) -> list[str]:
        return [self.binary, "prune", "--repo", str(self.repo)]

    def stats_json(self) -> str:
        out = subprocess.run([self.binary, "stats", "--repo", str(self.repo), "--json"],
                             env=self.env(), capture_output=True, text=True)
        if out.returncode != 0:
            return f"(lifeboat stats failed with exit {out.returncode}: {out.stderr.strip()})"
        return out.stdout.strip()


class Restic(Tool):
    name = "restic"

    def env(self) -> dict[str, str]:
        return {**super().env(), "RESTIC_PASSWORD": PASSWORD,
                "RESTIC_CACHE_DIR": str(self.cache / "restic-cache")}

    def version(self) -> str:
        return self._first_line(["version"])

    def init_cmd(self) -> list[str]:
        return [self.binary, "init", "--repo", str(self.repo)]

    def backup_cmd(self, datadir: Path, n: int) -> list[str]:
        return [self.binary, "backup", "--repo", str(self.repo), str(datadir)]

    def restore_cmd(self) -> tuple[list[str], Path | None]:
        # restic recreates the absolute source path under --target; verify() copes.
        return [self.binary, "restore", "latest", "--repo", str(self.repo),
                "--target", str(self.restore_dir)], None

    def forget_cmd(self) -> list[str]:
        return [self.binary, "forget", "--repo", str(self.repo), "--keep-last", "1"]

    def prune_cmd(self) -> list[str]:
        return [self.binary, "prune", "--repo", str(self.repo)]


class Borg(Tool):
    name = "borg"

    def env(self) -> dict[str, str]:
        return {**super().env(), "BORG_PASSPHRASE": PASSWORD,
                "BORG_BASE_DIR": str(self.cache / "borg-base"),
                "BORG_DISPLAY_PASSPHRASE": "no",
                "BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK": "yes",
                "BORG_RELOCATED_REPO_ACCESS_IS_OK": "yes"}

    def version(self) -> str:
        return self._first_line(["--version"])

    def init_cmd(self) -> list[str]:
        return [self.binary, "init", "--encryption=repokey-blake2", str(self.repo)]

    def backup_cmd(self, datadir: Path, n: int) -> list[str]:
        return [self.binary, "create", f"{self.repo}::s{n}", str(datadir)]

    def restore_cmd(self) -> tuple[list[str], Path | None]:
        # borg extracts archive paths (absolute path minus leading '/') relative to the cwd.
        return [self.binary, "extract", f"{self.repo}::s2"], self.restore_dir

    def forget_cmd(self) -> list[str]:
        return [self.binary, "prune", "--keep-last", "1", str(self.repo)]

    def prune_cmd(self) -> list[str]:
        # borg 1.2: prune only marks; compact frees the space.
        return [self.binary, "compact", str(self.repo)]


TOOL_CLASSES = {"lifeboat": Lifeboat, "restic": Restic, "borg": Borg}


# --------------------------------------------------------------------------- helpers

def log(msg: str) -> None:
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


def run_checked(cmd: list[str], log_file: Path, env: dict[str, str] | None = None,
                cwd: Path | None = None) -> None:
    """Run an untimed command, appending its output to log_file; fail loudly."""
    with open(log_file, "a") as lf:
        lf.write(f"$ {' '.join(cmd)}\n")
        lf.flush()
        rc = subprocess.run(cmd, env=env, cwd=cwd, stdout=lf, stderr=subprocess.STDOUT).returncode
    if rc != 0:
        raise BenchError(f"`{' '.join(cmd)}` exited {rc}\n{tail(log_file)}")


def run_timed(cmd: list[str], log_file: Path, env: dict[str, str],
              cwd: Path | None = None) -> Step:
    """Run cmd under GNU time; return wall seconds and peak RSS of the tool process."""
    time_file = log_file.with_suffix(".time")
    run_checked([GNU_TIME, "-f", "%e %M", "-o", str(time_file), *cmd], log_file, env, cwd)
    # On failure GNU time adds a "Command exited ..." line first; the numbers are last.
    wall, rss = time_file.read_text().strip().splitlines()[-1].split()
    return Step(wall_s=float(wall), rss_kib=int(rss))


def tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def dir_bytes(path: Path) -> int:
    """Apparent size, as `du -sb` reports it."""
    out = subprocess.run(["du", "-sb", str(path)], capture_output=True, text=True, check=True)
    return int(out.stdout.split()[0])


def warm_cache(*dirs: Path) -> None:
    """Flush dirty pages and read every file once, so each tool starts from a warm page cache.

    Dropping caches needs root and is unreliable in containers; a warm cache is the
    condition we can make identical for every tool.
    """
    subprocess.run(["sync"], check=True)
    for d in dirs:
        for root, _, files in os.walk(d):
            for name in files:
                p = os.path.join(root, name)
                if os.path.isfile(p) and not os.path.islink(p):
                    with open(p, "rb") as f:
                        while f.read(1 << 20):
                            pass


def file_hashes(root: Path) -> dict[str, str]:
    """Relative path -> SHA-256 for every regular file under root."""
    hashes = {}
    for dirpath, _, files in os.walk(root):
        for name in files:
            p = Path(dirpath) / name
            if p.is_symlink() or not p.is_file():
                continue
            h = hashlib.sha256()
            with open(p, "rb") as f:
                while chunk := f.read(1 << 20):
                    h.update(chunk)
            hashes[str(p.relative_to(root))] = h.hexdigest()
    return hashes


def find_restored_root(target: Path) -> Path | None:
    """The restored datadir: grandparent of the one network/data.db under target."""
    hits = [Path(d) / MARKER_FILE.name for d, _, files in os.walk(target)
            if MARKER_FILE.name in files and Path(d).name == MARKER_FILE.parent.name]
    return hits[0].parent.parent if len(hits) == 1 else None


def verify_restore(target: Path, expected: dict[str, str]) -> list[str]:
    """Compare the restore against the expected hashes; return the problems found."""
    root = find_restored_root(target)
    if root is None:
        return [f"could not find exactly one {MARKER_FILE} under {target}"]
    got = file_hashes(root)
    problems = [f"missing: {p}" for p in sorted(expected.keys() - got.keys())]
    problems += [f"unexpected: {p}" for p in sorted(got.keys() - expected.keys())]
    problems += [f"content differs: {p}" for p in sorted(expected.keys() & got.keys())
                 if expected[p] != got[p]]
    return problems


# --------------------------------------------------------------------------- dataset

def pristine_dataset(work: Path, script: Path, size_mb: int, fresh: bool) -> Path:
    """Generate (or reuse) the v1 dataset for size_mb; it is only ever copied, never touched."""
    dest = work / "datasets" / f"v1-{size_mb}mb"
    stamp = dest.with_name(dest.name + ".ok")
    # Reuse only a complete dataset made by the same script version.
    script_hash = hashlib.sha256(script.read_bytes()).hexdigest()
    if not fresh and stamp.exists() and stamp.read_text().strip() == script_hash and dest.is_dir():
        log(f"reusing pristine dataset {dest}")
        return dest
    shutil.rmtree(dest, ignore_errors=True)
    stamp.unlink(missing_ok=True)
    dest.parent.mkdir(parents=True, exist_ok=True)
    log(f"generating {size_mb} MB dataset into {dest} (slow, done once per size)")
    run_checked([sys.executable, str(script), str(dest), str(size_mb)],
                work / f"make-dataset-{size_mb}mb.log")
    stamp.write_text(script_hash + "\n")
    return dest


def check_disk_space(work: Path, size_mb: int, n_tools: int) -> None:
    # pristine + working copy + per tool (repo + restore), with restores uncompressed.
    need = size_mb * 1e6 * (2 + 2 * n_tools) * 1.1
    probe = work
    while not probe.exists():
        probe = probe.parent
    free = shutil.disk_usage(probe).free
    if free < need:
        raise BenchError(f"not enough free space under {work}: need about {need / 1e9:.1f} GB "
                         f"for {size_mb} MB x {n_tools} tools, have {free / 1e9:.1f} GB")


# --------------------------------------------------------------------------- phases

def phase_init(tools: list[Tool], logs: Path) -> None:
    for t in tools:
        for d in (t.repo, t.cache, t.restore_dir):
            shutil.rmtree(d, ignore_errors=True)
        t.repo.parent.mkdir(parents=True, exist_ok=True)
        t.cache.mkdir(parents=True)
        t.restore_dir.mkdir(parents=True)
        log(f"{t.name}: init")
        run_checked(t.init_cmd(), logs / f"{t.name}-init.log", t.env())


def phase_backup(tools: list[Tool], results: dict[str, ToolResult], datadir: Path, n: int,
                 logs: Path) -> None:
    for t in tools:
        warm_cache(datadir, t.repo)
        log(f"{t.name}: backup {n}")
        step = run_timed(t.backup_cmd(datadir, n), logs / f"{t.name}-backup{n}.log", t.env())
        size = dir_bytes(t.repo)
        r = results[t.name]
        if n == 1:
            r.backup1, r.repo1_bytes = step, size
        else:
            r.backup2, r.repo2_bytes = step, size
        log(f"{t.name}: backup {n} took {step.wall_s:.2f} s, {step.rss_mib:.1f} MiB, "
            f"repo {size / 1e6:.1f} MB")


def phase_mutate(script: Path, datadir: Path, size_mb: int, logs: Path) -> None:
    log(f"mutating datadir ({MUTATE_PCT} % of rows)")
    run_checked([sys.executable, str(script), str(datadir), str(size_mb), "--mutate", MUTATE_PCT],
                logs / "mutate.log")


def phase_restore(tools: list[Tool], results: dict[str, ToolResult], datadir: Path,
                  logs: Path) -> None:
    expected = file_hashes(datadir)
    for t in tools:
        warm_cache(datadir, t.repo)
        log(f"{t.name}: restore")
        cmd, cwd = t.restore_cmd()
        step = run_timed(cmd, logs / f"{t.name}-restore.log", t.env(), cwd)
        results[t.name].restore = step
        problems = verify_restore(t.restore_dir, expected)
        results[t.name].verify_problems = problems
        status = "verified OK" if not problems else f"VERIFY FAILED ({len(problems)} problems)"
        log(f"{t.name}: restore took {step.wall_s:.2f} s, {step.rss_mib:.1f} MiB, {status}")


def phase_prune(tools: list[Tool], results: dict[str, ToolResult], logs: Path) -> None:
    """Forget the first snapshot, then prune (timed): the data only it used goes."""
    for t in tools:
        run_checked(t.forget_cmd(), logs / f"{t.name}-forget.log", t.env())
        warm_cache(t.repo)
        log(f"{t.name}: prune")
        step = run_timed(t.prune_cmd(), logs / f"{t.name}-prune.log", t.env())
        results[t.name].prune = step
        log(f"{t.name}: prune took {step.wall_s:.2f} s, {step.rss_mib:.1f} MiB")


def run_suite(args: argparse.Namespace, tool_bins: dict[str, str], size_mb: int) -> SuiteResult:
    """Backup v1, mutate, backup v2, restore + verify, for every selected tool at one size."""
    check_disk_space(args.work, size_mb, len(tool_bins))
    pristine = pristine_dataset(args.work, args.dataset_script, size_mb, args.fresh_dataset)
    suite_dir = args.work / f"run-{size_mb}mb"
    shutil.rmtree(suite_dir, ignore_errors=True)
    logs = suite_dir / "logs"
    logs.mkdir(parents=True)
    datadir = suite_dir / "data"
    log(f"copying pristine dataset to {datadir}")
    run_checked(["cp", "-a", str(pristine), str(datadir)], logs / "copy.log")

    tools = [TOOL_CLASSES[name](binary, suite_dir) for name, binary in tool_bins.items()]
    results = {t.name: ToolResult() for t in tools}
    phase_init(tools, logs)
    v1_bytes = dir_bytes(datadir)
    phase_backup(tools, results, datadir, 1, logs)
    phase_mutate(args.dataset_script, datadir, size_mb, logs)
    v2_bytes = dir_bytes(datadir)
    phase_backup(tools, results, datadir, 2, logs)
    phase_restore(tools, results, datadir, logs)
    phase_prune(tools, results, logs)

    suite = SuiteResult(size_mb, v1_bytes, v2_bytes, results)
    for t in tools:
        if isinstance(t, Lifeboat):
            suite.extras["lifeboat stats --json"] = t.stats_json()
    if not args.keep:
        shutil.rmtree(suite_dir, ignore_errors=True)
    else:
        log(f"kept {suite_dir}")
    return suite


# --------------------------------------------------------------------------- report

ROWS = (
    ("first backup (s)", "backup1_s", 2),
    ("second backup (s)", "backup2_s", 2),
    ("repo after 1st (MB)", "repo1_mb", 1),
    ("growth (MB)", "growth_mb", 1),
    ("restore (s)", "restore_s", 2),
    ("peak RSS backup 1 (MiB)", "rss_b1_mib", 1),
    ("peak RSS backup 2 (MiB)", "rss_b2_mib", 1),
    ("peak RSS restore (MiB)", "rss_restore_mib", 1),
    ("prune after forget (s)", "prune_s", 2),
    ("peak RSS prune (MiB)", "rss_prune_mib", 1),
)


def ratio(results: dict[str, ToolResult], key: str, other: str) -> str:
    if "lifeboat" not in results or other not in results:
        return "—"
    denom = results[other].metric(key)
    return f"{results['lifeboat'].metric(key) / denom:.2f}" if denom > 0 else "—"


def comparison_table(suite: SuiteResult) -> list[str]:
    names = list(suite.tools)
    header = ["", *names, "lifeboat/restic", "lifeboat/borg"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for label, key, digits in ROWS:
        cells = [f"{suite.tools[n].metric(key):.{digits}f}" for n in names]
        cells += [ratio(suite.tools, key, "restic"), ratio(suite.tools, key, "borg")]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    verified = ["yes" if not suite.tools[n].verify_problems else "**NO**" for n in names]
    lines.append("| restore verified (SHA-256) | " + " | ".join(verified) + " | | |")
    return lines


def target_lines(suite: SuiteResult) -> list[str]:
    r = suite.tools
    if "lifeboat" not in r:
        return ["Targets: n/a (lifeboat not in this run)."]
    lines = ["Targets (issue):"]
    checks = []
    if "restic" in r:
        for label, key, limit in RATIO_TARGETS:
            base = r["restic"].metric(key)
            got = r["lifeboat"].metric(key) / base if base > 0 else float("inf")
            verdict = "PASS" if got <= limit else "FAIL"
            checks.append(f"{label} ≤ {limit}× restic: {got:.2f}× **{verdict}**")
    else:
        checks.append("ratio targets n/a (restic not in this run)")
    rss = r["lifeboat"].metric("rss_max_mib")
    checks.append(f"peak RSS ≤ {RSS_TARGET_MIB} MiB: {rss:.1f} MiB "
                  f"**{'PASS' if rss <= RSS_TARGET_MIB else 'FAIL'}**")
    return lines + [f"- {c}" for c in checks]


def flatness_lines(suites: list[SuiteResult]) -> list[str]:
    names = list(suites[0].tools)
    header = ["size (MB)", *[f"{n} peak RSS b1 / b2 / restore / prune (MiB)" for n in names]]
    lines = ["## Peak RSS by dataset size", "",
             "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for s in suites:
        cells = [" / ".join(f"{s.tools[n].metric(k):.1f}"
                            for k in ("rss_b1_mib", "rss_b2_mib", "rss_restore_mib", "rss_prune_mib")) for n in names]
        lines.append(f"| {s.size_mb} | " + " | ".join(cells) + " |")
    if "lifeboat" in names:
        peaks = [s.tools["lifeboat"].metric("rss_max_mib") for s in suites]
        ok = max(peaks) <= RSS_TARGET_MIB
        lines += ["", f"lifeboat peak RSS across sizes: min {min(peaks):.1f}, max {max(peaks):.1f} MiB "
                      f"(spread {max(peaks) - min(peaks):.1f} MiB, largest/smallest "
                      f"{max(peaks) / min(peaks):.2f}×); ≤ {RSS_TARGET_MIB} MiB at every size: "
                      f"**{'PASS' if ok else 'FAIL'}**"]
    return lines


def environment_lines(tools: dict[str, str], versions: dict[str, str]) -> list[str]:
    cpu = next((l.split(":", 1)[1].strip() for l in Path("/proc/cpuinfo").read_text().splitlines()
                if l.startswith("model name")), platform.processor() or "unknown")
    lines = [f"- date: {datetime.datetime.now().isoformat(timespec='seconds')}",
             f"- host: {platform.system()} {platform.release()}, {cpu}, {os.cpu_count()} cores",
             f"- python: {platform.python_version()}"]
    lines += [f"- {name}: {versions[name]}" for name in tools]
    if "restic" in tools:
        lines.append("- restic: defaults (repo v2, zstd auto compression, cache on)")
    if "borg" in tools:
        lines.append("- borg: defaults (repokey-blake2, lz4 compression, files cache on)")
    return lines


def unique_suites(suite: SuiteResult, extra_suites: list[SuiteResult]) -> list[SuiteResult]:
    """The main suite plus the flatness suites, each once (--sizes may repeat --size-mb)."""
    out: list[SuiteResult] = []
    for s in [suite, *extra_suites]:
        if all(s is not seen for seen in out):
            out.append(s)
    return out


def render(suite: SuiteResult, extra_suites: list[SuiteResult], env_lines: list[str]) -> str:
    out = [f"# Lifeboat benchmark, {suite.size_mb} MB dataset", "", *env_lines,
           f"- dataset: {suite.data_v1_bytes / 1e6:.1f} MB v1, {suite.data_v2_bytes / 1e6:.1f} MB v2 "
           f"after --mutate {MUTATE_PCT}; warm page cache before every timed step; "
           f"{'median of ' + str(suite.runs) + ' runs' if suite.runs > 1 else 'one run'}", "",
           *comparison_table(suite), "", *target_lines(suite)]
    if extra_suites:
        out += ["", *flatness_lines(extra_suites)]
    for s in unique_suites(suite, extra_suites):
        for name, problems in ((n, r.verify_problems) for n, r in s.tools.items()):
            if problems:
                out += ["", f"**RESTORE MISMATCH: {name} at {s.size_mb} MB** ({len(problems)} problems)",
                        *[f"- {p}" for p in problems[:20]]]
        for title, body in s.extras.items():
            out += ["", f"<details><summary>{title} ({s.size_mb} MB)</summary>", "", "```",
                    body, "```", "</details>"]
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- main

def resolve_tools(args: argparse.Namespace) -> dict[str, str]:
    """Selected tool name -> executable path; fail with a clear message if one is missing."""
    names = [n.strip() for n in args.tools.split(",") if n.strip()]
    unknown = [n for n in names if n not in TOOL_CLASSES]
    if unknown or not names:
        raise BenchError(f"--tools: unknown tool(s) {', '.join(unknown) or '(none given)'}; "
                         f"choose from {','.join(ALL_TOOLS)}")
    bins = {}
    for name in dict.fromkeys(names):
        if name == "lifeboat":
            path = Path(args.lifeboat)
            if not (path.is_file() and os.access(path, os.X_OK)):
                raise BenchError(f"lifeboat binary not found or not executable at {path}; build it "
                                 f"with `swift build -c release --product lifeboat` in {PACKAGE_ROOT} "
                                 f"(bench/run.sh does this), or pass --lifeboat PATH")
            bins[name] = str(path.resolve())
        else:
            found = shutil.which(name)
            if found is None:
                raise BenchError(f"{name} not found on PATH (Debian: apt-get install "
                                 f"{'borgbackup' if name == 'borg' else name})")
            bins[name] = found
    return bins


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="Benchmark lifeboat against restic and borg.")
    p.add_argument("--size-mb", type=int, default=1024, help="dataset size in MB (default 1024)")
    p.add_argument("--work", type=Path, default=Path("/tmp/lifeboat-bench"),
                   help="scratch directory (default /tmp/lifeboat-bench)")
    p.add_argument("--lifeboat", default=str(DEFAULT_LIFEBOAT), help="lifeboat executable")
    p.add_argument("--tools", default=",".join(ALL_TOOLS), help="comma-separated subset of "
                   "lifeboat,restic,borg")
    p.add_argument("--sizes", default="", help="also run at these sizes (e.g. 1024,4096) and "
                   "report peak RSS per size")
    p.add_argument("--dataset-script", type=Path, default=DEFAULT_DATASET_SCRIPT,
                   help=f"make_dataset.py (default {DEFAULT_DATASET_SCRIPT})")
    p.add_argument("--fresh-dataset", action="store_true",
                   help="regenerate the pristine dataset even if a cached one exists")
    p.add_argument("--keep", action="store_true", help="keep repos, restores and logs under --work")
    p.add_argument("--repeat", type=int, default=1,
                   help="run the main size this many times and report medians (default 1)")
    p.add_argument("--out-dir", type=Path, default=BENCH_DIR / "out",
                   help="where results-<date>.md goes (default bench/out)")
    args = p.parse_args(argv)
    try:
        args.sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        p.error(f"--sizes must be comma-separated integers, got {args.sizes!r}")
    if args.repeat < 1:
        p.error(f"--repeat must be at least 1, got {args.repeat}")
    if args.size_mb <= 0 or any(s <= 0 for s in args.sizes):
        p.error("sizes must be positive")
    args.work = args.work.resolve()
    return args


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    try:
        if not Path(GNU_TIME).exists():
            raise BenchError(f"GNU time not found at {GNU_TIME} (Debian: apt-get install time)")
        if not args.dataset_script.is_file():
            raise BenchError(f"dataset script not found at {args.dataset_script}; "
                             f"pass --dataset-script PATH")
        tool_bins = resolve_tools(args)
        versions = {name: TOOL_CLASSES[name](b, args.work).version() for name, b in tool_bins.items()}
        args.work.mkdir(parents=True, exist_ok=True)

        suite = median_suite([run_suite(args, tool_bins, args.size_mb) for _ in range(args.repeat)])
        extra = [suite if size == args.size_mb else run_suite(args, tool_bins, size)
                 for size in args.sizes]
    except BenchError as e:
        print(f"\nbench: ERROR: {e}", file=sys.stderr)
        return 2

    report = render(suite, extra, environment_lines(tool_bins, versions))
    print(report)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    out_file = args.out_dir / f"results-{datetime.datetime.now():%Y-%m-%d-%H%M%S}.md"
    out_file.write_text(report)
    log(f"wrote {out_file}")

    bad = [(s.size_mb, n) for s in unique_suites(suite, extra)
           for n, r in s.tools.items() if r.verify_problems]
    if bad:
        print("\n" + "!" * 72, file=sys.stderr)
        for size, name in bad:
            print(f"!!! RESTORE MISMATCH: {name} at {size} MB does not match the source datadir",
                  file=sys.stderr)
        print("!" * 72, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
