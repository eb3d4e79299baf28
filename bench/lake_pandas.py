"""The outcome analysis computed with pandas from the lake's Parquet files: an implementation
independent of the SQL (tests compare the two on the synthetic clinic; bench.analytics times both)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

MCID = {"EASI": 6.6, "IGA": 2.0, "DLQI": 4.0, "POEM": 3.0, "ITCH_NRS": 3.0}
CELL = ["condition_code", "treatment", "instrument", "baseline_band", "week"]


def read_table(root: Path, table: str) -> pd.DataFrame:
    frames = []
    for path in sorted((root / "omop" / table).glob("batch=*/*.parquet")):
        frame = pd.read_parquet(path)
        frame["batch"] = int(path.parent.name.split("=")[1])
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def _latest(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    return frame.sort_values("batch", kind="stable").drop_duplicates(key, keep="last")


def _first(frame: pd.DataFrame, by: list[str], order: list[str]) -> pd.DataFrame:
    return frame.sort_values(by + order, kind="stable").drop_duplicates(by, keep="first")


def person_context(root: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    conditions = _latest(read_table(root, "condition_occurrence"), "condition_occurrence_id")
    conditions = conditions[conditions["condition_status_source_value"] != "entered-in-error"]
    conditions["condition_start_date"] = pd.to_datetime(conditions["condition_start_date"])
    cond = _first(conditions, ["person_id"], ["condition_start_date", "condition_occurrence_id"])
    cond = cond[["person_id", "condition_source_value"]].rename(columns={"condition_source_value": "condition_code"})
    drugs = _latest(read_table(root, "drug_exposure"), "drug_exposure_id")
    drugs = drugs[drugs["stop_reason"].fillna("") != "entered-in-error"]
    drugs["drug_exposure_start_date"] = pd.to_datetime(drugs["drug_exposure_start_date"])
    drug = _first(drugs, ["person_id"], ["drug_exposure_start_date", "drug_exposure_id"])
    drug = drug[["person_id", "drug_source_value"]].rename(columns={"drug_source_value": "treatment"})
    return cond, drug


def measurements(root: Path) -> pd.DataFrame:
    m = read_table(root, "measurement")  # scores are immutable and exported once (see outcomes.sql)
    m = m[m["value_as_number"].notna()]
    m = m.rename(columns={"measurement_source_value": "instrument", "value_as_number": "value"})
    m["measurement_date"] = pd.to_datetime(m["measurement_date"])
    return m[["person_id", "measurement_id", "measurement_date", "instrument", "value"]]


def baselines(m: pd.DataFrame) -> pd.DataFrame:
    base = _first(m, ["person_id", "instrument"], ["measurement_date", "measurement_id"])
    base = base[base["value"] > 0]
    return base.rename(columns={"measurement_date": "baseline_date", "value": "baseline"})[
        ["person_id", "instrument", "baseline_date", "baseline"]]


def responded(frame: pd.DataFrame) -> pd.Series:
    mcid = frame["instrument"].map(MCID).fillna(3.0)
    pasi = frame["value"] <= 0.25 * frame["baseline"]
    other = (frame["baseline"] - frame["value"]) >= mcid
    return (frame["instrument"].eq("PASI") & pasi) | (~frame["instrument"].eq("PASI") & other)


def outcomes(root: Path) -> pd.DataFrame:
    m = measurements(root)
    cond, drug = person_context(root)
    base = baselines(m)
    joined = m.merge(base, on=["person_id", "instrument"])
    joined["days"] = (joined["measurement_date"] - joined["baseline_date"]).dt.days
    weeks = []
    for week in (4, 8, 12, 24):
        frame = joined.assign(week=week, distance=(joined["days"] - 7 * week).abs())
        frame = frame[frame["distance"] <= 14]
        weeks.append(_first(frame, ["person_id", "instrument", "week"], ["distance", "measurement_date",
                                                                          "measurement_id"]))
    at_week = pd.concat(weeks, ignore_index=True).merge(cond, on="person_id").merge(drug, on="person_id")
    band = pd.Series("all", index=at_week.index)
    scored = at_week["instrument"].isin(["PASI", "EASI"])
    band[scored & (at_week["baseline"] < 10)] = "lt10"
    band[scored & (at_week["baseline"] >= 10) & (at_week["baseline"] <= 20)] = "10-20"
    band[scored & (at_week["baseline"] > 20)] = "gt20"
    at_week["baseline_band"] = band
    at_week["change_pct"] = 100.0 * (at_week["value"] - at_week["baseline"]) / at_week["baseline"]
    at_week["responded"] = responded(at_week).astype(float)
    grouped = at_week.groupby(CELL)
    result = grouped.agg(n=("change_pct", "size"), responder_share=("responded", "mean"))
    quantiles = grouped["change_pct"].quantile([0.25, 0.5, 0.75]).unstack()
    result["q1_change_pct"] = quantiles[0.25]
    result["median_change_pct"] = quantiles[0.5]
    result["q3_change_pct"] = quantiles[0.75]
    return result.reset_index().sort_values(CELL, kind="stable").reset_index(drop=True)
