-- The period indicators of incidents written by hand at the grain the metrics
-- are served (site and the breakdown only), over the record query of
-- examples/postgres.yml: a stricter floor than records.Shape.BinsFloorSQL.
-- For the dataset of bench/gen -now 2026-11-30T00:00:00Z (24 months back
-- from November 2026 start on 2024-12-01; states count earlier records in
-- the first month). See docs/benchmarks.md, runs Q and R.
WITH src AS NOT MATERIALIZED (SELECT incident_no AS incident_ref,
       site_code AS site,
       replace(category, ' ', '_') AS category,
       CASE priority
         WHEN 'P1' THEN 'critical'
         WHEN 'P2' THEN 'high'
         WHEN 'P3' THEN 'medium'
         WHEN 'P4' THEN 'low'
         ELSE priority
       END AS severity,
       opened_at AS reported_at,
       closed_at AS resolved_at
FROM incident_log)
SELECT site, severity, date_trunc('month', reported_at AT TIME ZONE 'UTC'), count(*), NULL::bigint FROM src WHERE reported_at >= '2024-12-01 00:00:00+00'::timestamptz GROUP BY 1, 2, 3
UNION ALL
SELECT site, NULL, date_trunc('month', resolved_at AT TIME ZONE 'UTC'), count(*), count(*) FILTER (WHERE extract(epoch from resolved_at - reported_at) <= CASE severity WHEN 'critical' THEN 7200 WHEN 'high' THEN 86400 WHEN 'medium' THEN 259200 WHEN 'low' THEN 604800 END) FROM src WHERE resolved_at >= '2024-12-01 00:00:00+00'::timestamptz GROUP BY 1, 2, 3;
