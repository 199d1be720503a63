#!/usr/bin/env bash
# The fleet-scale benchmark (issue 17, point 3): one daemon in process, a simulated fleet
# (default 500 nodes, a million earlier jobs in the catalog, an hour of a clock that skips
# ahead only while nothing is queued or running). Prints start lateness, lost runs and API
# latency; exits non-zero when a run was lost or did not end. Any arguments go to the
# benchmark: --nodes N --hours H --history N --parallel N --api-requests N --dir DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product lifeboat-scale-bench --scratch-path .build-release >&2
exec .build-release/release/lifeboat-scale-bench "$@"
