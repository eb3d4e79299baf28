"""Ship compiled bytecode inside the Lambda zips.

Lambda unpacks the function and its layers onto a read-only file system, so Python can never cache
what it compiles: without `.pyc` files in the zip every cold start compiles every module it imports
from source (measured: the first `$connect` plus first `GET /cases` take about twice as long).

Each `.py` in the zip gets an *unchecked-hash* `.pyc` (PEP 552) beside it in `__pycache__`: valid
whatever timestamps the zip carries, and never re-validated against the source at import. Both come
from the same build, so they cannot disagree. Whatever `__pycache__` the build picked up from a
working tree is dropped first. The interpreter that runs this must be the runtime's minor version
(the bytecode format changes between minor versions); `package.sh` packages with that interpreter.

    python -m infrastructure.bytecode ZIP [ZIP ...]
"""

from __future__ import annotations

import argparse
import importlib.util
import marshal
import os
import sys
import zipfile
from pathlib import Path, PurePosixPath

# Flags word of a hash-based pyc whose source is never checked (PEP 552: bit 0 set, bit 1 clear).
UNCHECKED_HASH_FLAGS = 0b01
# Fixed entry time, like Chalice's own zips: identical inputs give identical archives.
ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)
PYC_MODE = 0o644 << 16


def pyc_name(source: str) -> str:
    """Archive name of the cached bytecode for a source entry, as importlib looks it up."""
    path = PurePosixPath(source)
    tag = sys.implementation.cache_tag
    return str(path.parent / "__pycache__" / f"{path.stem}.{tag}.pyc")


def compile_source(source: bytes, archive_name: str) -> bytes:
    """Unchecked-hash pyc bytes for one module's source."""
    code = compile(source, archive_name, "exec", dont_inherit=True, optimize=0)
    header = importlib.util.MAGIC_NUMBER + UNCHECKED_HASH_FLAGS.to_bytes(4, "little")
    return header + importlib.util.source_hash(source) + marshal.dumps(code)


def _is_cached_bytecode(name: str) -> bool:
    return "/__pycache__/" in f"/{name}" or name.endswith((".pyc", ".pyo"))


def add_bytecode(zip_path: Path) -> tuple[int, int]:
    """Rewrite `zip_path` with a pyc for every `.py`; returns (sources compiled, sources skipped).

    A source that does not compile (a test fixture in some wheel, Python 2 leftovers) is skipped:
    the import system would fail on it either way, and only if something imports it.
    """
    rewritten = zip_path.with_suffix(".tmp")
    compiled = skipped = 0
    with zipfile.ZipFile(zip_path) as original, zipfile.ZipFile(
        rewritten, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6
    ) as out:
        for info in original.infolist():
            if _is_cached_bytecode(info.filename):
                continue
            data = original.read(info)
            out.writestr(info, data)
            if info.is_dir() or not info.filename.endswith(".py"):
                continue
            try:
                pyc = compile_source(data, info.filename)
            except (SyntaxError, ValueError):
                skipped += 1
                continue
            entry = zipfile.ZipInfo(pyc_name(info.filename), date_time=ZIP_TIMESTAMP)
            entry.external_attr = PYC_MODE
            entry.compress_type = zipfile.ZIP_DEFLATED
            out.writestr(entry, pyc)
            compiled += 1
    os.replace(rewritten, zip_path)
    return compiled, skipped


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("zips", nargs="+", type=Path)
    args = parser.parse_args(argv)
    for zip_path in args.zips:
        compiled, skipped = add_bytecode(zip_path)
        print(f"bytecode: {zip_path.name}: {compiled} modules compiled, {skipped} skipped")


if __name__ == "__main__":
    main()
