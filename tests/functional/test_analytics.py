"""Analytics through the app and moto: the cohort reference and clinic routes (roles, ownership,
audit, small-cell suppression), and the export from DynamoDB into the lake bucket (no PHI)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import boto3
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from functions.analytics.deid import Deidentifier
from functions.analytics.ports import ReferenceCell
from functions.bootstrap import get_container, reset_container
from functions.shared.auth import Principal, Role
from functions.shared.request_context import RequestSource
from functions.shared.tables import ANALYTICS_REFERENCE
from local.cohort import DEMO_HISTORIES, give_demo_cases_history, load_cohort, refresh_analytics
from tests.functional.conftest import REGION, World

KEY = "functional-lake-key-0123456789abcdef"
PREFIX = "L40.0#calcipotriol/betamethasone#PASI#10-20#"


@pytest.fixture
def lake(world: World, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> World:
    monkeypatch.setenv("LAKE_BUCKET", "lake")
    monkeypatch.setenv("LAKE_PSEUDONYM_KEY", KEY)
    monkeypatch.setenv("LAKE_MIRROR_DIR", str(tmp_path / "mirror"))
    monkeypatch.setenv("LAKE_FIRST_DAY", datetime.now(UTC).date().isoformat())
    # moto walks the whole table for each index Query (the export's change feed), as in the local stack.
    monkeypatch.setenv("DYNAMODB_READ_TIMEOUT_SECONDS", "60")
    boto3.client("s3", region_name=REGION, endpoint_url=world.endpoint).create_bucket(
        Bucket="lake", CreateBucketConfiguration={"LocationConstraint": REGION})
    reset_container()
    container = get_container()
    cases = container.case_store.get_many([world.cases["a"], world.cases["b"]])
    for case in cases:  # case a: the psoriasis history; case b: atopic dermatitis on emollients
        case_user = "pat.alex" if case.case_id == world.cases["a"] else "pat.blair"
        give_demo_cases_history(container, [case], {case_user: case.patient_id},
                                {case_user: world.users["dr.one" if case_user == "pat.alex" else "dr.two"].user_id})
    assert {"pat.alex", "pat.blair"} <= set(DEMO_HISTORIES)
    return world


def _nightly_cells(weeks: dict[int, int]) -> list[ReferenceCell]:
    """What the nightly run would keep for the demo case's cell (its own computation: unit tests)."""
    get_container().bind(ANALYTICS_REFERENCE)
    cells = []
    for week, n in weeks.items():
        labels = {"condition_code": "L40.0", "treatment": "calcipotriol/betamethasone", "instrument": "PASI",
                  "baseline_band": "10-20", "week": week}
        figures = {**labels, "suppressed": True} if n < 11 else {
            **labels, "n": n, "median_change_pct": -52.0, "q1_change_pct": -68.5, "q3_change_pct": -31.0,
            "responder_share": 0.35, "suppressed": False}
        cells.append(ReferenceCell("outcomes", f"{PREFIX}{week:02d}", figures))
    return cells


def test_the_case_doctor_reads_the_cohort_reference_other_doctors_get_404(lake: World) -> None:
    from functions.analytics.adapters import DynamoReferenceStore

    cells = _nightly_cells({4: 9, 8: 25, 12: 37, 24: 12})
    DynamoReferenceStore().replace("outcomes", cells, "2026-12-01T02:30:00+00:00")
    response = lake.request("GET", f"/cases/{lake.cases['a']}/cohort-reference", "dr.one")
    assert response.status_code == 200, response.body
    body = response.json_body
    assert body["status"] == "available" and body["observational"] is True and body["minCell"] == 11
    assert body["condition"]["code"] == "L40.0" and body["treatment"] == "calcipotriol/betamethasone"
    assert body["instrument"] == "PASI" and body["baseline"] == {"total": 14.2, "band": "10-20", "bandLabel": "10-20"}
    weeks = {week["week"]: week for week in body["weeks"]}
    assert weeks[4] == {"week": 4, "suppressed": True}  # n = 9: no figures at all, not even n
    assert weeks[12]["n"] == 37 and weeks[12]["medianChangePercent"] == -52.0 and not weeks[12]["suppressed"]
    assert "observational" in body["note"].lower()

    for user in ("dr.two", "dr.three"):  # not this case's doctors
        refused = lake.request("GET", f"/cases/{lake.cases['a']}/cohort-reference", user)
        assert refused.status_code == 404 and refused.json_body["error"]["code"] == "case_not_found"
    assert lake.request("GET", f"/cases/{lake.cases['a']}/cohort-reference", "pat.a").status_code == 403
    assert lake.request("GET", f"/cases/{lake.cases['a']}/cohort-reference", "ops").status_code == 403

    trail = get_container().audit.for_patient(_admin(lake), lake.users["pat.a"].user_id, 50, None, _source())
    actions = [(entry["action"], entry["outcome"]) for entry in trail["items"]]
    assert ("analytics.cohort_reference", "success") in actions
    assert ("analytics.cohort_reference", "denied") in actions


