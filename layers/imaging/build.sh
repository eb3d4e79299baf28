#!/usr/bin/env bash
# Build the imaging Lambda layer (Pillow) as a zip with everything under python/ (Lambda puts
# /opt/python on sys.path).
#
#   layers/imaging/build.sh [OUT_ZIP]        default: build/layers/imaging.zip
#
# Wheels are chosen for Lambda, not for this machine: manylinux2014 x86_64, CPython of the
# interpreter that runs `chalice package` (the functions' runtime is taken from it too). The zip is
# deterministic (sorted entries, fixed timestamps), so unchanged inputs give an identical file and
# a deploy does not publish a new layer version; it is cached under build/layers/cache/.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
OUT_ZIP="${1:-build/layers/imaging.zip}"
REQUIREMENTS="layers/imaging/requirements.txt"

if [ -x ".venv/bin/python" ]; then PYTHON=".venv/bin/python"; else PYTHON="$(command -v python3)"; fi
PY_VERSION="$("$PYTHON" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
KEY="$(cat "$REQUIREMENTS" "${BASH_SOURCE[0]}" layers/zip_layer.py | sha256sum | cut -c1-16)-py${PY_VERSION}"
CACHE_DIR="build/layers/cache"
CACHED="$CACHE_DIR/imaging-$KEY.zip"

if [ ! -f "$CACHED" ]; then
  mkdir -p "$CACHE_DIR"
  STAGING="$(mktemp -d "$CACHE_DIR/imaging-staging-XXXXXX")"
  trap 'rm -rf "$STAGING"' EXIT
  "$PYTHON" -m pip install --quiet --no-compile --no-deps --disable-pip-version-check \
    --only-binary=:all: --platform manylinux2014_x86_64 --implementation cp --python-version "$PY_VERSION" \
    --target "$STAGING/python" -r "$REQUIREMENTS"
  rm -rf "$STAGING/python/bin"
  "$PYTHON" layers/zip_layer.py "$STAGING" "$CACHED.tmp"
  mv "$CACHED.tmp" "$CACHED"
fi

mkdir -p "$(dirname "$OUT_ZIP")"
cp "$CACHED" "$OUT_ZIP"
echo "imaging layer: $OUT_ZIP ($(du -k "$OUT_ZIP" | cut -f1) kB, from $CACHED)"
