-- The period indicators of covert_tests written by hand at the grain the metrics
-- are served (site and the breakdown only), over the record query of
-- examples/postgres.yml: a stricter floor than records.Shape.BinsFloorSQL.
-- For the dataset of bench/gen -now 2026-11-30T00:00:00Z (24 months back
-- from November 2026 start on 2024-12-01; states count earlier records in
-- the first month). See docs/benchmarks.md, runs Q and R.
WITH src AS NOT MATERIALIZED (SELECT test_id AS test_ref,
       site_code AS site,
       CASE test_kind
         WHEN 'STI'     THEN 'screening_threat_item'
         WHEN 'ACCESS'  THEN 'access_control'
         WHEN 'VEHICLE' THEN 'vehicle_search'
         WHEN 'STAFF'   THEN 'staff_search'
         ELSE test_kind
       END AS test_type,
       CASE tester
         WHEN 'CONTRACTOR' THEN 'third_party'
         ELSE tester
       END AS conducted_by,
       tested_at AS conducted_at,
       outcome AS result,
       root_cause AS failure_cause,
       capa_ref AS linked_action_ref
FROM security_tests)
SELECT site, result, failure_cause, date_trunc('month', conducted_at AT TIME ZONE 'UTC'), count(*) FROM src WHERE conducted_at >= '2024-12-01 00:00:00+00'::timestamptz GROUP BY 1, 2, 3, 4;
