"""The ICD-10-CM code set from the `simple-icd-10-cm` package (public domain data, CMS/NCHS).

The package parses its ~10 MB XML when it is imported: several seconds of CPU and ~100 MB of
memory. So it is imported here, on the first search of a process, and never at import of the app:
no other route pays for it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache

from functions.icd10.ports import Code

# Chapters ("12") and blocks ("L40-L45") are headings, not codes a diagnosis can carry.
_CODE = re.compile(r"^[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$")


class IcdTenCm:
    name = "ICD-10-CM"

    def load(self) -> Sequence[Code]:
        return _codes()


@cache  # reference data, immutable: one copy per process, like the package's own parsed tree
def _codes() -> tuple[Code, ...]:
    import simple_icd_10_cm as cm  # heavy: parses the whole code set (see the module docstring)

    return tuple(
        Code(code, cm.get_description(code), cm.is_leaf(code)) for code in cm.get_all_codes(True) if _CODE.match(code)
    )
