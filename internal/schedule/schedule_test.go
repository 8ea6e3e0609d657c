package schedule_test

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/goleak"

	"github.com/sems-exporter/sems_exporter/collectors"
	"github.com/sems-exporter/sems_exporter/examples"
	"github.com/sems-exporter/sems_exporter/internal/config"
	"github.com/sems-exporter/sems_exporter/internal/demo"
	"github.com/sems-exporter/sems_exporter/internal/promtest"
	"github.com/sems-exporter/sems_exporter/internal/schedule"
	"github.com/sems-exporter/sems_exporter/internal/snapshot"
	"github.com/sems-exporter/sems_exporter/internal/syncbuf"
)

// parse validates a configuration as if it were dir/sems.yml.
func parse(t *testing.T, dir, text string) *config.Config {
	t.Helper()
	c, err := config.Parse(filepath.Join(dir, "sems.yml"), []byte(text))
	if err != nil {
		t.Fatalf("configuration: %v", err)
	}
	return c
}

func gather(t *testing.T, g prometheus.Gatherer) map[string]float64 {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatalf("gathering: %v", err)
	}
	return promtest.Flatten(mfs)
}

// waitFor polls cond until it holds; every wait in these tests is bounded.
func waitFor(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, within)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// newScheduler builds a scheduler of cfg over a fresh snapshot, logging
// to a buffer that the test prints if it fails.
func newScheduler(t *testing.T, cfg *config.Config) (*schedule.Scheduler, *snapshot.Snapshot, *syncbuf.Buffer) {
	t.Helper()
	logs := &syncbuf.Buffer{}
	snap := snapshot.New()
	s, err := schedule.New(cfg, snap, slog.New(slog.NewTextHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("scheduler log:\n%s", logs)
		}
	})
	return s, snap, logs
}

func health(metric, family, source string) string {
	return fmt.Sprintf("%s{family=%q,source=%q}", metric, family, source)
}

