"""Schemathesis hooks and checks for api-fuzz.py (loaded through SCHEMATHESIS_HOOKS).

Environment (set by api-fuzz.py):
  LB_FUZZ_LOG       ndjson file: one line per request sent and one per custom-check failure
  LB_FUZZ_RUN       label of this run (admin, anonymous, viewer, ...)
  LB_FUZZ_ROLE      admin | operator | viewer | none | bogus  (the token the run sends)
  LB_RESTORE_ROOT   the only directory API callers may name (api.restore_roots)
  LB_OUTSIDE        a decoy directory inside the temp dir but outside the restore roots
  LB_DATADIR        the demo node's datadir (allowed for a node's own restore)
  LB_NODE           the configured node's name
  LB_JOB_IDS        comma-separated ids of jobs that exist (for {id} steering)

What the hooks do to generated requests (before_call):
  * path parameters are steered, for about 60 % of cases (chosen by a hash of the
    generated value, so a case is reproducible), to things that exist: node -> LB_NODE,
    kind -> backup|identity, dump -> latest, id -> an existing job id. The rest stay as
    generated (unknown names, odd characters) to exercise the 404/422 paths.
  * every path-valued field (body: target, directory, restoreKitDirectory, identityFile;
    query: identityFile) that is a string is rewritten so it can only point into the temp
    dir: absolute values become LB_RESTORE_ROOT/<name>, LB_OUTSIDE/<name> (outside the
    roots: must be refused) or LB_RESTORE_ROOT/../outside/<name> (traversal: must be
    refused); relative values become a bare safe name (must be refused as relative).
    Non-string values are left alone (type errors are still fuzzed).
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import threading
import time

import schemathesis

LOG = os.environ.get("LB_FUZZ_LOG", "/dev/null")
RUN = os.environ.get("LB_FUZZ_RUN", "admin")
ROLE = os.environ.get("LB_FUZZ_ROLE", "admin")
ROOT = os.environ.get("LB_RESTORE_ROOT", "/nonexistent-root")
OUTSIDE = os.environ.get("LB_OUTSIDE", "/nonexistent-outside")
DATADIR = os.environ.get("LB_DATADIR", "/nonexistent-datadir")
NODE = os.environ.get("LB_NODE", "nuts-demo")
JOB_IDS = [int(x) for x in os.environ.get("LB_JOB_IDS", "1").split(",") if x.strip()]

PATH_BODY_FIELDS = ("target", "directory", "restoreKitDirectory", "identityFile")
PATH_QUERY_FIELDS = ("identityFile",)

# Operations that need the operator role (docs/daemon.md, REST API table); all other
# /api/v1 operations except openapi.json need viewer.
OPERATOR_OPS = {
    "PUT /api/v1/nodes/{node}/schedules/{kind}",
    "DELETE /api/v1/nodes/{node}/schedules/{kind}",
    "POST /api/v1/nodes/{node}/schedules/{kind}/pause",
    "POST /api/v1/nodes/{node}/schedules/{kind}/resume",
    "POST /api/v1/nodes/{node}/backups",
    "POST /api/v1/nodes/{node}/identity-dumps",
    "POST /api/v1/nodes/{node}/restores",
    "POST /api/v1/nodes/{node}/verify",
    "POST /api/v1/nodes/{node}/node-restores",
    "POST /api/v1/jobs/{id}/rollback",
    "GET /api/v1/nodes/{node}/identity-dumps/{dump}/export",
    "POST /api/v1/nodes/{node}/identity-dumps/{dump}/restore",
    "POST /api/v1/nodes/{node}/identity-dumps/{dump}/restore-kit",
    "POST /api/v1/jobs/{id}/cancel",
}
PUBLIC_OPS = {"GET /healthz", "GET /readyz", "GET /metrics", "GET /api/v1/openapi.json"}

_lock = threading.Lock()


def _log(record: dict) -> None:
    record.setdefault("run", RUN)
    record.setdefault("role", ROLE)
    line = json.dumps(record, default=str)
    with _lock, open(LOG, "a") as f:
        f.write(line + "\n")


def _h(value) -> int:
    return int(hashlib.sha1(repr(value).encode()).hexdigest()[:8], 16)


def _safe_name(value: str) -> str:
    base = re.sub(r"[^A-Za-z0-9._-]", "_", value.split("/")[-1] if "/" in value else value)
    base = base.lstrip(".")[:40]
    return base or "x"


def _confine_value(field: str, value):
    """A path value that can only lead into the temp dir (whatever was generated)."""
    if not isinstance(value, str):
        return value
    name = _safe_name(value)
    h = _h(value)
    if field == "identityFile" and h % 3 == 0:
        name = "identity.key"
    choice = h % 5
    if choice == 0:
        return name  # relative: must be refused
    if choice in (1, 2):
        return f"{ROOT}/{name}"  # inside the restore root
    if choice == 3:
        return f"{OUTSIDE}/{name}"  # outside the roots: must be refused
    return f"{ROOT}/../outside/{name}"  # traversal out of the root: must be refused


# operations and the path fields they take (body fields, or "?field" for a query parameter)
PATH_FIELDS_BY_OP = {
    "POST /api/v1/nodes/{node}/restores": ("target",),
    "POST /api/v1/nodes/{node}/node-restores": ("identityFile", "restoreKitDirectory"),
    "POST /api/v1/nodes/{node}/identity-dumps/{dump}/restore": ("identityFile",),
    "POST /api/v1/nodes/{node}/identity-dumps/{dump}/restore-kit": ("identityFile", "directory"),
    "GET /api/v1/nodes/{node}/restore-plan": ("?identityFile",),
}


def op_label(case) -> str:
    """METHOD PATH-TEMPLATE as sent (the coverage phase also probes undeclared methods)."""
    return f"{(case.method or case.operation.method).upper()} {case.operation.path}"


def declared_method(case) -> bool:
    return (case.method or case.operation.method).upper() == case.operation.method.upper()


@schemathesis.hook
def before_call(context, case, kwargs):
    # steer path parameters toward existing resources for part of the cases
    pp = case.path_parameters
    if pp:
        for key, value in list(pp.items()):
            h = _h((key, value))
            if h % 10 >= 6:
                continue
            if key == "node":
                pp[key] = NODE
            elif key == "kind":
                pp[key] = ("backup", "identity")[h % 2]
            elif key == "dump":
                pp[key] = "latest"
            elif key == "id":
                pp[key] = JOB_IDS[h % len(JOB_IDS)]
    # confine path-valued fields
    body = case.body
    if isinstance(body, dict):
        for field in PATH_BODY_FIELDS:
            if field in body:
                body[field] = _confine_value(field, body[field])
    if isinstance(case.query, dict):
        for field in PATH_QUERY_FIELDS:
            if field in case.query:
                case.query[field] = _confine_value(field, case.query[field])



def _role_of(headers) -> str:
    return ROLE


def _resp_text(response) -> str:
    try:
        return response.content.decode("utf-8", errors="replace")
    except Exception:
        return repr(response.content)


def _body_repr(case):
    body = case.body
    try:
        from schemathesis.core import NOT_SET  # type: ignore
        if body is NOT_SET:
            return None
    except Exception:
        pass
    if type(body).__name__ == "NotSet":
        return None
    if isinstance(body, (bytes, bytearray)):
        return body.decode("utf-8", errors="replace")
    return body


def _request_of(case, response) -> dict:
    req = getattr(response, "request", None)
    sent_body = None
    url = None
    if req is not None:
        url = getattr(req, "url", None)
        b = getattr(req, "body", None)
        if isinstance(b, (bytes, bytearray)):
            sent_body = b.decode("utf-8", errors="replace")
        elif b is not None:
            sent_body = str(b)
    return {
        "op": op_label(case),
        "method": (case.method or case.operation.method).upper(),
        "path": case.formatted_path,
        "url": url,
        "query": case.query or None,
        "body": _body_repr(case),
        "sent_body": sent_body,
        "media_type": case.media_type,
    }


@schemathesis.hook
def after_call(context, case, response):
    rec = _request_of(case, response)
    meta = case.meta
    rec.update({
        "kind": "call",
        "t": round(time.time(), 3),
        "case_id": case.id,
        "phase": getattr(getattr(meta, "phase", None), "name", None) if meta else None,
        "status": response.status_code,
        "content_type": response.headers.get("content-type", [None])[0]
        if isinstance(response.headers.get("content-type"), list) else response.headers.get("content-type"),
        "response": _resp_text(response)[:4000],
        "elapsed_ms": round(response.elapsed * 1000, 2) if isinstance(response.elapsed, (int, float)) else None,
    })
    _log(rec)


def _fail(name: str, case, response, message: str):
    rec = _request_of(case, response)
    rec.update({"kind": "failure", "check": name, "message": message, "status": response.status_code,
                "response": _resp_text(response)[:4000]})
    _log(rec)
    raise AssertionError(f"{name}: {message}")


def _header(response, name):
    v = response.headers.get(name) or response.headers.get(name.lower())
    if isinstance(v, list):
        return v[0] if v else None
    return v


def _operation_names(case) -> set[str]:
    """Parameter and body property names of the operation (what a detail may name)."""
    names = set()
    raw = case.operation.definition.raw if hasattr(case.operation, "definition") else {}
    for p in raw.get("parameters", []) or []:
        if isinstance(p, dict) and "name" in p:
            names.add(p["name"])
    try:
        for alt in case.operation.body:
            schema = alt.definition.get("schema", {}) if hasattr(alt, "definition") else {}
            schema = _deref(case, schema)
            for key in (schema.get("properties") or {}):
                names.add(key)
    except Exception:
        pass
    return names


def _deref(case, schema):
    ref = schema.get("$ref") if isinstance(schema, dict) else None
    if not ref:
        return schema or {}
    node = case.operation.schema.raw_schema
    for part in ref.lstrip("#/").split("/"):
        node = node.get(part, {})
    return node


@schemathesis.check
def problem_document(ctx, response, case):
    """Every 4xx answer is an RFC 9457 problem document in Lifeboat's shape."""
    status = response.status_code
    if not 400 <= status < 500:
        return None
    ctype = (_header(response, "content-type") or "").split(";")[0].strip()
    if ctype != "application/problem+json":
        _fail("problem_document", case, response, f"{status} answered with content-type {ctype!r}, not application/problem+json")
    try:
        doc = json.loads(response.content)
    except ValueError:
        _fail("problem_document", case, response, f"{status} body is not JSON")
    if not isinstance(doc, dict):
        _fail("problem_document", case, response, f"{status} body is not a JSON object")
    problems = []
    for key, typ in (("type", str), ("title", str), ("status", int), ("detail", str)):
        if key not in doc:
            problems.append(f"missing {key!r}")
        elif not isinstance(doc[key], typ) or (typ is int and isinstance(doc[key], bool)):
            problems.append(f"{key!r} is not a {typ.__name__}")
    if isinstance(doc.get("status"), int) and doc["status"] != status:
        problems.append(f"'status' {doc['status']} differs from the HTTP status {status}")
    if isinstance(doc.get("detail"), str) and not doc["detail"].strip():
        problems.append("'detail' is empty")
    if "field" in doc and not isinstance(doc["field"], str):
        problems.append("'field' is not a string")
    extra = set(doc) - {"type", "title", "status", "detail", "field"}
    if extra:
        problems.append(f"unexpected keys {sorted(extra)}")
    if problems:
        _fail("problem_document", case, response, "; ".join(problems))
    if status == 401 and not _header(response, "www-authenticate"):
        _fail("problem_document", case, response, "401 without a WWW-Authenticate header")
    return True


