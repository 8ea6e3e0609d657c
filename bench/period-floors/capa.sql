-- The period indicators of capa written by hand at the grain the metrics
-- are served (site and the breakdown only), with none of the exporter's
-- normalising, validation or duplicate check: the stricter of the two
-- floors the benchmark measures them against (bench.PeriodSQL). src is
-- the family's record query and $1 the evaluation time; the months are
-- the default calendar's 24, in UTC.
SELECT site, 'raised', greatest(date_trunc('month', (raised_at)::timestamptz AT TIME ZONE 'UTC'), (date_trunc('month', $1::timestamptz AT TIME ZONE 'UTC') - interval '23 months')), count(*), NULL::bigint FROM src GROUP BY 1, 2, 3
UNION ALL
SELECT site, 'closed', greatest(date_trunc('month', (closed_at)::timestamptz AT TIME ZONE 'UTC'), (date_trunc('month', $1::timestamptz AT TIME ZONE 'UTC') - interval '23 months')), count(*), count(*) FILTER (WHERE closed_at <= due_at) FROM src WHERE closed_at IS NOT NULL GROUP BY 1, 2, 3
UNION ALL
SELECT site, 'overdue_from', greatest(date_trunc('month', (greatest(raised_at, due_at + interval '1 day'))::timestamptz AT TIME ZONE 'UTC'), (date_trunc('month', $1::timestamptz AT TIME ZONE 'UTC') - interval '23 months')), count(*), NULL FROM src WHERE closed_at IS NULL OR closed_at > due_at GROUP BY 1, 2, 3
