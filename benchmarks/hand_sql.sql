-- Hand-written DuckDB query of the dossier indicators (benchmark reference; the library builds its own
-- expression with Ibis).  Placeholders: {src} = a relation with the canonical columns, {periods} = a relation
-- (period_start, period_end, period_type).  {src} is referenced directly (a CTE used three times would be
-- materialised by DuckDB).
WITH p AS (SELECT * FROM {periods}),
recv AS (
  SELECT unit_code, received_at AS day, count(*) AS received,
         count(*) FILTER (channel = 2) AS online,
         count(*) FILTER (fee_bearing = 1 AND fee > 0) AS fee_base,
         count(*) FILTER (fee_bearing = 1 AND fee > 0 AND paid_online IN (1, 2)) AS paid,
         max(unit_name) AS unit_name, max(unit_level) AS unit_level
  FROM {src} GROUP BY ALL
),
fin AS (
  SELECT unit_code, finished_at AS day, count(*) AS finished,
         count(*) FILTER (ok) AS on_time,
         count(*) FILTER (ok AND coalesce(supplement_count, 0) <= 1) AS on_time_766
  FROM (
    SELECT unit_code, finished_at, supplement_count,
           due_at IS NULL OR finished_at - due_at <=
             CASE WHEN supplement_requested_at IS NULL OR supplement_requested_at > finished_at THEN 0
                  ELSE least(coalesce(supplement_provided_at, finished_at), finished_at) - supplement_requested_at
             END AS ok
    FROM {src} WHERE finished_at IS NOT NULL
  ) GROUP BY ALL
),
straddle AS (
  SELECT * FROM {src}
  WHERE finished_at IS NULL OR date_trunc('month', finished_at) <> date_trunc('month', received_at)
),
stock AS (
  SELECT unit_code, e, count(*) AS pending, count(*) FILTER (late) AS overdue,
         count(*) FILTER (NOT late AND coalesce(supplement_count, 0) <= 1) AS within_766
  FROM (
    SELECT unit_code, e, supplement_count,
           due_at IS NOT NULL AND e - due_at >
             CASE WHEN supplement_requested_at IS NULL OR supplement_requested_at > e THEN 0
                  ELSE least(coalesce(supplement_provided_at, e), e) - supplement_requested_at END AS late
    FROM straddle JOIN (SELECT DISTINCT period_end AS e FROM p) ends
      ON received_at <= e AND coalesce(finished_at, DATE '9999-12-31') > e
  ) GROUP BY ALL
),
parts AS (
  SELECT unit_code, period_start, period_end, period_type, sum(received) AS received, sum(online) AS online,
         sum(fee_base) AS fee_base, sum(paid) AS paid, 0 AS finished, 0 AS on_time, 0 AS on_time_766,
         0 AS pending, 0 AS overdue, 0 AS within_766
  FROM recv JOIN p ON day BETWEEN period_start AND period_end GROUP BY ALL
  UNION ALL
  SELECT unit_code, period_start, period_end, period_type, 0, 0, 0, 0, sum(finished), sum(on_time),
         sum(on_time_766), 0, 0, 0
  FROM fin JOIN p ON day BETWEEN period_start AND period_end GROUP BY ALL
  UNION ALL
  SELECT unit_code, period_start, period_end, period_type, 0, 0, 0, 0, 0, 0, 0, pending, overdue, within_766
  FROM stock JOIN p ON e = period_end
),
names AS (SELECT unit_code, max(unit_name) AS unit_name, max(unit_level) AS unit_level FROM recv GROUP BY ALL)
SELECT unit_code, period_start, period_end, period_type,
       sum(received) AS received, sum(online) AS online, sum(fee_base) AS fee_base, sum(paid) AS paid,
       sum(finished) AS finished, sum(on_time) AS on_time, sum(on_time_766) AS on_time_766,
       sum(pending) AS pending, sum(overdue) AS overdue, sum(within_766) AS within_766,
       any_value(unit_name) AS unit_name, any_value(unit_level) AS unit_level
FROM parts JOIN names USING (unit_code)
GROUP BY unit_code, period_start, period_end, period_type
