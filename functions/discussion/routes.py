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
from functions.shared.validation import CASE_PATH, EMPTY_OBJECT, ID_SCHEMA, PAGE_QUERY, id_path, strict_object

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


@discussion.route("/cases/{case_id}/discussion", methods=["GET"], authorizer=jwt_authorizer)
@endpoint(discussion, roles=DOCTORS, path=CASE_PATH, query=PAGE_QUERY)
def discussion_page(request: ApiRequest) -> dict[str, Any]:
    return get_container().discussion.page(
        request.require_principal(), request.path["case_id"], request.query.get("limit", 20),
        request.query.get("cursor"), request_id=request.request_id, source_ip=request.source_ip,
    )


@discussion.route("/cases/{case_id}/discussion", methods=["POST"], authorizer=jwt_authorizer)
@endpoint(discussion, roles=DOCTORS, path=CASE_PATH, body=POST_BODY)
def post_message(request: ApiRequest) -> Reply:
    posted = get_container().discussion.post(
        request.require_principal(), request.path["case_id"], request.body["text"], request.body.get("refs", []),
        request_id=request.request_id, source_ip=request.source_ip,
    )
    return Reply(posted, status=201)


@discussion.route("/cases/{case_id}/discussion/{message_id}/retract", methods=["POST"], authorizer=jwt_authorizer)
@endpoint(discussion, roles=DOCTORS, path=MESSAGE_PATH, body=EMPTY_OBJECT)
def retract_message(request: ApiRequest) -> dict[str, Any]:
    return get_container().discussion.retract(
        request.require_principal(), request.path["case_id"], request.path["message_id"],
        request_id=request.request_id, source_ip=request.source_ip,
    )


@discussion.route("/cases/{case_id}/discussion/read", methods=["POST"], authorizer=jwt_authorizer)
@endpoint(discussion, roles=DOCTORS, path=CASE_PATH, body=READ_BODY)
def mark_discussion_read(request: ApiRequest) -> dict[str, Any]:
    return get_container().discussion.mark_read(request.require_principal(), request.path["case_id"],
                                                request.body["messageId"])


@discussion.route("/discussions/unread", methods=["GET"], authorizer=jwt_authorizer)
@endpoint(discussion, roles=DOCTORS)
def unread_discussions(request: ApiRequest) -> dict[str, Any]:
    return get_container().discussion.unread(request.require_principal())
