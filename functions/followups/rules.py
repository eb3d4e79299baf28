"""The follow-up rules, pure (no I/O): dates of a repeated schedule, the state on a day, which reminder
is owed, which timeline events answer what was asked, and quiet hours."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from functions.followups.ports import Followup, FollowupState, Modality, NoticeSettings, Step
from functions.scores.instruments import PATIENT_REPORTED, Instrument
from functions.shared.errors import ValidationError
from functions.timeline.ports import EventType, TimelineEvent

PHOTOS = "photos"
VISIT = "visit"
SCORE_PREFIX = "score:"
# What a patient can be asked for. Clinician-rated scores (PASI, EASI, IGA) need an examination, so
# they are a visit's business, not an ask.
ASKS: tuple[str, ...] = (PHOTOS, VISIT, *(SCORE_PREFIX + i.value for i in Instrument if i in PATIENT_REPORTED))
DEFAULT_ASKS: dict[Modality, tuple[str, ...]] = {
    Modality.VIDEO: (VISIT,),
    Modality.PHOTO_REVIEW: (PHOTOS,),
    Modality.SCORES: (SCORE_PREFIX + Instrument.DLQI.value,),
    Modality.IN_PERSON: (),  # the clinic marks it done
}

# A follow-up becomes overdue 3 days after its day: a weekend must not make a Friday's photos late.
GRACE_DAYS = 3
# An answer counts from 7 days before the day (photos sent early are still the ones asked for) and
# never before the follow-up existed. A series 14 days apart therefore never shares an answer.
ANSWER_WINDOW_DAYS = 7
# Reminders stop 30 days after the day: by then it is the doctor's worklist, not the patient's inbox.
REMIND_UNTIL_DAYS = 30
MAX_REPEATS = 52


def parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise ValidationError("Dates are YYYY-MM-DD.", code="invalid_date") from exc


def series_days(first: date, every_days: int, count: int) -> list[date]:
    """"Photos every 2 weeks for 12 weeks" = series_days(start, 14, 6)."""
    if not 1 <= count <= MAX_REPEATS:
        raise ValidationError(f"A series has 1 to {MAX_REPEATS} follow-ups.", code="invalid_repeat")
    if count > 1 and not 1 <= every_days <= 365:
        raise ValidationError("Repeat every 1 to 365 days.", code="invalid_repeat")
    return [first + timedelta(days=every_days * n) for n in range(count)]


def check_asks(modality: Modality, asks: Iterable[str] | None) -> tuple[str, ...]:
    chosen = tuple(dict.fromkeys(asks)) if asks is not None else DEFAULT_ASKS[modality]
    unknown = [ask for ask in chosen if ask not in ASKS]
    if unknown:
        raise ValidationError(f"Unknown ask: {unknown[0]}.", code="unknown_ask", details={"allowed": list(ASKS)})
    if not chosen and modality is not Modality.IN_PERSON:
        raise ValidationError("Say what the patient is asked for.", code="nothing_asked")
    return chosen


def state_on(followup: Followup, today: date) -> FollowupState:
    """An open follow-up's state on `today` (done and cancelled never change)."""
    if not followup.is_open:
        return followup.state
    due = date.fromisoformat(followup.due_day)
    if today < due:
        return FollowupState.PLANNED
    if today < due + timedelta(days=GRACE_DAYS):
        return FollowupState.DUE
    return FollowupState.OVERDUE


def step_owed(followup: Followup, today: date) -> Step | None:
    """The reminder this open follow-up is owed today (the current one only: a step a job missed
    is not sent late, the next one says more)."""
    if not followup.is_open:
        return None
    due = date.fromisoformat(followup.due_day)
    if today < due - timedelta(days=1):
        return None
    if today < due:
        return Step.UPCOMING
    if today < due + timedelta(days=GRACE_DAYS):
        return Step.DUE
    if today <= due + timedelta(days=REMIND_UNTIL_DAYS):
        return Step.OVERDUE
    return None


def window_start(followup: Followup) -> str:
    """The earliest time (ISO, UTC) an answer to this follow-up may carry."""
    earliest = datetime.combine(date.fromisoformat(followup.due_day) - timedelta(days=ANSWER_WINDOW_DAYS),
                                datetime.min.time(), tzinfo=UTC).isoformat(timespec="seconds")
    return max(earliest, followup.created_at)


@dataclass(frozen=True)
class Answer:
    ask: str
    ref: str  # "photo:<id>", "score:<id>", "visit:<id>"


def answers_in(followup: Followup, events: Iterable[TimelineEvent]) -> list[Answer]:
    """Which still-unmet asks these events answer (events older than the window do not count)."""
    start = window_start(followup)
    wanted = [ask for ask in followup.asks if ask not in followup.met]
    found: dict[str, Answer] = {}
    for event in events:
        if event.occurred_at < start:
            continue
        ask = _ask_answered_by(event)
        if ask in wanted and ask not in found:
            found[ask] = Answer(ask, f"{event.type.value}:{event.ref_id}")
    return [found[ask] for ask in wanted if ask in found]


def _ask_answered_by(event: TimelineEvent) -> str | None:
    if event.type is EventType.PHOTO and not event.summary.get("removed"):
        return PHOTOS
    if event.type is EventType.SCORE:
        return SCORE_PREFIX + str(event.summary.get("instrument", ""))
    # A visit answers once it took place: it ended after the patient and a doctor were both in it.
    if event.type is EventType.VISIT and int(event.summary.get("durationSeconds") or 0) > 0:
        return VISIT
    return None


def zone(name: str, fallback: str) -> ZoneInfo:
    for candidate in (name, fallback, "UTC"):
        if candidate:
            try:
                return ZoneInfo(candidate)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")


def local_day(epoch: float, tz: ZoneInfo) -> date:
    return datetime.fromtimestamp(epoch, tz=tz).date()


def in_quiet_hours(settings: NoticeSettings, epoch: float, clinic_zone: str) -> bool:
    """Whether it is inside the person's quiet hours, in their time zone. A window may cross midnight
    (21:00-08:00)."""
    if not settings.quiet_start or not settings.quiet_end or settings.quiet_start == settings.quiet_end:
        return False
    now = datetime.fromtimestamp(epoch, tz=zone(settings.time_zone, clinic_zone)).strftime("%H:%M")
    if settings.quiet_start < settings.quiet_end:
        return settings.quiet_start <= now < settings.quiet_end
    return now >= settings.quiet_start or now < settings.quiet_end
