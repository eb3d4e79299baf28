"""The photo-processing Lambda: S3 "Object Created" events from the image bucket via EventBridge.

Not `@app.on_s3_event`: Chalice cannot package S3 notifications to Lambda into CloudFormation, and
the image bucket sends its events to EventBridge (infrastructure/storage.py). Locally, the stack's
event poller delivers the same events (local/events.py).

The pattern cannot name the bucket (its name exists only after deployment, and nothing may read
settings at import), so the handler checks bucket and key itself. Its own renditions, written under
`cases/<caseId>/photos/`, arrive here too and are ignored without touching AWS.

This module is the Lambda's handler module: it is imported without app.py in AWS, and it must not
import Pillow (that lives in the imaging layer and loads on the first photo).
"""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint, CloudWatchEvent

from functions.bootstrap import get_container
from functions.shared.observability import log_info, start_invocation

image_events = Blueprint(__name__)

OBJECT_CREATED_PATTERN: dict[str, Any] = {"source": ["aws.s3"], "detail-type": ["Object Created"]}


@image_events.on_cw_event(OBJECT_CREATED_PATTERN, name="process_photo_upload")
def process_photo_upload(event: CloudWatchEvent) -> dict[str, str]:
    start_invocation(job="process_photo_upload")
    detail = event.detail or {}
    bucket = str((detail.get("bucket") or {}).get("name", ""))
    obj = detail.get("object") or {}
    key = str(obj.get("key", ""))
    version_id = obj.get("version-id")
    # The claim token names the object version; unversioned buckets have none, the sequencer is
    # unique per write of a key.
    token = str(version_id or obj.get("sequencer") or obj.get("eTag") or "unversioned")
    outcome = get_container().image_processor.handle(bucket, key, str(version_id) if version_id else None, token)
    if not outcome.startswith("ignored"):
        log_info("object processed", event_type="ObjectCreated", outcome=outcome)
    return {"outcome": outcome}
