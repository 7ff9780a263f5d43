#!/usr/bin/env bash
# Build dist/vae-digits/ and dist/vae-digits-<version>-linux-<variant>.tar.gz.
#   packaging/build.sh cpu   plain onnxruntime
#   packaging/build.sh gpu   onnxruntime-gpu (runs on CPU, explained in one line, without CUDA)
# Each variant builds in its own runtime-only venv (.venv-bundle-<variant>): the app's runtime
# dependencies and PyInstaller, nothing of the training stack.
set -euo pipefail
variant=${1:-cpu}
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
venv=.venv-bundle-$variant
case $variant in
  cpu) ort=onnxruntime ;;
  gpu) ort=onnxruntime-gpu ;;
  *) echo "build.sh: variant must be cpu or gpu, not '$variant'" >&2; exit 2 ;;
esac
if [ ! -x "$venv/bin/python" ]; then
  "$PYTHON" -m venv "$venv"
fi
"$venv/bin/python" -m pip install -q numpy "PySide6-Essentials<6.12" pyqtgraph psygnal pillow "$ort" pyinstaller
"$venv/bin/python" -m pip install -q --no-deps .   # the project's metadata (name, version) only
if "$venv/bin/python" -c "import torch" 2>/dev/null; then
  echo "build.sh: torch is installed in $venv; the bundle must not contain it" >&2; exit 1
fi
name=$("$venv/bin/python" packaging/project_info.py name)
version=$("$venv/bin/python" packaging/project_info.py version)
rm -rf "build/$variant" "dist/$name"
"$venv/bin/pyinstaller" --noconfirm --log-level WARN --workpath "build/$variant" --distpath dist packaging/vae-digits.spec
cp packaging/vae-digits.desktop packaging/vae-digits.png "dist/$name/"
cp LICENSE "dist/$name/"
[ "$variant" = gpu ] && cp packaging/GPU.md "dist/$name/"
tarball="dist/$name-$version-linux-$variant.tar.gz"
tar -C dist -czf "$tarball.tmp" "$name" && mv "$tarball.tmp" "$tarball"
echo "built dist/$name ($(du -sm "dist/$name" | cut -f1) MB unpacked) and $tarball ($(du -m "$tarball" | cut -f1) MB)"
