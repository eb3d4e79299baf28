"""Runs the lesion-measuring step in the local stack, where AWS would run a function of its own.

In AWS the measuring function (functions/lesionmetrics/handler.py, behind its own layer) is meant to
sit behind the photo pipeline: the `full.jpg` rendition's S3 "Object Created" event goes to a small
function with the shared layer that calls `LesionMetricsService.measure_photo` (layers/README.md);
neither is in the template yet. Locally the event poller delivers that same event to the handler
below, and the container measures in-process (LESION_MEASURER=in-process, local/env.py).

A baseline set (or set again) measures the lesion's other photos too: the container's
`BackgroundSeriesMeasuring` runs `LesionMetricsService.measure_lesion` on a worker thread after the
doctor's request, through the same in-process measurer (in AWS: the measuring trigger's function,
invoked asynchronously, calling the same service).

The processor writes the renditions before the photo item, so the rendition's event may come first:
then the handler raises and the poller delivers it again (EventBridge's retries, local/events.py).
"""

from __future__ import annotations

import logging
from typing import Any

from functions.bootstrap import get_container
from local.events import EventHandler

log = logging.getLogger("local")

HANDLER_NAME = "measure_lesion_photo"
FULL_RENDITION = "full.jpg"
PATTERN: dict[str, Any] = {
    "source": ["aws.s3"],
    "detail-type": ["Object Created"],
    "detail": {"object": {"key": [{"prefix": "cases/"}]}},
}


class PhotoNotWrittenYet(RuntimeError):
    """The rendition is there, its photo item not yet: deliver the event again."""


def photo_of_rendition(key: str) -> tuple[str, str] | None:
    """`cases/<caseId>/photos/<photoId>/full.jpg` -> (caseId, photoId); None for any other object."""
    parts = key.split("/")
    if len(parts) != 5 or parts[0] != "cases" or parts[2] != "photos" or parts[4] != FULL_RENDITION \
            or not parts[1] or not parts[3]:
        return None
    return parts[1], parts[3]


def measure_lesion_photo(event: dict[str, Any], context: Any) -> dict[str, str]:
    detail = event.get("detail") or {}
    bucket = str((detail.get("bucket") or {}).get("name", ""))
    key = str((detail.get("object") or {}).get("key", ""))
    container = get_container()
    ids = photo_of_rendition(key)
    if bucket != container.settings.image_bucket or ids is None:
        return {"outcome": "ignored:not_a_full_rendition"}
    case_id, photo_id = ids
    if container.photo_store.get(case_id, photo_id) is None:
        raise PhotoNotWrittenYet("the photo item is not written yet")
    outcome = container.lesion_metrics.measure_photo(case_id, photo_id)
    if not outcome.startswith("ignored"):
        log.info("lesion photo measured: %s", outcome)  # ids stay out of the log
    return {"outcome": outcome}


def measuring_handlers(app_name: str, stage: str = "local") -> list[EventHandler]:
    return [EventHandler(name=HANDLER_NAME, pattern=PATTERN, handler=measure_lesion_photo,
                         function_name=f"{app_name}-{stage}-{HANDLER_NAME}")]
