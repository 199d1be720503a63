#!/usr/bin/env bash
# Thin wrapper around compare.py: builds the release lifeboat binary first when
# the run needs it and it is missing, then passes every argument through.
set -euo pipefail

bench_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
package_root="$(dirname "$bench_dir")"

# Only look at the options that decide whether a build is needed and which script runs.
# --s3 runs s3bench.py (lifeboat and restic on one moto_server) instead of compare.py.
tools="lifeboat,restic,borg"
lifeboat=""
script="compare.py"
args=()
for arg in "$@"; do
  if [[ "$arg" == "--s3" ]]; then script="s3bench.py"; else args+=("$arg"); fi
done
set -- "${args[@]+"${args[@]}"}"
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[i]}" in
    --tools) tools="${args[i + 1]:-}" ;;
    --tools=*) tools="${args[i]#--tools=}" ;;
    --lifeboat) lifeboat="${args[i + 1]:-}" ;;
    --lifeboat=*) lifeboat="${args[i]#--lifeboat=}" ;;
  esac
done

# An explicit --lifeboat is the caller's business; compare.py reports it if missing.
# Otherwise build (incrementally) a plain release binary in its own scratch folder, apart
# from the test build in .build, which is compiled with -enable-testing.
extra=()
if [[ ",$tools," == *",lifeboat,"* && -z "$lifeboat" ]]; then
  if ! command -v swift >/dev/null && [[ -x /opt/swift/usr/bin/swift ]]; then
    PATH="/opt/swift/usr/bin:$PATH"
  fi
  echo "[bench] building lifeboat (swift build -c release --product lifeboat --scratch-path .build-release)" >&2
  (cd "$package_root" && swift build -c release --product lifeboat --scratch-path "$package_root/.build-release")
  extra=(--lifeboat "$package_root/.build-release/release/lifeboat")
fi

"$package_root/scripts/install-deps" --for bench
# moto_server (for --s3) lives in the project's virtual environment.
export PATH="${LIFEBOAT_VENV:-$package_root/.build/venv}/bin:$PATH"
exec python3 "$bench_dir/$script" "${extra[@]+"${extra[@]}"}" "$@"
