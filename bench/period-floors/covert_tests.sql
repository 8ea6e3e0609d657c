-- The period indicators of covert_tests written by hand at the grain the metrics
-- are served (site and the breakdown only), with none of the exporter's
-- normalising, validation or duplicate check: the stricter of the two
-- floors the benchmark measures them against (bench.PeriodSQL). src is
-- the family's record query and $1 the evaluation time; the months are
-- the default calendar's 24, in UTC.
SELECT site, result, failure_cause, date_trunc('month', conducted_at AT TIME ZONE 'UTC'), count(*) FROM src WHERE conducted_at >= ((date_trunc('month', $1::timestamptz AT TIME ZONE 'UTC') - interval '23 months') AT TIME ZONE 'UTC') GROUP BY 1, 2, 3, 4
