-- Average activity per project: the sums the tracked-time-weighted averages need.
SELECT project,
       COUNT(*) AS parts,
       SUM(tracked_seconds) AS tracked,
       SUM(CASE WHEN activity_percent IS NOT NULL
                THEN tracked_seconds * activity_percent ELSE 0 END) AS activity_weighted,
       SUM(CASE WHEN activity_percent IS NOT NULL THEN 1 ELSE 0 END) AS counted_parts,
       SUM(CASE WHEN activity_percent IS NOT NULL THEN tracked_seconds ELSE 0 END) AS counted_tracked,
       SUM(tracked_seconds * active_percent) AS active_weighted,
       SUM(CASE WHEN keyboard_events IS NOT NULL THEN keyboard_events ELSE 0 END) AS keyboard,
       SUM(CASE WHEN mouse_events IS NOT NULL THEN mouse_events ELSE 0 END) AS mouse
FROM {slots}
WHERE {slot_filter}
GROUP BY project
