-- The period indicators of training written by hand at the grain the metrics
-- are served (site and the breakdown only), with none of the exporter's
-- normalising, validation or duplicate check: the stricter of the two
-- floors the benchmark measures them against (bench.PeriodSQL). src is
-- the family's record query and $1 the evaluation time; the months are
-- the default calendar's 24, in UTC.
SELECT site, 'from', greatest(date_trunc('month', (completed_at)::timestamptz AT TIME ZONE 'UTC'), (date_trunc('month', $1::timestamptz AT TIME ZONE 'UTC') - interval '23 months')), count(*) FROM src WHERE completed_at IS NOT NULL GROUP BY 1, 2, 3
UNION ALL
SELECT site, 'until', greatest(date_trunc('month', (expires_at)::timestamptz AT TIME ZONE 'UTC'), (date_trunc('month', $1::timestamptz AT TIME ZONE 'UTC') - interval '23 months')), count(*) FROM src WHERE completed_at IS NOT NULL AND expires_at IS NOT NULL GROUP BY 1, 2, 3
