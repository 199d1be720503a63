#!/usr/bin/env python3
"""API load test: 200 concurrent clients on the read API while a backup runs.

Starts a throwaway demo node + `lifeboat serve` (lbharness.py; temp dir, stopped on exit)
whose datadir also holds a large incompressible file store (--data-mb, default 12288), so a
state backup takes long enough; starts that backup through the API (POST
/api/v1/nodes/NODE/backups) and waits until it is Running; then drives --clients (200)
concurrent keep-alive clients, each on its own connection (the pool is bounded by the client
count), over GET /api/v1/nodes, /api/v1/nodes/NODE, /api/v1/jobs, /api/v1/jobs/ID,
/api/v1/nodes/NODE/snapshots, /api/v1/nodes/NODE/history, /api/v1/nodes/NODE/schedules/backup
and /metrics with a viewer token. Every client waits a random think time (uniform 0 to
2 x --think-ms) between its requests; --think-ms 0 gives a closed-loop saturation run.

The load stops by itself after --duration seconds or --requests requests in total, whichever
comes first (each request also times out after --timeout seconds). The load generator runs in
--procs processes (asyncio in each) so that the client side is not the bottleneck.

Prints a latency table (p50/p90/p95/p99/max, overall and per endpoint), throughput, errors,
and whether the backup was Running for the whole load; exits 1 if p99 >= --target-p99-ms, if
any request failed, or if the backup did not last through the load; 2 if the test could not run.

Usage: bench/campaign/api-load.py [--clients 200] [--duration 25] [--requests 200000]
                                  [--think-ms 100] [--data-mb 12288] [--procs 2] [--keep]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import random
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


# -- the load generator (one process) -----------------------------------------------------
async def _request(reader, writer, host: str, path: str, token: str, timeout: float):
    req = (f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
           f"Accept: application/json\r\n\r\n").encode()
    writer.write(req)
    await writer.drain()

    async def read():
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                k, v = line.split(":", 1)
                headers[k.strip().lower()] = v.strip()
        if "content-length" in headers:
            await reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            while True:
                size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
                await reader.readexactly(size + 2)
                if size == 0:
                    break
        close = headers.get("connection", "").lower() == "close"
        return status, close

    return await asyncio.wait_for(read(), timeout)


async def _client(idx, cfg, paths, deadline, budget, results):
    rnd = random.Random(cfg["seed"] * 1000 + idx)
    host, port = cfg["host"], cfg["port"]
    reader = writer = None
    think = cfg["think_ms"] / 1000.0
    if think:
        await asyncio.sleep(rnd.uniform(0, 2 * think))  # spread the start
    while time.time() < deadline and budget[0] > 0:
        budget[0] -= 1
        name, path = paths[rnd.randrange(len(paths))]
        t0 = time.perf_counter()
        try:
            if writer is None:
                reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), cfg["timeout"])
            status, close = await _request(reader, writer, f"{host}:{port}", path, cfg["token"], cfg["timeout"])
            dt = time.perf_counter() - t0
            results.append((name, dt, status))
            if close:
                writer.close()
                writer = None
        except Exception as exc:  # timeouts, resets: an error, and a fresh connection next time
            dt = time.perf_counter() - t0
            results.append((name, dt, f"error:{type(exc).__name__}"))
            if writer is not None:
                writer.close()
            writer = None
        if think:
            await asyncio.sleep(rnd.uniform(0, 2 * think))
    if writer is not None:
        writer.close()


def _worker(cfg, clients, budget, start_at, q):
    async def run():
        paths = cfg["paths"]
        while time.time() < start_at:
            await asyncio.sleep(min(0.05, start_at - time.time()))
        deadline = start_at + cfg["duration"]
        results = []
        b = [budget]
        await asyncio.gather(*(_client(cfg["base_idx"] + i, cfg, paths, deadline, b, results) for i in range(clients)))
        return results

    try:
        q.put(asyncio.run(run()))
    except Exception as exc:
        q.put(exc)


def drive(cfg) -> tuple[list, float]:
    procs = max(1, cfg["procs"])
    per = [cfg["clients"] // procs + (1 if i < cfg["clients"] % procs else 0) for i in range(procs)]
    budgets = [cfg["requests"] // procs + (1 if i < cfg["requests"] % procs else 0) for i in range(procs)]
    start_at = time.time() + 1.0
    q = mp.Queue()
    ps = []
    base = 0
    for i in range(procs):
        c = dict(cfg, base_idx=base)
        base += per[i]
        p = mp.Process(target=_worker, args=(c, per[i], budgets[i], start_at, q), daemon=True)
        p.start()
        ps.append(p)
    results = []
    hard_deadline = start_at + cfg["duration"] + cfg["timeout"] + 30
    for _ in ps:
        remaining = max(1, hard_deadline - time.time())
        try:
            r = q.get(timeout=remaining)
        except Exception:
            break
        if isinstance(r, Exception):
            raise r
        results.extend(r)
    for p in ps:
        p.join(5)
        if p.is_alive():
            p.terminate()
    wall = min(time.time(), start_at + cfg["duration"] + cfg["timeout"]) - start_at
    return results, wall


# -- reporting ---------------------------------------------------------------------------
def pct(sorted_values, p):
    if not sorted_values:
        return float("nan")
    k = (len(sorted_values) - 1) * p / 100.0
    lo = int(k)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (k - lo)


def table(results, wall):
    rows = []
    names = sorted({r[0] for r in results})
    for name in ["ALL"] + names:
        sel = [r for r in results if name == "ALL" or r[0] == name]
        lat = sorted(r[1] * 1000 for r in sel)
        errors = sum(1 for r in sel if r[2] != 200)
        rows.append((name, len(sel), errors, pct(lat, 50), pct(lat, 90), pct(lat, 95), pct(lat, 99),
                     lat[-1] if lat else float("nan")))
    out = [f"{'endpoint':44s} {'requests':>9s} {'errors':>7s} {'p50 ms':>8s} {'p90 ms':>8s} {'p95 ms':>8s} {'p99 ms':>8s} {'max ms':>8s}"]
    for name, n, e, p50, p90, p95, p99, mx in rows:
        out.append(f"{name:44s} {n:9d} {e:7d} {p50:8.1f} {p90:8.1f} {p95:8.1f} {p99:8.1f} {mx:8.1f}")
    return "\n".join(out), rows[0]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clients", type=int, default=200)
    ap.add_argument("--duration", type=float, default=25.0, help="seconds of load (default 25)")
    ap.add_argument("--requests", type=int, default=200000, help="total request budget (default 200000)")
    ap.add_argument("--think-ms", type=float, default=100.0,
                    help="mean think time per client between requests, ms (uniform 0..2x; 0 = closed loop)")
    ap.add_argument("--timeout", type=float, default=10.0, help="per-request timeout, seconds")
    ap.add_argument("--procs", type=int, default=2, help="load generator processes (default 2)")
    ap.add_argument("--data-mb", type=int, default=12288, help="size of the bulk file in the node's datadir")
    ap.add_argument("--target-p99-ms", type=float, default=100.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--port", type=int, default=18600)
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--json", help="also write the results as JSON to this file")
    ap.add_argument("--no-backup", action="store_true",
                    help="baseline: the same load with no backup running (and no bulk file)")
    args = ap.parse_args()

    sys.path.insert(0, HERE)
    import lbharness

    env = lbharness.Env(port_base=args.port, keep=args.keep, label="lb-load", backup_interval="24h",
                        write_interval="200ms")
    env.extra_stores = [{"type": "file", "path": "bulk/ledger-archive.bin"}]
    # the bulk file: incompressible, written before the daemon starts
    bulk = os.path.join(env.datadir, "bulk", "ledger-archive.bin")
    os.makedirs(os.path.dirname(bulk), exist_ok=True)
    t0 = time.time()
    with open(bulk, "wb") as f:
        chunk = 8 << 20
        for _ in range(0 if args.no_backup else args.data_mb * (1 << 20) // chunk):
            f.write(os.urandom(chunk))
    if not args.no_backup:
        print(f"api-load: wrote {args.data_mb} MiB of random data into the node's datadir in {time.time() - t0:.1f}s", flush=True)
    env.start()
    print(f"api-load: daemon {env.base} (temp dir {env.tmp})", flush=True)

    # wait for any start-up backup to finish, then start ours and wait for it to run
    def backup_jobs():
        s, jobs = env.api(f"/api/v1/jobs?node={lbharness.NODE}&kind=backup&limit=20")
        return jobs if s == 200 else []

    for _ in range(600):
        if not any(j["state"] in ("Running", "Pending") for j in backup_jobs()):
            break
        time.sleep(1)
    import urllib.request
    if args.no_backup:
        env.cli("run", lbharness.NODE, "--wait")  # one small backup, so jobs and snapshots exist
        return run_load(args, env, lbharness, None)
    req = urllib.request.Request(f"{env.base}/api/v1/nodes/{lbharness.NODE}/backups", method="POST",
                                 headers={"Authorization": f"Bearer {env.tokens['operator']}"})
    with urllib.request.urlopen(req, timeout=30) as r:
        job = json.loads(r.read())
    job_id = job["id"]
    print(f"api-load: POST /api/v1/nodes/{lbharness.NODE}/backups -> job {job_id} ({job['state']})", flush=True)
    for _ in range(600):
        s, j = env.api(f"/api/v1/jobs/{job_id}")
        if j["state"] == "Running":
            break
        if j["state"] not in ("Pending",):
            print(f"api-load: backup job {job_id} ended before the load: {j}", file=sys.stderr)
            return 2
        time.sleep(0.2)
    return run_load(args, env, lbharness, job_id)


def run_load(args, env, lbharness, job_id) -> int:
    node = lbharness.NODE
    if job_id is None:
        s, jobs = env.api("/api/v1/jobs?limit=1")
        job_id = jobs[0]["id"] if s == 200 and jobs else 1
    paths = [
        ("GET /api/v1/nodes", "/api/v1/nodes"),
        ("GET /api/v1/nodes/{node}", f"/api/v1/nodes/{node}"),
        ("GET /api/v1/jobs", "/api/v1/jobs?limit=50"),
        ("GET /api/v1/jobs/{id}", f"/api/v1/jobs/{job_id}"),
        ("GET /api/v1/nodes/{node}/snapshots", f"/api/v1/nodes/{node}/snapshots"),
        ("GET /api/v1/nodes/{node}/history", f"/api/v1/nodes/{node}/history?limit=50"),
        ("GET /api/v1/nodes/{node}/schedules/backup", f"/api/v1/nodes/{node}/schedules/backup"),
        ("GET /metrics", "/metrics"),
    ]
    cfg = dict(host="127.0.0.1", port=env.port, token=env.tokens["viewer"], paths=paths,
               clients=args.clients, duration=args.duration, requests=args.requests,
               think_ms=args.think_ms, timeout=args.timeout, procs=args.procs, seed=args.seed)

    # watch the backup during the load (from this process, off the load generator)
    samples = []
    import threading
    stop = threading.Event()

    def watch():
        while not stop.is_set() and not args.no_backup:
            try:
                s, j = env.api(f"/api/v1/jobs/{job_id}", role="viewer")
                samples.append((time.time(), j.get("state"), j.get("bytesDone"), j.get("percent")))
            except Exception as exc:
                samples.append((time.time(), f"error {exc}", None, None))
            stop.wait(1.0)

    w = threading.Thread(target=watch, daemon=True)
    w.start()
    print(f"api-load: {args.clients} clients, think time {args.think_ms:g} ms mean, "
          f"{args.duration:g} s or {args.requests} requests, {args.procs} processes", flush=True)
    def cpu_ticks(pid):
        try:
            f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
            return int(f[11]) + int(f[12])
        except (OSError, IndexError, ValueError):
            return None
    serve_pid = env.serve.pid
    c0 = cpu_ticks(serve_pid)
    t_start = time.time()
    results, wall = drive(cfg)
    t_end = time.time()
    c1 = cpu_ticks(serve_pid)
    daemon_cpu = (c1 - c0) / os.sysconf("SC_CLK_TCK") / (t_end - t_start) * 100 if c0 is not None and c1 is not None else None
    stop.set()
    w.join(3)
    s, final = env.api(f"/api/v1/jobs/{job_id}") if not args.no_backup else (0, {})

    text, overall = table(results, wall)
    _, n, errors, p50, p90, p95, p99, mx = overall
    statuses = {}
    for r in results:
        statuses[r[2]] = statuses.get(r[2], 0) + 1
    during = [x for x in samples if t_start + 1 <= x[0] <= t_end]
    # ended after the load? compare the last sample during load
    backup_lasted = bool(during) and all(x[1] == "Running" for x in during)
    print("\n" + "=" * 78)
    print("API LOAD SUMMARY")
    print("=" * 78)
    print(f"clients {args.clients}, think time {args.think_ms:g} ms mean, load {wall:.1f} s, "
          f"{n} requests ({n / wall:.0f} req/s), errors {errors}")
    if daemon_cpu is not None:
        print(f"daemon CPU during the load: {daemon_cpu:.0f}% (of one core; {os.cpu_count()} cores on this host, "
              f"shared with the load generator)")
    print("statuses: " + ", ".join(f"{k}×{v}" for k, v in sorted(statuses.items(), key=str)))
    print(text)
    first = during[0] if during else None
    last = during[-1] if during else None
    if first and last:
        print(f"backup job {job_id}: {first[1]} at load start (bytesDone {first[2]}, {first[3]}%), "
              f"{last[1]} at load end (bytesDone {last[2]}, {last[3]}%); final state {final.get('state')}")
    if args.no_backup:
        backup_lasted = True
        print("baseline: no backup running")
    else:
        print(f"backup running through the whole load: {'yes' if backup_lasted else 'NO'}")
    verdict = []
    if p99 >= args.target_p99_ms:
        verdict.append(f"p99 {p99:.1f} ms >= target {args.target_p99_ms:g} ms")
    if errors:
        verdict.append(f"{errors} failed requests")
    if not backup_lasted:
        verdict.append("the backup did not last through the load (raise --data-mb)")
    print("RESULT: " + ("PASS (p99 < %g ms, no errors)" % args.target_p99_ms if not verdict else "FAIL: " + "; ".join(verdict)))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"clients": args.clients, "think_ms": args.think_ms, "wall_s": wall, "requests": n,
                       "errors": errors, "statuses": {str(k): v for k, v in statuses.items()},
                       "p50_ms": p50, "p90_ms": p90, "p95_ms": p95, "p99_ms": p99, "max_ms": mx,
                       "backup_samples": during, "backup_final": final}, f, indent=1)
    env.stop()
    return 0 if not verdict else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
