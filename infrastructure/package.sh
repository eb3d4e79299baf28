#!/usr/bin/env bash
# Build the deployable SAM package of one stage and lint it.
#
#   STAGE=dev|prod (default dev)   OUT_DIR=<dir> (default build/package)
#
# 1. checks that infrastructure/resources.json and .chalice/policy-<stage>.json equal a fresh
#    generation from functions/shared/tables.py (regenerate with `python -m infrastructure.template`);
# 2. `chalice package --merge-template infrastructure/resources.json` into OUT_DIR
#    (sam.json, deployment.zip with app.py, layer-deployment.zip with the dependencies and vendor/);
# 3. builds the imaging layer (Pillow, layers/imaging) into OUT_DIR/layer-imaging.zip and the
#    lesion-measurement layer (layers/lesionmetrics) into OUT_DIR/layer-lesionmetrics.zip, which the
#    merged template's ImagingLayer and LesionMetricsLayer name, and the measuring function's own zip
#    (layers/lesionmetrics/function: one module naming the handler in its layer);
# 4. adds compiled bytecode to every zip (infrastructure/bytecode.py: Lambda's read-only file system
#    cannot cache it, so without it each cold start compiles every imported module);
# 5. pins the template's Stage parameter to STAGE;
# 6. cfn-lint on the result: any finding, warnings included, fails the build.
set -euo pipefail

STAGE="${STAGE:-dev}"
OUT_DIR="${OUT_DIR:-build/package}"

case "$STAGE" in
  dev | prod) ;;
  *) echo "package.sh: STAGE must be dev or prod (got '$STAGE')" >&2; exit 2 ;;
esac

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# vendor/functions is zipped as found: keep our own imports from leaving .pyc files in it.
export PYTHONDONTWRITEBYTECODE=1

tool() {
  # The project's virtualenv if there is one, else PATH.
  if [ -x ".venv/bin/$1" ]; then echo ".venv/bin/$1"; else command -v "$1"; fi
}
PYTHON="$(tool python || tool python3)"
CHALICE="$(tool chalice)"
CFN_LINT="$(tool cfn-lint)"

"$PYTHON" -m infrastructure.template --check

# chalice package refuses nothing and merges into whatever it finds: start from an empty directory,
# but only ever delete a directory that holds a previous package.
if [ -e "$OUT_DIR" ]; then
  if [ -f "$OUT_DIR/sam.json" ] || [ -z "$(ls -A "$OUT_DIR")" ]; then
    rm -rf "$OUT_DIR"
  else
    echo "package.sh: $OUT_DIR exists and is not a previous package; not touching it" >&2
    exit 2
  fi
fi

# Packaging WebSocket handlers needs a region; Lambda's Python version is the local interpreter's.
AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-eu-west-1}" \
  "$CHALICE" package --stage "$STAGE" --merge-template infrastructure/resources.json "$OUT_DIR"

bash layers/imaging/build.sh "$OUT_DIR/layer-imaging.zip"
bash layers/lesionmetrics/build.sh "$OUT_DIR/layer-lesionmetrics.zip"
"$PYTHON" layers/zip_layer.py layers/lesionmetrics/function "$OUT_DIR/function-lesionmeasurer.zip"

"$PYTHON" -m infrastructure.bytecode "$OUT_DIR/deployment.zip" "$OUT_DIR/layer-deployment.zip" \
  "$OUT_DIR/layer-imaging.zip" "$OUT_DIR/function-lesionmeasurer.zip"
# The lesion layer's bytecode (~10 s of CPU for 260 modules in a 74 MB zip) is kept next to the
# layer's own cache, keyed by the layer and the interpreter's bytecode tag.
LESION_KEY="$( (sha256sum "$OUT_DIR/layer-lesionmetrics.zip"; "$PYTHON" -c 'import sys; print(sys.implementation.cache_tag)') \
  | sha256sum | cut -c1-16)"
LESION_COMPILED="build/layers/cache/lesionmetrics-compiled-$LESION_KEY.zip"
if [ -f "$LESION_COMPILED" ]; then
  cp "$LESION_COMPILED" "$OUT_DIR/layer-lesionmetrics.zip"
else
  "$PYTHON" -m infrastructure.bytecode "$OUT_DIR/layer-lesionmetrics.zip"
  mkdir -p "$(dirname "$LESION_COMPILED")"
  cp "$OUT_DIR/layer-lesionmetrics.zip" "$LESION_COMPILED.tmp" && mv "$LESION_COMPILED.tmp" "$LESION_COMPILED"
fi

"$PYTHON" -m infrastructure.template --pin-stage "$STAGE" "$OUT_DIR/sam.json"

"$CFN_LINT" --format parseable -- "$OUT_DIR/sam.json"
echo "package.sh: $OUT_DIR/sam.json ($STAGE) built; cfn-lint found nothing"