@schemathesis.check
def problem_names_field(ctx, response, case):
    """A 400/422 problem names the offending field or parameter (in `detail`, and `field` if set)."""
    if response.status_code not in (400, 422):
        return None
    try:
        doc = json.loads(response.content)
    except ValueError:
        return None  # problem_document reports it
    if not isinstance(doc, dict) or not isinstance(doc.get("detail"), str):
        return None
    detail = doc["detail"]
    names = _operation_names(case)
    field = doc.get("field")
    if isinstance(field, str):
        top = re.split(r"[.\[]", field)[0]
        if top not in names:
            _fail("problem_names_field", case, response,
                  f"'field' {field!r} is not a parameter or body property of the operation ({sorted(names)})")
        if field not in detail:
            _fail("problem_names_field", case, response, f"'detail' does not mention the 'field' {field!r}")
        return True
    # no `field`: the detail must still name what is at fault
    if any(re.search(rf"(?<![A-Za-z0-9_]){re.escape(n)}(?![A-Za-z0-9_])", detail) for n in names):
        return True
    if re.search(r"\b(body|JSON)\b", detail):  # the body as a whole (not JSON, wrong top-level type)
        return True
    # a state problem about the resource a path parameter names ("job 7 already finished ...")
    for key, value in (case.path_parameters or {}).items():
        if str(value) and re.search(rf"\b{re.escape(key)}\b|(?<![A-Za-z0-9_]){re.escape(str(value))}(?![A-Za-z0-9_])", detail):
            return True
    _fail("problem_names_field", case, response,
          f"{response.status_code} 'detail' names no field or parameter (no 'field' either); "
          f"operation's names: {sorted(names)}")


