#!/usr/bin/env bash
# Thin wrapper around compare.py: builds the release lifeboat binary first when
# the run needs it and it is missing, then passes every argument through.
set -euo pipefail

bench_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
package_root="$(dirname "$bench_dir")"

# Only look at the two options that decide whether a build is needed.
tools="lifeboat,restic,borg"
lifeboat=""
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[i]}" in
    --tools) tools="${args[i + 1]:-}" ;;
    --tools=*) tools="${args[i]#--tools=}" ;;
    --lifeboat) lifeboat="${args[i + 1]:-}" ;;
    --lifeboat=*) lifeboat="${args[i]#--lifeboat=}" ;;
  esac
done

# An explicit --lifeboat is the caller's business; compare.py reports it if missing.
if [[ ",$tools," == *",lifeboat,"* && -z "$lifeboat" && ! -x "$package_root/.build/release/lifeboat" ]]; then
  if ! command -v swift >/dev/null && [[ -x /opt/swift/usr/bin/swift ]]; then
    PATH="/opt/swift/usr/bin:$PATH"
  fi
  echo "[bench] building lifeboat (swift build -c release --product lifeboat) in $package_root" >&2
  (cd "$package_root" && swift build -c release --product lifeboat)
fi

exec python3 "$bench_dir/compare.py" "$@"
