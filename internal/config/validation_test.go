package config

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// base is valid: one csv and one postgres source, a family on each.
const base = `sites: [north, south]
sources:
  exports:
    type: csv
    directory: csv
  db:
    type: postgres
    dsn_env: SEMS_VALIDATION_DSN
families:
  equipment:
    source: exports
    file: equipment.csv
    vocabulary:
      equipment_type: [cctv, xray]
  incidents:
    source: db
    query: SELECT * FROM incident_log
    options: {window: 90d}
`

// errorLine is the form of every line of a validation error after the
// file's name: a line number and a problem.
var errorLine = regexp.MustCompile(`^:[1-9][0-9]*: [^: ]`)

// namesFileAndLine reports whether an error line reads FILE:LINE: PROBLEM.
func namesFileAndLine(path, line string) bool {
	rest, ok := strings.CutPrefix(line, path)
	return ok && errorLine.MatchString(rest)
}

func TestValidationErrorsNameFileLineAndProblem(t *testing.T) {
	t.Setenv("SEMS_VALIDATION_DSN", "postgres://reader@db/sems")
	if _, err := Load(write(t, base)); err != nil {
		t.Fatalf("the base configuration is invalid: %v", err)
	}
	// Each case breaks base in one place. at is text on the line the error
	// must point at in the broken file: the offending key or value, or the
	// first line of the block a missing or conflicting key belongs in.
	cases := []struct {
		name, old, new, at, msg string
	}{
		{"vocabulary value with spaces", "[cctv, xray]", "[cctv, Body Scanner]", "equipment_type:", `"Body Scanner" is not a label value`},
		{"vocabulary value upper-case", "[cctv, xray]", "[cctv, XRAY]", "equipment_type:", `"XRAY" is not a label value`},
		{"vocabulary value with punctuation", "[cctv, xray]", `[cctv, "P. Smith's"]`, "equipment_type:", `"P. Smith's" is not a label value`},
		{"vocabulary value listed twice", "[cctv, xray]", "[cctv, cctv]", "equipment_type:", `"cctv" is listed twice`},
		{"empty vocabulary", "[cctv, xray]", "[]", "equipment_type:", "the list is empty"},
		{"vocabulary for the site column", "      equipment_type: [cctv, xray]\n", "      equipment_type: [cctv, xray]\n      site: [north]\n", "site: [north]", `"site" is not an enum column`},
		{"vocabulary for a text column", "      equipment_type: [cctv, xray]\n", "      equipment_type: [cctv, xray]\n      asset_ref: [a1]\n", "asset_ref:", `"asset_ref" is not an enum column`},
		{"site code upper-case", "[north, south]", "[north, South]", "sites:", `"South" is not a site code`},
		{"site code is a name", "[north, south]", "[north, John Smith]", "sites:", `"John Smith" is not a site code`},
		{"site listed twice", "[north, south]", "[north, north]", "sites:", `"north" is listed twice`},
		{"dsn_env and dsn_file", "    dsn_env: SEMS_VALIDATION_DSN\n", "    dsn_env: SEMS_VALIDATION_DSN\n    dsn_file: /run/secrets/dsn\n", "type: postgres", "set dsn_env or dsn_file, not both"},
		{"dsn_file missing", "dsn_env: SEMS_VALIDATION_DSN", "dsn_file: /nonexistent/sems-dsn", "dsn_file:", "reading dsn_file"},
		{"too many connections", "    dsn_env: SEMS_VALIDATION_DSN\n", "    dsn_env: SEMS_VALIDATION_DSN\n    max_connections: 50\n", "max_connections:", "max_connections must be between 1 and 20, got 50"},
		{"dsn on a csv source", "    directory: csv\n", "    directory: csv\n    dsn_env: SEMS_VALIDATION_DSN\n", "type: csv", "dsn_env, dsn_file and max_connections are for postgres sources"},
		{"postgres family without a query", "    query: SELECT * FROM incident_log\n", "", "source: db", "a postgres source needs a record query"},
		{"postgres family with a file", "    query: SELECT * FROM incident_log\n", "    query: SELECT * FROM incident_log\n    file: incidents.csv\n", "file: incidents.csv", "file and columns are for csv sources"},
		{"csv family without a file", "    file: equipment.csv\n", "", "source: exports", "a csv source needs a file"},
		{"six-field cron", "    file: equipment.csv\n", "    file: equipment.csv\n    schedule: \"0 0 6 * * *\"\n", "schedule:", `invalid schedule "0 0 6 * * *"`},
		{"negative timeout", "    file: equipment.csv\n", "    file: equipment.csv\n    timeout: -5s\n", "timeout:", "families.equipment.timeout"},
		{"option out of range", "{window: 90d}", "{window: 0s}", "options:", "window must be positive"},
		{"target for an unknown severity", "    options: {window: 90d}\n", "    options: {window: 90d}\n    targets:\n      resolution: {urgent: 1h}\n", "source: db", `"urgent" is not a severity`},
		{"value map on a postgres family", "    query: SELECT * FROM incident_log\n", "    query: SELECT * FROM incident_log\n    values: {severity: {P1: critical}}\n", "values:", "values is for csv sources"},
		{"value map of a text column", "    file: equipment.csv\n", "    file: equipment.csv\n    values:\n      asset_ref: {A: b}\n", "asset_ref:", `"asset_ref" is not an enum or boolean column`},
		{"value map to a non-value", "    file: equipment.csv\n", "    file: equipment.csv\n    values:\n      equipment_type:\n        XR: X Ray\n", "X Ray", `"XR" maps to "X Ray", which is not a value`},
		{"value map to a non-boolean", "    file: equipment.csv\n", "    file: equipment.csv\n    values:\n      critical:\n        J: maybe\n", "maybe", "which is not a boolean"},
		{"wrong type", "sites: [north, south]", "sites: north", "sites:", "cannot unmarshal"},
		{"control character", "    file: equipment.csv\n", "    file: \"equipment\x01.csv\"\n", "equipment\x01", "control characters are not allowed"},
		{"unknown time zone", "sites: [north, south]\n", "sites: [north, south]\ncalendar:\n  time_zone: Europe/Londres\n", "time_zone:", `"Europe/Londres" is not an IANA time zone name`},
		{"host time zone", "sites: [north, south]\n", "sites: [north, south]\ncalendar:\n  time_zone: Local\n", "time_zone:", "Local depends on the host"},
		{"financial year not a month", "sites: [north, south]\n", "sites: [north, south]\ncalendar:\n  financial_year_start: 4\n", "financial_year_start:", `"4" is not a month`},
		{"no months", "sites: [north, south]\n", "sites: [north, south]\ncalendar:\n  months: 0\n", "months:", "calendar.months: between 1 and 60, got 0"},
		{"too many quarters", "sites: [north, south]\n", "sites: [north, south]\ncalendar: {quarters: 40}\n", "calendar:", "calendar.quarters: between 1 and 20, got 40"},
		{"unknown calendar key", "sites: [north, south]\n", "sites: [north, south]\ncalendar:\n  timezone: UTC\n", "timezone:", "timezone"},
		{"invalid UTF-8", "    file: equipment.csv\n", "    file: equipment\xff.csv\n", "equipment\xff", "UTF-8"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { breaking(t, base, tc.old, tc.new, tc.at, tc.msg) })
	}
}