@schemathesis.check
def auth_enforced(ctx, response, case):
    """Roles: no/wrong token -> 401 everywhere but the public routes; viewer -> 403 on operator routes."""
    if not declared_method(case):
        return None  # undeclared-method probes: unsupported_method judges them
    op = op_label(case)
    status = response.status_code
    if op in PUBLIC_OPS:
        if status in (401, 403):
            _fail("auth_enforced", case, response, f"public route answered {status} to role {ROLE}")
        return True
    if ROLE in ("none", "bogus"):
        if status != 401:
            _fail("auth_enforced", case, response, f"role {ROLE}: expected 401, got {status}")
    elif ROLE == "viewer":
        if op in OPERATOR_OPS and status != 403:
            _fail("auth_enforced", case, response, f"viewer on an operator route: expected 403, got {status}")
        # a viewer route may still refuse a path outside api.restore_roots (403 naming the
        # path field: the restore plan's identityFile), as the admin branch below allows
        if op not in OPERATOR_OPS and status == 401:
            _fail("auth_enforced", case, response, f"viewer on a viewer route: got {status}")
        if op not in OPERATOR_OPS and status == 403 and _problem_field(response) not in PATH_BODY_FIELDS:
            _fail("auth_enforced", case, response, f"viewer on a viewer route: got 403 not about a path field")
    else:
        if status == 401:
            _fail("auth_enforced", case, response, f"role {ROLE} answered 401")
        if status == 403:
            if _problem_field(response) not in PATH_BODY_FIELDS:
                _fail("auth_enforced", case, response, f"role {ROLE} answered 403 not about a path field")
    return True


