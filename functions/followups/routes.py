"""Follow-up routes: a case's schedule (doctors write, both read), the worklists, and a person's notices."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from functions.bootstrap import endpoint, get_container
from functions.followups.ports import NOTICE_KINDS, FollowupState, Modality
from functions.followups.rules import ASKS, MAX_REPEATS
from functions.identity.authorizer import jwt_authorizer
from functions.shared.auth import Role
from functions.shared.http import ApiRequest, Reply
from functions.shared.languages import LANGUAGES
from functions.shared.validation import (
    BOOLEAN,
    CASE_PATH,
    EMPTY_OBJECT,
    INTEGER,
    LIMIT_SCHEMA,
    STRING,
    answer_object,
    array_of,
    id_path,
    nullable,
    strict_object,
)

followups = Blueprint(__name__)

CLINICAL = (Role.PATIENT, Role.DOCTOR)
DAY = {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}
CLOCK_TIME = {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$"}
FOLLOWUP_PATH = id_path("case_id", "followup_id")
SCHEDULE_BODY = strict_object(
    {
        "dueDate": DAY,
        "modality": {"enum": [m.value for m in Modality]},
        "asks": {"type": "array", "items": {"enum": list(ASKS)}, "maxItems": len(ASKS), "uniqueItems": True},
        "repeat": strict_object(
            {"everyDays": {"type": "integer", "minimum": 1, "maximum": 365},
             "count": {"type": "integer", "minimum": 1, "maximum": MAX_REPEATS}},
            ["everyDays", "count"],
        ),
        "sourceEntryId": {"type": "string", "pattern": "^[A-Za-z0-9_-]{4,80}$"},
    },
    ["dueDate", "modality"],
)
NOTICE_PATH = strict_object({"notice_id": {"type": "string", "pattern": "^[A-Za-z0-9_-]{8,80}$"}}, ["notice_id"])
NOTICE_QUERY = strict_object({"limit": LIMIT_SCHEMA})
LANGUAGE = {"type": "string", "enum": list(LANGUAGES)}
SETTINGS_BODY = strict_object(
    {
        "channels": strict_object({"email": {"type": "boolean"}, "sms": {"type": "boolean"}}, ["email", "sms"]),
        "quietHours": {"oneOf": [{"type": "null"}, strict_object({"start": CLOCK_TIME, "end": CLOCK_TIME},
                                                                  ["start", "end"])]},
        "timeZone": {"oneOf": [{"type": "null"}, {"type": "string", "minLength": 1, "maxLength": 64}]},
        "language": LANGUAGE,
    },
    ["channels"],
)
LANGUAGE_BODY = strict_object({"language": LANGUAGE}, ["language"])

# Answers (functions.followups.service.followup_view).
FOLLOWUP_ASK = {"type": "string", "enum": list(ASKS), "title": "FollowupAsk"}
FOLLOWUP_FIELDS: dict[str, Any] = {
    "followupId": STRING, "caseId": STRING,
    "dueDate": DAY,  # in the clinic's calendar
    "modality": {"type": "string", "enum": [m.value for m in Modality], "title": "FollowupModality"},
    "asks": array_of(FOLLOWUP_ASK),
    "met": array_of(FOLLOWUP_ASK),  # the asks already answered by what arrived on the case
    "state": {"type": "string", "enum": [s.value for s in FollowupState], "title": "FollowupState"},
    "seriesId": nullable(STRING),  # one of a repeating series
    "sourceEntryId": nullable(STRING),  # the record entry (a plan) it was scheduled from
    "createdAt": STRING, "createdBy": STRING,
    "closedAt": nullable(STRING), "closedBy": nullable(STRING),  # done or cancelled
}
FOLLOWUP = answer_object("Followup", FOLLOWUP_FIELDS)
FOLLOWUP_LIST = answer_object("FollowupList", {"items": array_of(FOLLOWUP)})
# The clinic's today: what "due" and "overdue" are measured against (functions.followups.service.mine).
MY_FOLLOWUPS = answer_object("MyFollowups", {"items": array_of(FOLLOWUP), "today": DAY})
# A worklist row names the patient and the case's condition; either is null when its record is gone.
WORKLIST_FOLLOWUP = answer_object("WorklistFollowup", {
    **FOLLOWUP_FIELDS, "patientId": STRING, "patientName": nullable(STRING), "condition": nullable(STRING),
})
FOLLOWUP_WORKLIST = answer_object("FollowupWorklist", {"items": array_of(WORKLIST_FOLLOWUP), "today": DAY})
# A person's notices and reminder settings (functions.followups.service: notice_view, settings_view).
NOTICE = answer_object("Notice", {
    "noticeId": STRING,
    "kind": {"type": "string", "enum": list(NOTICE_KINDS), "title": "NoticeKind"},  # the app words it
    "caseId": STRING,
    "followupId": STRING, "dueDate": STRING,  # empty on an invitation's notice
    "createdAt": STRING, "read": BOOLEAN,
})
NOTICE_LIST = answer_object("NoticeList", {"items": array_of(NOTICE), "unread": INTEGER})  # unread: of these
NOTICE_READ = answer_object("NoticeRead", {"noticeId": STRING, "read": {"const": True}})
NOTICE_SETTINGS = answer_object("NoticeSettings", {
    "channels": answer_object(None, {"email": BOOLEAN, "sms": BOOLEAN}),
    "quietHours": nullable(answer_object(None, {"start": CLOCK_TIME, "end": CLOCK_TIME})),  # null: none
    "timeZone": nullable(STRING),  # null: the clinic's
    "language": nullable(LANGUAGE),  # the reminders'; null: never chosen (English)
})


@followups.route("/cases/{case_id}/followups", methods=["POST"], authorizer=jwt_authorizer)
@endpoint(followups, roles=(Role.DOCTOR,), path=CASE_PATH, body=SCHEDULE_BODY, answer=FOLLOWUP_LIST)
def schedule_followups(request: ApiRequest) -> Reply:
    body = request.body
    repeat = body.get("repeat") or {"everyDays": 0, "count": 1}
    created = get_container().followups.schedule(
        request.require_principal(), request.path["case_id"], due_date=body["dueDate"], modality=body["modality"],
        asks=body.get("asks"), every_days=repeat["everyDays"], count=repeat["count"],
        source_entry_id=body.get("sourceEntryId", ""), request_id=request.request_id, source_ip=request.source_ip,
    )
    return Reply(created, status=201)


@followups.route("/cases/{case_id}/followups", methods=["GET"], authorizer=jwt_authorizer)
@endpoint(followups, roles=CLINICAL, path=CASE_PATH, answer=FOLLOWUP_LIST)
def list_followups(request: ApiRequest) -> dict[str, Any]:
    return get_container().followups.for_case(request.require_principal(), request.path["case_id"],
                                              request_id=request.request_id, source_ip=request.source_ip)


@followups.route("/cases/{case_id}/followups/{followup_id}/cancel", methods=["POST"], authorizer=jwt_authorizer)
@endpoint(followups, roles=(Role.DOCTOR,), path=FOLLOWUP_PATH, body=EMPTY_OBJECT, answer=FOLLOWUP)
def cancel_followup(request: ApiRequest) -> dict[str, Any]:
    return get_container().followups.close(request.require_principal(), request.path["case_id"],
                                           request.path["followup_id"], FollowupState.CANCELLED,
                                           request_id=request.request_id, source_ip=request.source_ip)


@followups.route("/cases/{case_id}/followups/{followup_id}/complete", methods=["POST"], authorizer=jwt_authorizer)
@endpoint(followups, roles=(Role.DOCTOR,), path=FOLLOWUP_PATH, body=EMPTY_OBJECT, answer=FOLLOWUP)
def complete_followup(request: ApiRequest) -> dict[str, Any]:
    return get_container().followups.close(request.require_principal(), request.path["case_id"],
                                           request.path["followup_id"], FollowupState.DONE,
                                           request_id=request.request_id, source_ip=request.source_ip)


@followups.route("/followups/mine", methods=["GET"], authorizer=jwt_authorizer)
@endpoint(followups, roles=(Role.PATIENT,), answer=MY_FOLLOWUPS)
def my_followups(request: ApiRequest) -> dict[str, Any]:
    return get_container().followups.mine(request.require_principal(), request_id=request.request_id,
                                          source_ip=request.source_ip)


@followups.route("/followups/worklist", methods=["GET"], authorizer=jwt_authorizer)
@endpoint(followups, roles=(Role.DOCTOR,), answer=FOLLOWUP_WORKLIST)
def followup_worklist(request: ApiRequest) -> dict[str, Any]:
    return get_container().followups.worklist(request.require_principal(), request_id=request.request_id,
                                              source_ip=request.source_ip)


@followups.route("/notices", methods=["GET"], authorizer=jwt_authorizer)
@endpoint(followups, roles=CLINICAL, query=NOTICE_QUERY, answer=NOTICE_LIST)
def list_notices(request: ApiRequest) -> dict[str, Any]:
    return get_container().notices.list(request.require_principal(), request.query.get("limit", 20))


@followups.route("/notices/{notice_id}/read", methods=["POST"], authorizer=jwt_authorizer)
@endpoint(followups, roles=CLINICAL, path=NOTICE_PATH, body=EMPTY_OBJECT, answer=NOTICE_READ)
def read_notice(request: ApiRequest) -> dict[str, Any]:
    return get_container().notices.mark_read(request.require_principal(), request.path["notice_id"])


@followups.route("/notice-settings", methods=["GET"], authorizer=jwt_authorizer)
@endpoint(followups, roles=CLINICAL, answer=NOTICE_SETTINGS)
def notice_settings(request: ApiRequest) -> dict[str, Any]:
    return get_container().notices.settings(request.require_principal())


@followups.route("/notice-settings", methods=["PUT"], authorizer=jwt_authorizer)
@endpoint(followups, roles=CLINICAL, body=SETTINGS_BODY, answer=NOTICE_SETTINGS)
def save_notice_settings(request: ApiRequest) -> dict[str, Any]:
    body = request.body
    return get_container().notices.save_settings(
        request.require_principal(), body["channels"]["email"], body["channels"]["sms"], body.get("quietHours"),
        body.get("timeZone"), body.get("language"),
    )


@followups.route("/notice-settings/language", methods=["PUT"], authorizer=jwt_authorizer)
@endpoint(followups, roles=CLINICAL, body=LANGUAGE_BODY, answer=NOTICE_SETTINGS)
def save_reminder_language(request: ApiRequest) -> dict[str, Any]:
    return get_container().notices.save_language(request.require_principal(), request.body["language"])
