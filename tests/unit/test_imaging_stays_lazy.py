"""Pillow lives in the imaging layer of one function only: importing the app or the photo handler
module must not import it (every other function would fail without the layer)."""

from __future__ import annotations

from tests.support.probe import ROOT, fresh_interpreter

PROBE = r"""
import sys
import app
import functions.images.events, functions.images.routes, functions.images.service, functions.images.processor
import functions.images.processing
print("PIL=" + ",".join(sorted(m for m in sys.modules if m == "PIL" or m.startswith("PIL."))))
print("HANDLER=" + type(functions.images.events.process_photo_upload).__name__)
"""


def test_importing_app_and_photo_modules_leaves_pillow_unloaded() -> None:
    output = fresh_interpreter(PROBE)
    assert "PIL=\n" in output
    assert "HANDLER=EventSourceHandler" in output


def test_requirements_txt_does_not_ship_pillow_to_every_function() -> None:
    lines = [line.split("#", 1)[0].strip().lower() for line in (ROOT / "requirements.txt").read_text().splitlines()]
    assert not [line for line in lines if line.startswith("pillow")]


PROCESSOR_PROBE = r"""
import sys
import functions.images.events, functions.images.processor
print("LOADED=" + ",".join(sorted(m for m in sys.modules if m.startswith("functions."))))
"""


def test_the_photo_processor_function_imports_only_its_own_code() -> None:
    """The processor Lambda's handler and service load none of the REST photo service's code (and
    so none of access, audit or lesions beyond the body-site labels its timeline event shows)."""
    loaded = set(fresh_interpreter(PROCESSOR_PROBE).split("LOADED=", 1)[1].strip().split(","))
    assert {"functions.images.events", "functions.images.processor", "functions.images.processing"} <= loaded
    foreign = sorted(name for name in loaded if name in {"functions.images.service", "functions.images.routes"}
                     or name.startswith(("functions.access", "functions.audit", "functions.cases", "functions.emr")))
    assert not foreign, f"the photo processor function imports {foreign}"
