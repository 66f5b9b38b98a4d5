-- Top applications: time per application (the crate keeps the first N and one `other` row).
SELECT COALESCE(application, '') AS name, SUM(duration_ms) AS ms
FROM {activities}
WHERE kind = 'app' AND {activity_filter}
GROUP BY COALESCE(application, '')