func TestBadRecordsRejectedAndCounted(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "csv"), 0o700); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Second)
	at := func(d time.Duration) string { return now.Add(d).Format(time.RFC3339) }
	// Three good records, then one bad record per reason (two for
	// unknown_severity and malformed_row). The bad ones carry what a source
	// system's free text holds: a name, a staff number, a sentence.
	rows := []string{
		"incident_ref,site,category,severity,reported_at,resolved_at",
		"INC-1001,north,cyber,high," + at(-48*time.Hour) + "," + at(-47*time.Hour),
		"INC-1002, North ,Cyber,HIGH," + at(-30*time.Hour) + "," + at(-2*time.Hour),
		"INC-1003,south,other,low," + at(-10*time.Hour) + ",",
		",north,cyber,high," + at(-5*time.Hour) + ",",
		"INC-1005,,cyber,high," + at(-5*time.Hour) + ",",
		"INC-1006,north,,high," + at(-5*time.Hour) + ",",
		"INC-1007,north,cyber,," + at(-5*time.Hour) + ",",
		"INC-1008,north,cyber,high,,",
		"INC-1009,John Smith,cyber,high," + at(-5*time.Hour) + ",",
		`INC-1010,north,"Bag left by Mrs O'Brien, gate 3!",high,` + at(-5*time.Hour) + ",",
		"INC-1011,north,cyber,P000123," + at(-5*time.Hour) + ",",
		"INC-1012,north,cyber,urgent," + at(-5*time.Hour) + ",",
		"INC-1013,north,cyber,high," + at(-10*time.Hour) + "," + at(-12*time.Hour),
		"INC-1014,north,cyber,high,9999-12-31T23:59:59Z,",
		"INC-1015,north,cyber,high," + at(-5*time.Hour) + "," + at(30*24*time.Hour),
		"INC-1016,north,cyber,high,yesterday,",
		"INC-1017,north,cyber,high",
		"INC-1018,north,cyber,high," + at(-5*time.Hour) + ",,extra",
	}
	if err := os.WriteFile(filepath.Join(dir, "csv", "incidents.csv"), []byte(strings.Join(rows, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := parse(t, dir, `sites: [north, south]
sources:
  exports: {type: csv, directory: csv}
families:
  incidents:
    source: exports
    file: incidents.csv
    schedule: "@every 1s"
`)
	s, snap, logs := newScheduler(t, cfg)
	reg := snap // scrapes read the snapshot only
	s.Start()
	runs := health("sems_collections_total", "incidents", "exports")
	waitFor(t, 30*time.Second, "two collections", func() bool { return gather(t, reg)[runs] >= 2 })
	s.Stop()
	got := gather(t, reg)

	wantRejected := map[string]float64{
		"missing_incident_ref": 1, "missing_site": 1, "missing_category": 1, "missing_severity": 1,
		"missing_reported_at": 1, "unknown_site": 1, "unknown_category": 1, "unknown_severity": 2,
		"resolved_before_reported": 1, "future_reported_at": 1, "future_resolved_at": 1,
		"invalid_reported_at": 1, "malformed_row": 2,
	}
	f, _ := collectors.Lookup("incidents")
	reasons := f.Shape(cfg.Families[0].Settings).Reasons()
	for _, reason := range reasons {
		key := fmt.Sprintf(`sems_collection_records_rejected{family="incidents",reason=%q,source="exports"}`, reason)
		if v, ok := got[key]; !ok || v != wantRejected[reason] {
			t.Errorf("%s = %v (present %v), want %v", key, v, ok, wantRejected[reason])
		}
	}
	for reason := range wantRejected {
		if !slices.Contains(reasons, reason) {
			t.Errorf("reason %s is not in the family's reasons %v", reason, reasons)
		}
	}

	// 18 data rows: 3 accepted, 15 rejected. The accepted ones are all
	// counted: north/high/cyber holds INC-1001 (resolved in 3600 s, within
	// the 24 h target) and INC-1002 (resolved in 28 h = 100800 s, over it);
	// south/low/other holds INC-1003, open.
	want := map[string]float64{
		health("sems_collection_records", "incidents", "exports"):                                   18,
		health("sems_collection_success", "incidents", "exports"):                                   1,
		`sems_incidents_reported_total{category="cyber",severity="high",site="north"}`:              2,
		`sems_incidents_reported_total{category="other",severity="low",site="south"}`:               1,
		`sems_incidents_open{severity="low",site="south"}`:                                          1,
		`sems_incidents_open{severity="high",site="north"}`:                                         0,
		`sems_incidents_resolved_in_window{severity="high",site="north"}`:                           2,
		`sems_incidents_resolved_in_window_within_target{severity="high",site="north"}`:             1,
		`sems_incidents_resolution_duration_seconds_sum{severity="high",site="north"}`:              3600 + 100800,
		`sems_incidents_resolution_duration_seconds_count{severity="high",site="north"}`:            2,
		`sems_incidents_resolution_duration_seconds_bucket{le="3600",severity="high",site="north"}`: 1,
	}
	for key, v := range want {
		if got[key] != v {
			t.Errorf("%s = %v, want %v", key, got[key], v)
		}
	}

	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	allowed := map[string][]string{"site": {"north", "south"},
		"severity": vocabularyOf(t, "incidents", "severity"), "category": vocabularyOf(t, "incidents", "category"),
		"family": {"incidents"}, "source": {"exports"}, "reason": reasons}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if vocab, ok := allowed[l.GetName()]; ok && !slices.Contains(vocab, l.GetValue()) {
					t.Errorf("%s has %s=%q, outside its vocabulary", mf.GetName(), l.GetName(), l.GetValue())
				}
			}
		}
	}

	// One line per collection, by reason and count; nothing of a record's
	// content, which may identify a person.
	text := logs.String()
	var lines []string
	for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
		if strings.Contains(line, `msg="collection succeeded"`) {
			lines = append(lines, line)
		}
	}
	if n := float64(len(lines)); n != got[runs] {
		t.Errorf("%v collection log lines for %v collections:\n%s", n, got[runs], text)
	}
	for _, line := range lines {
		for _, part := range []string{"records=18", "rejected.unknown_severity=2", "rejected.malformed_row=2", "rejected.resolved_before_reported=1", "rejected.future_reported_at=1"} {
			if !strings.Contains(line, part) {
				t.Errorf("collection log line lacks %q: %s", part, line)
			}
		}
	}
	for _, content := range []string{"INC-", "John Smith", "P000123", "O'Brien", "gate 3", "urgent", "yesterday", "extra"} {
		if strings.Contains(text, content) {
			t.Errorf("the log holds record content %q:\n%s", content, text)
		}
	}
}