def test_a_cell_under_11_shows_no_figures(lake: World) -> None:
    from functions.analytics.adapters import DynamoReferenceStore

    DynamoReferenceStore().replace("outcomes", _nightly_cells({4: 3, 8: 5, 12: 10, 24: 2}), "2026-12-01T02:30:00+00:00")
    body = lake.request("GET", f"/cases/{lake.cases['a']}/cohort-reference", "dr.one").json_body
    assert body["status"] == "suppressed"
    assert all(week == {"week": week["week"], "suppressed": True} for week in body["weeks"])
    # Case b: emollients alone, nothing in the table for it at all: suppressed too.
    other = lake.request("GET", f"/cases/{lake.cases['b']}/cohort-reference", "dr.two").json_body
    assert other["status"] == "suppressed" and other["treatment"] == "emollients"


def test_bad_case_ids_are_refused(lake: World) -> None:
    response = lake.request("GET", "/cases/not a case!/cohort-reference", "dr.one")
    assert response.status_code == 400 and response.json_body["error"]["code"]


def test_export_from_dynamodb_carries_no_phi_and_the_nightly_run_fills_the_clinic_page(lake: World) -> None:
    container = get_container()
    clinic = load_cohort(container.cognito, lake.pool_id, container, end=date(2026, 11, 30), patients=30)
    report = container.lake_export.run(lag_seconds=0)
    assert report.batch == 1 and report.rows["person"] == 32  # 30 synthetic patients + the two demo cases

    s3 = boto3.client("s3", region_name=REGION, endpoint_url=lake.endpoint)
    keys = [item["Key"] for item in s3.list_objects_v2(Bucket="lake")["Contents"]]
    blob_parts = []
    deid = Deidentifier(KEY.encode())
    measurement_dates: dict[int, list[date]] = {}
    for key in keys:
        data = s3.get_object(Bucket="lake", Key=key)["Body"].read()
        blob_parts.extend([key, data.decode("latin-1")])
        if key.endswith(".parquet"):
            table = pq.read_table(pa.BufferReader(data)).to_pylist()
            blob_parts.extend(str(value) for row in table for value in row.values())
            if "/measurement/" in key:
                for row in table:
                    measurement_dates.setdefault(row["person_id"], []).append(row["measurement_date"])
    blob = "\n".join(blob_parts)
    for patient, user_id, case_id in clinic:
        for secret in (patient.name, patient.username, patient.note, patient.birth_date, patient.regimen.drug_text,
                       f"Follow-up for {patient.name}", user_id, case_id):
            assert secret not in blob, secret
        real = sorted(date.fromisoformat(score.at[:10]) for score in patient.scores)
        shown = sorted(measurement_dates[deid.pseudonym("person", user_id)])
        offsets = {(a - b).days for a, b in zip(real, shown, strict=True)}
        assert len(offsets) == 1 and 1 <= offsets.pop() <= 365
    for user in lake.users.values():
        assert user.username not in blob and user.user_id not in blob

    # Nothing new: the next run reads the (empty) change index only.
    assert container.lake_export.run(lag_seconds=0).batch is None
    cells = refresh_analytics(container)
    assert cells["outcomes"] > 0 and cells["adherence"] > 0
    page = lake.request("GET", "/analytics/clinic", "dr.three")
    assert page.status_code == 200 and page.json_body["observational"] is True
    assert all(not cell["suppressed"] and cell["persons"] >= 11 for cell in page.json_body["adherence"])
    assert lake.request("GET", "/analytics/clinic", "pat.a").status_code == 403


def _admin(world: World) -> Principal:
    return Principal(user_id=world.users["ops"].user_id, username="ops", roles=frozenset({Role.ADMIN}))


def _source() -> RequestSource:
    return RequestSource("test", "127.0.0.1")
