#!/usr/bin/env bash
# The harness leaves nothing behind: after SIGINT, SIGTERM or SIGKILL of
# scripts/with-pg, no server of its runs and its directory is gone.
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
for sig in INT TERM KILL; do
  export TMPDIR=$tmp
  timeout -s "$sig" 6 "$root/scripts/with-pg" sleep 60 2>/dev/null
  sleep 3  # the SIGKILL case is cleaned by the watchdog, which polls every second
  left=$(ls -A "$tmp")
  servers=$(pgrep -f "postgres -D $tmp/" || true)
  if [ -n "$left" ] || [ -n "$servers" ]; then
    echo "after SIG$sig: left behind: dirs=[$left] servers=[$servers]"
    fail=1
  else
    echo "after SIG$sig: clean"
  fi
done
exit $fail
