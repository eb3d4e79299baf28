"""The lake export's de-identification and determinism, and the analyses' SQL: parsed as Trino and as
DuckDB, run in DuckDB over the exported synthetic clinic, and checked against pandas."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
import sqlglot

from bench.lake_pandas import CELL, baselines, measurements, outcomes, person_context, read_table, responded
from functions.analytics.analyses import MIN_CELL, cells_of
from functions.analytics.deid import Deidentifier
from functions.analytics.engine import ANALYSES, DuckDbEngine, sql_text
from functions.analytics.export import LakeExport
from functions.analytics.synthetic import cohort
from functions.analytics.vocabulary import treatment_of
from tests.support.lake import KEY, Feed, MemoryLake, add_patient, synthetic_export


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, MemoryLake, list]:  # type: ignore[type-arg]
    export, _, lake, clinic = synthetic_export()
    report = export.run()
    assert report.batch == 1 and report.changes > 10_000
    root = tmp_path_factory.mktemp("lake")
    lake.write_to(root)
    return root, lake, clinic


# --- de-identification ----------------------------------------------------------------------------
def test_pseudonyms_are_keyed_and_stable() -> None:
    one, other = Deidentifier(KEY), Deidentifier(b"another-key-0123456789abcdef")
    assert one.pseudonym("person", "u1") == one.pseudonym("person", "u1")
    assert one.pseudonym("person", "u1") != one.pseudonym("person", "u2")
    assert one.pseudonym("person", "u1") != other.pseudonym("person", "u1")
    assert 0 < one.pseudonym("person", "u1") < 2**63
    with pytest.raises(ValueError):
        Deidentifier(b"short")


def test_dates_shift_per_person_and_keep_intervals() -> None:
    deid = Deidentifier(KEY)
    shifts = {deid.shift_days(f"user-{n}") for n in range(200)}
    assert all(1 <= shift <= 365 for shift in shifts) and len(shifts) > 100
    first, later = deid.shifted("u", "2026-03-01T10:00:00Z"), deid.shifted("u", "2026-04-12")
    assert (later - first).days == 42 and first != date(2026, 3, 1)


def test_ages_over_89_are_grouped() -> None:
    as_of = date(2026, 6, 1)
    assert Deidentifier.year_of_birth("1940-01-01", as_of) == 1940  # 86
    assert Deidentifier.year_of_birth("1936-07-01", as_of) == 1936  # 89
    assert Deidentifier.year_of_birth("1930-01-01", as_of) == 1936  # 96: in the 90+ group
    assert Deidentifier.year_of_birth("1920-05-05", as_of) == 1936
    assert Deidentifier.year_of_birth(None, as_of) is None


def test_free_text_drug_names_never_pass() -> None:
    assert treatment_of("Calcipotriol/betamethasone gel") == "calcipotriol/betamethasone"
    assert treatment_of("Dupixent 300 mg") == "dupilumab"
    assert treatment_of("Grandma's ointment for Alex Morgan") == "other"


def test_no_name_username_free_text_or_exact_date_in_any_exported_file(exported: tuple) -> None:  # type: ignore[type-arg]
    root, lake, clinic = exported
    texts = []
    for key, data in lake.objects.items():
        if not key.endswith(".parquet"):
            continue
        table = pq.read_table(root / key)
        texts.append(key)
        for column in table.column_names:
            texts.extend(str(value) for value in table.column(column).to_pylist())
        texts.append(data.decode("latin-1"))  # the raw bytes too (metadata, dictionary pages)
    blob = "\n".join(texts)
    for patient in clinic:
        for secret in (patient.name, patient.username, patient.note, patient.birth_date, patient.condition_text,
                       patient.regimen.drug_text):
            assert secret not in blob, secret
        family = patient.name.split(" ")[1]
        assert family not in blob
        # Exported dates are shifted: each of this patient's measurements sits 1-365 days before the
        # real one, the same offset for all of them (intervals kept), never on the real day.
        real = sorted(date.fromisoformat(score.at[:10]) for score in patient.scores)
        shown = sorted(_person_dates(root, patient.number))
        offsets = {(actual - exported_day).days for actual, exported_day in zip(real, shown, strict=True)}
        assert len(offsets) == 1 and 1 <= offsets.pop() <= 365


def _person_dates(root: Path, number: int) -> list[date]:
    person_id = Deidentifier(KEY).pseudonym("person", f"user-{number:04d}")
    frame = read_table(root, "measurement")
    rows = frame[frame["person_id"] == person_id]
    return [pd.Timestamp(value).date() for value in rows["measurement_date"]]


def test_a_rerun_over_the_same_data_writes_the_same_files(exported: tuple) -> None:  # type: ignore[type-arg]
    _, lake, _ = exported
    export, _, again, _ = synthetic_export()
    export.run()
    assert again.objects == lake.objects


def test_a_run_reads_only_what_changed_since_the_last() -> None:
    export, sources, lake, _ = synthetic_export(patients=60)
    first = export.run()
    assert export.run().batch is None  # nothing new

    newcomer = cohort(date(2026, 11, 30), 61)[-1]
    before = len(sources.changes)
    add_patient(sources, newcomer, "2026-12-01")  # written the next day
    sources.read = 0
    next_day = LakeExport(Feed(sources), sources, sources, lake, Deidentifier(KEY), "2026-11-30",
                          lambda: datetime(2026, 12, 1, 23, 0, tzinfo=UTC).timestamp())
    second = next_day.run()
    assert second.batch == 2 and second.changes == len(sources.changes) - before
    assert second.items_read < first.items_read / 20
    assert any(key.startswith("omop/measurement/batch=000002/") for key in lake.objects)


# --- SQL: one text, both dialects, DuckDB vs pandas -----------------------------------------------
@pytest.mark.parametrize("name", ANALYSES)
@pytest.mark.parametrize("dialect", ["trino", "duckdb"])
def test_each_analysis_parses_as_both_dialects(name: str, dialect: str) -> None:
    parsed = sqlglot.parse_one(sql_text(name), read=dialect, error_level=sqlglot.ErrorLevel.RAISE)
    assert parsed.find(sqlglot.exp.Select) is not None
    # Functions only one engine knows are not used (each has a portable replacement here).
    # DuckDB's `row(...)` (a struct, ordered field by field like Trino's ROW) is the one function
    # sqlglot's DuckDB reader leaves unnamed; both engines document it.
    unnamed = {node.name.upper() for node in parsed.find_all(sqlglot.exp.Anonymous)}
    assert unnamed <= {"ROW"}, unnamed
    used = {type(node).__name__ for node in parsed.find_all(sqlglot.exp.Func)}
    assert not used & {"Median", "Quantile", "PercentileCont", "ApproxQuantile"}, used


def test_outcomes_in_duckdb_equal_pandas(exported: tuple) -> None:  # type: ignore[type-arg]
    root = exported[0]
    duck = pd.DataFrame(DuckDbEngine(root).run(sql_text("outcomes"))).sort_values(CELL).reset_index(drop=True)
    expected = outcomes(root)
    assert len(duck) == len(expected) > 100
    assert (duck[CELL].astype(str).values == expected[CELL].astype(str).values).all()
    assert (duck["n"].values == expected["n"].values).all()
    for column in ("q1_change_pct", "median_change_pct", "q3_change_pct", "responder_share"):
        assert duck[column].values == pytest.approx(expected[column].values, abs=1e-9), column
    # The demo doctor's cell (L40.0, PASI 10-20, calcipotriol/betamethasone, week 12) is large enough.
    cell = duck[(duck.condition_code == "L40.0") & (duck.treatment == "calcipotriol/betamethasone")
                & (duck.instrument == "PASI") & (duck.baseline_band == "10-20") & (duck.week == 12)]
    assert int(cell["n"].iloc[0]) >= MIN_CELL and float(cell["median_change_pct"].iloc[0]) < -20


def test_time_to_response_in_duckdb_equals_pandas(exported: tuple) -> None:  # type: ignore[type-arg]
    root = exported[0]
    duck = pd.DataFrame(DuckDbEngine(root).run(sql_text("response")))
    m = measurements(root)
    cond, drug = person_context(root)
    joined = m.merge(baselines(m), on=["person_id", "instrument"])
    joined["days"] = (joined["measurement_date"] - joined["baseline_date"]).dt.days
    joined = joined[(joined["days"] >= 1) & (joined["days"] <= 182)].copy()
    joined["ok"] = responded(joined)
    per = joined.groupby(["person_id", "instrument"]).apply(
        lambda g: g.loc[g["ok"], "days"].min(), include_groups=False).rename("days_to_response").reset_index()
    per = per.merge(cond, on="person_id").merge(drug, on="person_id")
    keys = ["condition_code", "treatment", "instrument"]
    expected = per.groupby(keys).agg(n=("person_id", "size"), responders=("days_to_response", "count"),
                                     median=("days_to_response", "median")).reset_index()
    merged = duck.merge(expected, on=keys)
    assert len(merged) == len(duck) == len(expected)
    assert (merged["n_x"] == merged["n_y"]).all() and (merged["responders_x"] == merged["responders_y"]).all()
    both = merged.dropna(subset=["median"])
    assert both["median_days_to_response"].values == pytest.approx(both["median"].values)


def test_adherence_in_duckdb_equals_pandas(exported: tuple) -> None:  # type: ignore[type-arg]
    root = exported[0]
    duck = pd.DataFrame(DuckDbEngine(root).run(sql_text("adherence"))).set_index("condition_code")
    cond, _ = person_context(root)
    follow = read_table(root, "followup_adherence")
    follow = follow[follow["status"] != "cancelled"]
    period = read_table(root, "observation_period").groupby("person_id")["observation_period_end_date"].max()
    follow = follow[pd.to_datetime(follow["due_date"]) <= pd.to_datetime(follow["person_id"].map(period))]
    photos = read_table(root, "photo_series")
    photos = photos[~photos["removed"]]
    contacts = pd.concat([
        read_table(root, "measurement")[["person_id", "measurement_date"]].set_axis(["person_id", "d"], axis=1),
        photos[["person_id", "photo_date"]].set_axis(["person_id", "d"], axis=1),
        read_table(root, "visit_occurrence")[["person_id", "visit_start_date"]].set_axis(["person_id", "d"], axis=1),
    ])
    contacts["d"] = pd.to_datetime(contacts["d"])
    pairs = follow.merge(contacts, on="person_id", how="left")
    pairs["gap"] = (pairs["d"] - pd.to_datetime(pairs["due_date"])).dt.days
    kept = pairs.assign(on=pairs["gap"].between(-3, 7)).groupby("followup_id").agg(
        person_id=("person_id", "first"), on=("on", "max"))
    kept = kept.merge(cond, on="person_id")
    share = kept.groupby("condition_code")["on"].mean()
    photos = photos.merge(cond, on="person_id")
    photos["photo_date"] = pd.to_datetime(photos["photo_date"])
    photos = photos.sort_values(["person_id", "photo_date"])
    photos["gap"] = photos.groupby("person_id")["photo_date"].diff().dt.days
    cadence = photos.dropna(subset=["gap"]).groupby("condition_code")["gap"].median()
    assert duck["kept_on_time_share"].to_dict() == pytest.approx(share.to_dict())
    assert duck["median_photo_interval_days"].to_dict() == pytest.approx(cadence.to_dict())
    assert duck["followups_due"].to_dict() == kept.groupby("condition_code").size().to_dict()


def test_small_cells_keep_no_figures() -> None:
    rows = [{"condition_code": "L20.9", "treatment": "emollients", "instrument": "EASI", "baseline_band": "10-20",
             "week": 12, "n": 10, "median_change_pct": -30.0, "q1_change_pct": -40.0, "q3_change_pct": -10.0,
             "responder_share": 0.3},
            {"condition_code": "L40.0", "treatment": "methotrexate", "instrument": "PASI", "baseline_band": "gt20",
             "week": 12, "n": 11, "median_change_pct": -61.234, "q1_change_pct": -70.0, "q3_change_pct": -40.0,
             "responder_share": 0.4}]
    small, large = cells_of("outcomes", rows)
    assert small.cell == "L20.9#emollients#EASI#10-20#12"
    assert small.figures == {"condition_code": "L20.9", "treatment": "emollients", "instrument": "EASI",
                             "baseline_band": "10-20", "week": 12, "suppressed": True}
    assert large.figures["median_change_pct"] == -61.23 and large.figures["n"] == 11