def _problem_field(response):
    try:
        return json.loads(response.content).get("field")
    except Exception:
        return None


def _inside(path: str, roots: list[str]) -> bool:
    real = os.path.realpath(path)
    return any(real == r or real.startswith(r.rstrip("/") + "/") for r in (os.path.realpath(x) for x in roots))


@schemathesis.check
def path_confinement(ctx, response, case):
    """A request naming a path outside api.restore_roots (or relative) is not accepted (no 2xx)."""
    if not 200 <= response.status_code < 300:
        return None
    op = op_label(case)
    wanted = PATH_FIELDS_BY_OP.get(op, ())
    fields = []
    if isinstance(case.body, dict):
        fields += [(f, case.body[f]) for f in wanted if isinstance(case.body.get(f), str)]
    if isinstance(case.query, dict):
        fields += [(f[1:], case.query[f[1:]]) for f in wanted if f.startswith("?") and isinstance(case.query.get(f[1:]), str)]
    for field, value in fields:
        allowed = [ROOT]
        if op.endswith("/restores") or op.endswith("/node-restores"):
            allowed.append(DATADIR)
        if not value.startswith("/"):
            _fail("path_confinement", case, response, f"{field}: relative path {value!r} accepted ({response.status_code})")
        if not _inside(value, allowed):
            _fail("path_confinement", case, response,
                  f"{field}: {value!r} (leads to {os.path.realpath(value)}) is outside api.restore_roots but was accepted ({response.status_code})")
    return True
