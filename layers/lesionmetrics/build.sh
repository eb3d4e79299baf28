#!/usr/bin/env bash
# Build the lesion-measurement Lambda layer (OpenCV + numpy + functions/lesionmetrics) as a zip with
# everything under python/ (Lambda puts /opt/python on sys.path), and check its unpacked size.
#
#   layers/lesionmetrics/build.sh [OUT_ZIP]        default: build/layers/lesionmetrics.zip
#
# Why the measuring code is in the layer: OpenCV + numpy unpack to ~230 MB and Chalice's shared layer
# to ~57 MB, more than Lambda's 250 MB for a function and all its layers together. So the measuring
# function carries this layer ALONE (boto3 comes with the runtime) and is pure compute: photo in,
# figures out; the caller seals and stores them (layers/README.md). The layer therefore brings the
# package code it runs, and nothing else of functions/.
#
# Wheels are chosen for Lambda (manylinux2014 x86_64, CPython of the packaging interpreter); the zip
# is deterministic (sorted entries, fixed timestamps) and cached under build/layers/cache/.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
OUT_ZIP="${1:-build/layers/lesionmetrics.zip}"
REQUIREMENTS="layers/lesionmetrics/requirements.txt"
LIMIT_BYTES=$((250 * 1024 * 1024))

if [ -x ".venv/bin/python" ]; then PYTHON=".venv/bin/python"; else PYTHON="$(command -v python3)"; fi
PY_VERSION="$("$PYTHON" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
CODE=(functions/__init__.py functions/lesionmetrics/__init__.py functions/lesionmetrics/card.py
      functions/lesionmetrics/registration.py functions/lesionmetrics/outline.py functions/lesionmetrics/measure.py
      functions/lesionmetrics/handler.py)
KEY="$(cat "$REQUIREMENTS" "${BASH_SOURCE[0]}" layers/zip_layer.py "${CODE[@]}" | sha256sum | cut -c1-16)-py${PY_VERSION}"
CACHE_DIR="build/layers/cache"
CACHED="$CACHE_DIR/lesionmetrics-$KEY.zip"

if [ ! -f "$CACHED" ]; then
  mkdir -p "$CACHE_DIR"
  STAGING="$(mktemp -d "$CACHE_DIR/lesionmetrics-staging-XXXXXX")"
  trap 'rm -rf "$STAGING"' EXIT
  "$PYTHON" -m pip install --quiet --no-compile --no-deps --disable-pip-version-check \
    --only-binary=:all: --platform manylinux2014_x86_64 --implementation cp --python-version "$PY_VERSION" \
    --target "$STAGING/python" -r "$REQUIREMENTS"
  rm -rf "$STAGING/python/bin"
  # What the measuring code never loads: numpy's own test suites and C headers, type stubs.
  find "$STAGING/python/numpy" -type d \( -name tests -o -name include \) -prune -exec rm -rf {} +
  find "$STAGING/python" \( -name '*.pyi' -o -name '*.pxd' \) -delete
  for file in "${CODE[@]}"; do install -D -m 0644 "$file" "$STAGING/python/$file"; done
  "$PYTHON" layers/zip_layer.py "$STAGING" "$CACHED.tmp" lesionmetrics "$LIMIT_BYTES"
  mv "$CACHED.tmp" "$CACHED"
fi

mkdir -p "$(dirname "$OUT_ZIP")"
cp "$CACHED" "$OUT_ZIP"
echo "lesionmetrics layer: $OUT_ZIP ($(du -k "$OUT_ZIP" | cut -f1) kB, from $CACHED)"
