"""Many appenders on ONE audit chain at once, against moto's DynamoDB.

One patient's entries always go to one chain, so a burst about one patient (a doctor opening the
case page while the patient uploads and scores, the page firing its reads in parallel) contends on
one chain whatever the number of chains. Every request must still get its entry, and the chain
must stay one gapless, verifiable sequence.
"""

from __future__ import annotations

import threading
import time

import pytest

from functions.audit.adapters import DynamoAuditStore
from functions.audit.chain import AuditEntry, AuditEvent, Outcome
from functions.audit.service import AuditTrail
from functions.bootstrap import get_container
from tests.functional.conftest import World
from tests.functional.emr_support import provision_emr

APPENDERS = 16  # concurrent requests about one patient (each its own container: own cached tail); the
# code before the back-off failed this 3 times in 3; 24 x 4 outgrew the 8 s budget on a loaded 2-core CI run
APPENDS_EACH = 3


def read_by(writer: int, n: int) -> AuditEvent:
    return AuditEvent(actor_id=f"dr-{writer}", role="doctor", action="record.read", resource_type="record",
                      resource_id=f"dx_{writer}_{n}", outcome=Outcome.SUCCESS, patient_id="pat-busy",
                      case_id="case_busy")


def test_concurrent_appenders_on_one_chain_all_get_their_entry(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    provision_emr(world, monkeypatch)
    container = get_container()
    shared = container.audit
    # One trail per appender: separate containers, each with its own cached chain tail.
    trails = [AuditTrail(DynamoAuditStore(), None, len(shared.chains)) for _ in range(APPENDERS)]
    written: list[AuditEntry] = []
    failures: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(APPENDERS)

    def append(writer: int) -> None:
        start.wait()
        for n in range(APPENDS_EACH):
            try:
                entry = trails[writer].record(read_by(writer, n))
            except Exception as error:  # every failure is the finding
                with lock:
                    failures.append(error)
                continue
            with lock:
                written.append(entry)

    threads = [threading.Thread(target=append, args=(n,)) for n in range(APPENDERS)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started

    assert not failures, f"{len(failures)} appends failed in {elapsed:.1f} s: {failures[:3]}"
    total = APPENDERS * APPENDS_EACH
    assert len(written) == total
    chain = written[0].chain
    assert {e.chain for e in written} == {chain}
    assert sorted(e.seq for e in written) == list(range(1, total + 1))
    report = shared.verify([chain], use_anchors=False)
    assert report.ok and report.chains[0].entries == total, report.view()
