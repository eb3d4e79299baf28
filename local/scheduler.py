"""Runs the app's @app.schedule handlers on their schedule (moto's EventBridge never fires them).

Supports what EventBridge accepts: `rate(N minute|minutes|hour|hours|day|days)` and six-field
`cron(minutes hours day-of-month month day-of-week year)` with `* ? , - /`, names (JAN, MON),
`L` and `#`; `W` is not supported here (such a job still runs on demand). Like EventBridge, a
missed run (machine asleep) is not caught up: the job runs once, then keeps its rhythm.
"""

from __future__ import annotations

import calendar
import logging
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from chalice.app import Chalice, ScheduledEventConfig, ScheduleExpression

from local.invoke import LambdaHandler, invoke, lambda_handler

log = logging.getLogger("local")

Clock = Callable[[], float]

_UNIT_SECONDS = {"minute": 60, "minutes": 60, "hour": 3600, "hours": 3600, "day": 86400, "days": 86400}
_MONTHS = {name.upper(): i for i, name in enumerate(calendar.month_abbr) if name}
_WEEKDAYS = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}
_MAX_MINUTES_SCANNED = 24 * 60


class RateSchedule:
    def __init__(self, seconds: int) -> None:
        if seconds <= 0:
            raise ValueError("a rate must be positive")
        self.seconds = seconds


