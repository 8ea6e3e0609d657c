package main

import (
	"net/url"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sems-exporter/sems_exporter/collectors"
)

// TestConfigCheckSources: --config.check says what it does not check, and
// --config.check-sources reads each family's source once: a CSV export
// whose header lacks a column passes the first and fails the second.
func TestConfigCheckSources(t *testing.T) {
	path := demoConfig(t)
	check := func(args ...string) (string, error) {
		out, err := exec.Command(binary, append([]string{"--config.file=" + path, "--config.check"}, args...)...).CombinedOutput()
		return string(out), err
	}
	out, err := check()
	if err != nil || !strings.Contains(out, "Not checked: whether each source can be reached") || !strings.Contains(out, "--config.check-sources") {
		t.Errorf("--config.check: %v\n%s\nwant it to say what it did not check", err, out)
	}
	out, err = check("--config.check-sources")
	if err != nil || !strings.Contains(out, "every family's source answers") {
		t.Fatalf("--config.check --config.check-sources on the demo: %v\n%s", err, out)
	}
	for _, f := range collectors.Names() {
		if !strings.Contains(out, " "+f+" (source demo): ") || !strings.Contains(out, "records read") {
			t.Errorf("the check does not report %s's records:\n%s", f, out)
		}
	}

	csv := filepath.Join(filepath.Dir(path), "csv", "capa.csv")
	writeFile(t, csv, strings.Replace(readFile(t, csv), "action_ref", "ref", 1))
	if out, err := check(); err != nil {
		t.Errorf("--config.check alone read the CSV file: %v\n%s", err, out)
	}
	out, err = check("--config.check-sources")
	want := "capa (source demo): capa.csv: CSV header lacks required column(s) action_ref"
	if err == nil || !strings.Contains(out, want) {
		t.Errorf("--config.check-sources with a broken header: %v\n%s\nwant %q", err, out, want)
	}
}

// TestConfigCheckSourcesWarnsOfWritableRole: --config.check-sources
// checks the role a PostgreSQL source connects as, as each collection
// does, and warns of one that can write, without failing the check.
func TestConfigCheckSourcesWarnsOfWritableRole(t *testing.T) {
	server := startPostgres(t)
	dsn, err := server.NewDatabase("checkrole")
	if err != nil {
		t.Fatal(err)
	}
	openDB(t, dsn, assetsSQL+`
DROP ROLE IF EXISTS sems_check_reader;
CREATE ROLE sems_check_reader LOGIN;
GRANT SELECT ON assets TO sems_check_reader;
`)
	reader, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	reader.User = url.User("sems_check_reader")
	path := postgresConfig(t, "    type: postgres\n    dsn_env: SEMS_TEST_CHECK_DSN")
	const warning = "msg=\"the source's database role can write"
	for user, dsn := range map[string]string{"postgres": dsn, "sems_check_reader": reader.String()} {
		t.Setenv("SEMS_TEST_CHECK_DSN", dsn)
		out, err := exec.Command(binary, "--config.file="+path, "--config.check", "--config.check-sources").CombinedOutput()
		if err != nil || !strings.Contains(string(out), "every family's source answers") {
			t.Errorf("%s: %v\n%s\nwant the check to pass", user, err, out)
		}
		if warned := strings.Contains(string(out), warning); warned != (user == "postgres") {
			t.Errorf("%s: warned that the role can write: %v, want %v\n%s", user, warned, user == "postgres", out)
		}
	}
}
