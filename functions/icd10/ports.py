"""What the code search reads: a code set, loaded once per process."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Code:
    """One code of the set: `code` with its dot (L40.0), the official label, and whether it is a leaf
    (the most specific level, the one claims and registries expect)."""

    code: str
    label: str
    leaf: bool


class CodeSet(Protocol):
    name: str  # e.g. "ICD-10-CM", stated in every answer

    def load(self) -> Sequence[Code]:
        """Every category, subcategory and extended code (chapters and blocks are not codes)."""
        ...
