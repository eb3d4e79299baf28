"""Case discussion routes (the case's doctors): the thread, posting, retracting, read markers, and
the unread counts a doctor's home page shows."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from functions.bootstrap import endpoint, get_container
from functions.discussion.ports import RefKind
from functions.identity.authorizer import jwt_authorizer
from functions.shared.auth import Role
from functions.shared.http import ApiRequest, Reply
from functions.shared.validation import (
    BOOLEAN,
    CASE_PATH,
    EMPTY_OBJECT,
    ID_SCHEMA,
    INTEGER,
    PAGE_QUERY,
    STRING,
    answer_object,
    array_of,
    id_path,
    nullable,
    page_of,
    strict_object,
)

discussion = Blueprint(__name__)

DOCTORS = (Role.DOCTOR,)
POST_BODY = strict_object(
    {
        "text": {"type": "string", "minLength": 1, "maxLength": 4000},
        "refs": {"type": "array", "maxItems": 10,
                 "items": strict_object({"kind": {"enum": [k.value for k in RefKind]}, "id": ID_SCHEMA},
                                        ["kind", "id"])},
    },
    ["text"],
)
MESSAGE_PATH = id_path("case_id", "message_id")
READ_BODY = strict_object({"messageId": ID_SCHEMA}, ["messageId"])

# Answers (functions.discussion.service.message_view, DiscussionService.mark_read and unread).
DISCUSSION_REF = answer_object("DiscussionRef", {
    "kind": {"type": "string", "enum": [k.value for k in RefKind], "title": "DiscussionRefKind"}, "id": STRING,
})
# A retracted message is a trace: who retracted it and when, without its text (null) or references ([]).
DISCUSSION_MESSAGE = answer_object("DiscussionMessage", {
    "messageId": STRING, "caseId": STRING, "authorId": STRING, "postedAt": STRING, "retracted": BOOLEAN,
    "text": nullable(STRING), "refs": array_of(DISCUSSION_REF), "retractedAt": STRING, "retractedBy": STRING,
}, optional=("retractedAt", "retractedBy"))
DISCUSSION_PAGE = page_of("DiscussionPage", DISCUSSION_MESSAGE)
# The doctor's marker on the case, and how many messages by others are newer than it.
DISCUSSION_READ_MARKER = answer_object("DiscussionReadMarker", {"caseId": STRING, "lastRead": STRING,
                                                                 "unread": INTEGER})
# Only the cases with unread messages by others.
UNREAD_DISCUSSIONS = answer_object("UnreadDiscussions", {
    "items": array_of(answer_object("CaseUnread", {"caseId": STRING, "unread": INTEGER})),
})


@discussion.route("/cases/{case_id}/discussion", methods=["GET"], authorizer=jwt_authorizer)
@endpoint(discussion, roles=DOCTORS, path=CASE_PATH, query=PAGE_QUERY, answer=DISCUSSION_PAGE)
def discussion_page(request: ApiRequest) -> dict[str, Any]:
    return get_container().discussion.page(
        request.require_principal(), request.path["case_id"], request.query.get("limit", 20),
        request.query.get("cursor"), request_id=request.request_id, source_ip=request.source_ip,
    )


@discussion.route("/cases/{case_id}/discussion", methods=["POST"], authorizer=jwt_authorizer)
@endpoint(discussion, roles=DOCTORS, path=CASE_PATH, body=POST_BODY, answer=DISCUSSION_MESSAGE)
def post_message(request: ApiRequest) -> Reply:
    posted = get_container().discussion.post(
        request.require_principal(), request.path["case_id"], request.body["text"], request.body.get("refs", []),
        request_id=request.request_id, source_ip=request.source_ip,
    )
    return Reply(posted, status=201)


@discussion.route("/cases/{case_id}/discussion/{message_id}/retract", methods=["POST"], authorizer=jwt_authorizer)
@endpoint(discussion, roles=DOCTORS, path=MESSAGE_PATH, body=EMPTY_OBJECT, answer=DISCUSSION_MESSAGE)
def retract_message(request: ApiRequest) -> dict[str, Any]:
    return get_container().discussion.retract(
        request.require_principal(), request.path["case_id"], request.path["message_id"],
        request_id=request.request_id, source_ip=request.source_ip,
    )


@discussion.route("/cases/{case_id}/discussion/read", methods=["POST"], authorizer=jwt_authorizer)
@endpoint(discussion, roles=DOCTORS, path=CASE_PATH, body=READ_BODY, answer=DISCUSSION_READ_MARKER)
def mark_discussion_read(request: ApiRequest) -> dict[str, Any]:
    return get_container().discussion.mark_read(request.require_principal(), request.path["case_id"],
                                                request.body["messageId"])


@discussion.route("/discussions/unread", methods=["GET"], authorizer=jwt_authorizer)
@endpoint(discussion, roles=DOCTORS, answer=UNREAD_DISCUSSIONS)
def unread_discussions(request: ApiRequest) -> dict[str, Any]:
    return get_container().discussion.unread(request.require_principal())
