"""The follow-up rules: series dates, the calendar states, the reminder owed, answers and quiet hours."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from functions.followups import rules
from functions.followups.ports import Channels, Followup, FollowupState, Modality, NoticeSettings, Step
from functions.shared.errors import ValidationError
from functions.timeline.ports import EventType, TimelineEvent

DUE = date(2026, 3, 10)
BASE = Followup(case_id="case_1", followup_id="fu_1", patient_id="p", due_day=DUE.isoformat(),
                modality=Modality.SCORES, asks=("score:DLQI", "photos"), state=FollowupState.PLANNED,
                created_at="2026-02-01T00:00:00+00:00", created_by="d")


def event(kind: EventType, at: str, **summary: object) -> TimelineEvent:
    return TimelineEvent("case_1", f"e{at}", kind, at, "p", f"ref{at}", dict(summary))


def test_a_series_is_dated_from_its_first_day() -> None:
    assert rules.series_days(date(2026, 1, 5), 14, 6)[-1] == date(2026, 3, 16)  # 12 weeks of fortnights
    assert rules.series_days(date(2026, 1, 5), 0, 1) == [date(2026, 1, 5)]
    for every, count in ((14, 0), (14, 53), (0, 2), (366, 2)):
        with pytest.raises(ValidationError):
            rules.series_days(date(2026, 1, 5), every, count)


@pytest.mark.parametrize(("today", "state", "step"), [
    (date(2026, 3, 8), FollowupState.PLANNED, None),
    (date(2026, 3, 9), FollowupState.PLANNED, Step.UPCOMING),
    (date(2026, 3, 10), FollowupState.DUE, Step.DUE),
    (date(2026, 3, 12), FollowupState.DUE, Step.DUE),
    (date(2026, 3, 13), FollowupState.OVERDUE, Step.OVERDUE),  # 3 grace days
    (date(2026, 4, 9), FollowupState.OVERDUE, Step.OVERDUE),  # 30 days after the day
    (date(2026, 4, 10), FollowupState.OVERDUE, None),  # the worklist's now, not the inbox's
])
def test_the_calendar_moves_an_open_follow_up_and_owes_one_step(today: date, state: FollowupState,
                                                                step: Step | None) -> None:
    assert rules.state_on(BASE, today) is state
    assert rules.step_owed(BASE, today) is step


def test_closed_follow_ups_neither_move_nor_remind() -> None:
    for closed in (FollowupState.DONE, FollowupState.CANCELLED):
        followup = replace(BASE, state=closed)
        assert rules.state_on(followup, date(2026, 5, 1)) is closed
        assert rules.step_owed(followup, DUE) is None


def test_answers_count_from_a_week_before_the_day_and_removed_photos_do_not() -> None:
    events = [
        event(EventType.SCORE, "2026-03-02T23:59:59+00:00", instrument="DLQI"),  # 8 days early: too early
        event(EventType.PHOTO, "2026-03-05T10:00:00+00:00", removed={"reason": "wrong site"}),
        event(EventType.SCORE, "2026-03-04T09:00:00+00:00", instrument="ITCH_NRS"),  # not asked
    ]
    assert rules.answers_in(BASE, events) == []
    events.append(event(EventType.PHOTO, "2026-03-03T00:00:00+00:00", bodySite="elbow_left"))
    events.append(event(EventType.SCORE, "2026-03-20T09:00:00+00:00", instrument="DLQI"))  # late still counts
    answers = rules.answers_in(BASE, events)
    assert [a.ask for a in answers] == ["score:DLQI", "photos"]
    assert answers[1].ref == "photo:ref2026-03-03T00:00:00+00:00"
    assert rules.answers_in(replace(BASE, met=("score:DLQI", "photos")), events) == []


def test_a_visit_answers_only_once_it_took_place() -> None:
    video = replace(BASE, modality=Modality.VIDEO, asks=("visit",))
    assert rules.answers_in(video, [event(EventType.VISIT, "2026-03-10T09:00:00+00:00", durationSeconds=0)]) == []
    assert [a.ask for a in rules.answers_in(
        video, [event(EventType.VISIT, "2026-03-10T09:00:00+00:00", durationSeconds=600)])] == ["visit"]


def test_asks_default_by_modality_and_must_be_known() -> None:
    assert rules.check_asks(Modality.VIDEO, None) == ("visit",)
    assert rules.check_asks(Modality.IN_PERSON, []) == ()
    assert rules.check_asks(Modality.SCORES, ["score:POEM", "score:POEM"]) == ("score:POEM",)
    with pytest.raises(ValidationError) as unknown:
        rules.check_asks(Modality.SCORES, ["score:PASI"])  # clinician-rated: a visit's business
    assert unknown.value.code == "unknown_ask"
    with pytest.raises(ValidationError):
        rules.check_asks(Modality.PHOTO_REVIEW, [])


def at(hour: int, minute: int = 0) -> float:
    return datetime(2026, 3, 10, hour, minute, tzinfo=UTC).timestamp()


def test_quiet_hours_cross_midnight_in_the_persons_time_zone() -> None:
    night = NoticeSettings(Channels(), "21:00", "08:00", "Asia/Shanghai")  # UTC+8
    assert rules.in_quiet_hours(night, at(13, 0), "UTC")  # 21:00 there
    assert rules.in_quiet_hours(night, at(23, 59), "UTC")  # 07:59 there
    assert not rules.in_quiet_hours(night, at(0, 0), "UTC")  # 08:00 there
    assert not rules.in_quiet_hours(night, at(12, 59), "UTC")
    lunch = NoticeSettings(Channels(), "12:00", "13:30", "")  # the clinic's zone
    assert rules.in_quiet_hours(lunch, at(4, 0), "Asia/Shanghai")  # 12:00 in Shanghai
    assert not rules.in_quiet_hours(lunch, at(12, 0), "Asia/Shanghai")
    assert not rules.in_quiet_hours(NoticeSettings(), at(3), "UTC")


def test_every_language_has_a_reminder_that_names_nothing_but_the_app() -> None:
    import string

    from functions.followups.service import REMINDERS, reminder_subject, reminder_text
    from functions.shared.languages import FALLBACK, LANGUAGES

    assert set(REMINDERS) == set(LANGUAGES)
    for language, words in REMINDERS.items():
        fields = {name for _, name, _, _ in string.Formatter().parse(words["text"]) if name}
        assert fields == {"url"}, language
        assert "{" not in words["subject"], language
        assert reminder_text("https://app.example/", language).endswith("https://app.example/")
    assert reminder_subject("zh-CN") != reminder_subject("en")
    # A stored choice of a language no longer offered reads as the fallback, never an error.
    assert reminder_text("u", "fr") == reminder_text("u", FALLBACK)
