"""The step behind the photo pipeline that measures lesions: a full rendition's S3 "Object Created"
event (through EventBridge, narrowed to `cases/*/photos/*/full.jpg` in this stack's image bucket by
infrastructure/lesions.py) -> `LesionMetricsService.measure_photo`, which asks the measuring function
and stores the answer sealed. When a doctor sets a baseline, the REST API invokes it asynchronously
with a "Lesion baseline set" event (invoke.py) -> `measure_lesion`: the lesion's other photos.
Locally the event poller delivers the S3 event (local/events.py).

The processor writes the renditions before the photo item, so the event may come first: then the
handler raises and the event is delivered again (Lambda's and EventBridge's retries).
"""

from __future__ import annotations

from chalice.app import Blueprint, CloudWatchEvent

from functions.bootstrap import get_container
from functions.lesionmetrics.invoke import SERIES_DETAIL_TYPE, SERIES_SOURCE
from functions.shared.observability import log_info, start_invocation

lesion_events = Blueprint(__name__)

OBJECT_CREATED_PATTERN = {"source": ["aws.s3"], "detail-type": ["Object Created"]}
FULL_RENDITION = "full.jpg"


class PhotoNotWrittenYet(RuntimeError):
    """The rendition is there, its photo item not yet: deliver the event again."""


def photo_of_rendition(key: str) -> tuple[str, str] | None:
    """`cases/<caseId>/photos/<photoId>/full.jpg` -> (caseId, photoId); None for any other object."""
    parts = key.split("/")
    if len(parts) != 5 or parts[0] != "cases" or parts[2] != "photos" or parts[4] != FULL_RENDITION \
            or not parts[1] or not parts[3]:
        return None
    return parts[1], parts[3]


def measure_rendition(bucket: str, key: str) -> str:
    container = get_container()
    ids = photo_of_rendition(key)
    if bucket != container.settings.image_bucket or ids is None:
        return "ignored:not_a_full_rendition"
    case_id, photo_id = ids
    if container.photo_store.get(case_id, photo_id) is None:
        raise PhotoNotWrittenYet("the photo item is not written yet")
    return container.lesion_metrics.measure_photo(case_id, photo_id)


@lesion_events.on_cw_event(OBJECT_CREATED_PATTERN, name="measure_lesion_photo")
def measure_lesion_photo(event: CloudWatchEvent) -> dict[str, str]:
    start_invocation(job="measure_lesion_photo")
    detail = event.detail or {}
    if event.source == SERIES_SOURCE and event.detail_type == SERIES_DETAIL_TYPE:
        # A new baseline (the REST API invokes this function asynchronously): its lesion's other photos.
        outcome = get_container().lesion_metrics.measure_lesion(str(detail.get("caseId", "")),
                                                                str(detail.get("lesionId", "")))
        log_info("lesion series measured", outcome=outcome)
        return {"outcome": outcome}
    outcome = measure_rendition(str((detail.get("bucket") or {}).get("name", "")),
                                str((detail.get("object") or {}).get("key", "")))
    if not outcome.startswith("ignored"):
        log_info("lesion photo measured", outcome=outcome)  # ids stay out of the log
    return {"outcome": outcome}
