"""Follow-ups through the API and the reminder job, on moto (DynamoDB, Cognito, SES, SNS).

A doctor schedules (one, or a series); both sides read them; what the patient sends answers them;
the worklist shows what is due; the job reminds once per step, by the patient's channels, outside
quiet hours, retries what failed and gives up (alarmed) after five tries.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import boto3
import pytest

from functions.audit.service import CaseReadAuditor
from functions.bootstrap import get_container
from functions.followups.adapters import AwsMessenger, CognitoContacts
from functions.followups.ports import Followup, FollowupState, Modality
from functions.followups.service import MAX_ATTEMPTS, FollowupService, ReminderJob, reminder_subject
from functions.signaling.service import UserFanout
from tests.functional.conftest import REGION, World

SENDER = "no-reply@clinic.example"
APP_URL = "https://app.clinic.example/"
EMAIL = "alex@patients.example"
PHONE = "+8613800138000"


def today() -> date:
    return datetime.now(UTC).date()


def schedule(world: World, body: dict[str, Any], user: str = "dr.one", case: str = "a") -> Any:
    return world.request("POST", f"/cases/{world.cases[case]}/followups", user=user, body=body)


def audit_actions(world: World, patient: str) -> list[str]:
    answer = world.request("GET", f"/admin/audit?patientId={world.users[patient].user_id}&limit=100", user="ops")
    return [item["action"] for item in answer.json_body["items"]]


@pytest.fixture
def mail(world: World, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """pat.a has an e-mail and a phone; the sender is verified in SES. Returns the SES/SNS clients."""
    monkeypatch.setenv("NOTICE_SENDER", SENDER)
    monkeypatch.setenv("APP_URL", APP_URL)
    idp = boto3.client("cognito-idp", region_name=REGION, endpoint_url=world.endpoint)
    idp.admin_update_user_attributes(UserPoolId=world.pool_id, Username="pat.a", UserAttributes=[
        {"Name": "email", "Value": EMAIL}, {"Name": "phone_number", "Value": PHONE}])
    ses = boto3.client("ses", region_name=REGION, endpoint_url=world.endpoint)
    ses.verify_email_identity(EmailAddress=SENDER)
    return {"ses": ses}


def sent(world: World) -> dict[str, list[tuple[str, str]]]:
    """What moto's SES and SNS kept instead of delivering (the server runs in this process)."""
    from moto.ses.models import ses_backends
    from moto.sns.models import sns_backends

    del world
    emails = [(to, f"{m.subject}\n{m.body}") for account in ses_backends.values() for backend in account.values()
              for m in backend.sent_messages for to in m.destinations.get("ToAddresses", [])]
    sms = [value for account in sns_backends.values() for backend in account.values()
           for value in backend.sms_messages.values()]
    return {"email": emails, "sms": sms}


def job_at(when: float, world: World) -> ReminderJob:
    """The reminder job as deployed, its clock pinned (everything else real: moto behind it)."""
    c = get_container()
    service = FollowupService(c.followup_store, c.access, c.timeline_store, c.audit, CaseReadAuditor(c.audit),
                              clinic_zone="UTC", clock=lambda: when)
    return ReminderJob(
        service, c.followup_store, c.notice_store, CognitoContacts(lambda: c.cognito, world.pool_id),
        AwsMessenger(lambda: c.client("ses"), lambda: c.client("sns"), SENDER),
        UserFanout(c.connections, c.peer_notifier), app_url=APP_URL, clinic_zone="UTC", clock=lambda: when,
    )


def noon(day: date) -> float:
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC).timestamp()


# --- scheduling and reading ---------------------------------------------------------------------------
def test_a_doctor_schedules_a_series_and_both_sides_see_it(world: World) -> None:
    first = today() + timedelta(days=3)
    made = schedule(world, {"dueDate": first.isoformat(), "modality": "photo-review", "asks": ["photos"],
                            "repeat": {"everyDays": 14, "count": 6}})
    assert made.status_code == 201, made.json_body
    days = [item["dueDate"] for item in made.json_body["items"]]
    assert days == [(first + timedelta(days=14 * n)).isoformat() for n in range(6)]
    assert {item["state"] for item in made.json_body["items"]} == {"planned"}
    assert len({item["seriesId"] for item in made.json_body["items"]}) == 1

    for user in ("pat.a", "dr.one"):
        listed = world.request("GET", f"/cases/{world.cases['a']}/followups", user=user)
        assert listed.status_code == 200, listed.json_body
        assert [item["dueDate"] for item in listed.json_body["items"]] == days
    actions = audit_actions(world, "pat.a")
    assert "followup.schedule" in actions and "followup.list" in actions


