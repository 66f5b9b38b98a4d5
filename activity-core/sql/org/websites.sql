-- Top websites: time per registrable domain.
SELECT domain AS name, SUM(duration_ms) AS ms
FROM {activities}
WHERE kind = 'url' AND domain IS NOT NULL AND {activity_filter}
GROUP BY domain