// breaking replaces old by new in a valid configuration and requires an
// error on the line holding at, containing msg.
func breaking(t *testing.T, valid, old, new, at, msg string) {
	t.Helper()
	if !strings.Contains(valid, old) {
		t.Fatalf("test case does not apply: %q not in the configuration", old)
	}
	text := strings.Replace(valid, old, new, 1)
	line := lineOf(t, text, at)
	path := write(t, text)
	_, err := Load(path)
	if err == nil {
		t.Fatal("Load succeeded, want an error")
	}
	checkErrorLines(t, path, err)
	prefix := fmt.Sprintf("%s:%d: ", path, line)
	for _, l := range strings.Split(err.Error(), "\n") {
		if strings.HasPrefix(l, prefix) && strings.Contains(l, msg) {
			return
		}
	}
	t.Errorf("error %q\nwant a line starting %q containing %q", err, prefix, msg)
}

// checkErrorLines requires every line of a validation error to name the
// file, a line and a problem.
func checkErrorLines(t *testing.T, path string, err error) {
	t.Helper()
	for _, l := range strings.Split(err.Error(), "\n") {
		if !namesFileAndLine(path, l) {
			t.Errorf("error line %q does not read %s:LINE: PROBLEM", l, path)
		}
	}
}

func lineOf(t *testing.T, text, needle string) int {
	t.Helper()
	for i, l := range strings.Split(text, "\n") {
		if strings.Contains(l, needle) {
			return i + 1
		}
	}
	t.Fatalf("%q is not in the configuration", needle)
	return 0
}

