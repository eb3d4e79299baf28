-- Time to response by diagnosis x treatment x instrument: of the persons with a baseline and at least
-- one later measurement within 26 weeks (182 days), how many responded (PASI75, or the instrument's
-- MCID) and after how many days the first response came (median over responders, interpolated ranks).
WITH m AS (
    -- A score is never changed once recorded, and each is exported exactly once (a repeated run
    -- rewrites the same batch), so measurements need no "latest batch" step (1M rows: half the time).
    SELECT person_id, measurement_id, measurement_date, measurement_source_value AS instrument,
           value_as_number AS value
    FROM measurement
    WHERE value_as_number IS NOT NULL
),
cond AS (
    SELECT person_id, condition_source_value AS condition_code
    FROM (
        SELECT person_id, condition_source_value,
               ROW_NUMBER() OVER (PARTITION BY person_id
                                  ORDER BY condition_start_date, condition_occurrence_id) AS first_rank
        FROM (
            SELECT condition_occurrence.*,
                   ROW_NUMBER() OVER (PARTITION BY condition_occurrence_id ORDER BY batch DESC) AS version_rank
            FROM condition_occurrence
        ) latest
        WHERE version_rank = 1 AND condition_status_source_value <> 'entered-in-error'
    ) ranked
    WHERE first_rank = 1
),
drug AS (
    SELECT person_id, drug_source_value AS treatment
    FROM (
        SELECT person_id, drug_source_value,
               ROW_NUMBER() OVER (PARTITION BY person_id
                                  ORDER BY drug_exposure_start_date, drug_exposure_id) AS first_rank
        FROM (
            SELECT drug_exposure.*,
                   ROW_NUMBER() OVER (PARTITION BY drug_exposure_id ORDER BY batch DESC) AS version_rank
            FROM drug_exposure
        ) latest
        WHERE version_rank = 1 AND COALESCE(stop_reason, '') <> 'entered-in-error'
    ) ranked
    WHERE first_rank = 1
),
baseline AS (
    SELECT person_id, instrument, measurement_date AS baseline_date, value AS baseline
    FROM (
        SELECT m.*, ROW_NUMBER() OVER (PARTITION BY person_id, instrument
                                       ORDER BY measurement_date, measurement_id) AS first_rank
        FROM m
    ) ranked
    WHERE first_rank = 1 AND value > 0
),
later AS (
    SELECT b.person_id, b.instrument,
           date_diff('day', b.baseline_date, m.measurement_date) AS days,
           CASE
               WHEN b.instrument = 'PASI' THEN CAST(m.value <= 0.25E0 * b.baseline AS INTEGER)
               ELSE CAST(b.baseline - m.value >= CASE b.instrument WHEN 'EASI' THEN 6.6E0 WHEN 'IGA' THEN 2.0E0
                                                     WHEN 'DLQI' THEN 4.0E0 ELSE 3.0E0 END AS INTEGER)
           END AS responded
    FROM baseline b
    JOIN m ON m.person_id = b.person_id AND m.instrument = b.instrument
    WHERE date_diff('day', b.baseline_date, m.measurement_date) BETWEEN 1 AND 182
),
per_person AS (
    SELECT l.person_id, l.instrument, c.condition_code, d.treatment,
           MIN(CASE WHEN l.responded = 1 THEN l.days END) AS days_to_response
    FROM later l
    JOIN cond c ON c.person_id = l.person_id
    JOIN drug d ON d.person_id = l.person_id
    GROUP BY l.person_id, l.instrument, c.condition_code, d.treatment
),
counts AS (
    SELECT condition_code, treatment, instrument, COUNT(*) AS n, COUNT(days_to_response) AS responders
    FROM per_person
    GROUP BY condition_code, treatment, instrument
),
ranked AS (
    SELECT condition_code, treatment, instrument, CAST(days_to_response AS DOUBLE) AS days,
           ROW_NUMBER() OVER (PARTITION BY condition_code, treatment, instrument ORDER BY days_to_response) AS position,
           COUNT(*) OVER (PARTITION BY condition_code, treatment, instrument) AS k
    FROM per_person
    WHERE days_to_response IS NOT NULL
),
medians AS (
    SELECT condition_code, treatment, instrument, k,
           MAX(CASE WHEN position = FLOOR((k - 1) * 0.5E0) + 1 THEN days END) AS median_low,
           MAX(CASE WHEN position = CEIL((k - 1) * 0.5E0) + 1 THEN days END) AS median_high
    FROM ranked
    GROUP BY condition_code, treatment, instrument, k
)
SELECT c.condition_code, c.treatment, c.instrument, c.n, c.responders,
       CAST(c.responders AS DOUBLE) / CAST(c.n AS DOUBLE) AS responder_share,
       md.median_low + ((md.k - 1) * 0.5E0 - FLOOR((md.k - 1) * 0.5E0)) * (md.median_high - md.median_low)
           AS median_days_to_response
FROM counts c
LEFT JOIN medians md
    ON md.condition_code = c.condition_code AND md.treatment = c.treatment AND md.instrument = c.instrument
ORDER BY c.condition_code, c.treatment, c.instrument
