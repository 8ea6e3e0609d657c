-- The period indicators of training written by hand at the grain the metrics
-- are served (site and the breakdown only), over the record query of
-- examples/postgres.yml: a stricter floor than records.Shape.BinsFloorSQL.
-- For the dataset of bench/gen -now 2026-11-30T00:00:00Z (24 months back
-- from November 2026 start on 2024-12-01; states count earlier records in
-- the first month). See docs/benchmarks.md, runs Q and R.
WITH src AS NOT MATERIALIZED (SELECT person_id AS person_ref,
       site_code AS site,
       CASE staff_category
         WHEN 'OPS' THEN 'operational'
         WHEN 'SUP' THEN 'supervisor_manager'
         WHEN 'SNR' THEN 'senior_manager'
         WHEN 'AM'  THEN 'accountable_manager'
         WHEN 'CON' THEN 'third_party'
         ELSE staff_category
       END AS role_level,
       CASE course_code
         WHEN 'AWARENESS'  THEN 'security_awareness'
         WHEN 'INDUCTION'  THEN 'sems_induction'
         WHEN 'INSIDER'    THEN 'insider_threat'
         WHEN 'REPORTING'  THEN 'incident_reporting'
         WHEN 'SCREENER'   THEN 'screening_certification'
         WHEN 'ACCESS'     THEN 'access_control'
         WHEN 'EMERGENCY'  THEN 'emergency_response'
         WHEN 'LEADERSHIP' THEN 'sems_leadership'
         ELSE course_code
       END AS course,
       completed_on AS completed_at,
       valid_until AS expires_at
FROM training_records)
SELECT site, 'from', greatest(date_trunc('month', (completed_at)::timestamptz AT TIME ZONE 'UTC'), '2024-12-01 00:00:00+00'::timestamptz AT TIME ZONE 'UTC'), count(*) FROM src WHERE completed_at IS NOT NULL GROUP BY 1, 2, 3
UNION ALL
SELECT site, 'until', greatest(date_trunc('month', (expires_at)::timestamptz AT TIME ZONE 'UTC'), '2024-12-01 00:00:00+00'::timestamptz AT TIME ZONE 'UTC'), count(*) FROM src WHERE completed_at IS NOT NULL AND expires_at IS NOT NULL GROUP BY 1, 2, 3;
