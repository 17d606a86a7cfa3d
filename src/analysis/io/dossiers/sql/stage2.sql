WITH "t9" AS (
  SELECT
    "t8"."unit_code",
    "t8"."e",
    SUM("t8"."received") AS "received",
    SUM("t8"."online") AS "online",
    SUM("t8"."fee_base") AS "fee_base",
    SUM("t8"."paid") AS "paid",
    SUM("t8"."finished") AS "finished",
    SUM("t8"."on_time") AS "on_time",
    SUM("t8"."m_on_time") AS "m_on_time",
    SUM("t8"."m_received") AS "m_received",
    SUM("t8"."m_finished") AS "m_finished",
    SUM("t8"."d_overdue") AS "d_overdue",
    SUM("t8"."d_overdue_m") AS "d_overdue_m"
  FROM (
    SELECT
      "t5"."unit_code",
      "t5"."d",
      "t5"."received",
      "t5"."online",
      "t5"."fee_base",
      "t5"."paid",
      "t5"."finished",
      "t5"."on_time",
      "t5"."m_on_time",
      "t5"."m_received",
      "t5"."m_finished",
      "t5"."d_overdue",
      "t5"."d_overdue_m",
      "t4"."e"
    FROM "daily" AS "t5"
    INNER JOIN "_calendar_step" AS "t4"
      ON "t5"."d" = "t4"."d"
  ) AS "t8"
  GROUP BY
    1,
    2
), "t15" AS (
  SELECT
    "t14"."unit_code",
    "t14"."e",
    SUM("t14"."received") OVER (
      PARTITION BY "t14"."unit_code"
      ORDER BY "t14"."e" ASC
      ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) AS "received",
    SUM("t14"."online") OVER (
      PARTITION BY "t14"."unit_code"
      ORDER BY "t14"."e" ASC
      ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) AS "online",
    SUM("t14"."fee_base") OVER (
      PARTITION BY "t14"."unit_code"
      ORDER BY "t14"."e" ASC
      ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) AS "fee_base",
    SUM("t14"."paid") OVER (
      PARTITION BY "t14"."unit_code"
      ORDER BY "t14"."e" ASC
      ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) AS "paid",
    SUM("t14"."finished") OVER (
      PARTITION BY "t14"."unit_code"
      ORDER BY "t14"."e" ASC
      ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) AS "finished",
    SUM("t14"."on_time") OVER (
      PARTITION BY "t14"."unit_code"
      ORDER BY "t14"."e" ASC
      ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) AS "on_time",
    SUM("t14"."m_on_time") OVER (
      PARTITION BY "t14"."unit_code"
      ORDER BY "t14"."e" ASC
      ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) AS "m_on_time",
    SUM("t14"."m_received") OVER (
      PARTITION BY "t14"."unit_code"
      ORDER BY "t14"."e" ASC
      ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) AS "m_received",
    SUM("t14"."m_finished") OVER (
      PARTITION BY "t14"."unit_code"
      ORDER BY "t14"."e" ASC
      ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) AS "m_finished",
    SUM("t14"."d_overdue") OVER (
      PARTITION BY "t14"."unit_code"
      ORDER BY "t14"."e" ASC
      ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) AS "d_overdue",
    SUM("t14"."d_overdue_m") OVER (
      PARTITION BY "t14"."unit_code"
      ORDER BY "t14"."e" ASC
      ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) AS "d_overdue_m"
  FROM (
    SELECT
      "t13"."unit_code",
      "t7"."e",
      COALESCE("t11"."received", 0) AS "received",
      COALESCE("t11"."online", 0) AS "online",
      COALESCE("t11"."fee_base", 0) AS "fee_base",
      COALESCE("t11"."paid", 0) AS "paid",
      COALESCE("t11"."finished", 0) AS "finished",
      COALESCE("t11"."on_time", 0) AS "on_time",
      COALESCE("t11"."m_on_time", 0) AS "m_on_time",
      COALESCE("t11"."m_received", 0) AS "m_received",
      COALESCE("t11"."m_finished", 0) AS "m_finished",
      COALESCE("t11"."d_overdue", 0) AS "d_overdue",
      COALESCE("t11"."d_overdue_m", 0) AS "d_overdue_m"
    FROM (
      SELECT DISTINCT
        "t10"."unit_code"
      FROM "t9" AS "t10"
    ) AS "t13"
    CROSS JOIN (
      SELECT DISTINCT
        "t1"."e"
      FROM "_calendar_step" AS "t1"
    ) AS "t7"
    LEFT OUTER JOIN "t9" AS "t11"
      ON "t13"."unit_code" = "t11"."unit_code" AND "t7"."e" = "t11"."e"
  ) AS "t14"
)
SELECT
  "t17"."unit_code",
  "t3"."period_start",
  "t3"."period_end",
  "t3"."period_type",
  "t17"."received" - "t19"."_b_received" AS "received",
  "t17"."online" - "t19"."_b_online" AS "online",
  "t17"."fee_base" - "t19"."_b_fee_base" AS "fee_base",
  "t17"."paid" - "t19"."_b_paid" AS "paid",
  "t17"."finished" - "t19"."_b_finished" AS "finished",
  "t17"."on_time" - "t19"."_b_on_time" AS "on_time",
  (
    "t17"."on_time" - "t19"."_b_on_time"
  ) - (
    "t17"."m_on_time" - "t19"."_b_m_on_time"
  ) AS "on_time_766",
  CASE
    WHEN (
      "t17"."received" - "t17"."finished"
    ) > 0
    THEN "t17"."received" - "t17"."finished"
    ELSE 0
  END AS "pending",
  CASE
    WHEN (
      "t17"."received" - "t17"."finished"
    ) > 0
    THEN "t17"."d_overdue"
    ELSE 0
  END AS "overdue",
  CASE
    WHEN (
      "t17"."received" - "t17"."finished"
    ) > 0
    THEN (
      (
        "t17"."received" - "t17"."finished"
      ) - "t17"."d_overdue"
    ) - (
      (
        "t17"."m_received" - "t17"."m_finished"
      ) - "t17"."d_overdue_m"
    )
    ELSE 0
  END AS "within_766"
FROM "t15" AS "t17"
INNER JOIN "_periods" AS "t3"
  ON "t17"."e" = "t3"."period_end"
INNER JOIN (
  SELECT
    "t16"."unit_code" AS "_u",
    "t16"."e" AS "_b",
    "t16"."received" AS "_b_received",
    "t16"."online" AS "_b_online",
    "t16"."fee_base" AS "_b_fee_base",
    "t16"."paid" AS "_b_paid",
    "t16"."finished" AS "_b_finished",
    "t16"."on_time" AS "_b_on_time",
    "t16"."m_on_time" AS "_b_m_on_time"
  FROM "t15" AS "t16"
) AS "t19"
  ON "t17"."unit_code" = "t19"."_u" AND "t3"."before" = "t19"."_b"
