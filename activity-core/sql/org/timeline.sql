-- Each employee's timeline: per employee and slot, tracked, counted and active seconds, events,
-- screenshots, the project with the most tracked time (ties: the first name) and, for a short
-- period, the application with the most time (ties: the first name). Rows without an employee
-- are keyed '' (`who`): a plain equality every engine can hash-join on (IS NOT DISTINCT FROM
-- is a nested loop in PostgreSQL).
WITH parts AS (
    SELECT COALESCE(employee, '') AS who, project, tracked_seconds, active_seconds, keyboard_events,
           mouse_events, max_expected_events,
           EPOCH_MS(slot_start) - EPOCH_MS(slot_start) % {slot_ms} AS slot_ms
    FROM {slots}
    WHERE {slot_filter}
),
sums AS (
    SELECT who, slot_ms,
           SUM(tracked_seconds) AS tracked,
           SUM(CASE WHEN keyboard_events IS NOT NULL THEN tracked_seconds ELSE 0 END) AS counted,
           SUM(CASE WHEN keyboard_events IS NOT NULL
                    THEN keyboard_events + mouse_events ELSE 0 END) AS events,
           SUM(active_seconds) AS active,
           MAX(max_expected_events) AS max_expected
    FROM parts
    GROUP BY who, slot_ms
),
project_time AS (
    SELECT who, slot_ms, project,
           ROW_NUMBER() OVER (PARTITION BY who, slot_ms
                              ORDER BY SUM(tracked_seconds) DESC, project ASC NULLS FIRST) AS rn
    FROM parts
    GROUP BY who, slot_ms, project
),
shots AS (
    SELECT COALESCE(employee, '') AS who,
           EPOCH_MS(taken_at) - EPOCH_MS(taken_at) % {slot_ms} AS slot_ms,
           COUNT(*) AS n
    FROM {screenshots}
    WHERE {shot_filter}
    GROUP BY COALESCE(employee, ''), EPOCH_MS(taken_at) - EPOCH_MS(taken_at) % {slot_ms}
),
app_time AS (
    SELECT COALESCE(employee, '') AS who,
           EPOCH_MS(slot_start) - EPOCH_MS(slot_start) % {slot_ms} AS slot_ms,
           COALESCE(application, '') AS application,
           ROW_NUMBER() OVER (PARTITION BY COALESCE(employee, ''),
                                  EPOCH_MS(slot_start) - EPOCH_MS(slot_start) % {slot_ms}
                              ORDER BY SUM(duration_ms) DESC,
                                       COALESCE(application, '') ASC) AS rn
    FROM {activities}
    WHERE {short} AND kind = 'app' AND {activity_filter}
    GROUP BY COALESCE(employee, ''), EPOCH_MS(slot_start) - EPOCH_MS(slot_start) % {slot_ms},
             COALESCE(application, '')
),
slots_and_shots AS (
    SELECT COALESCE(s.who, h.who) AS who,
           COALESCE(s.slot_ms, h.slot_ms) AS slot_ms,
           COALESCE(s.tracked, 0) AS tracked,
           COALESCE(s.counted, 0) AS counted,
           COALESCE(s.events, 0) AS events,
           COALESCE(s.active, 0) AS active,
           COALESCE(h.n, 0) AS screenshots,
           s.max_expected AS max_expected
    FROM sums s
    FULL OUTER JOIN shots h
        ON s.who = h.who AND s.slot_ms = h.slot_ms
)
SELECT NULLIF(x.who, '') AS employee, x.slot_ms, x.tracked, x.counted, x.events, x.active, x.screenshots,
       p.project, a.application, x.max_expected
FROM slots_and_shots x
LEFT JOIN project_time p
    ON p.rn = 1 AND p.who = x.who AND p.slot_ms = x.slot_ms
LEFT JOIN app_time a
    ON a.rn = 1 AND a.who = x.who AND a.slot_ms = x.slot_ms