// vocabularyOf returns the default vocabulary of a family's enum column.
func vocabularyOf(t *testing.T, family, column string) []string {
	t.Helper()
	f, _ := collectors.Lookup(family)
	for _, c := range f.Columns() {
		if c.Name == column {
			return c.Allowed
		}
	}
	t.Fatalf("%s has no column %s", family, column)
	return nil
}

// TestConcurrentScrapesAndReloads scrapes from many goroutines while
// collections run every second and the configuration is reloaded again and
// again, the way the exporter's reloader swaps schedulers. Run with -race.
func TestConcurrentScrapesAndReloads(t *testing.T) {
	dir := t.TempDir()
	csvDir := filepath.Join(dir, "csv")
	if err := os.Mkdir(csvDir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := demo.Generate().WriteCSV(csvDir, time.Now().UTC()); err != nil {
		t.Fatal(err)
	}
	// The first 200 records of each family keep every collection short
	// under the race detector; the point is the interleaving, not volume.
	files, _ := filepath.Glob(filepath.Join(csvDir, "*.csv"))
	for _, path := range files {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if lines := strings.SplitAfter(string(b), "\n"); len(lines) > 201 {
			if err := os.WriteFile(path, []byte(strings.Join(lines[:201], "")), 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	// One of the four sites keeps each scrape small under the race detector.
	const sites = "sites: [north, south, harbour, valley]"
	if !strings.Contains(string(examples.DemoConfig), sites) {
		t.Fatalf("the demo configuration does not list %q", sites)
	}
	full := strings.ReplaceAll(string(examples.DemoConfig), `"@every 1m"`, `"@every 1s"`)
	full = strings.Replace(full, sites, "sites: [harbour]", 1)
	// A headcount is of a configured site: keep harbour's alone.
	full = regexp.MustCompile(`headcount: \{.*\}`).ReplaceAllString(full, "headcount: {harbour: 570}")
	// covert_tests is the last family of the demo configuration: every other
	// reload drops it, and the next brings it back.
	cut := strings.Index(full, "\n  covert_tests:")
	if cut < 0 {
		t.Fatal("the demo configuration has no covert_tests family")
	}
	variants := []string{full, full[:cut+1]}

	snap := snapshot.New()
	reg := snap // scrapes read the snapshot only
	logger := slog.New(slog.NewTextHandler(&syncbuf.Buffer{}, nil))

	var (
		stop    = make(chan struct{})
		wg      sync.WaitGroup
		scrapes atomic.Int64
		errs    = make(chan error, 50)
	)
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				mfs, err := reg.Gather()
				if err != nil {
					errs <- err
					return
				}
				// A scrape sees each family's health whole: every family
				// with a success gauge also has its counters.
				flat := promtest.Flatten(mfs)
				for key := range flat {
					if rest, ok := strings.CutPrefix(key, "sems_collection_success{"); ok {
						if _, ok := flat["sems_collections_total{"+rest]; !ok {
							errs <- fmt.Errorf("scrape has %s without its sems_collections_total", key)
							return
						}
					}
				}
				scrapes.Add(1)
				time.Sleep(200 * time.Millisecond)
			}
		}()
	}

	var running *schedule.Scheduler
	const reloads = 6
	for i := range reloads {
		next, err := schedule.New(parse(t, dir, variants[i%2]), snap, logger)
		if err != nil {
			t.Fatal(err)
		}
		if running != nil {
			running.Stop()
		}
		next.Start()
		running = next
		time.Sleep(300 * time.Millisecond)
	}
	// The last reload, i = 5, loaded variants[1]: back to every family.
	last, err := schedule.New(parse(t, dir, full), snap, logger)
	if err != nil {
		t.Fatal(err)
	}
	running.Stop()
	// Nothing collects between these two lines: the counts are stable.
	before := gather(t, reg)
	last.Start()
	reloaded := time.Now()
	waitFor(t, 60*time.Second, "every family collected by the last scheduler", func() bool {
		got := gather(t, reg)
		for _, f := range collectors.Names() {
			runs := health("sems_collections_total", f, "demo")
			if got[runs] <= before[runs] || got[health("sems_collection_success", f, "demo")] != 1 {
				return false
			}
		}
		return true
	})
	collected := time.Since(reloaded).Round(time.Millisecond)
	close(stop)
	wg.Wait()
	last.Stop()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if scrapes.Load() == 0 {
		t.Error("no scrape completed")
	}
	t.Logf("%d scrapes during %d reloads; every family collected %v after the last", scrapes.Load(), reloads+1, collected)
	goleak.VerifyNone(t)
}
