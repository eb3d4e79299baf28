"""A photo as the case timeline shows it: written by the processor when the photo is accepted and by
the photo service when it is removed, from the same facts (`PhotoFacts`)."""

from __future__ import annotations

from typing import Any

from functions.images.ports import PhotoFacts
from functions.lesions.body_sites import body_sites
from functions.timeline.ports import EventType, TimelineEvent


def photo_event(facts: PhotoFacts, removal: dict[str, str] | None = None) -> TimelineEvent:
    """A photo's timeline event. occurredAt is the upload's creation time (fixed), so announcing it
    twice, or rewriting it when the photo is removed, lands on the same key and keeps its place."""
    return TimelineEvent(
        case_id=facts.case_id,
        event_id=facts.photo_id,
        type=EventType.PHOTO,
        occurred_at=facts.uploaded_at,
        actor_id=facts.uploaded_by,
        ref_id=facts.photo_id,
        summary=_without_none({
            "bodySite": facts.body_site,
            "bodySiteLabel": _site_label(facts.body_site),
            "lesionId": facts.lesion_id,
            "source": facts.source,
            "capturedAt": facts.captured_at,
            "removed": removal,
        }),
    )


def _without_none(summary: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in summary.items() if value is not None}


def _site_label(site_id: str) -> str:
    site = body_sites().get(site_id)
    return site.label if site else site_id