// TestValidationReportsEveryProblemAtOnce breaks one file in many places
// that decode cleanly; every problem is reported, each at its own line.
func TestValidationReportsEveryProblemAtOnce(t *testing.T) {
	text := `sites: [north, north]
sources:
  db:
    type: postgres
    dsn_file: /nonexistent/sems-dsn
    max_connections: 50
  exports: {type: csv, directory: csv, dsn_env: SEMS_VALIDATION_DSN}
families:
  incidents:
    source: db  # incidents
    file: incidents.csv
    options: {window: 0s}
  capa:
    source: exports  # capa
  training:
    source: exports
    file: training.csv
    targets:
      current_ratio: {green: 1.5}
  covert_tests:
    source: exports  # covert_tests
    file: covert_tests.csv
    vocabulary:
      result: [pass, fail, void]
  equipment:
    source: exports
    file: equipment.csv
    vocabulary:
      status: [serviceable, Out Of Service]
`
	path := write(t, text)
	_, err := Load(path)
	if err == nil {
		t.Fatal("Load succeeded, want errors")
	}
	checkErrorLines(t, path, err)
	for _, want := range []struct{ at, msg string }{
		{"sites:", `"north" is listed twice`},
		{"dsn_file:", "reading dsn_file"},
		{"max_connections:", "max_connections must be between 1 and 20"},
		{"exports:", "dsn_env, dsn_file and max_connections are for postgres sources"},
		{"# incidents", "a postgres source needs a record query"},
		{"file: incidents.csv", "file and columns are for csv sources"},
		{"options:", "window must be positive"},
		{"# capa", "a csv source needs a file"},
		{"current_ratio:", "ratio target needs 0 <= amber <= green <= 1"},
		{"# covert_tests", "the result vocabulary must be exactly pass and fail"},
		{"status:", `"Out Of Service" is not a label value`},
	} {
		line := fmt.Sprintf("%s:%d: ", path, lineOf(t, text, want.at))
		found := false
		for _, l := range strings.Split(err.Error(), "\n") {
			found = found || strings.HasPrefix(l, line) && strings.Contains(l, want.msg)
		}
		if !found {
			t.Errorf("no line starting %q containing %q in\n%v", line, want.msg, err)
		}
	}
}

func TestEmptyFile(t *testing.T) {
	path := write(t, "")
	_, err := Load(path)
	if err == nil || err.Error() != path+": the file is empty" {
		t.Errorf("error = %v, want %q", err, path+": the file is empty")
	}
	if _, err := Parse(filepath.Join(t.TempDir(), "sems.yml"), []byte("# comments only\n")); err == nil {
		t.Error("a file of comments only was accepted")
	}
}

// TestConnectionStringParsed: --config.check passed SEMS_POSTGRES_DSN='not
// a dsn', which start-up then refused with neither file nor line. The
// string is refused at the line that names it, and never shown.
func TestConnectionStringParsed(t *testing.T) {
	for _, dsn := range []string{"not a dsn", "postgres://reader:s3cret@db:port/sems", "host=db password='s3cret"} {
		t.Setenv("SEMS_VALIDATION_DSN", dsn)
		path := write(t, base)
		_, err := Load(path)
		want := fmt.Sprintf("%s:%d: sources.db: the connection string in environment variable SEMS_VALIDATION_DSN is not valid", path, lineOf(t, base, "dsn_env:"))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want %q", dsn, err, want)
		}
		if err != nil && (strings.Contains(err.Error(), "s3cret") || strings.Contains(err.Error(), dsn)) {
			t.Errorf("%q: the error shows the connection string: %v", dsn, err)
		}
	}
}
