#!/usr/bin/env bash
# Renders the demo timeline report in headless Chromium and checks what a
# person would see: the page's script ran and counted every bar in the DOM,
# and the screenshot is a real picture of the right size.
# Usage: report_render_test.sh UI_REPORT_DEMO OUT_DIR
# Exit 77 (ctest: skipped) when chromium is not installed.
set -euo pipefail
demo=$1
out=$2
chromium_bin=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$chromium_bin" ]; then
  echo "SKIPPED: chromium is not installed (scripts/bootstrap installs it: apt-get install chromium)"
  exit 77
fi
rm -rf "$out"
mkdir -p "$out"
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT

bars=$("$demo" "$out/report.html" | sed -n 's/^bars=//p')
[ "${bars:-0}" -gt 50 ] || { echo "FAIL: demo drew only '${bars}' bars"; exit 1; }

flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
       --disable-background-networking --disable-component-update --disable-sync
       --user-data-dir="$profile" --window-size=1400,900)

# The DOM after scripts ran: every bar, and the script's own count of them.
timeout 120 "$chromium_bin" "${flags[@]}" --dump-dom "file://$out/report.html" \
  >"$out/dom.html" 2>"$out/chromium-dom.log"
dom_bars=$(grep -o '<rect class="bar ' "$out/dom.html" | wc -l)
if [ "$dom_bars" -ne "$bars" ]; then
  echo "FAIL: the DOM has $dom_bars bars, the report drew $bars"
  exit 1
fi
if ! grep -q "<span id=\"bar-count\">$bars bars drawn</span>" "$out/dom.html"; then
  echo "FAIL: the page's script did not run (no '$bars bars drawn' in the DOM)"
  grep -o '<span id="bar-count">[^<]*</span>' "$out/dom.html" || true
  exit 1
fi
for kind in schema catalog data index constraint analyze; do
  grep -q "<rect class=\"bar k-$kind" "$out/dom.html" || { echo "FAIL: no $kind bar"; exit 1; }
done

# The screenshot: a PNG of the window size, big enough not to be blank.
rm -f "$out/report.png"
timeout 120 "$chromium_bin" "${flags[@]}" --screenshot="$out/report.png" \
  "file://$out/report.html" >"$out/chromium-shot.log" 2>&1
[ -s "$out/report.png" ] || { echo "FAIL: no screenshot"; cat "$out/chromium-shot.log"; exit 1; }
python3 - "$out/report.png" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
w, h = struct.unpack(">II", data[16:24])
assert (w, h) == (1400, 900), f"screenshot is {w}x{h}, expected 1400x900"
# A blank 1400x900 page compresses to a few KB; a drawn timeline is far larger.
assert len(data) > 40_000, f"screenshot is only {len(data)} bytes: blank page?"
print(f"screenshot {w}x{h}, {len(data)} bytes")
PY
echo "PASS: $bars bars in the DOM, script ran, screenshot $out/report.png"
