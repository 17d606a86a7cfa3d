SELECT
  *
FROM (
  SELECT
    "t10"."unit_code",
    "t10"."_d" AS "d",
    0 AS "received",
    0 AS "online",
    0 AS "fee_base",
    0 AS "paid",
    0 AS "finished",
    0 AS "on_time",
    0 AS "m_on_time",
    0 AS "m_received",
    0 AS "m_finished",
    "t10"."d_overdue",
    "t10"."d_overdue_m",
    CAST(NULL AS TEXT) AS "unit_name",
    CAST(NULL AS TEXT) AS "unit_level",
    CAST(NULL AS DATE) AS "min_due",
    CAST(NULL AS DATE) AS "min_finished"
  FROM (
    SELECT
      "t9"."unit_code",
      ABS("t9"."_v") - 1000000 AS "_d",
      COUNT(*) FILTER(WHERE
        "t9"."_v" > 0) - COUNT(*) FILTER(WHERE
        "t9"."_v" < 0) AS "d_overdue",
      COUNT(*) FILTER(WHERE
        "t9"."_m" AND (
          "t9"."_v" > 0
        )) - COUNT(*) FILTER(WHERE
        "t9"."_m" AND (
          "t9"."_v" < 0
        )) AS "d_overdue_m"
    FROM (
      SELECT
        *
      FROM (
        SELECT
          "t4"."unit_code",
          COALESCE("t4"."supplement_count", 0) > 1 AS "_m",
          UNNEST(
            CAST([
              GREATEST(
                DATE_DIFF('DAY', MAKE_DATE(1970, 1, 1), "t4"."received_at"),
                CASE
                  WHEN (
                    "t4"."supplement_requested_at" IS NULL
                  )
                  OR (
                    "t4"."supplement_requested_at" > "t4"."due_at"
                  )
                  THEN DATE_DIFF('DAY', MAKE_DATE(1970, 1, 1), "t4"."due_at") + 1
                  ELSE DATE_DIFF('DAY', MAKE_DATE(1970, 1, 1), "t4"."due_at") + DATE_DIFF('DAY', "t4"."supplement_requested_at", "t4"."supplement_provided_at") + 1
                END
              ) + 1000000,
              -(
                DATE_DIFF('DAY', MAKE_DATE(1970, 1, 1), "t4"."finished_at") + 1000000
              )
            ] AS BIGINT[])
          ) AS "_v"
        FROM (
          SELECT
            *
          FROM "dossiers" AS "t0"
          WHERE
            "t0"."due_at" IS NOT NULL
            AND (
              (
                "t0"."finished_at" IS NULL
              ) OR (
                "t0"."finished_at" > "t0"."due_at"
              )
            )
            AND NOT (
              (
                "t0"."due_at" IS NULL
              )
              OR (
                (
                  "t0"."supplement_requested_at" IS NOT NULL
                )
                AND (
                  "t0"."supplement_requested_at" <= "t0"."due_at"
                )
                AND (
                  "t0"."supplement_provided_at" IS NULL
                )
              )
            )
            AND (
              (
                "t0"."finished_at" IS NULL
              )
              OR (
                (
                  "t0"."finished_at" > "t0"."received_at"
                )
                AND (
                  CASE
                    WHEN (
                      "t0"."supplement_requested_at" IS NULL
                    )
                    OR (
                      "t0"."supplement_requested_at" > "t0"."due_at"
                    )
                    THEN DATE_DIFF('DAY', MAKE_DATE(1970, 1, 1), "t0"."due_at") + 1
                    ELSE DATE_DIFF('DAY', MAKE_DATE(1970, 1, 1), "t0"."due_at") + DATE_DIFF('DAY', "t0"."supplement_requested_at", "t0"."supplement_provided_at") + 1
                  END < DATE_DIFF('DAY', MAKE_DATE(1970, 1, 1), "t0"."finished_at")
                )
              )
            )
        ) AS "t4"
      ) AS "t8"
      WHERE
        "t8"."_v" IS NOT NULL
    ) AS "t9"
    GROUP BY
      1,
      2
  ) AS "t10"
) AS "t11"
UNION ALL
SELECT
  *
