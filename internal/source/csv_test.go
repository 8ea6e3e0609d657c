package source_test

import (
	"bytes"
	"context"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sems-exporter/sems_exporter/internal/source"
)

// TestCSVValueMaps reads an export in its source system's own codes,
// mapped as a record query's CASE would map them: P1 is critical, P2 high;
// a code the map does not list passes as it is and is unknown.
func TestCSVValueMaps(t *testing.T) {
	const export = incidentsHeader +
		"INC-1,north,cyber,P1,2026-03-01T00:00:00Z,2026-03-01T01:00:00Z\n" +
		"INC-2,north,cyber, P1 ,2026-03-01T00:00:00Z,2026-03-01T01:00:00Z\n" +
		"INC-3,north,cyber,P2,2026-03-01T00:00:00Z,2026-03-01T01:00:00Z\n" +
		"INC-4,north,cyber,P9,2026-03-01T00:00:00Z,2026-03-01T01:00:00Z\n" +
		"INC-5,north,cyber,p1,2026-03-01T00:00:00Z,2026-03-01T01:00:00Z\n"
	req := incidentsRequest("")
	req.Values = map[string]map[string]string{"severity": {"P1": "critical", "P2": "high"}}
	res, err := source.ReadCSV(context.Background(), strings.NewReader(export), req)
	if err != nil {
		t.Fatal(err)
	}
	// INC-1 and INC-2 (trimmed) are critical, INC-3 high; P9 and the
	// lower-case p1 (codes compare case-sensitively) are unknown.
	if got, want := res.Rejected(), map[string]float64{"unknown_severity": 2}; !reflect.DeepEqual(got, want) {
		t.Errorf("rejected %v, want %v", got, want)
	}
	bySeverity := map[string]float64{}
	for _, g := range res.Accepted() {
		for _, k := range g.Keys {
			if k == "critical" || k == "high" {
				bySeverity[k] += g.Count
			}
		}
	}
	if want := map[string]float64{"critical": 2, "high": 1}; !reflect.DeepEqual(bySeverity, want) {
		t.Errorf("accepted by severity %v, want %v (groups %v)", bySeverity, want, res.Accepted())
	}
}

// TestCSVHeaderErrors: a header without a required column names the file
// and the header found, and a semicolon-separated export is recognised as
// such rather than reported as missing every column.
func TestCSVHeaderErrors(t *testing.T) {
	dir := t.TempDir()
	writeExport(t, dir, "renamed.csv", "Incident No,site,category,severity,reported_at,resolved_at\n")
	writeExport(t, dir, "semicolons.csv", strings.ReplaceAll(incidentsHeader, ",", ";"))
	writeExport(t, dir, "no-header.csv", incidentRows(1))
	for file, want := range map[string][]string{
		"renamed.csv":    {"renamed.csv: ", "lacks required column(s) incident_ref", `the header found: "Incident No", "site", "category"`, "columns:"},
		"semicolons.csv": {"semicolons.csv: ", "separated by ';'", "export it with commas"},
		// The first row is a record: its cells are not shown, whatever
		// they hold.
		"no-header.csv": {"no-header.csv: ", "lacks required column(s)", "is the first row a record"},
	} {
		o := aggregateCSV(t, dir, file, 3*time.Second)
		if o.err == nil {
			t.Errorf("%s: no error", file)
			continue
		}
		for _, w := range want {
			if !strings.Contains(o.err.Error(), w) {
				t.Errorf("%s: error %q does not say %q", file, o.err, w)
			}
		}
		if strings.Contains(o.err.Error(), "INC-00001") {
			t.Errorf("%s: error %q shows a record's cell", file, o.err)
		}
	}
}

// TestCSVRejectedLinesAtDebug: a rejected row's line is logged at debug
// level, with its reason and nothing of its content: the line is how the
// export's owner finds it.
func TestCSVRejectedLinesAtDebug(t *testing.T) {
	const export = incidentsHeader +
		"INC-1,north,cyber,high,2026-03-01T00:00:00Z,2026-03-01T01:00:00Z\n" +
		"INC-2,north,cyber,urgent,2026-03-01T00:00:00Z,2026-03-01T01:00:00Z\n" +
		"INC-3,north\n" +
		"INC-1,north,cyber,high,2026-03-01T00:00:00Z,2026-03-01T01:00:00Z\n"
	var logs bytes.Buffer
	req := incidentsRequest("")
	req.Log = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if _, err := source.ReadCSV(context.Background(), strings.NewReader(export), req); err != nil {
		t.Fatal(err)
	}
	// Line 1 is the header; INC-1 is exported twice, on lines 2 and 5.
	var got []string
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		_, kv, _ := strings.Cut(line, `msg="record rejected" `)
		got = append(got, kv)
	}
	want := []string{"line=2 reason=duplicate_incident_ref", "line=3 reason=unknown_severity", "line=4 reason=malformed_row", "line=5 reason=duplicate_incident_ref"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("debug log:\n%s\nwant lines %q", logs.String(), want)
	}
	if strings.Contains(logs.String(), "INC-") {
		t.Errorf("the log shows a record's reference:\n%s", logs.String())
	}
}