@dataclass(frozen=True)
class CronSchedule:
    minutes: frozenset[int]
    hours: frozenset[int]
    months: frozenset[int]
    years: frozenset[int]
    days_of_month: frozenset[int] | None  # None: '?' (the day is chosen by day-of-week)
    last_day_of_month: bool = False
    days_of_week: frozenset[int] | None = None  # 1 = Sunday ... 7 = Saturday, as in EventBridge
    nth_weekdays: frozenset[tuple[int, int]] = frozenset()  # (weekday, n): '6#3' = third Friday
    last_weekdays: frozenset[int] = frozenset()  # '6L' = last Friday

    def matches(self, when: datetime) -> bool:
        if when.minute not in self.minutes or when.hour not in self.hours:
            return False
        if when.month not in self.months or when.year not in self.years:
            return False
        return self._day_matches(when)

    def _day_matches(self, when: datetime) -> bool:
        days_in_month = calendar.monthrange(when.year, when.month)[1]
        if self.days_of_month is not None:
            return when.day in self.days_of_month or (self.last_day_of_month and when.day == days_in_month)
        weekday = (when.weekday() + 1) % 7 + 1  # Python: Monday = 0; EventBridge: Sunday = 1
        if self.days_of_week is not None and weekday in self.days_of_week:
            return True
        if (weekday, (when.day - 1) // 7 + 1) in self.nth_weekdays:
            return True
        return weekday in self.last_weekdays and when.day + 7 > days_in_month


Schedule = RateSchedule | CronSchedule


def expression_text(expression: str | ScheduleExpression) -> str:
    return expression if isinstance(expression, str) else expression.to_string()


def parse_schedule(expression: str | ScheduleExpression) -> Schedule:
    text = expression_text(expression).strip()
    if text.startswith("rate(") and text.endswith(")"):
        value, _, unit = text[5:-1].strip().partition(" ")
        if unit.strip() not in _UNIT_SECONDS or not value.isdigit():
            raise ValueError(f"unsupported rate expression: {text}")
        return RateSchedule(int(value) * _UNIT_SECONDS[unit.strip()])
    if text.startswith("cron(") and text.endswith(")"):
        return _parse_cron(text[5:-1].split())
    raise ValueError(f"not a rate() or cron() expression: {text}")


def _parse_cron(fields: list[str]) -> CronSchedule:
    if len(fields) != 6:
        raise ValueError("a cron expression has six fields: minutes hours day-of-month month day-of-week year")
    minutes, hours, dom, month, dow, year = (f.upper() for f in fields)
    if (dom == "?") == (dow == "?"):
        raise ValueError("exactly one of day-of-month and day-of-week must be '?'")
    schedule: dict[str, Any] = {
        "minutes": _parse_field(minutes, 0, 59),
        "hours": _parse_field(hours, 0, 23),
        "months": _parse_field(month, 1, 12, _MONTHS),
        "years": _parse_field(year, 1970, 2199),
        "days_of_month": None,
    }
    if dom != "?":
        if "W" in dom:
            raise ValueError("'W' (nearest weekday) is not supported by the local scheduler")
        parts = dom.split(",")
        schedule["last_day_of_month"] = "L" in parts
        rest = ",".join(p for p in parts if p != "L")
        schedule["days_of_month"] = _parse_field(rest, 1, 31) if rest else frozenset()
    else:
        plain: list[str] = []
        nth: set[tuple[int, int]] = set()
        last: set[int] = set()
        for part in dow.split(","):
            if "#" in part:
                day, _, n = part.partition("#")
                nth.add((_value(day, 1, 7, _WEEKDAYS), int(n)))
            elif part.endswith("L") and len(part) > 1:
                last.add(_value(part[:-1], 1, 7, _WEEKDAYS))
            elif part == "L":
                plain.append("7")  # 'L' alone in day-of-week is Saturday
            else:
                plain.append(part)
        schedule["days_of_week"] = _parse_field(",".join(plain), 1, 7, _WEEKDAYS) if plain else None
        schedule["nth_weekdays"] = frozenset(nth)
        schedule["last_weekdays"] = frozenset(last)
    return CronSchedule(**schedule)


def _parse_field(text: str, low: int, high: int, names: dict[str, int] | None = None) -> frozenset[int]:
    values: set[int] = set()
    for part in text.split(","):
        span, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1
        if step <= 0:
            raise ValueError(f"bad step in '{part}'")
        if span == "*":
            first, last = low, high
        elif "-" in span:
            start, _, end = span.partition("-")
            first, last = _value(start, low, high, names), _value(end, low, high, names)
        else:
            first = _value(span, low, high, names)
            last = high if step_text else first
        values.update(range(first, last + 1, step))
    return frozenset(values)


def _value(text: str, low: int, high: int, names: dict[str, int] | None) -> int:
    value = (names or {}).get(text)
    if value is None:
        if not text.isdigit():
            raise ValueError(f"'{text}' is not a value between {low} and {high}")
        value = int(text)
    if not low <= value <= high:
        raise ValueError(f"{value} is outside {low}-{high}")
    return value


@dataclass
class Job:
    name: str
    expression: str
    handler: LambdaHandler
    function_name: str
    schedule: Schedule | None
    problem: str | None = None
    next_due: float = 0.0
    running: threading.Lock = field(default_factory=threading.Lock)


def find_jobs(app: Chalice, stage: str = "local") -> dict[str, Job]:
    jobs: dict[str, Job] = {}
    for source in app.event_sources:
        if not isinstance(source, ScheduledEventConfig):
            continue
        text = expression_text(source.schedule_expression)
        try:
            schedule: Schedule | None = parse_schedule(source.schedule_expression)
            problem = None
        except ValueError as exc:
            schedule, problem = None, str(exc)
        jobs[source.name] = Job(
            name=source.name,
            expression=text,
            handler=lambda_handler(app, source.name),
            function_name=f"{app.app_name}-{stage}-{source.name}",
            schedule=schedule,
            problem=problem,
        )
    return jobs


def scheduled_event(job: Job, when: float, account_id: str, region: str) -> dict[str, Any]:
    """The payload EventBridge sends a scheduled Lambda."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": account_id,
        "time": datetime.fromtimestamp(when, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [f"arn:aws:events:{region}:{account_id}:rule/{job.function_name}"],
        "detail": {},
    }


class Scheduler:
    """One background thread that fires due jobs into the worker pool."""

    def __init__(self, jobs: dict[str, Job], executor: Executor, account_id: str, region: str,
                 clock: Clock = time.time, tick_seconds: float = 1.0) -> None:
        self.jobs = jobs
        self._executor = executor
        self._account_id = account_id
        self._region = region
        self._clock = clock
        self._tick = tick_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="local-scheduler", daemon=True)

    def start(self) -> None:
        for job in self.jobs.values():
            if job.problem:
                log.warning("job %s (%s) will not run on schedule: %s", job.name, job.expression, job.problem)
        if any(job.schedule for job in self.jobs.values()):
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    def run_now(self, name: str) -> float:
        """Run one job in the calling thread; returns its duration in ms. KeyError if unknown."""
        job = self.jobs[name]
        with job.running:
            return self._invoke(job, self._clock())

    def _run(self) -> None:
        last = self._clock()
        for job in self.jobs.values():
            if isinstance(job.schedule, RateSchedule):
                job.next_due = last + job.schedule.seconds  # EventBridge's first run is one period later
        while not self._stop.wait(self._tick):
            now = self._clock()
            for job in self.jobs.values():
                if self._due(job, last, now):
                    self._fire(job, now)
            last = now

    @staticmethod
    def _due(job: Job, last: float, now: float) -> bool:
        schedule = job.schedule
        if isinstance(schedule, RateSchedule):
            if now < job.next_due:
                return False
            while job.next_due <= now:
                job.next_due += schedule.seconds
            return True
        if isinstance(schedule, CronSchedule):
            minute = max(int(last // 60) + 1, int(now // 60) - _MAX_MINUTES_SCANNED)
            while minute * 60 <= now:
                if schedule.matches(datetime.fromtimestamp(minute * 60, tz=UTC)):
                    return True
                minute += 1
        return False

    def _fire(self, job: Job, now: float) -> None:
        if not job.running.acquire(blocking=False):
            log.warning("job %s is still running; this run is skipped", job.name)
            return

        def run() -> None:
            try:
                self._invoke(job, now, reraise=False)
            finally:
                job.running.release()

        try:
            self._executor.submit(run)
        except RuntimeError:  # the pool is shutting down
            job.running.release()

    def _invoke(self, job: Job, when: float, *, reraise: bool = True) -> float:
        started = time.monotonic()
        try:
            invoke(job.handler, scheduled_event(job, when, self._account_id, self._region), job.function_name)
        except Exception:
            log.exception("job %s failed", job.name)
            if reraise:
                raise
        elapsed = (time.monotonic() - started) * 1000
        log.info("job %s ran in %.0f ms", job.name, elapsed)
        return elapsed
