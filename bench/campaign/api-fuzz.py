#!/usr/bin/env python3
"""API fuzzing campaign: schemathesis against the daemon's own OpenAPI document.

Starts a throwaway demo node + `lifeboat serve` (bench/campaign/lbharness.py; everything in a
temp dir, stopped on exit), takes one backup and one identity dump so that snapshots, dumps
and jobs exist, then runs schemathesis against GET /api/v1/openapi.json:

  admin      every operation, phases examples,coverage,fuzzing,stateful, all built-in checks
             (5xx, status codes, content types, headers, response schemas, negative data
             rejected, positive data accepted, ...) plus the custom checks of fuzz_hooks.py
  anonymous  no Authorization header: every secured operation must answer 401
  bogus      a token no one configured: 401
  viewer     viewer token: operator operations 403, viewer operations not 401/403

Custom checks (fuzz_hooks.py): problem_document (every 4xx is application/problem+json with
type/title/status/detail, status equal to the HTTP status, 401 has WWW-Authenticate),
problem_names_field (400/422 detail names a parameter or body property, `field` if set is
one and is mentioned), auth_enforced (above), path_confinement (no 2xx for a restore
target / identity file / restore-kit directory outside api.restore_roots or relative).

Prints a summary (cases, operations covered, failures by kind, every failing request with
its response and a curl line) and exits 1 on any failure, 2 if the campaign could not run.

Usage: bench/campaign/api-fuzz.py [--examples N] [--seed N] [--keep] [--runs admin,anonymous,bogus,viewer]
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import shlex
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
VENV = os.environ.get("LIFEBOAT_VENV", os.path.join(HERE, "..", "..", ".build", "venv"))
VENV_PY = os.path.join(os.path.abspath(VENV), "bin", "python3")


def ensure_schemathesis() -> str:
    st = os.path.join(os.path.dirname(VENV_PY), "schemathesis")
    if not os.path.exists(VENV_PY):
        subprocess.run([sys.executable, "-m", "venv", os.path.abspath(VENV)], check=True)
    if not os.path.exists(st):
        print("api-fuzz: installing schemathesis into", VENV, flush=True)
        subprocess.run([VENV_PY, "-m", "pip", "install", "-q", "schemathesis"], check=True)
    return st


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--examples", type=int, default=40, help="max examples per operation in the admin run (default 40)")
    ap.add_argument("--auth-examples", type=int, default=8, help="max examples per operation in the auth runs (default 8)")
    ap.add_argument("--seed", type=int, default=20261203)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--max-time", type=int, default=360, help="time budget of the admin run, seconds (default 360)")
    ap.add_argument("--auth-max-time", type=int, default=90, help="time budget of each auth run, seconds (default 90)")
    ap.add_argument("--runs", default="admin,anonymous,bogus,viewer")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir (logs, reports) after the run")
    ap.add_argument("--port", type=int, default=18400)
    ap.add_argument("--resummarize", metavar="TMPDIR", help="print the summary of a kept run again, run nothing")
    args = ap.parse_args()
    if args.resummarize:
        return resummarize(args.resummarize, args.runs.split(","))

    st = ensure_schemathesis()
    sys.path.insert(0, HERE)
    import lbharness

    env = lbharness.Env(port_base=args.port, keep=args.keep, label="lb-fuzz").start()
    print(f"api-fuzz: daemon {env.base} (temp dir {env.tmp}; mount sandbox: {env.sandboxed}; "
          f"api.restore_roots supported by this binary: {env.restore_roots_supported})", flush=True)
    # something to find: a backup, an identity dump, their jobs
    env.cli("run", lbharness.NODE, "--wait")
    env.cli("run", lbharness.NODE, "--identity", "--wait")
    status, jobs = env.api("/api/v1/jobs?limit=50")
    job_ids = sorted({j["id"] for j in jobs}) if status == 200 else [1]

    report_dir = env.path("fuzz-report")
    os.makedirs(report_dir, exist_ok=True)
    log = os.path.join(report_dir, "calls.ndjson")
    hooks_env = dict(os.environ, PYTHONPATH=HERE + os.pathsep + os.environ.get("PYTHONPATH", ""),
                     SCHEMATHESIS_HOOKS="fuzz_hooks", LB_FUZZ_LOG=log, LB_RESTORE_ROOT=env.restore_root,
                     LB_OUTSIDE=env.outside, LB_DATADIR=env.datadir, LB_NODE=lbharness.NODE,
                     LB_JOB_IDS=",".join(map(str, job_ids)))
    # the daemon's own document, fetched once without a token (public: any Authorization header is ignored)
    import urllib.request
    schema_url = os.path.join(report_dir, "openapi.json")
    with urllib.request.urlopen(env.base + "/api/v1/openapi.json", timeout=10) as r, open(schema_url, "wb") as f:
        f.write(r.read())
    custom = "problem_document,problem_names_field,auth_enforced,path_confinement"
    runs = {
        "admin": dict(role="admin", n=args.examples, phases="examples,coverage,fuzzing,stateful",
                      checks="all", exclude="positive_data_acceptance"),
        "anonymous": dict(role="none", n=args.auth_examples, phases="examples,coverage,fuzzing",
                          checks=f"not_a_server_error,{custom}"),
        "bogus": dict(role="bogus", n=max(2, args.auth_examples // 2), phases="examples,fuzzing",
                      checks=f"not_a_server_error,{custom}"),
        "viewer": dict(role="viewer", n=args.auth_examples, phases="examples,coverage,fuzzing",
                       checks=f"not_a_server_error,{custom}"),
    }
    tokens = dict(env.tokens, bogus="not-a-configured-token-" + "x" * 16)
    exit_codes = {}
    for name in args.runs.split(","):
        r = runs[name]
        cmd = [st, "run", schema_url, "--url", env.base, "--seed", str(args.seed), "-n", str(r["n"]),
               "--phases", r["phases"], "--checks", r["checks"], "--workers", str(args.workers),
               "--max-time", str(args.max_time if name == "admin" else args.auth_max_time), "--continue-on-failure", "--no-shrink", "--no-color",
               "--request-timeout", "30", "--generation-database", "none",
               "--report", "json,ndjson", "--report-dir", os.path.join(report_dir, name),
               "--warnings", "off"]
        if r.get("exclude"):
            cmd += ["--exclude-checks", r["exclude"]]
        if r["role"] not in ("none",):
            cmd += ["-H", f"Authorization: Bearer {tokens[r['role']]}",
                    "--generation-with-security-parameters", "false"]
        print(f"\n=== schemathesis run '{name}' (role {r['role']}) ===", flush=True)
        tok = tokens.get(r["role"])
        print("$ " + " ".join(shlex.quote(c.replace(tok, "$" + r["role"].upper() + "_TOKEN") if tok else c) for c in cmd), flush=True)
        t0 = time.time()
        out_path = os.path.join(report_dir, f"{name}.out")
        with open(out_path, "w") as out:
            p = subprocess.run(cmd, env=dict(hooks_env, LB_FUZZ_RUN=name, LB_FUZZ_ROLE=r["role"]),
                               stdout=out, stderr=subprocess.STDOUT)
        exit_codes[name] = p.returncode
        tail = open(out_path).read().splitlines()
        # the schemathesis summary block
        start = max((i for i, l in enumerate(tail) if "SUMMARY" in l), default=max(0, len(tail) - 25))
        print("\n".join(tail[start:][:60]))
        print(f"(run '{name}': exit {p.returncode}, {time.time() - t0:.0f}s; full output {out_path})", flush=True)

    # schemathesis leaves out the document it loads; check it directly (public, valid OpenAPI 3.1)
    check_openapi_document(env, tokens, log)

    # files the fuzz made outside the restore root (inside the temp dir's decoy)
    outside_files = []
    for root, dirs, files in os.walk(env.outside):
        for f in dirs + files:
            outside_files.append(os.path.join(root, f))

    ok = summarize(log, report_dir, args.runs.split(","), exit_codes, env, tokens, outside_files,
                   {k: v["role"] for k, v in runs.items()})
    if not args.keep:
        print(f"\n(temp dir {env.tmp} removed; rerun with --keep to keep logs and reports)")
    env.stop()
    return 0 if ok else 1


def resummarize(tmp, run_names) -> int:
    import re
    import types
    listen = re.search(r"^listen: (\S+)", open(os.path.join(tmp, "lifeboat.yaml")).read(), re.M).group(1)
    env = types.SimpleNamespace(base=f"http://{listen}", outside=os.path.join(tmp, "outside"))
    tokens = {r: open(os.path.join(tmp, f"{r}.token")).read().strip() for r in ("admin", "operator", "viewer")}
    report_dir = os.path.join(tmp, "fuzz-report")
    outside = [os.path.join(r, f) for r, d, fs in os.walk(env.outside) for f in d + fs]
    roles = {"admin": "admin", "anonymous": "none", "bogus": "bogus", "viewer": "viewer"}
    codes = {n: 1 for n in run_names}
    return 0 if summarize(os.path.join(report_dir, "calls.ndjson"), report_dir, run_names, codes, env, tokens,
                          outside, roles) else 1


def check_openapi_document(env, tokens, log):
    import urllib.request
    for role in ("none", "viewer", "admin", "bogus"):
        req = urllib.request.Request(env.base + "/api/v1/openapi.json")
        if role != "none":
            req.add_header("Authorization", f"Bearer {tokens[role]}")
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                status, body, ctype = r.status, r.read(), r.headers.get("content-type")
        except urllib.error.HTTPError as e:
            status, body, ctype = e.code, e.read(), e.headers.get("content-type")
        rec = {"kind": "call", "run": "direct", "role": role, "op": "GET /api/v1/openapi.json", "method": "GET",
               "path": "/api/v1/openapi.json", "url": env.base + "/api/v1/openapi.json", "status": status,
               "content_type": ctype, "response": body[:200].decode(errors="replace")}
        problems = []
        if status != 200:
            problems.append(f"status {status}")
        else:
            v = subprocess.run([VENV_PY, "-c", "import sys, json; from openapi_spec_validator import validate; "
                                "d = json.load(sys.stdin); validate(d); print(d.get('openapi'))"],
                               input=body, capture_output=True)
            if v.returncode != 0 or not v.stdout.decode().startswith("3.1"):
                problems.append("not a valid OpenAPI 3.1 document: " + v.stderr.decode()[-400:])
        with open(log, "a") as f:
            f.write(json.dumps(rec) + "\n")
            if problems:
                f.write(json.dumps(dict(rec, kind="failure", check="openapi_document",
                                        message="; ".join(problems))) + "\n")


def _curl(rec: dict, base: str) -> str:
    role = rec.get("role")
    parts = ["curl", "-sS", "-i", "-X", rec["method"]]
    if role == "bogus":
        parts += ["-H", "'Authorization: Bearer not-a-configured-token'"]
    elif role and role != "none":
        parts += ["-H", f'"Authorization: Bearer ${role.upper()}_TOKEN"']
    url = rec.get("url") or (base + rec["path"])
    body = rec.get("sent_body")
    if body is not None:
        parts += ["-H", shlex.quote("Content-Type: " + (rec.get("media_type") or "application/json")),
                  "--data-binary", shlex.quote(body)]
    parts.append(shlex.quote(url))
    return " ".join(parts)


def summarize(log, report_dir, run_names, exit_codes, env, tokens, outside_files, runs_roles) -> bool:
    calls = []
    custom_failures = []
    if os.path.exists(log):
        for line in open(log):
            rec = json.loads(line)
            (calls if rec["kind"] == "call" else custom_failures).append(rec)

    # built-in check failures from schemathesis' ndjson event stream
    builtin = []
    tool_errors = []
    for name in run_names:
        d = os.path.join(report_dir, name)
        for fn in os.listdir(d) if os.path.isdir(d) else []:
            if fn.endswith(".ndjson"):
                with open(os.path.join(d, fn)) as fh:
                    for line in fh:
                        if line.startswith('{"NonFatalError"'):
                            v = json.loads(line)["NonFatalError"]
                            tool_errors.append((name, v.get("label"), (v.get("value") or {}).get("type"),
                                                (v.get("value") or {}).get("message")))
    for name in run_names:
        for fn in os.listdir(os.path.join(report_dir, name)) if os.path.isdir(os.path.join(report_dir, name)) else []:
            if fn.endswith(".ndjson"):
                builtin += [(name, ev) for ev in _failures_from_ndjson(os.path.join(report_dir, name, fn))]

    print("\n" + "=" * 78)
    print("API FUZZ SUMMARY")
    print("=" * 78)
    with open(os.path.join(report_dir, "openapi.json")) as fh:
        spec_ops = sorted({f"{m.upper()} {p}" for p, v in json.load(fh)["paths"].items()
                           for m in v if m in ("get", "put", "post", "delete", "patch")})
    by_run = collections.Counter(c["run"] for c in calls)
    print("(repro lines use $ADMIN_TOKEN / $OPERATOR_TOKEN / $VIEWER_TOKEN: a token of that role, "
          "e.g. the contents of TMPDIR/<role>.token; the daemon's port and paths are this run's)")
    print(f"cases (requests sent): {len(calls)}  ({', '.join(f'{k} {v}' for k, v in by_run.items())})")
    covered = {c["op"] for c in calls}
    print(f"operations covered: {len(covered & set(spec_ops))}/{len(spec_ops)}")
    missing = sorted(set(spec_ops) - covered)
    if missing:
        print("  not covered: " + ", ".join(missing))
    statuses = collections.Counter(c["status"] for c in calls)
    print("status codes: " + ", ".join(f"{k}×{v}" for k, v in sorted(statuses.items())))
    fivexx = [c for c in calls if c["status"] >= 500]
    print(f"5xx responses: {len(fivexx)}")
    print("per operation (run: status counts):")
    per_op = collections.defaultdict(collections.Counter)
    for c in calls:
        per_op[(c["op"], c["run"])][c["status"]] += 1
    probes = collections.Counter(c["status"] for c in calls if c["op"] not in spec_ops)
    if probes:
        print("  undeclared-method probes (coverage phase): " + " ".join(f"{s}×{n}" for s, n in sorted(probes.items())))
    for op in spec_ops:
        row = [f"{run}: " + " ".join(f"{s}×{n}" for s, n in sorted(per_op[(op, run)].items()))
               for run in run_names if per_op[(op, run)]]
        print(f"  {op:60s} " + " | ".join(row))

    # failures by kind; grouped into distinct findings by (check, run, status, message shape),
    # each with the operations it was seen on and one representative request/response
    kinds = collections.Counter()
    groups = collections.OrderedDict()

    def add(check, run, status, shape, rec):
        kinds[check] += 1
        g = groups.setdefault((check, run, status, shape), {"rec": rec, "ops": collections.Counter()})
        g["ops"][rec["op"]] += 1

    for f in custom_failures:
        add(f["check"], f["run"], f["status"], _shape(f["message"]), f)
    for run, ev in builtin:
        shape = "" if ev["check"] == "unsupported_method" else _shape(ev.get("title", "") + ev.get("message", ""))
        add(ev["check"], run, ev.get("status"), shape, dict(ev, run=run, builtin=True, role=runs_roles.get(run, run)))
    if fivexx and not any(k[0] == "not_a_server_error" for k in groups):
        for c in fivexx:  # a 5xx schemathesis did not report (e.g. a run crashed)
            add("not_a_server_error", c["run"], c["status"], "", dict(c, check="not_a_server_error", message="5xx"))
    print(f"\nfailures by kind (occurrences): " + (", ".join(f"{k}×{v}" for k, v in kinds.most_common()) or "none"))
    print(f"distinct failures: {len(groups)}")
    for i, ((check, run, status, _), g) in enumerate(groups.items(), 1):
        f = g["rec"]
        ops = g["ops"]
        print(f"\n--- [{i}] {check}  (run {run}, role {f.get('role', run)})  -> {status}  "
              f"[{sum(ops.values())} occurrences on {len(ops)} operation(s)]")
        if len(ops) > 1:
            print("  seen on: " + ", ".join(f"{o} ×{n}" for o, n in ops.most_common()))
        if f.get("builtin"):
            print(f"  {f.get('title', '')}: " + (f.get("message") or "").replace("\n", " / ")[:600])
        else:
            print(f"  {f['message']}")
        q = f.get("query")
        print(f"  request: {f.get('method')} {f.get('url') or f.get('path')}" + (f"  query={json.dumps(q)}" if q else "")
              + f"  body={f.get('sent_body')!s:.600}")
        print(f"  response {f.get('status')}: {(f.get('response') or '')[:800]}")
        print("  repro: " + _curl(dict(f, path=f.get("path") or ""), env.base))
    if outside_files:
        print(f"\nfiles written outside api.restore_roots (in the decoy {env.outside}): {len(outside_files)}")
        for p in outside_files[:15]:
            print("  " + p)
    # errors inside schemathesis itself; hypothesis' lambda-source cache racing between worker
    # threads ("AST constructor recursion depth mismatch", a SystemError) is a tool bug, not a finding
    product_errors = []
    if tool_errors:
        print(f"\nschemathesis errors (the operation's generation stopped early): {len(tool_errors)}")
        for run, label, typ, msg in tool_errors:
            known = typ == "SystemError" and "recursion depth mismatch" in (msg or "")
            print(f"  run {run}: {label}: {typ}: {(msg or '')[:200]}" + ("  [tool bug, ignored]" if known else ""))
            if not known:
                product_errors.append((run, label, typ, msg))
    bad_runs = {k: v for k, v in exit_codes.items() if v not in (0, 1)}
    if bad_runs:
        print(f"\nschemathesis runs that errored (not a check failure): {bad_runs}")
    enough = len(calls) >= 1000
    if not enough:
        print(f"\nfewer than 1000 cases ran ({len(calls)})")
    ok = not groups and not fivexx and not bad_runs and enough and not outside_files and not product_errors
    print("\nRESULT: " + ("PASS" if ok else "FAIL"))
    return ok


CUSTOM_CHECKS = ("problem_document", "problem_names_field", "auth_enforced", "path_confinement")


def _shape(msg: str) -> str:
    import re
    msg = re.sub(r"'[^']*'|\"[^\"]*\"", "_", msg or "")
    msg = re.sub(r"/\S+", "PATH", msg)  # "(leads to /tmp/...)"
    return re.sub(r"\d+", "_", msg)[:120]


def _b64(x):
    import base64
    if isinstance(x, dict) and "$base64" in x:
        return base64.b64decode(x["$base64"]).decode("utf-8", errors="replace")
    return x


def _failures_from_ndjson(path):
    """Built-in check failures recorded in schemathesis' ndjson events (ScenarioFinished.recorder)."""
    out = []
    with open(path) as fh:
        for line in fh:
            if '"failure"' not in line or "ScenarioFinished" not in line[:40]:
                continue
            try:
                rec = json.loads(line)["ScenarioFinished"]["recorder"]
            except (ValueError, KeyError):
                continue
            cases = rec.get("cases") or {}
            interactions = rec.get("interactions") or {}
            for case_id, checks in (rec.get("checks") or {}).items():
                for chk in checks:
                    if chk.get("status") != "failure":
                        continue
                    if chk.get("name") in CUSTOM_CHECKS:
                        continue  # logged by the hooks with full detail
                    fail = (chk.get("failure_info") or {}).get("failure") or {}
                    inter = interactions.get(case_id) or {}
                    req = inter.get("request") or {}
                    resp = inter.get("response") or {}
                    case = (cases.get(case_id) or {}).get("value") or {}
                    op = f"{case.get('method', req.get('method', '?'))} {case.get('path', rec.get('label', '?'))}"
                    out.append({
                        "check": chk.get("name"), "op": op, "status": resp.get("status_code"),
                        "title": fail.get("title") or "", "message": fail.get("message") or "",
                        "method": req.get("method"), "url": req.get("uri"),
                        "sent_body": _b64(req.get("body")), "media_type": case.get("media_type"),
                        "response": _b64(resp.get("content")),
                        "response_headers": resp.get("headers"),
                    })
    return out


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
