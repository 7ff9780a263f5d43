#!/usr/bin/env bash
# CI's packaging smoke test: build the CPU bundle in a clean folder, run it, check it.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
packaging/build.sh cpu
app=dist/vae-digits/vae-digits
export QT_QPA_PLATFORM=offscreen
TIMEFORMAT='self-test took %R s (first run after the build)'
time "$app" self-test
out=$(mktemp -d)/grid.png
"$app" grid --n 15 --out "$out"
python3 - "$out" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
w, h = struct.unpack(">II", data[16:24])
assert (w, h) == (420, 420), f"grid is {w}x{h}, expected 420x420"
assert b"tEXt" in data, "no text chunks"
print(f"grid PNG ok: {w}x{h}")
PY
"$app" walk --from 0 --to 7 --steps 8 --out "$out.gif"   # Pillow inside the bundle writes the GIF
"$app" sample --n 4 --seed 1 --out "$out.samples.png"
python3 - "$out.gif" <<'PY'
import sys
data = open(sys.argv[1], "rb").read()
assert data[:6] == b"GIF89a", "not a GIF"
assert data.count(b"\x21\xf9\x04") == 8, "expected 8 frames"
print("walk GIF ok: 8 frames")
PY
if find dist/vae-digits -iname '*torch*' | grep -q .; then
  echo "smoke: torch found inside the bundle" >&2; find dist/vae-digits -iname '*torch*' | head >&2; exit 1
fi
# a damaged bundle: the commands answer with one line and exit 2
set +e
VAE_DIGITS_MODELS=/nonexistent "$app" self-test 2>"$out.err"; rc=$?
set -e
[ "$rc" = 2 ] && [ "$(wc -l < "$out.err")" = 1 ] || { echo "smoke: missing models gave rc=$rc: $(cat "$out.err")" >&2; exit 1; }
echo "missing models: $(cat "$out.err") (exit 2)"
# the window: painted once, then it quits by itself; with models missing it still opens
for models in "" /nonexistent; do
  launch=$(VAE_DIGITS_MODELS=$models VAE_DIGITS_EXIT_AFTER_PAINT=1 timeout 60 "$app" 2>"$out.err")
  case "$launch" in first-paint*) echo "window (models ${models:-shipped}): $launch" ;;
    *) echo "smoke: the window did not open: $(cat "$out.err")" >&2; exit 1 ;; esac
  if grep -q Traceback "$out.err"; then echo "smoke: traceback from the window: $(cat "$out.err")" >&2; exit 1; fi
done
echo "bundle size: $(du -sm dist/vae-digits | cut -f1) MB unpacked; smoke test took $(( $(date +%s) - start )) s"
