"""Zip a staged layer reproducibly: `python layers/zip_layer.py <staging dir> <out.zip> [<name> <limit bytes>]`.

Every layer build script ends here, so every layer is zipped the same way: files in sorted order, one
fixed timestamp and plain modes (the same inputs give the same bytes, so a rebuild changes nothing a
deploy would upload), no __pycache__. With a limit, the unpacked size is printed and checked first
(Lambda allows 250 MiB unpacked for a function and its layers together).
"""

from __future__ import annotations

import os
import sys
import zipfile


def main(root: str, out: str, name: str = "", limit: int = 0) -> None:
    paths = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        paths += [os.path.join(folder, file) for file in files]
    if limit:
        unpacked = sum(os.path.getsize(path) for path in paths)
        print(f"{name} layer: {unpacked / 1e6:.1f} MB unpacked (Lambda allows {limit / 1e6:.1f} MB per function)")
        if unpacked > limit:
            sys.exit(f"the {name} layer alone exceeds Lambda's unpacked limit")
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for path in sorted(paths):
            info = zipfile.ZipInfo(os.path.relpath(path, root), date_time=(1980, 1, 1, 0, 0, 0))
            mode = 0o755 if os.access(path, os.X_OK) else 0o644
            info.external_attr = (0o100000 | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            with open(path, "rb") as source:
                archive.writestr(info, source.read())


if __name__ == "__main__":
    args = sys.argv[1:]
    main(args[0], args[1], *(args[2:3]), *(int(value) for value in args[3:4]))
