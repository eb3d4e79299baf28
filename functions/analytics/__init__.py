"""Treatment analytics: the de-identified data lake (OMOP CDM v5.4 in Parquet), the nightly
analyses over it, and the cohort references doctors read."""
