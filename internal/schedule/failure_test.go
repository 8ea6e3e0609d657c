package schedule_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestFailureSaysWhatIsServed: a family whose first collection fails has
// no values to serve, and its log said it served the last good ones. Once
// one has succeeded, a failure serves that one's values, and says from
// when. The snapshot is ready once the family has finished a collection,
// failed or not.
func TestFailureSaysWhatIsServed(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "csv"), 0o700); err != nil {
		t.Fatal(err)
	}
	cfg := parse(t, dir, `sites: [north]
sources:
  exports: {type: csv, directory: csv}
families:
  incidents:
    source: exports
    file: incidents.csv
    schedule: "@every 1s"
`)
	s, snap, logs := newScheduler(t, cfg)
	if snap.Ready() {
		t.Error("ready before any collection")
	}
	s.Start()
	defer s.Stop()
	const none = `msg="collection failed; no values to serve until one succeeds" family=incidents`
	waitFor(t, 10*time.Second, "the first failure", func() bool { return strings.Contains(logs.String(), none) })
	if !snap.Ready() {
		t.Error("not ready after the first collection failed")
	}
	if strings.Contains(logs.String(), "serving the last good values") {
		t.Errorf("a failure before any success claims to serve good values:\n%s", logs)
	}

	path := filepath.Join(dir, "csv", "incidents.csv")
	writeSettled(t, path, "incident_ref,site,category,severity,reported_at,resolved_at\nINC-1,north,cyber,high,2026-03-01T00:00:00Z,\n")
	waitFor(t, 10*time.Second, "a success", func() bool { return strings.Contains(logs.String(), `msg="collection succeeded"`) })
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	served := regexp.MustCompile(`msg="collection failed; serving the last good values" family=incidents .* values_from=20\d\d-\d\d-\d\dT\d\d:\d\d:\d\dZ`)
	waitFor(t, 10*time.Second, "a failure after a success", func() bool { return served.MatchString(logs.String()) })
}

// writeSettled writes a CSV export last modified a minute ago, so that
// the reader need not wait for it to settle.
func writeSettled(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Minute)
	if err := os.Chtimes(path, old, old); err != nil {
		t.Fatal(err)
	}
}
