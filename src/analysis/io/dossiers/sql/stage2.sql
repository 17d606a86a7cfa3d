WITH "t13" AS (
  SELECT
    "t11"."unit_code",
    "t11"."e",
    SUM("t11"."received") AS "received",
    SUM("t11"."finished") AS "finished",
    SUM("t11"."m_received") AS "m_received",
    SUM("t11"."m_finished") AS "m_finished",
    SUM("t11"."d_overdue") AS "d_overdue",
    SUM("t11"."d_overdue_m") AS "d_overdue_m"
  FROM (
    SELECT
      "t4"."unit_code",
      "t4"."d",
      "t4"."received",
      "t4"."online",
      "t4"."fee_base",
      "t4"."paid",
      "t4"."finished",
      "t4"."on_time",
      "t4"."m_on_time",
      "t4"."m_received",
      "t4"."m_finished",
      "t4"."d_overdue",
      "t4"."d_overdue_m",
      "t7"."e"
    FROM "daily" AS "t4"
    INNER JOIN "_calendar_step" AS "t7"
      ON "t4"."d" = "t7"."d"
  ) AS "t11"
  GROUP BY
    1,
    2
)
SELECT
  "t25"."unit_code",
  "t25"."period_start",
  "t25"."period_end",
  "t25"."period_type",
  SUM("t25"."received") AS "received",
  SUM("t25"."online") AS "online",
  SUM("t25"."fee_base") AS "fee_base",
  SUM("t25"."paid") AS "paid",
  SUM("t25"."finished") AS "finished",
  SUM("t25"."on_time") AS "on_time",
  SUM("t25"."on_time_766") AS "on_time_766",
  SUM("t25"."pending") AS "pending",
  SUM("t25"."overdue") AS "overdue",
  SUM("t25"."within_766") AS "within_766"
FROM (
  SELECT
    *
  FROM (
    SELECT
      "t12"."unit_code",
      "t12"."period_start",
      "t12"."period_end",
      "t12"."period_type",
      "t12"."received",
      "t12"."online",
      "t12"."fee_base",
      "t12"."paid",
      "t12"."finished",
      "t12"."on_time",
      "t12"."on_time" - "t12"."m_on_time" AS "on_time_766",
      0 AS "pending",
      0 AS "overdue",
      0 AS "within_766"
    FROM (
      SELECT
        "t10"."unit_code",
        "t10"."period_start",
        "t10"."period_end",
        "t10"."period_type",
        SUM("t10"."received") AS "received",
        SUM("t10"."online") AS "online",
        SUM("t10"."fee_base") AS "fee_base",
        SUM("t10"."paid") AS "paid",
        SUM("t10"."finished") AS "finished",
        SUM("t10"."on_time") AS "on_time",
        SUM("t10"."m_on_time") AS "m_on_time"
      FROM (
        SELECT
          "t4"."unit_code",
          "t4"."d",
          "t4"."received",
          "t4"."online",
          "t4"."fee_base",
          "t4"."paid",
          "t4"."finished",
          "t4"."on_time",
          "t4"."m_on_time",
          "t4"."m_received",
          "t4"."m_finished",
          "t4"."d_overdue",
          "t4"."d_overdue_m",
          "t6"."period_start",
          "t6"."period_end",
          "t6"."period_type"
        FROM "daily" AS "t4"
        INNER JOIN "_calendar_flow" AS "t6"
          ON "t4"."d" = "t6"."d"
      ) AS "t10"
      GROUP BY
        1,
        2,
        3,
        4
    ) AS "t12"
  ) AS "t16"
  UNION ALL
  SELECT
    *
  FROM (
    SELECT
      "t23"."unit_code",
      "t23"."period_start",
      "t23"."period_end",
      "t23"."period_type",
      0 AS "received",
      0 AS "online",
      0 AS "fee_base",
      0 AS "paid",
      0 AS "finished",
      0 AS "on_time",
      0 AS "on_time_766",
      "t23"."pending",
      "t23"."overdue",
      "t23"."within_766"
    FROM (
      SELECT
        "t22"."unit_code",
        "t5"."period_start",
        "t5"."period_end",
        "t5"."period_type",
        "t22"."pending",
        "t22"."d_overdue" AS "overdue",
        (
          "t22"."pending" - "t22"."d_overdue"
        ) - (
          (
            "t22"."m_received" - "t22"."m_finished"
          ) - "t22"."d_overdue_m"
        ) AS "within_766"
      FROM (
        SELECT
          "t20"."unit_code",
          "t20"."e",
          "t20"."received",
          "t20"."finished",
          "t20"."m_received",
          "t20"."m_finished",
          "t20"."d_overdue",
          "t20"."d_overdue_m",
          "t20"."received" - "t20"."finished" AS "pending"
        FROM (
          SELECT
            "t19"."unit_code",
            "t19"."e",
            SUM("t19"."received") OVER (
              PARTITION BY "t19"."unit_code"
              ORDER BY "t19"."e" ASC
              ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
            ) AS "received",
            SUM("t19"."finished") OVER (
              PARTITION BY "t19"."unit_code"
              ORDER BY "t19"."e" ASC
              ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
            ) AS "finished",
            SUM("t19"."m_received") OVER (
              PARTITION BY "t19"."unit_code"
              ORDER BY "t19"."e" ASC
              ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
            ) AS "m_received",
            SUM("t19"."m_finished") OVER (
              PARTITION BY "t19"."unit_code"
              ORDER BY "t19"."e" ASC
              ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
            ) AS "m_finished",
            SUM("t19"."d_overdue") OVER (
              PARTITION BY "t19"."unit_code"
              ORDER BY "t19"."e" ASC
              ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
            ) AS "d_overdue",
            SUM("t19"."d_overdue_m") OVER (
              PARTITION BY "t19"."unit_code"
              ORDER BY "t19"."e" ASC
              ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
            ) AS "d_overdue_m"
          FROM (
            SELECT
              "t18"."unit_code",
              "t9"."e",
              COALESCE("t15"."received", 0) AS "received",
              COALESCE("t15"."finished", 0) AS "finished",
              COALESCE("t15"."m_received", 0) AS "m_received",
              COALESCE("t15"."m_finished", 0) AS "m_finished",
              COALESCE("t15"."d_overdue", 0) AS "d_overdue",
              COALESCE("t15"."d_overdue_m", 0) AS "d_overdue_m"
            FROM (
              SELECT DISTINCT
                "t14"."unit_code"
              FROM "t13" AS "t14"
            ) AS "t18"
            CROSS JOIN (
              SELECT DISTINCT
                "t3"."e"
              FROM "_calendar_step" AS "t3"
            ) AS "t9"
            LEFT OUTER JOIN "t13" AS "t15"
              ON "t18"."unit_code" = "t15"."unit_code" AND "t9"."e" = "t15"."e"
          ) AS "t19"
        ) AS "t20"
        WHERE
          (
            "t20"."received" - "t20"."finished"
          ) > 0
      ) AS "t22"
      INNER JOIN "_periods" AS "t5"
        ON "t22"."e" = "t5"."period_end"
    ) AS "t23"
  ) AS "t24"
) AS "t25"
GROUP BY
  1,
  2,
  3,
  4
