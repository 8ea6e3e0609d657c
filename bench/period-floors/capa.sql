-- The period indicators of capa written by hand at the grain the metrics
-- are served (site and the breakdown only), over the record query of
-- examples/postgres.yml: a stricter floor than records.Shape.BinsFloorSQL.
-- For the dataset of bench/gen -now 2026-11-30T00:00:00Z (24 months back
-- from November 2026 start on 2024-12-01; states count earlier records in
-- the first month). See docs/benchmarks.md, runs Q and R.
WITH src AS NOT MATERIALIZED (SELECT action_id AS action_ref,
       site_code AS site,
       action_type AS kind,
       CASE raised_from
         WHEN 'MGMT_REVIEW' THEN 'management_review'
         ELSE raised_from
       END AS origin,
       priority,
       raised_on AS raised_at,
       target_date AS due_at,
       completed_on AS closed_at,
       effectiveness_checked_on AS effectiveness_reviewed_at
FROM capa_register)
SELECT site, 'raised', greatest(date_trunc('month', (raised_at)::timestamptz AT TIME ZONE 'UTC'), '2024-12-01 00:00:00+00'::timestamptz AT TIME ZONE 'UTC'), count(*), NULL::bigint FROM src GROUP BY 1, 2, 3
UNION ALL
SELECT site, 'closed', greatest(date_trunc('month', (closed_at)::timestamptz AT TIME ZONE 'UTC'), '2024-12-01 00:00:00+00'::timestamptz AT TIME ZONE 'UTC'), count(*), count(*) FILTER (WHERE closed_at <= due_at) FROM src WHERE closed_at IS NOT NULL GROUP BY 1, 2, 3
UNION ALL
SELECT site, 'overdue_from', greatest(date_trunc('month', (greatest(raised_at, due_at + interval '1 day'))::timestamptz AT TIME ZONE 'UTC'), '2024-12-01 00:00:00+00'::timestamptz AT TIME ZONE 'UTC'), count(*), NULL FROM src WHERE due_at IS NOT NULL GROUP BY 1, 2, 3;
