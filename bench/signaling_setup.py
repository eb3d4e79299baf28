"""Setting up signaling benchmarks through the app's own services (never by writing its tables),
except for bulk rows of OTHER connections, which only have to exist."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import Any

from functions.shared.auth import Principal
from local.seed import DemoAccount


def sign_in(account: DemoAccount) -> Principal:
    """The principal the app sees for an account, through a real Cognito sign-in."""
    from functions.bootstrap import get_container

    container = get_container()
    session = container.sessions.sign_in(account.username, account.password)
    principal: Principal = container.token_verifier.verify(session["accessToken"])
    return principal


def open_case(patient_id: str, doctor_id: str, condition: str = "Atopic dermatitis") -> str:
    """A case owned by the patient with the doctor assigned (as local.seed does); returns its id."""
    from functions.bootstrap import get_container

    container = get_container()
    record = container.cases.create_record(patient_id, condition, ["left forearm"], None)
    container.access.open_case(record.case_id, patient_id, [doctor_id], granted_by=doctor_id)
    return str(record.case_id)


def active_room(patient: Principal, doctor: Principal, case_id: str) -> str:
    """The patient asks for a visit, the doctor admits it: an ACTIVE room; returns its id."""
    from functions.bootstrap import get_container

    visits = get_container().visits
    room_id = str(visits.request(patient, case_id)["roomId"])
    admitted = visits.admit(doctor, room_id)
    assert admitted["status"] == "active", admitted
    return room_id


def other_connection_rows(start: int, stop: int) -> Iterator[dict[str, Any]]:
    """Rows shaped like the app's ConnectionModel, two per room, none in a measured room."""
    now = time.time()
    for index in range(start, stop):
        yield {
            "connectionId": {"S": other_connection_id(index)},
            "userId": {"S": f"user-{index:07d}"},
            "username": {"S": f"user.{index}"},
            "roles": {"S": "patient" if index % 2 == 0 else "doctor"},
            "connectedAt": {"S": "2026-01-01T00:00:00+00:00"},
            "roomId": {"S": f"other-room-{index // 2:07d}-padding"},
            "tat": {"N": f"{now:.3f}"},
            "expiresAtEpoch": {"N": str(int(now) + 7800)},
        }


def other_connection_id(index: int) -> str:
    return f"other-{index:07d}="


def quiet_app_logs() -> None:
    """The app logs every connect at INFO and writes its metrics (EMF) to stdout; benchmarks print
    their own lines there: progress, then one JSON line."""
    from functions.shared.observability import get_logger
    from functions.shared.settings import reset_settings

    get_logger().setLevel("WARNING")
    os.environ["METRICS_SINK"] = "none"
    reset_settings()
