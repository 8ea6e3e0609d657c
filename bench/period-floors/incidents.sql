-- The period indicators of incidents written by hand at the grain the metrics
-- are served (site and the breakdown only), with none of the exporter's
-- normalising, validation or duplicate check: the stricter of the two
-- floors the benchmark measures them against (bench.PeriodSQL). src is
-- the family's record query and $1 the evaluation time; the months are
-- the default calendar's 24, in UTC.
SELECT site, severity, date_trunc('month', reported_at AT TIME ZONE 'UTC'), count(*), NULL::bigint FROM src WHERE reported_at >= ((date_trunc('month', $1::timestamptz AT TIME ZONE 'UTC') - interval '23 months') AT TIME ZONE 'UTC') GROUP BY 1, 2, 3
UNION ALL
SELECT site, NULL, date_trunc('month', resolved_at AT TIME ZONE 'UTC'), count(*), count(*) FILTER (WHERE resolved_at - reported_at <= CASE severity WHEN 'critical' THEN interval '2 hours' WHEN 'high' THEN interval '1 day' WHEN 'medium' THEN interval '3 days' WHEN 'low' THEN interval '7 days' END) FROM src WHERE resolved_at >= ((date_trunc('month', $1::timestamptz AT TIME ZONE 'UTC') - interval '23 months') AT TIME ZONE 'UTC') GROUP BY 1, 2, 3
