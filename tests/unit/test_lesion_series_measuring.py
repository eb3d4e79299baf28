"""The local stack measures a lesion's series after the request that set its baseline has answered:
on a worker thread, one lesion at a time, a failure logged and never raised into the caller."""

from __future__ import annotations

import threading

import pytest

from functions.lesionmetrics.adapters import BackgroundSeriesMeasuring


def test_the_series_is_measured_off_the_callers_thread_one_at_a_time() -> None:
    started = threading.Event()
    release = threading.Event()
    done = threading.Event()
    calls: list[tuple[str, str, str]] = []

    def measure(case_id: str, lesion_id: str) -> str:
        calls.append((case_id, lesion_id, threading.current_thread().name))
        if len(calls) == 1:
            started.set()
            assert release.wait(5)
        else:
            done.set()
        return "measured=1"

    measuring = BackgroundSeriesMeasuring(measure)
    measuring.measure_lesion("c1", "l1")  # returns at once, though the first measuring is held
    assert started.wait(5)
    measuring.measure_lesion("c1", "l2")
    assert not done.wait(0.2)  # the second waits for the first: one worker
    release.set()
    assert done.wait(5)
    assert [(c, lesion) for c, lesion, _ in calls] == [("c1", "l1"), ("c1", "l2")]
    assert all(name != threading.current_thread().name for _, _, name in calls)


def test_a_failed_measuring_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    finished = threading.Event()

    def broken(case_id: str, lesion_id: str) -> str:
        finished.set()
        raise RuntimeError("the bucket is gone")

    measuring = BackgroundSeriesMeasuring(broken)
    with caplog.at_level("ERROR"):
        measuring.measure_lesion("c1", "l1")
        assert finished.wait(5)
        for _ in range(50):
            if "lesion series measuring failed" in caplog.text:
                break
            threading.Event().wait(0.05)
    assert "lesion series measuring failed" in caplog.text
    assert "c1" not in caplog.text and "l1" not in caplog.text  # ids stay out of the log
