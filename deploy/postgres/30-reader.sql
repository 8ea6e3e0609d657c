-- The exporter's database role: it can log in and read the columns the
-- record queries of examples/postgres.yml select, nothing else. Run by psql
-- after schema.sql and seed.sql (the PostgreSQL image runs it once, when its
-- data volume is first initialised); the password comes from the
-- environment, never from this file.
--
--   SEMS_READER_PASSWORD=... psql -v ON_ERROR_STOP=1 -d sems_demo -f 30-reader.sql

\getenv reader_password SEMS_READER_PASSWORD

CREATE ROLE sems_reader LOGIN PASSWORD :'reader_password' CONNECTION LIMIT 4;
-- Belt and braces: the exporter already reads in read-only transactions.
ALTER ROLE sems_reader SET default_transaction_read_only = on;

GRANT USAGE ON SCHEMA public TO sems_reader;
GRANT SELECT ON asset_register, capa_register, training_records, security_tests TO sems_reader;
-- Not the free-text summary column: the exporter never needs it.
GRANT SELECT (incident_no, site_code, category, priority, opened_at, closed_at) ON incident_log TO sems_reader;
