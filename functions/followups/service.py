"""Follow-ups of a case (doctors schedule, both see them), the worklists, and the reminder job.

A follow-up is answered by what arrives on the case's timeline (a photo, a score of the asked
instrument, a visit that took place), so the photo processor, the score and visit services need not
know follow-ups exist. `settle` applies what arrived and the calendar (planned -> due -> overdue) on
every read and on every run of the reminder job, with a compare-and-set, so two readers at once
change a follow-up once.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Protocol

from functions.access.service import AccessPolicy
from functions.audit.chain import AuditEvent, Outcome
from functions.audit.ports import StagedWriteRejected
from functions.followups import rules
from functions.followups.ports import (
    Channels,
    ContactBook,
    Delivery,
    Followup,
    FollowupState,
    FollowupStore,
    LiveNotifier,
    Messenger,
    Modality,
    Notice,
    NoticeSettings,
    NoticeStore,
    Step,
)
from functions.shared.auth import Principal
from functions.shared.clock import Clock, iso
from functions.shared.errors import Conflict, DomainError, NotFound, ValidationError
from functions.shared.languages import FALLBACK, supported
from functions.shared.observability import log_info, put_metrics
from functions.shared.transact import TransactItem
from functions.timeline.ports import TimelineEvent, TimelineStore


class Audit(Protocol):
    def record(self, event: AuditEvent, staged: Sequence[TransactItem] = ()) -> Any: ...


class CaseReads(Protocol):
    def case_read(self, principal: Principal, action: str, cases: tuple[tuple[str, str], ...], outcome: str,
                  request_id: str, source_ip: str) -> None: ...


class OpenCases(Protocol):
    def require_open(self, case_id: str) -> None: ...


class Names(Protocol):
    def profiles_of(self, user_ids: list[str]) -> dict[str, Any]: ...


class Conditions(Protocol):
    def get_many(self, case_ids: list[str]) -> list[Any]: ...


def followup_not_found() -> NotFound:
    return NotFound("No such follow-up on this case.", code="followup_not_found")


def new_followup_id(due: date) -> str:
    return f"fu_{due.isoformat().replace('-', '')}_{secrets.token_urlsafe(6)}"


def followup_view(followup: Followup) -> dict[str, Any]:
    return {
        "followupId": followup.followup_id,
        "caseId": followup.case_id,
        "dueDate": followup.due_day,
        "modality": followup.modality.value,
        "asks": list(followup.asks),
        "met": list(followup.met),
        "state": followup.state.value,
        "seriesId": followup.series_id or None,
        "sourceEntryId": followup.source_entry_id or None,
        "createdAt": followup.created_at,
        "createdBy": followup.created_by,
        "closedAt": followup.closed_at or None,
        "closedBy": followup.closed_by or None,
    }


TIMELINE_PAGE = 50
# Months the doctors' worklist looks back for open follow-ups: 6 (older still-open ones are a
# clinic's data-quality problem, shown on the case page).
WORKLIST_MONTHS = 6
MAX_WORKLIST_CASES = 1000


def months_between(first: date, last: date) -> list[str]:
    months: list[str] = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


class FollowupService:
    def __init__(self, store: FollowupStore, access: AccessPolicy, timeline: TimelineStore, audit: Audit,
                 reads: CaseReads, *, open_cases: OpenCases | None = None, names: Names | None = None,
                 conditions: Conditions | None = None, clinic_zone: str = "UTC", clock: Clock = time.time) -> None:
        self._store = store
        self._access = access
        self._timeline = timeline
        self._audit = audit
        self._reads = reads
        self._open_cases = open_cases
        self._names = names
        self._conditions = conditions
        self._zone = clinic_zone
        self._clock = clock

    def today(self) -> date:
        return rules.local_day(self._clock(), rules.zone("", self._zone))

    # --- doctors schedule -------------------------------------------------------------------
    def schedule(self, doctor: Principal, case_id: str, *, due_date: str, modality: str, asks: list[str] | None,
                 every_days: int = 0, count: int = 1, source_entry_id: str = "", request_id: str = "",
                 source_ip: str = "") -> dict[str, Any]:
        """One follow-up, or a series ("photos every 14 days, 6 times"). Audited `followup.schedule`."""
        self._access.require_case(doctor, case_id, action="followup.schedule")
        if self._open_cases is not None:
            self._open_cases.require_open(case_id)
        kind = Modality(modality)
        chosen = rules.check_asks(kind, asks)
        first = rules.parse_day(due_date)
        if first < self.today():
            raise ValidationError("A follow-up cannot be due in the past.", code="due_in_past")
        days = rules.series_days(first, every_days, count)
        patient_id = self._access.owner_of(case_id) or ""
        now = iso(self._clock())
        series = ("ser_" + secrets.token_urlsafe(9)) if count > 1 else ""
        created = [
            Followup(case_id=case_id, followup_id=new_followup_id(day), patient_id=patient_id,
                     due_day=day.isoformat(), modality=kind, asks=chosen, state=FollowupState.PLANNED,
                     created_at=now, created_by=doctor.user_id, series_id=series, source_entry_id=source_entry_id)
            for day in days
        ]
        created = [replace(f, state=rules.state_on(f, self.today())) for f in created]
        # The follow-ups and their audit entry in one transaction (MAX_REPEATS 52 + the entry's 2
        # items, within DynamoDB's 100): never one without the other (tests/functional/test_fault_injection.py).
        self._record(doctor, "followup.schedule", case_id, patient_id, [f.followup_id for f in created],
                     request_id, source_ip, staged=self._store.stage_new(created))
        return {"items": [followup_view(f) for f in created]}

    def from_record(self, doctor: Principal, case_id: str, entry_id: str, content: dict[str, Any],
                    request_id: str = "", source_ip: str = "") -> None:
        """A follow-up entry written in the record (its access already checked) becomes a dated
        follow-up, unless it is not planned or its day has passed (the record keeps it either way)."""
        due = str(content.get("dueDate", ""))
        if content.get("status", "planned") != "planned" or not due or due < self.today().isoformat():
            return
        modality = Modality(str(content.get("modality") or Modality.VIDEO.value))
        day = rules.parse_day(due)
        followup = Followup(case_id=case_id, followup_id=new_followup_id(day),
                            patient_id=self._access.owner_of(case_id) or "", due_day=day.isoformat(),
                            modality=modality, asks=rules.DEFAULT_ASKS[modality], state=FollowupState.PLANNED,
                            created_at=iso(self._clock()), created_by=doctor.user_id, source_entry_id=entry_id)
        followup = replace(followup, state=rules.state_on(followup, self.today()))
        self._record(doctor, "followup.schedule", case_id, followup.patient_id, [followup.followup_id], request_id,
                     source_ip, staged=self._store.stage_new([followup]))

    def close(self, doctor: Principal, case_id: str, followup_id: str, state: FollowupState, *,
              request_id: str = "", source_ip: str = "") -> dict[str, Any]:
        """Cancel it, or mark it done by hand (an in-person visit). Audited `followup.<state>`."""
        action = "followup.cancel" if state is FollowupState.CANCELLED else "followup.complete"
        self._access.require_case(doctor, case_id, action=action)
        current = self._store.get(case_id, followup_id)
        if current is None:
            raise followup_not_found()
        if not current.is_open:
            raise Conflict(f"This follow-up is already {current.state.value}.", code="followup_closed")
        closed = replace(current, state=state, closed_at=iso(self._clock()), closed_by=doctor.user_id)
        try:
            self._record(doctor, action, case_id, current.patient_id, [followup_id], request_id, source_ip,
                         staged=[self._store.stage_state(current, closed)])
        except StagedWriteRejected:
            raise Conflict("The follow-up changed meanwhile; reload it.", code="followup_changed") from None
        return followup_view(closed)

    # --- reads ------------------------------------------------------------------------------
    def for_case(self, principal: Principal, case_id: str, *, request_id: str = "",
                 source_ip: str = "") -> dict[str, Any]:
        self._access.require_case(principal, case_id, action="followup.list")
        followups = self.settle_case(case_id, self._store.for_case(case_id))
        self._reads.case_read(principal, "followup.list", ((case_id, self._access.owner_of(case_id) or ""),),
                              "success", request_id, source_ip)
        return {"items": [followup_view(f) for f in sorted(followups, key=lambda f: f.due_day)]}

    def mine(self, patient: Principal, *, request_id: str = "", source_ip: str = "") -> dict[str, Any]:
        """A patient's open follow-ups across their cases, soonest first (the home page's next step)."""
        case_ids = self._access.all_visible_case_ids(patient, MAX_WORKLIST_CASES)
        items: list[Followup] = []
        for case_id in case_ids:
            items.extend(f for f in self.settle_case(case_id, self._store.for_case(case_id)) if f.is_open)
        if items:
            self._reads.case_read(patient, "followup.mine", tuple((c, patient.user_id) for c in
                                                                   sorted({f.case_id for f in items})),
                                  "success", request_id, source_ip)
        return {"items": [followup_view(f) for f in sorted(items, key=lambda f: (f.due_day, f.case_id))],
                "today": self.today().isoformat()}

    def worklist(self, doctor: Principal, *, request_id: str = "", source_ip: str = "") -> dict[str, Any]:
        """Open follow-ups of the doctor's cases that are due or overdue, most overdue first, with the
        patient's name and the case's condition."""
        today = self.today()
        mine = set(self._access.all_visible_case_ids(doctor, MAX_WORKLIST_CASES))
        candidates = [f for f in self._store.open_due_by(
            months_between(today - timedelta(days=31 * WORKLIST_MONTHS), today), today.isoformat())
            if f.case_id in mine]
        by_case: dict[str, list[Followup]] = {}
        for followup in candidates:
            by_case.setdefault(followup.case_id, []).append(followup)
        settled = [f for case_id, group in by_case.items() for f in self.settle_case(case_id, group) if f.is_open]
        names = self._names.profiles_of(sorted({f.patient_id for f in settled})) if self._names and settled else {}
        conditions = ({c.case_id: c.condition for c in self._conditions.get_many(sorted(by_case))}
                      if self._conditions and settled else {})
        if settled:
            self._reads.case_read(doctor, "followup.worklist",
                                  tuple(sorted({(f.case_id, f.patient_id) for f in settled})), "success",
                                  request_id, source_ip)
        items = []
        for followup in sorted(settled, key=lambda f: (f.due_day, f.case_id)):
            profile = names.get(followup.patient_id)
            items.append({**followup_view(followup), "patientId": followup.patient_id,
                          "patientName": getattr(profile, "name", "") or None,
                          "condition": conditions.get(followup.case_id)})
        return {"items": items, "today": today.isoformat()}

    # --- settling: answers and the calendar ---------------------------------------------------
    def settle_case(self, case_id: str, followups: list[Followup]) -> list[Followup]:
        """Apply what arrived on the timeline and today's date to the case's open follow-ups; save
        what changed. Returns every follow-up given, as it now stands."""
        open_ones = [f for f in followups if f.is_open]
        if not open_ones:
            return followups
        events = self._events_since(case_id, min(rules.window_start(f) for f in open_ones))
        today = self.today()
        result: list[Followup] = []
        for followup in followups:
            result.append(self._settle(followup, events, today) if followup.is_open else followup)
        return result

    def _settle(self, followup: Followup, events: list[TimelineEvent], today: date) -> Followup:
        answers = rules.answers_in(followup, events)
        met = followup.met + tuple(a.ask for a in answers)
        after = replace(followup, met=met)
        if followup.asks and set(followup.asks) <= set(met):
            after = replace(after, state=FollowupState.DONE, closed_at=iso(self._clock()),
                            closed_by=(answers[-1].ref if answers else "answers"))
        else:
            after = replace(after, state=rules.state_on(followup, today))
        if after == followup:
            return followup
        if self._store.save_state(followup, after):
            log_info("follow-up settled", followupState=after.state.value)
            return after
        return self._store.get(followup.case_id, followup.followup_id) or followup

    def _events_since(self, case_id: str, start: str) -> list[TimelineEvent]:
        events: list[TimelineEvent] = []
        cursor: str | None = None
        while True:
            page = self._timeline.page(case_id, TIMELINE_PAGE, cursor)
            events.extend(page.events)
            if page.cursor is None or not page.events or page.events[-1].occurred_at < start:
                return events
            cursor = page.cursor

    def _record(self, principal: Principal, action: str, case_id: str, patient_id: str, ids: list[str],
                request_id: str, source_ip: str, staged: Sequence[TransactItem] = ()) -> None:
        self._audit.record(AuditEvent(
            actor_id=principal.user_id, role=principal.role.value, action=action, resource_type="followup",
            resource_id=ids[0], outcome=Outcome.SUCCESS, patient_id=patient_id, case_id=case_id,
            resource_ids=tuple(ids), request_id=request_id, source_ip=source_ip,
        ), staged)


# --- notices and reminders -----------------------------------------------------------------------
# The whole message, per language (reminders.json, one entry per language of
# functions/shared/languages.json, checked by tests/unit/test_followup_rules.py): neutral, no
# condition, no date, no name, as e-mail and SMS are not private.
REMINDERS: dict[str, dict[str, str]] = json.loads(
    (Path(__file__).with_name("reminders.json")).read_text(encoding="utf-8"))


def reminder_subject(language: str = FALLBACK) -> str:
    return REMINDERS[supported(language)]["subject"]


def reminder_text(app_url: str, language: str = FALLBACK) -> str:
    return REMINDERS[supported(language)]["text"].format(url=app_url)


def notice_view(notice: Notice) -> dict[str, Any]:
    return {"noticeId": notice.notice_id, "kind": notice.kind, "caseId": notice.case_id,
            "followupId": notice.followup_id, "dueDate": notice.due_day, "createdAt": notice.created_at,
            "read": bool(notice.read_at)}


def settings_view(settings: NoticeSettings) -> dict[str, Any]:
    quiet = {"start": settings.quiet_start, "end": settings.quiet_end} if settings.quiet_start else None
    return {"channels": {"email": settings.channels.email, "sms": settings.channels.sms}, "quietHours": quiet,
            "timeZone": settings.time_zone or None, "language": settings.language or None}


class NoticeService:
    def __init__(self, notices: NoticeStore, clock: Clock = time.time) -> None:
        self._notices = notices
        self._clock = clock

    def list(self, principal: Principal, limit: int) -> dict[str, Any]:
        notices = self._notices.recent(principal.user_id, limit)
        return {"items": [notice_view(n) for n in notices], "unread": sum(1 for n in notices if not n.read_at)}

    def mark_read(self, principal: Principal, notice_id: str) -> dict[str, Any]:
        if not self._notices.mark_read(principal.user_id, notice_id, iso(self._clock())):
            raise NotFound("No such notice.", code="notice_not_found")
        return {"noticeId": notice_id, "read": True}

    def settings(self, principal: Principal) -> dict[str, Any]:
        return settings_view(self._notices.settings(principal.user_id) or NoticeSettings())

    def save_settings(self, principal: Principal, email: bool, sms: bool, quiet: dict[str, str] | None,
                      time_zone: str | None, language: str | None = None) -> dict[str, Any]:
        """Replaces the settings; `language` None keeps the chosen language (the picker sets it apart)."""
        if time_zone:
            try:
                from zoneinfo import ZoneInfo

                ZoneInfo(time_zone)
            except (KeyError, ValueError) as exc:
                raise ValidationError("Unknown time zone.", code="unknown_time_zone") from exc
        kept = self._notices.settings(principal.user_id) or NoticeSettings()
        settings = NoticeSettings(Channels(email=email, sms=sms), (quiet or {}).get("start", ""),
                                  (quiet or {}).get("end", ""), time_zone or "",
                                  kept.language if language is None else language)
        self._notices.save_settings(principal.user_id, settings)
        return settings_view(settings)

    def save_language(self, principal: Principal, language: str) -> dict[str, Any]:
        """The language reminders are written in: the app saves it when the person picks one, so a
        patient who reads the app in Chinese is reminded in Chinese on every channel."""
        kept = self._notices.settings(principal.user_id) or NoticeSettings()
        saved = replace(kept, language=language)
        self._notices.save_settings(principal.user_id, saved)
        return settings_view(saved)


# Five runs (75 minutes at one run every 15) before a delivery is given up and alarmed.
MAX_ATTEMPTS = 5
LEASE_SECONDS = 120


@dataclass
class RunReport:
    followups: int = 0
    notices: int = 0
    sent: int = 0
    deferred: int = 0  # quiet hours
    retrying: int = 0
    failed: int = 0

    def view(self) -> dict[str, int]:
        return dict(self.__dict__)


class ReminderJob:
    """Every 15 minutes: settle the open follow-ups around today and send each one the reminder it is
    owed, once. The notice's conditional create is the exactly-once point; a lease keeps two runs
    from delivering the same notice at the same time; a failed channel stays pending and is tried on
    the next runs, then marked failed and counted in `ReminderFailed` (alarmed)."""

    def __init__(self, followups: FollowupService, store: FollowupStore, notices: NoticeStore,
                 contacts: ContactBook, messenger: Messenger, live: LiveNotifier, *, app_url: str,
                 clinic_zone: str = "UTC", clock: Clock = time.time) -> None:
        self._followups = followups
        self._store = store
        self._notices = notices
        self._contacts = contacts
        self._messenger = messenger
        self._live = live
        self._app_url = app_url
        self._zone = clinic_zone
        self._clock = clock

    def run(self) -> RunReport:
        report = RunReport()
        today = self._followups.today()
        first = today - timedelta(days=rules.REMIND_UNTIL_DAYS)
        last = today + timedelta(days=1)
        due = self._store.open_due_by(months_between(first, last), last.isoformat())
        by_case: dict[str, list[Followup]] = {}
        for followup in due:
            by_case.setdefault(followup.case_id, []).append(followup)
        for case_id, group in by_case.items():
            for followup in self._followups.settle_case(case_id, group):
                report.followups += 1
                step = rules.step_owed(followup, today)
                if step is not None and followup.patient_id:
                    self._remind(followup, step, report)
        put_metrics({"RemindersSent": report.sent, "ReminderFailed": report.failed})
        return report

    def _remind(self, followup: Followup, step: Step, report: RunReport) -> None:
        notice_id = f"{followup.followup_id}-{step.value}"
        settings = self._notices.settings(followup.patient_id) or NoticeSettings()
        fresh = Notice(
            user_id=followup.patient_id, notice_id=notice_id, kind=f"followup.{step.value}",
            case_id=followup.case_id, followup_id=followup.followup_id, due_day=followup.due_day,
            created_at=iso(self._clock()),
            deliveries={"email": (Delivery.PENDING if settings.channels.email else Delivery.SKIPPED).value,
                        "sms": (Delivery.PENDING if settings.channels.sms else Delivery.SKIPPED).value},
        )
        if self._notices.create(fresh):
            report.notices += 1
            # The live notice carries ids only; the app words it.
            self._live.notify_user(followup.patient_id, {"type": "notice.new", **notice_view(fresh)})
        notice = self._notices.get(followup.patient_id, notice_id)
        if notice is None or Delivery.PENDING.value not in notice.deliveries.values():
            return
        if rules.in_quiet_hours(settings, self._clock(), self._zone):
            report.deferred += 1
            return
        if not self._notices.claim(notice.user_id, notice.notice_id, self._clock(), LEASE_SECONDS):
            return  # another run is delivering it
        notice = self._notices.get(notice.user_id, notice.notice_id) or notice
        self._notices.save_delivery(self._deliver(notice, report, settings.language))

    def _deliver(self, notice: Notice, report: RunReport, language: str) -> Notice:
        contact = self._contacts.contact_of(notice.user_id)
        deliveries = dict(notice.deliveries)
        errors: list[str] = []
        subject, text = reminder_subject(language), reminder_text(self._app_url, language)
        for channel, address in (("email", contact.email), ("sms", contact.phone)):
            if deliveries.get(channel) != Delivery.PENDING.value:
                continue
            if not address:
                deliveries[channel] = Delivery.SKIPPED.value
                continue
            try:
                if channel == "email":
                    self._messenger.email(address, subject, text)
                else:
                    self._messenger.sms(address, text)
            except DomainError as exc:
                errors.append(f"{channel}:{exc.code}")
                continue
            deliveries[channel] = Delivery.SENT.value
            report.sent += 1
        attempts = notice.attempts + (1 if errors else 0)
        if errors and attempts >= MAX_ATTEMPTS:
            for channel, state in deliveries.items():
                if state == Delivery.PENDING.value:
                    deliveries[channel] = Delivery.FAILED.value
                    report.failed += 1
        elif errors:
            report.retrying += len(errors)
        if errors:
            # Codes only (MessageRejected, Throttling): never an address.
            log_info("reminder delivery failed", errors=",".join(errors), attempts=attempts)
        return replace(notice, deliveries=deliveries, attempts=attempts, last_error=",".join(errors))