def test_strangers_patients_and_bad_input_are_refused(world: World) -> None:
    body = {"dueDate": today().isoformat(), "modality": "scores", "asks": ["score:DLQI"]}
    assert schedule(world, body, user="dr.two").status_code == 404  # not their case
    assert world.request("GET", f"/cases/{world.cases['a']}/followups", user="pat.b").status_code == 404
    refused = schedule(world, body, user="pat.a")
    assert (refused.status_code, refused.json_body["error"]["code"]) == (403, "wrong_role")
    for bad, code in (
        ({**body, "dueDate": (today() - timedelta(days=1)).isoformat()}, "due_in_past"),
        ({**body, "dueDate": "2026-02-30"}, "invalid_date"),
        ({**body, "asks": ["score:PASI"]}, "validation_error"),
        ({**body, "modality": "telepathy"}, "validation_error"),
        ({**body, "repeat": {"everyDays": 14, "count": 0}}, "validation_error"),
        ({"dueDate": today().isoformat(), "modality": "scores", "asks": []}, "nothing_asked"),
    ):
        answer = schedule(world, bad)
        assert answer.status_code == 400, (bad, answer.json_body)
        assert answer.json_body["error"]["code"] == code, (bad, answer.json_body)
    assert world.request("GET", f"/cases/{world.cases['a']}/followups", user="dr.one").json_body["items"] == []


def test_what_the_patient_sends_answers_the_follow_up(world: World) -> None:
    made = schedule(world, {"dueDate": today().isoformat(), "modality": "scores",
                            "asks": ["score:DLQI", "score:ITCH_NRS"]})
    followup_id = made.json_body["items"][0]["followupId"]
    itch = world.request("POST", f"/cases/{world.cases['a']}/scores", user="pat.a",
                         body={"instrument": "ITCH_NRS", "components": {"score": 4}})
    assert itch.status_code == 201, itch.json_body
    mine = world.request("GET", "/followups/mine", user="pat.a").json_body
    assert [(i["followupId"], i["state"], i["met"]) for i in mine["items"]] == [
        (followup_id, "due", ["score:ITCH_NRS"])]

    dlqi = world.request("POST", f"/cases/{world.cases['a']}/scores", user="pat.a",
                         body={"instrument": "DLQI", "components": {"items": [1, 1, 1, 0, 0, 1, 0, 0, 0, 1]}})
    assert dlqi.status_code == 201, dlqi.json_body
    assert world.request("GET", "/followups/mine", user="pat.a").json_body["items"] == []
    listed = world.request("GET", f"/cases/{world.cases['a']}/followups", user="dr.one").json_body["items"]
    assert listed[0]["state"] == "done" and listed[0]["closedBy"].startswith("score:")


def test_the_worklist_shows_the_doctors_due_and_overdue_follow_ups_by_name(world: World) -> None:
    c = get_container()
    users = world.users
    overdue = Followup(case_id=world.cases["a"], followup_id="fu_old_0001", patient_id=users["pat.a"].user_id,
                       due_day=(today() - timedelta(days=5)).isoformat(), modality=Modality.PHOTO_REVIEW,
                       asks=("photos",), state=FollowupState.PLANNED, created_at="2026-01-01T00:00:00+00:00",
                       created_by=users["dr.one"].user_id)
    c.followup_store.put_new([overdue])
    schedule(world, {"dueDate": (today() + timedelta(days=10)).isoformat(), "modality": "video"})  # not yet due

    listed = world.request("GET", "/followups/worklist", user="dr.one")
    assert listed.status_code == 200, listed.json_body
    items = listed.json_body["items"]
    assert [(i["followupId"], i["state"], i["patientName"], i["condition"]) for i in items] == [
        ("fu_old_0001", "overdue", "pat.a", "Plaque psoriasis")]
    assert world.request("GET", "/followups/worklist", user="dr.two").json_body["items"] == []
    assert world.request("GET", "/followups/worklist", user="pat.a").status_code == 403
    assert "followup.worklist" in audit_actions(world, "pat.a")


