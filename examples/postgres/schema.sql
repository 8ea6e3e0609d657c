-- A typical security management source system: the registers an airport
-- operator keeps, with their own names and codes. The record queries in
-- ../postgres.yml map them to the exporter's record contracts.
--
-- Constraints are few, as in many source systems: a bad value gets in, and
-- the exporter rejects and counts it rather than showing a wrong KPI.
--
-- Site codes are stored upper-case (NORTH, SOUTH, HARBOUR, VALLEY); the
-- exporter trims and lower-cases every enum value it reads.

DROP TABLE IF EXISTS vigilance_reports, disruption_log, audit_plan, security_tests, training_records, capa_register, incident_log, asset_register;

-- One row per security asset, with its current state.
CREATE TABLE asset_register (
    asset_id         text PRIMARY KEY,
    site_code        text,
    asset_class      text,       -- CCTV, XRAY, WTMD, ETD, ACR, PIDS
    is_critical      boolean NOT NULL DEFAULT false,
    current_state    text,       -- IN_SERVICE, DEGRADED, OUT_OF_SERVICE
    state_changed_at timestamptz
);

CREATE TABLE incident_log (
    incident_no text PRIMARY KEY,
    site_code   text,
    category    text,            -- display name, e.g. 'Perimeter breach'
    priority    text,            -- P1 (critical) to P4 (low)
    summary     text,            -- free text: never selected by a record query
    opened_at   timestamptz,
    closed_at   timestamptz      -- NULL while open
);

-- Corrective and preventive actions.
CREATE TABLE capa_register (
    action_id                text PRIMARY KEY,
    site_code                text,
    action_type              text,        -- CORRECTIVE, PREVENTIVE
    raised_from              text,        -- AUDIT, INCIDENT, COVERT_TEST, INSPECTION, MGMT_REVIEW, STAFF_REPORT
    priority                 text,        -- High, Medium, Low
    raised_on                timestamptz,
    target_date              timestamptz,
    completed_on             timestamptz, -- NULL while open
    effectiveness_checked_on timestamptz
);

-- One row per training requirement of a member of staff, identified by a
-- pseudonymous reference only.
CREATE TABLE training_records (
    person_id      text,
    site_code      text,
    staff_category text,         -- OPS, SUP, SNR, AM (Accountable Manager), CON (contractor)
    course_code    text,         -- AWARENESS, INDUCTION, INSIDER, REPORTING, SCREENER, ACCESS, EMERGENCY, LEADERSHIP
    completed_on   timestamptz,  -- NULL: never completed
    valid_until    timestamptz,  -- NULL: does not expire
    PRIMARY KEY (person_id, course_code)
);

-- Covert and overt security tests.
CREATE TABLE security_tests (
    test_id    text PRIMARY KEY,
    site_code  text,
    test_kind  text,             -- STI (screening threat item), ACCESS, VEHICLE, STAFF
    tester     text,             -- REGULATOR, INTERNAL, CONTRACTOR
    tested_at  timestamptz,
    outcome    text,             -- PASS, FAIL
    root_cause text,             -- PEOPLE, PROCEDURE, EQUIPMENT; NULL on a pass
    capa_ref   text REFERENCES capa_register (action_id)
);

-- The registers behind the organisation's own indicators (the indicators
-- section of ../postgres.yml).

-- The security audit programmes: audits planned and done, per site, month
-- and programme.
CREATE TABLE audit_plan (
    plan_ref       text,
    site_code      text,
    month_start    timestamptz,
    programme      text,         -- INTERNAL, EXTERNAL

    audits_done    integer,
    audits_planned integer
);

-- Security events that held up operations, with the minutes they cost.
CREATE TABLE disruption_log (
    event_no      text,
    site_code     text,
    started_at    timestamptz,
    delay_minutes numeric        -- NULL while not yet assessed
);

-- Staff reports of suspicious items or behaviour. The reporter is not
-- recorded here; nothing identifies them.
CREATE TABLE vigilance_reports (
    report_no   text,
    site_code   text,
    reported_at timestamptz,
    zone        text             -- LANDSIDE, AIRSIDE, PERIMETER
);
