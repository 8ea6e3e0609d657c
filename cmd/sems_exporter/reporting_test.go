package main

import (
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A site with 3 confidential reports exposes no count of them in /metrics:
// not as a count, a rate, a zero, nor by a difference with the counts that
// are exposed. The suppression is in the family's metrics, so the snapshot
// the exporter serves (and whatever else is built from it) never holds it.
func TestFewConfidentialReportsAreNotExposed(t *testing.T) {
	dir := t.TempDir()
	// A header naming the reporter, as a careless export would: never read.
	csv := "report_ref,reporter,site,channel,category,received_at,acknowledged_at,feedback_given_at\n"
	now := time.Now().UTC()
	row := func(ref, channel string, ago time.Duration) string {
		return fmt.Sprintf("%s,Jane Reporter,north,%s,procedure,%s,,\n", ref, channel, now.Add(-ago).Format(time.RFC3339))
	}
	// Six mandatory reports and three confidential ones, all within the
	// last hour: in the same month, whatever the time of the run.
	for i := range 6 {
		csv += row(fmt.Sprintf("M%d", i), "mandatory", time.Duration(i+1)*time.Minute)
	}
	for i := range 3 {
		csv += row(fmt.Sprintf("C%d", i), "confidential", time.Duration(i+10)*time.Minute)
	}
	writeFile(t, filepath.Join(dir, "reporting.csv"), csv)
	config := filepath.Join(dir, "sems.yml")
	writeFile(t, config, `sites: [north]
sources:
  exports: {type: csv, directory: `+dir+`}
families:
  reporting:
    source: exports
    file: reporting.csv
    options:
      headcount: {north: 400}
`)
	p := launch(t, "--config.file="+config)
	p.until(t, "the reporting collection", func(m map[string]float64) bool {
		return m[`sems_collection_success{family="reporting",source="exports"}`] == 1
	})
	resp, err := http.Get(p.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	text := string(body)
	// The six mandatory reports are there, in this month's count, so the
	// check below is of a family that exports counts. (Not in the quarter's
	// unless this is its first month: the other months' 0s are withheld.)
	if !strings.Contains(text, `sems_reporting_reports{channel="mandatory",complete="false",granularity="month"`) {
		t.Errorf("no count of the mandatory reports this month:\n%s", grep(text, "sems_reporting_"))
	}
	for _, line := range strings.Split(text, "\n") {
		if strings.Contains(line, `channel="confidential"`) {
			t.Errorf("/metrics exposes the confidential reports: %s", line)
		}
		if strings.Contains(line, "Jane") || strings.Contains(line, "C0") {
			t.Errorf("/metrics exposes a reporter or a report reference: %s", line)
		}
		// The acknowledged share's denominator would be 9 (6 + 3): neither
		// it nor any total over the channels is exported, as no report is
		// due for acknowledgement yet (48 h).
		if strings.HasPrefix(line, "sems_kpi_denominator{") && strings.Contains(line, "reporting") {
			t.Errorf("/metrics exposes a total of the reports: %s", line)
		}
	}
	if !strings.Contains(text, "sems_reporting_suppressed_counts ") {
		t.Error("/metrics does not count the withheld counts")
	}
	// The status page and the pack are made from the same snapshot: no
	// confidential count, reporter or reference on them either.
	for _, page := range []string{"/", "/pack"} {
		resp, err := http.Get(p.url + page)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %s, %v", page, resp.Status, err)
		}
		if !strings.Contains(strings.ToLower(string(body)), "report") {
			t.Errorf("%s shows nothing of the reporting family", page)
		}
		for _, s := range []string{"onfidential", "Jane", "C0"} {
			if strings.Contains(string(body), s) {
				t.Errorf("%s holds %q:\n%s", page, s, grep(string(body), s))
			}
		}
	}
}

// grep keeps the lines of text that contain s.
func grep(text, s string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, s) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