def test_cancel_and_complete_are_for_the_cases_doctors_once(world: World) -> None:
    made = schedule(world, {"dueDate": today().isoformat(), "modality": "in-person"}).json_body["items"][0]
    path = f"/cases/{world.cases['a']}/followups/{made['followupId']}"
    assert world.request("POST", f"{path}/cancel", user="pat.a", body={}).status_code == 403
    assert world.request("POST", f"{path}/cancel", user="dr.two", body={}).status_code == 404
    done = world.request("POST", f"{path}/complete", user="dr.one", body={})
    assert (done.status_code, done.json_body["state"]) == (200, "done")
    again = world.request("POST", f"{path}/cancel", user="dr.one", body={})
    assert (again.status_code, again.json_body["error"]["code"]) == (409, "followup_closed")
    missing = world.request("POST", f"/cases/{world.cases['a']}/followups/fu_nothing_here/cancel", user="dr.one",
                            body={})
    assert (missing.status_code, missing.json_body["error"]["code"]) == (404, "followup_not_found")
    assert "followup.complete" in audit_actions(world, "pat.a")


# --- reminders ---------------------------------------------------------------------------------------
def test_one_reminder_per_step_by_the_chosen_channels_with_no_health_information(world: World, mail: Any) -> None:
    settings = world.request("PUT", "/notice-settings", user="pat.a",
                             body={"channels": {"email": True, "sms": True}, "quietHours": None})
    assert settings.status_code == 200, settings.json_body
    due = today() + timedelta(days=1)
    schedule(world, {"dueDate": due.isoformat(), "modality": "photo-review"})

    job = job_at(noon(today()), world)  # the day before: "upcoming"
    first = job.run()
    assert (first.notices, first.sent) == (1, 2)
    for _ in range(3):  # EventBridge may deliver a run twice; a retry runs it again
        again = job.run()
        assert (again.notices, again.sent) == (0, 0)
    on_the_day = job_at(noon(due), world).run()
    assert (on_the_day.notices, on_the_day.sent) == (1, 2)

    messages = sent(world)
    assert [to for to, _ in messages["email"]] == [EMAIL, EMAIL]
    assert [to for to, _ in messages["sms"]] == [PHONE, PHONE]
    for _, text in messages["email"] + messages["sms"]:
        assert APP_URL in text
        for secret in ("psoriasis", "Plaque", "pat.a", "photo", due.isoformat(), world.cases["a"]):
            assert secret.lower() not in text.lower()

    notices = world.request("GET", "/notices", user="pat.a").json_body
    assert [n["kind"] for n in notices["items"]] == ["followup.due", "followup.upcoming"]
    assert notices["unread"] == 2
    read = world.request("POST", f"/notices/{notices['items'][0]['noticeId']}/read", user="pat.a", body={})
    assert read.status_code == 200
    assert world.request("GET", "/notices", user="pat.a").json_body["unread"] == 1
    stolen = world.request("POST", f"/notices/{notices['items'][1]['noticeId']}/read", user="pat.b", body={})
    assert (stolen.status_code, stolen.json_body["error"]["code"]) == (404, "notice_not_found")


def test_channels_off_and_quiet_hours_are_respected(world: World, mail: Any) -> None:
    world.request("PUT", "/notice-settings", user="pat.a", body={
        "channels": {"email": True, "sms": False}, "quietHours": {"start": "21:00", "end": "08:00"},
        "timeZone": "Asia/Shanghai"})
    schedule(world, {"dueDate": today().isoformat(), "modality": "scores"})
    day = today()
    night_in_shanghai = datetime(day.year, day.month, day.day, 15, 30, tzinfo=UTC).timestamp()  # 23:30 there
    quiet = job_at(night_in_shanghai, world).run()
    assert (quiet.notices, quiet.sent, quiet.deferred) == (1, 0, 1)  # the in-app notice, no message
    assert sent(world) == {"email": [], "sms": []}
    morning = job_at(night_in_shanghai + 9 * 3600, world).run()  # 08:30 there, the same follow-up day
    assert (morning.notices, morning.sent) == (0, 1)
    assert [to for to, _ in sent(world)["email"]] == [EMAIL] and sent(world)["sms"] == []