FROM (
  SELECT
    *
  FROM (
    SELECT
      "t2"."unit_code",
      DATE_DIFF('DAY', MAKE_DATE(1970, 1, 1), "t2"."day") AS "d",
      "t2"."received",
      "t2"."online",
      "t2"."fee_base",
      "t2"."paid",
      0 AS "finished",
      0 AS "on_time",
      0 AS "m_on_time",
      "t2"."m_received",
      0 AS "m_finished",
      0 AS "d_overdue",
      0 AS "d_overdue_m",
      "t2"."unit_name",
      "t2"."unit_level",
      "t2"."min_due",
      "t2"."min_finished"
    FROM (
      SELECT
        "t0"."unit_code",
        "t0"."unit_name",
        "t0"."unit_level",
        "t0"."received_at" AS "day",
        COUNT(*) AS "received",
        COUNT(*) FILTER(WHERE
          "t0"."channel" = 2) AS "online",
        COUNT(*) FILTER(WHERE
          (
            "t0"."fee_bearing" = 1
          ) AND (
            "t0"."fee" > 0
          )) AS "fee_base",
        COUNT(*) FILTER(WHERE
          (
            "t0"."fee_bearing" = 1
          )
          AND (
            "t0"."fee" > 0
          )
          AND "t0"."paid_online" IN (1, 2)) AS "paid",
        COUNT(*) FILTER(WHERE
          "t0"."supplement_count" > 1) AS "m_received",
        MIN("t0"."due_at") AS "min_due",
        MIN("t0"."finished_at") AS "min_finished"
      FROM "dossiers" AS "t0"
      GROUP BY
        1,
        2,
        3,
        4
    ) AS "t2"
  ) AS "t3"
  UNION ALL
  SELECT
    *
  FROM (
    SELECT
      "t5"."unit_code",
      DATE_DIFF('DAY', MAKE_DATE(1970, 1, 1), "t5"."day") AS "d",
      0 AS "received",
      0 AS "online",
      0 AS "fee_base",
      0 AS "paid",
      "t5"."finished",
      "t5"."on_time",
      "t5"."m_on_time",
      0 AS "m_received",
      "t5"."m_finished",
      0 AS "d_overdue",
      0 AS "d_overdue_m",
      CAST(NULL AS TEXT) AS "unit_name",
      CAST(NULL AS TEXT) AS "unit_level",
      CAST(NULL AS DATE) AS "min_due",
      CAST(NULL AS DATE) AS "min_finished"
    FROM (
      SELECT
        "t1"."unit_code",
        "t1"."finished_at" AS "day",
        COUNT(*) AS "finished",
        COUNT(*) FILTER(WHERE
          (
            "t1"."due_at" IS NULL
          )
          OR (
            DATE_DIFF('DAY', "t1"."due_at", "t1"."finished_at") <= CASE
              WHEN (
                "t1"."supplement_requested_at" IS NULL
              )
              OR (
                "t1"."supplement_requested_at" > "t1"."finished_at"
              )
              THEN 0
              ELSE DATE_DIFF(
                'DAY',
                "t1"."supplement_requested_at",
                LEAST(COALESCE("t1"."supplement_provided_at", "t1"."finished_at"), "t1"."finished_at")
              )
            END
          )) AS "on_time",
        COUNT(*) FILTER(WHERE
          "t1"."supplement_count" > 1) AS "m_finished",
        COUNT(*) FILTER(WHERE
          (
            "t1"."supplement_count" > 1
          )
          AND (
            (
              "t1"."due_at" IS NULL
            )
            OR (
              DATE_DIFF('DAY', "t1"."due_at", "t1"."finished_at") <= CASE
                WHEN (
                  "t1"."supplement_requested_at" IS NULL
                )
                OR (
                  "t1"."supplement_requested_at" > "t1"."finished_at"
                )
                THEN 0
                ELSE DATE_DIFF(
                  'DAY',
                  "t1"."supplement_requested_at",
                  LEAST(COALESCE("t1"."supplement_provided_at", "t1"."finished_at"), "t1"."finished_at")
                )
              END
            )
          )) AS "m_on_time"
      FROM (
        SELECT
          *
        FROM "dossiers" AS "t0"
        WHERE
          "t0"."finished_at" IS NOT NULL
      ) AS "t1"
      GROUP BY
        1,
        2
    ) AS "t5"
  ) AS "t6"
) AS "t7"
