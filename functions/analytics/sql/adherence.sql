-- Adherence by diagnosis: follow-ups kept on time, and the photo cadence.
-- A follow-up counts once its due date is within the person's observation period (dates are shifted
-- per person, so "today" differs per person: the period's end is the person's latest exported change).
-- Kept on time: a measurement, a photo or a video visit from 3 days before to 7 days after the due date.
-- Photo cadence: days between a person's consecutive photos, median per diagnosis (interpolated ranks).
WITH cond AS (
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
period AS (
    SELECT person_id, MAX(observation_period_end_date) AS observed_until
    FROM observation_period
    GROUP BY person_id
),
photos AS (
    SELECT person_id, photo_date
    FROM (
        SELECT photo_series.*,
               ROW_NUMBER() OVER (PARTITION BY photo_id ORDER BY batch DESC) AS version_rank
        FROM photo_series
    ) latest
    WHERE version_rank = 1 AND NOT removed
),
contacts AS (
    SELECT person_id, measurement_date AS contact_date FROM measurement
    UNION ALL
    SELECT person_id, photo_date FROM photos
    UNION ALL
    SELECT person_id, visit_start_date FROM visit_occurrence
),
due AS (
    SELECT f.followup_id, f.person_id, f.due_date
    FROM (
        SELECT followup_adherence.*,
               ROW_NUMBER() OVER (PARTITION BY followup_id ORDER BY batch DESC) AS version_rank
        FROM followup_adherence
    ) f
    JOIN period p ON p.person_id = f.person_id
    WHERE f.version_rank = 1 AND f.status <> 'cancelled' AND f.due_date <= p.observed_until
),
kept AS (
    SELECT d.followup_id, d.person_id,
           MAX(CASE WHEN c.contact_date IS NULL THEN 0 ELSE 1 END) AS on_time
    FROM due d
    LEFT JOIN contacts c
        ON c.person_id = d.person_id
       AND date_diff('day', d.due_date, c.contact_date) BETWEEN -3 AND 7
    GROUP BY d.followup_id, d.person_id
),
followups AS (
    SELECT c.condition_code, COUNT(DISTINCT k.person_id) AS persons, COUNT(*) AS followups_due,
           AVG(CAST(k.on_time AS DOUBLE)) AS kept_on_time_share
    FROM kept k
    JOIN cond c ON c.person_id = k.person_id
    GROUP BY c.condition_code
),
intervals AS (
    SELECT c.condition_code,
           CAST(date_diff('day', LAG(p.photo_date) OVER (PARTITION BY p.person_id ORDER BY p.photo_date),
                          p.photo_date) AS DOUBLE) AS days
    FROM photos p
    JOIN cond c ON c.person_id = p.person_id
),
ranked AS (
    SELECT condition_code, days,
           ROW_NUMBER() OVER (PARTITION BY condition_code ORDER BY days) AS position,
           COUNT(*) OVER (PARTITION BY condition_code) AS n
    FROM intervals
    WHERE days IS NOT NULL
),
cadence AS (
    SELECT condition_code, n AS photo_intervals,
           MAX(CASE WHEN position = FLOOR((n - 1) * 0.5E0) + 1 THEN days END) AS median_low,
           MAX(CASE WHEN position = CEIL((n - 1) * 0.5E0) + 1 THEN days END) AS median_high
    FROM ranked
    GROUP BY condition_code, n
)
SELECT f.condition_code, f.persons, f.followups_due, f.kept_on_time_share,
       COALESCE(c.photo_intervals, 0) AS photo_intervals,
       c.median_low + ((c.photo_intervals - 1) * 0.5E0 - FLOOR((c.photo_intervals - 1) * 0.5E0))
           * (c.median_high - c.median_low) AS median_photo_interval_days
FROM followups f
LEFT JOIN cadence c ON c.condition_code = f.condition_code
ORDER BY f.condition_code
