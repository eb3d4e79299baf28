"""Follow-ups and notices in DynamoDB (pynamodb), reminders through SES and SNS, contacts from Cognito.

followups: pk caseId, sk followupId (`fu_<due day>_<random>`: a case's follow-ups list by day). Open
follow-ups also carry `openMonth` and `openKey`, the keys of the sparse `openByMonth` index; closing one
removes them, so the reminder job reads only what is open and due, never the history.
notices: pk userId, sk noticeId (deterministic per follow-up and step: the create is the exactly-once
point), plus one `settings` item per person (channels, quiet hours, the reminders' language).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pynamodb.attributes import ListAttribute, MapAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from functions.followups.ports import Channels, Contact, Followup, Notice, NoticeSettings
from functions.shared.dynamo import ItemMap, translate_errors
from functions.shared.errors import Conflict, DependencyUnavailable
from functions.shared.transact import TransactItem, put_item

FOLLOWUP_SCHEDULED_LABEL = "followups.schedule"
FOLLOWUP_CLOSED_LABEL = "followups.close"

SETTINGS_KEY = "settings"


class OpenByMonth(GlobalSecondaryIndex["FollowupModel"]):
    class Meta:
        index_name = "openByMonth"
        projection = AllProjection()

    openMonth = UnicodeAttribute(hash_key=True)
    openKey = UnicodeAttribute(range_key=True)


class FollowupModel(Model):
    class Meta:
        table_name = "unbound"

    caseId = UnicodeAttribute(hash_key=True)
    followupId = UnicodeAttribute(range_key=True)
    patientId = UnicodeAttribute()
    dueDay = UnicodeAttribute()
    modality = UnicodeAttribute()
    asks = ListAttribute(of=UnicodeAttribute, default=list)
    state = UnicodeAttribute()
    createdAt = UnicodeAttribute()
    createdBy = UnicodeAttribute()
    seriesId = UnicodeAttribute(null=True)
    sourceEntryId = UnicodeAttribute(null=True)
    met = ListAttribute(of=UnicodeAttribute, default=list)
    closedAt = UnicodeAttribute(null=True)
    closedBy = UnicodeAttribute(null=True)
    openMonth = UnicodeAttribute(null=True)
    openKey = UnicodeAttribute(null=True)
    by_open_month = OpenByMonth()


def _open_keys(followup: Followup) -> dict[str, Any]:
    if not followup.is_open:
        return {"openMonth": None, "openKey": None}
    key = f"{followup.due_day}#{followup.case_id}#{followup.followup_id}"
    return {"openMonth": followup.due_day[:7], "openKey": key}


FOLLOWUP_ITEM = ItemMap(Followup, FollowupModel, derived=_open_keys)


def _followup(item: FollowupModel) -> Followup:
    followup = FOLLOWUP_ITEM.from_item(item)
    # Optional text attributes come back as None when absent; the record's default is "".
    return Followup(**{**followup.__dict__, **{k: v or "" for k, v in followup.__dict__.items()
                                               if k in ("series_id", "source_entry_id", "closed_at", "closed_by")}})


class DynamoFollowupStore:
    def put_new(self, followups: list[Followup]) -> None:
        with translate_errors(), FollowupModel.batch_write() as batch:
            for followup in followups:
                batch.save(FOLLOWUP_ITEM.to_item(followup))

    def stage_new(self, followups: list[Followup]) -> list[TransactItem]:
        return [put_item(FOLLOWUP_SCHEDULED_LABEL, FOLLOWUP_ITEM.to_item(followup),
                         condition=FollowupModel.followupId.does_not_exist()) for followup in followups]

    def get(self, case_id: str, followup_id: str) -> Followup | None:
        from pynamodb.exceptions import DoesNotExist

        with translate_errors():
            try:
                return _followup(FollowupModel.get(case_id, followup_id))
            except DoesNotExist:
                return None

    def for_case(self, case_id: str) -> list[Followup]:
        with translate_errors():
            return [_followup(item) for item in FollowupModel.query(case_id)]

    def open_due_by(self, months: list[str], last_day: str) -> list[Followup]:
        found: list[Followup] = []
        with translate_errors():
            for month in months:
                # "<day>#~" sorts after every key of that day ("~" is above any id character).
                for item in FollowupModel.by_open_month.query(month, FollowupModel.openKey <= f"{last_day}#~"):
                    found.append(_followup(item))
        return found

    def save_state(self, before: Followup, after: Followup) -> bool:
        item = FOLLOWUP_ITEM.to_item(after)
        condition = (FollowupModel.state == before.state.value) & (FollowupModel.met == list(before.met))
        try:
            with translate_errors():
                item.save(condition=condition)
        except Conflict:  # someone changed it first: the caller reads it again
            return False
        return True

    def stage_state(self, before: Followup, after: Followup) -> TransactItem:
        condition = (FollowupModel.state == before.state.value) & (FollowupModel.met == list(before.met))
        return put_item(FOLLOWUP_CLOSED_LABEL, FOLLOWUP_ITEM.to_item(after), condition=condition)


class NoticeModel(Model):
    class Meta:
        table_name = "unbound"

    userId = UnicodeAttribute(hash_key=True)
    noticeId = UnicodeAttribute(range_key=True)
    kind = UnicodeAttribute(null=True)
    caseId = UnicodeAttribute(null=True)
    followupId = UnicodeAttribute(null=True)
    dueDay = UnicodeAttribute(null=True)
    createdAt = UnicodeAttribute(null=True)
    readAt = UnicodeAttribute(null=True)
    deliveries = MapAttribute(default=dict)  # type: ignore[var-annotated]
    attempts = NumberAttribute(default=0)
    lastError = UnicodeAttribute(null=True)
    claimUntil = NumberAttribute(null=True)  # a delivering run's lease (epoch seconds)
    # the settings item
    emailOn = UnicodeAttribute(null=True)
    smsOn = UnicodeAttribute(null=True)
    quietStart = UnicodeAttribute(null=True)
    quietEnd = UnicodeAttribute(null=True)
    timeZone = UnicodeAttribute(null=True)
    language = UnicodeAttribute(null=True)


NOTICE_ITEM = ItemMap(Notice, NoticeModel)


def _notice(item: NoticeModel) -> Notice:
    notice = NOTICE_ITEM.from_item(item)
    return Notice(**{**notice.__dict__, "read_at": notice.read_at or "", "last_error": notice.last_error or "",
                     "deliveries": {str(k): str(v) for k, v in notice.deliveries.items()}})


class DynamoNoticeStore:
    def create(self, notice: Notice) -> bool:
        from pynamodb.exceptions import PutError

        try:
            NOTICE_ITEM.to_item(notice).save(condition=NoticeModel.noticeId.does_not_exist())
        except PutError as exc:
            if _condition_failed(exc):
                return False
            raise DependencyUnavailable("The notices table is unavailable; try again.") from exc
        return True

    def get(self, user_id: str, notice_id: str) -> Notice | None:
        from pynamodb.exceptions import DoesNotExist

        with translate_errors():
            try:
                return _notice(NoticeModel.get(user_id, notice_id))
            except DoesNotExist:
                return None

    def claim(self, user_id: str, notice_id: str, now: float, lease_seconds: int) -> bool:
        """Take the notice for delivery unless another run holds an unexpired lease on it."""
        from pynamodb.exceptions import UpdateError

        item = NoticeModel(user_id, notice_id)
        try:
            item.update(actions=[NoticeModel.claimUntil.set(int(now) + lease_seconds)],
                        condition=NoticeModel.noticeId.exists()
                        & (NoticeModel.claimUntil.does_not_exist() | (NoticeModel.claimUntil < int(now))))
        except UpdateError as exc:
            if _condition_failed(exc):
                return False
            raise DependencyUnavailable("The notices table is unavailable; try again.") from exc
        return True

    def save_delivery(self, notice: Notice) -> None:
        """The deliveries after a run, and the lease released."""
        with translate_errors():
            NoticeModel(notice.user_id, notice.notice_id).update(actions=[
                NoticeModel.deliveries.set(dict(notice.deliveries)),
                NoticeModel.attempts.set(notice.attempts),
                NoticeModel.lastError.set(notice.last_error) if notice.last_error else NoticeModel.lastError.remove(),
                NoticeModel.claimUntil.remove(),
            ])

    def recent(self, user_id: str, limit: int) -> list[Notice]:
        with translate_errors():
            notices = [_notice(item) for item in NoticeModel.query(user_id) if item.noticeId != SETTINGS_KEY]
        return sorted(notices, key=lambda n: n.created_at, reverse=True)[:limit]

    def mark_read(self, user_id: str, notice_id: str, at: str) -> bool:
        from pynamodb.exceptions import UpdateError

        if notice_id == SETTINGS_KEY:
            return False
        try:
            NoticeModel(user_id, notice_id).update(actions=[NoticeModel.readAt.set(at)],
                                                   condition=NoticeModel.noticeId.exists())
        except UpdateError as exc:
            if _condition_failed(exc):
                return False
            raise DependencyUnavailable("The notices table is unavailable; try again.") from exc
        return True

    def settings(self, user_id: str) -> NoticeSettings | None:
        from pynamodb.exceptions import DoesNotExist

        with translate_errors():
            try:
                item = NoticeModel.get(user_id, SETTINGS_KEY)
            except DoesNotExist:
                return None
        return NoticeSettings(Channels(email=item.emailOn == "yes", sms=item.smsOn == "yes"),
                              item.quietStart or "", item.quietEnd or "", item.timeZone or "", item.language or "")

    def save_settings(self, user_id: str, settings: NoticeSettings) -> None:
        with translate_errors():
            NoticeModel(user_id, SETTINGS_KEY, emailOn="yes" if settings.channels.email else "no",
                        smsOn="yes" if settings.channels.sms else "no", quietStart=settings.quiet_start or None,
                        quietEnd=settings.quiet_end or None, timeZone=settings.time_zone or None,
                        language=settings.language or None).save()


def _condition_failed(exc: Exception) -> bool:
    cause = getattr(exc, "cause_response_code", None)
    return cause == "ConditionalCheckFailedException"


class AwsMessenger:
    """E-mail through SES, SMS through SNS (transactional). Any refusal is DependencyUnavailable: the
    job keeps the delivery pending and tries again on its next run."""

    def __init__(self, ses: Callable[[], Any], sns: Callable[[], Any], sender: str) -> None:
        self._ses = ses
        self._sns = sns
        self._sender = sender

    def email(self, to: str, subject: str, text: str) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self._ses().send_email(Source=self._sender, Destination={"ToAddresses": [to]}, Message={
                "Subject": {"Data": subject, "Charset": "UTF-8"},
                "Body": {"Text": {"Data": text, "Charset": "UTF-8"}},
            })
        except (ClientError, BotoCoreError) as exc:
            raise DependencyUnavailable("E-mail could not be sent.", code=_aws_code(exc)) from exc

    def sms(self, to: str, text: str) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self._sns().publish(PhoneNumber=to, Message=text, MessageAttributes={
                "AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}})
        except (ClientError, BotoCoreError) as exc:
            raise DependencyUnavailable("SMS could not be sent.", code=_aws_code(exc)) from exc


def _aws_code(exc: Exception) -> str:
    response = getattr(exc, "response", None) or {}
    return str(response.get("Error", {}).get("Code") or type(exc).__name__)


class CognitoContacts:
    """A person's e-mail and phone from the user pool (the only place they are kept)."""

    def __init__(self, client: Callable[[], Any], user_pool_id: str) -> None:
        self._client = client
        self._pool = user_pool_id

    def contact_of(self, user_id: str) -> Contact:
        from botocore.exceptions import BotoCoreError, ClientError

        if not user_id or '"' in user_id or "\\" in user_id:
            return Contact()
        try:
            users = self._client().list_users(UserPoolId=self._pool, Filter=f'sub = "{user_id}"', Limit=1)["Users"]
        except (ClientError, BotoCoreError) as exc:
            raise DependencyUnavailable("The user directory is unavailable; try again.") from exc
        if not users:
            return Contact()
        attributes = {a["Name"]: a["Value"] for a in users[0].get("Attributes", [])}
        return Contact(email=attributes.get("email", ""), phone=attributes.get("phone_number", ""))