def test_reminders_come_in_the_language_the_patient_chose(world: World, mail: Any) -> None:
    world.request("PUT", "/notice-settings", user="pat.a",
                  body={"channels": {"email": True, "sms": True}, "quietHours": None})
    # The app saves the language whenever the person picks one in the header.
    chosen = world.request("PUT", "/notice-settings/language", user="pat.a", body={"language": "zh-CN"})
    assert (chosen.status_code, chosen.json_body["language"]) == (200, "zh-CN")
    assert chosen.json_body["channels"] == {"email": True, "sms": True}  # the rest is kept
    # Saving the channels again without a language keeps the chosen one.
    kept = world.request("PUT", "/notice-settings", user="pat.a",
                         body={"channels": {"email": True, "sms": True}, "quietHours": None})
    assert kept.json_body["language"] == "zh-CN"
    for bad in ({"language": "fr"}, {"language": ""}, {}, {"language": "zh-CN", "extra": 1}):
        refused = world.request("PUT", "/notice-settings/language", user="pat.a", body=bad)
        assert (refused.status_code, refused.json_body["error"]["code"]) == (400, "validation_error"), bad
    admin = world.request("PUT", "/notice-settings/language", user="ops", body={"language": "en"})
    assert admin.status_code == 403
    assert world.request("GET", "/notice-settings", user="pat.a").json_body["language"] == "zh-CN"

    schedule(world, {"dueDate": today().isoformat(), "modality": "scores"})
    assert job_at(noon(today()), world).run().sent == 2
    messages = sent(world)
    email, sms = messages["email"][0][1], messages["sms"][0][1]
    assert email.startswith(reminder_subject("zh-CN")) and "请打开应用查看" in email and APP_URL in email
    assert "请打开应用查看" in sms and "follow-up" not in sms
    # Another patient who chose nothing is reminded in English.
    assert world.request("GET", "/notice-settings", user="pat.b").json_body["language"] is None


def test_a_failed_send_is_retried_then_given_up_and_counted(world: World, mail: Any) -> None:
    mail["ses"].delete_identity(Identity=SENDER)  # SES now refuses the sender (MessageRejected)
    schedule(world, {"dueDate": today().isoformat(), "modality": "scores"})
    job = job_at(noon(today()), world)
    report = job.run()
    assert (report.notices, report.sent, report.retrying) == (1, 0, 1)
    mail["ses"].verify_email_identity(EmailAddress=SENDER)
    assert job.run().sent == 1  # the pending e-mail goes out on the next run, once
    assert job.run().sent == 0
    assert len(sent(world)["email"]) == 1

    mail["ses"].delete_identity(Identity=SENDER)
    schedule(world, {"dueDate": today().isoformat(), "modality": "video"})
    failures = [job.run() for _ in range(MAX_ATTEMPTS)]
    assert [r.failed for r in failures] == [0] * (MAX_ATTEMPTS - 1) + [1]
    assert job.run().retrying == 0  # given up: not tried forever


def test_the_deployed_job_runs_from_the_container(world: World, mail: Any) -> None:
    schedule(world, {"dueDate": today().isoformat(), "modality": "scores"})
    from functions.bootstrap import reset_container

    reset_container()  # NOTICE_SENDER and APP_URL were set after the world's container was built
    report = get_container().reminders.run()
    assert (report.notices, report.sent) == (1, 1)


def test_a_follow_up_written_in_the_record_is_scheduled(world: World) -> None:
    due = (today() + timedelta(days=21)).isoformat()
    past = (today() - timedelta(days=2)).isoformat()
    entries = []
    for content in ({"description": "Review the plaques", "dueDate": due, "modality": "photo-review"},
                    {"description": "Already happened", "dueDate": past, "modality": "video"},
                    {"description": "Not needed", "dueDate": due, "modality": "video", "status": "cancelled"}):
        created = world.request("POST", f"/cases/{world.cases['a']}/records", user="dr.one",
                                body={"kind": "followup", "content": content})
        assert created.status_code == 201, created.json_body
        entries.append(created.json_body["entryId"])
    listed = world.request("GET", f"/cases/{world.cases['a']}/followups", user="pat.a").json_body["items"]
    assert [(f["dueDate"], f["asks"], f["sourceEntryId"]) for f in listed] == [(due, ["photos"], entries[0])]
