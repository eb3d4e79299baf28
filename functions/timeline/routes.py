"""GET /cases/{case_id}/timeline: the course of disease, newest first, cursor-paginated."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from functions.bootstrap import endpoint, get_container
from functions.identity.authorizer import jwt_authorizer
from functions.shared.auth import Role
from functions.shared.http import ApiRequest
from functions.shared.validation import ANY_OBJECT, CASE_PATH, PAGE_QUERY, STRING, answer_object, page_of

timeline = Blueprint(__name__)

# functions.timeline.service.event_view. `type` is open: a newer kind of event may reach an older app.
TIMELINE_EVENT = answer_object("TimelineEvent", {
    "eventId": STRING, "type": STRING, "occurredAt": STRING, "actorId": STRING, "refId": STRING,
    "summary": ANY_OBJECT,  # short, display-safe; its fields depend on the type
})


@timeline.route("/cases/{case_id}/timeline", methods=["GET"], authorizer=jwt_authorizer)
@endpoint(timeline, roles=(Role.PATIENT, Role.DOCTOR), path=CASE_PATH, query=PAGE_QUERY,
          answer=page_of("TimelineResponse", TIMELINE_EVENT))
def case_timeline(request: ApiRequest) -> dict[str, Any]:
    return get_container().timeline.page(
        request.require_principal(), request.path["case_id"], request.query.get("limit", 50),
        request.query.get("cursor"),
    )
