package demo_test

import (
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"encoding/csv"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/sems-exporter/sems_exporter/internal/config"
	"github.com/sems-exporter/sems_exporter/internal/demo"
	"github.com/sems-exporter/sems_exporter/internal/exampledata"
	"github.com/sems-exporter/sems_exporter/internal/pgtest"
	"github.com/sems-exporter/sems_exporter/internal/records"
	"github.com/sems-exporter/sems_exporter/internal/source"
)

const day = 24 * time.Hour

var anchor = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

func TestGenerateIsDeterministic(t *testing.T) {
	a, b := demo.Generate(), demo.Generate()
	if !reflect.DeepEqual(a, b) {
		t.Fatal("two calls of Generate differ")
	}
	var sa, sb bytes.Buffer
	if err := a.WriteSQL(&sa); err != nil {
		t.Fatal(err)
	}
	if err := b.WriteSQL(&sb); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(sa.Bytes(), sb.Bytes()) {
		t.Fatal("two seed scripts of the same dataset differ")
	}
}

// Another seed is another organisation: the same sites, other records.
func TestGenerateSeed(t *testing.T) {
	a, b := demo.Generate(), demo.GenerateSeed(demo.DefaultSeed+1)
	if !slices.Equal(a.Sites, b.Sites) {
		t.Errorf("sites differ: %v and %v", a.Sites, b.Sites)
	}
	if reflect.DeepEqual(exampledata.DemoRecords[exampledata.Incident](a, "incidents"), exampledata.DemoRecords[exampledata.Incident](b, "incidents")) {
		t.Error("two seeds gave the same incidents")
	}
}

// ago is how long before the load time a moment lies.
func ago(m exampledata.Moment) time.Duration { return -m.Offset }

// situation is something the dataset must show on a dashboard.
type situation struct {
	name string
	n    int
}

func atLeast(t *testing.T, min int, situations ...situation) {
	t.Helper()
	for _, s := range situations {
		if s.n < min {
			t.Errorf("%s: %d records, want at least %d", s.name, s.n, min)
		}
	}
}

func countOf[T any](rs []T, pred func(T) bool) int {
	n := 0
	for _, r := range rs {
		if pred(r) {
			n++
		}
	}
	return n
}

// worst returns the site with the highest share of records meeting bad.
func worst[T any](d *demo.Dataset, rs []T, site func(T) string, bad func(T) bool) string {
	share := map[string]float64{}
	for _, s := range d.Sites {
		in := slices.DeleteFunc(slices.Clone(rs), func(r T) bool { return site(r) != s })
		share[s] = float64(countOf(in, bad)) / float64(len(in))
	}
	return slices.MaxFunc(d.Sites, func(a, b string) int { return int(math.Copysign(1, share[a]-share[b])) })
}

func TestDatasetCoversSituations(t *testing.T) {
	d := demo.Generate()
	equipment := exampledata.DemoRecords[exampledata.Asset](d, "equipment")
	incidents := exampledata.DemoRecords[exampledata.Incident](d, "incidents")
	capa := exampledata.DemoRecords[exampledata.Action](d, "capa")
	training := exampledata.DemoRecords[exampledata.Requirement](d, "training")
	covertTests := exampledata.DemoRecords[exampledata.CovertTest](d, "covert_tests")
	if want := []string{"north", "south", "harbour", "valley"}; !slices.Equal(d.Sites, want) {
		t.Errorf("sites = %v, want %v", d.Sites, want)
	}

	t.Run("equipment", func(t *testing.T) {
		if n := len(equipment); n < 200 || n > 800 {
			t.Errorf("%d assets, want a few hundred", n)
		}
		serviceable := countOf(equipment, func(a exampledata.Asset) bool { return a.Status == "serviceable" })
		if float64(serviceable) < 0.9*float64(len(equipment)) {
			t.Errorf("%d of %d assets serviceable, want most", serviceable, len(equipment))
		}
		atLeast(t, 2,
			situation{"degraded", countOf(equipment, func(a exampledata.Asset) bool { return a.Status == "degraded" })},
			situation{"unserviceable", countOf(equipment, func(a exampledata.Asset) bool { return a.Status == "unserviceable" })},
			situation{"critical out over 4h", countOf(equipment, func(a exampledata.Asset) bool {
				return a.Critical && a.Status == "unserviceable" && ago(a.StatusSince) > 4*time.Hour
			})})
		if w := worst(d, equipment, func(a exampledata.Asset) string { return a.Site },
			func(a exampledata.Asset) bool { return a.Status != "serviceable" }); w != "harbour" {
			t.Errorf("site with most assets out of service: %s, want harbour", w)
		}
	})

	t.Run("incidents", func(t *testing.T) {
		target := map[string]time.Duration{"critical": 2 * time.Hour, "high": day, "medium": 3 * day, "low": 7 * day}
		late := func(i exampledata.Incident) bool {
			return i.Resolved.Valid && i.Resolved.Offset-i.Reported.Offset > target[i.Severity]
		}
		if n := len(incidents); n < 2000 || n > 5000 {
			t.Errorf("%d incidents, want a few thousand", n)
		}
		oldest := slices.MinFunc(incidents, func(a, b exampledata.Incident) int { return cmp.Compare(a.Reported.Offset, b.Reported.Offset) })
		if ago(oldest.Reported) < 700*day {
			t.Errorf("oldest incident %v ago, want about 2 years", ago(oldest.Reported))
		}
		open := countOf(incidents, func(i exampledata.Incident) bool { return !i.Resolved.Valid })
		if open < 5 || open > len(incidents)/10 {
			t.Errorf("%d open incidents, want some but few", open)
		}
		for sev := range target {
			atLeast(t, 1,
				situation{sev + " resolved in time", countOf(incidents, func(i exampledata.Incident) bool {
					return i.Severity == sev && i.Resolved.Valid && !late(i)
				})},
				situation{sev + " resolved late", countOf(incidents, func(i exampledata.Incident) bool { return i.Severity == sev && late(i) })})
		}
		for _, c := range []string{"prohibited_item", "unauthorised_access", "perimeter_breach", "suspicious_behaviour",
			"insider_activity", "equipment_tampering", "cyber", "other"} {
			atLeast(t, 1, situation{c, countOf(incidents, func(i exampledata.Incident) bool { return i.Category == c })})
		}
		if w := worst(d, incidents, func(i exampledata.Incident) string { return i.Site }, late); w != "harbour" {
			t.Errorf("site resolving most incidents late: %s, want harbour", w)
		}
	})

	t.Run("capa", func(t *testing.T) {
		open := func(a exampledata.Action) bool { return !a.Closed.Valid }
		overdue := func(a exampledata.Action) bool { return open(a) && a.Due.Offset < 0 }
		lateClosed := func(a exampledata.Action) bool { return a.Closed.Valid && a.Closed.Offset > a.Due.Offset }
		band := func(lo, hi time.Duration) situation {
			return situation{fmt.Sprintf("open, age in (%v, %v]", lo, hi), countOf(capa, func(a exampledata.Action) bool {
				return open(a) && ago(a.Raised) > lo && ago(a.Raised) <= hi
			})}
		}
		atLeast(t, 2,
			band(0, 30*day), band(30*day, 60*day), band(60*day, 90*day), band(90*day, 10*365*day),
			situation{"overdue high-priority corrective", countOf(capa, func(a exampledata.Action) bool {
				return overdue(a) && a.Kind == "corrective" && a.Priority == "high"
			})},
			situation{"overdue for more than 90 days", countOf(capa, func(a exampledata.Action) bool {
				return overdue(a) && ago(a.Raised) > 90*day
			})},
			situation{"closed on time", countOf(capa, func(a exampledata.Action) bool { return a.Closed.Valid && !lateClosed(a) })},
			situation{"closed late", countOf(capa, lateClosed)},
			situation{"closed, awaiting effectiveness review", countOf(capa, func(a exampledata.Action) bool {
				return a.Closed.Valid && !a.Reviewed.Valid
			})},
			situation{"effectiveness reviewed", countOf(capa, func(a exampledata.Action) bool { return a.Reviewed.Valid })})
		if w := worst(d, capa, func(a exampledata.Action) string { return a.Site }, lateClosed); w != "harbour" {
			t.Errorf("site closing most actions late: %s, want harbour", w)
		}
	})

	t.Run("training", func(t *testing.T) {
		ref := regexp.MustCompile(`^P\d{6}$`)
		people := map[string]bool{}
		for _, r := range training {
			if !ref.MatchString(r.Person) {
				t.Fatalf("person_ref %q is not pseudonymous", r.Person)
			}
			people[r.Person] = true
		}
		if n := len(people); n < 2900 || n > 3100 {
			t.Errorf("%d people, want about 3000", n)
		}
		current := func(r exampledata.Requirement) bool {
			return r.Completed.Valid && (!r.Expires.Valid || r.Expires.Offset > 0)
		}
		atLeast(t, 2,
			situation{"current", countOf(training, current)},
			situation{"expired", countOf(training, func(r exampledata.Requirement) bool {
				return r.Completed.Valid && r.Expires.Valid && r.Expires.Offset <= 0
			})},
			situation{"never completed", countOf(training, func(r exampledata.Requirement) bool { return !r.Completed.Valid })},
			situation{"expiring within 30 days", countOf(training, func(r exampledata.Requirement) bool {
				return current(r) && r.Expires.Valid && r.Expires.Offset <= 30*day
			})},
			situation{"no expiry", countOf(training, func(r exampledata.Requirement) bool { return r.Completed.Valid && !r.Expires.Valid })})
		for _, role := range []string{"operational", "supervisor_manager", "senior_manager", "accountable_manager", "third_party"} {
			atLeast(t, 1, situation{role, countOf(training, func(r exampledata.Requirement) bool { return r.Role == role })})
		}
		if w := worst(d, training, func(r exampledata.Requirement) string { return r.Site },
			func(r exampledata.Requirement) bool { return !current(r) }); w != "harbour" {
			t.Errorf("site with least current training: %s, want harbour", w)
		}
	})

	t.Run("covert tests", func(t *testing.T) {
		actions := map[string]exampledata.Action{}
		for _, a := range capa {
			actions[a.Ref] = a
		}
		fail := func(c exampledata.CovertTest) bool { return c.Result == "fail" }
		atLeast(t, 2,
			situation{"passes", countOf(covertTests, func(c exampledata.CovertTest) bool { return c.Result == "pass" })},
			situation{"failures older than 14 days with an action", countOf(covertTests, func(c exampledata.CovertTest) bool {
				return fail(c) && ago(c.Conducted) > 14*day && c.LinkedAction != ""
			})},
			situation{"failures older than 14 days without one", countOf(covertTests, func(c exampledata.CovertTest) bool {
				return fail(c) && ago(c.Conducted) > 14*day && c.LinkedAction == ""
			})})
		for _, cause := range []string{"people", "procedure", "equipment"} {
			atLeast(t, 1, situation{"failures for " + cause, countOf(covertTests, func(c exampledata.CovertTest) bool {
				return fail(c) && c.FailureCause == cause
			})})
		}
		for _, c := range covertTests {
			if c.LinkedAction == "" {
				continue
			}
			a, ok := actions[c.LinkedAction]
			if !ok || a.Origin != "covert_test" || a.Site != c.Site || a.Raised.Offset < c.Conducted.Offset {
				t.Errorf("test %s links to %s, which is not a later covert_test action of its site: %+v", c.Ref, c.LinkedAction, a)
			}
		}
		if w := worst(d, covertTests, func(c exampledata.CovertTest) string { return c.Site }, fail); w != "harbour" {
			t.Errorf("site failing most tests: %s, want harbour", w)
		}
	})
}

// readCSV returns a written file's header and rows.
func readCSV(t *testing.T, path string) ([]string, [][]string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	all, err := csv.NewReader(f).ReadAll()
	if err != nil || len(all) == 0 {
		t.Fatalf("reading %s: %v (%d lines)", path, err, len(all))
	}
	return all[0], all[1:]
}

func TestWriteCSV(t *testing.T) {
	d := demo.Generate()
	dir := t.TempDir()
	if err := d.WriteCSV(dir, anchor); err != nil {
		t.Fatal(err)
	}
	// That the headers are the contracts' columns is checked in exampledata.
	for _, e := range exampledata.Entries() {
		tb := e.Table
		header, rows := readCSV(t, filepath.Join(dir, tb.File))
		if want := tb.Header(); !slices.Equal(header, want) {
			t.Errorf("%s header = %v, want %v", tb.File, header, want)
		}
		if n := len(d.Rows(e.Name)); len(rows) != n {
			t.Errorf("%s: %d rows, want %d", tb.File, len(rows), n)
		}
	}
	// The first incident, cell by cell: times anchored and in UTC, an open
	// incident's resolved_at empty.
	_, rows := readCSV(t, filepath.Join(dir, "incidents.csv"))
	i := exampledata.DemoRecords[exampledata.Incident](d, "incidents")[0]
	want := []string{i.Ref, i.Site, i.Category, i.Severity, anchor.Add(i.Reported.Offset).Format(time.RFC3339), ""}
	if i.Resolved.Valid {
		want[5] = anchor.Add(i.Resolved.Offset).Format(time.RFC3339)
	}
	if !slices.Equal(rows[0], want) {
		t.Errorf("first incident row = %v, want %v", rows[0], want)
	}
	_, rows = readCSV(t, filepath.Join(dir, "equipment.csv"))
	if c := rows[0][3]; c != "true" && c != "false" {
		t.Errorf("critical cell %q, want true or false", c)
	}
}

func TestWriteSQL(t *testing.T) {
	d := demo.Generate()
	var b bytes.Buffer
	if err := d.WriteSQL(&b); err != nil {
		t.Fatal(err)
	}
	script := b.String()
	if !strings.Contains(script, "\nBEGIN;\n") || !strings.HasSuffix(script, "\nCOMMIT;\n") || strings.Contains(script, "COPY") {
		t.Error("the seed is not one transaction of INSERTs")
	}
	rows := map[string]int{}
	table := ""
	inBatch := 0
	for line := range strings.Lines(script) {
		if rest, ok := strings.CutPrefix(line, "INSERT INTO "); ok {
			table, _, _ = strings.Cut(rest, " ")
			inBatch = 0
			continue
		}
		if strings.HasPrefix(line, "(") {
			rows[table]++
			if inBatch++; inBatch > 500 {
				t.Fatalf("an INSERT into %s has more than 500 rows", table)
			}
		}
	}
	want := map[string]int{}
	for _, e := range exampledata.Entries() {
		want[e.Table.Name] = len(d.Rows(e.Name))
	}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("rows per table = %v, want %v", rows, want)
	}
	if !strings.Contains(script, "now() - interval '") || !strings.Contains(script, "now() + interval '") {
		t.Error("times are not relative to now()")
	}
}

func TestCommittedSeedIsCurrent(t *testing.T) {
	committed, err := os.ReadFile("../../examples/postgres/seed.sql")
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := demo.Generate().WriteSQL(&b); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(committed, b.Bytes()) {
		t.Error("examples/postgres/seed.sql is out of date: run go generate ./examples")
	}
}

// The bad records are rejected, each for the reason it was written for,
// and every other record is accepted.
func TestBadRecordsAreRejected(t *testing.T) {
	d := demo.Generate()
	dir := t.TempDir()
	if err := d.WriteCSV(dir, anchor); err != nil {
		t.Fatal(err)
	}
	// Each family also has one record exported twice (its reference padded
	// the second time; in training, the course in capitals): both copies
	// are rejected as duplicates, 2 records under one reason.
	want := map[string]map[string]float64{
		"equipment":       {"unknown_status": 1, "missing_equipment_type": 1, "unknown_site": 1, "future_status_since": 1, "duplicate_asset_ref": 2},
		"incidents":       {"resolved_before_reported": 1, "unknown_severity": 1, "missing_reported_at": 1, "future_reported_at": 1, "duplicate_incident_ref": 2},
		"capa":            {"due_before_raised": 1, "closed_before_raised": 1, "reviewed_before_closed": 1, "unknown_kind": 1, "duplicate_action_ref": 2},
		"training":        {"expires_before_completed": 1, "unknown_course": 1, "missing_site": 1, "future_completed_at": 1, "duplicate_requirement": 2},
		"covert_tests":    {"missing_failure_cause": 1, "unknown_result": 1, "future_conducted_at": 1, "duplicate_test_ref": 2},
		"governance":      {"unknown_kind": 1, "neither_planned_nor_completed": 1, "future_completed_at": 1, "duplicate_activity_ref": 2},
		"providers":       {"unknown_provider": 1, "future_period": 1, "duplicate_measurement_ref": 2},
		"self_assessment": {"unknown_statement": 1, "unknown_answer": 1, "future_assessed_at": 1, "duplicate_answer": 2},
		"reporting":       {"unknown_channel": 1, "acknowledged_before_received": 1, "feedback_before_received": 1, "future_received_at": 1, "duplicate_report_ref": 2},
	}
	// The configured indicators' bad records, likewise.
	want["audits_completed"] = map[string]float64{"numerator_above_denominator": 1, "duplicate_ref": 2}
	want["disruption_minutes"] = map[string]float64{"missing_value": 1, "future_at": 1, "duplicate_ref": 2}
	want["vigilance_reports"] = map[string]float64{"unknown_breakdown": 1, "duplicate_ref": 2}
	cfg, err := config.Load("../../examples/demo.yml")
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Families) != len(want) {
		t.Errorf("demo.yml configures %d families and indicators, this test expects %d", len(cfg.Families), len(want))
	}
	for _, fam := range cfg.Families {
		req := source.Request{Shape: fam.Collector.Shape(fam.Settings), File: fam.File, Now: anchor}
		res, err := source.CSV{Dir: dir}.Aggregate(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		if got := res.Rejected(); !reflect.DeepEqual(got, want[fam.Name]) {
			t.Errorf("%s rejected %v, want %v", fam.Name, got, want[fam.Name])
		}
	}
}

// The PostgreSQL example gives the same groups as the CSV example: schema.sql
// and seed.sql load through a plain connection, and every record query of
// postgres.yml maps the source system to the contract as the CSV files have it.
func TestPostgresExampleMatchesCSV(t *testing.T) {
	server, err := pgtest.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	dsn, err := server.NewDatabase("demo")
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, file := range []string{"schema.sql", "seed.sql"} {
		script, err := os.ReadFile(filepath.Join("../../examples/postgres", file))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(string(script)); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
	}
	// Anchor the CSV files where the seed's now() was, to the second, read
	// back from the first asset; both paths are then evaluated with the
	// same distance to that anchor.
	d := demo.Generate()
	first := exampledata.DemoRecords[exampledata.Asset](d, "equipment")[0]
	var loaded time.Time
	if err := db.QueryRow("SELECT state_changed_at FROM asset_register WHERE asset_id = $1", first.Ref).Scan(&loaded); err != nil {
		t.Fatal(err)
	}
	loaded = loaded.Add(-first.StatusSince.Offset)
	dir := t.TempDir()
	if err := d.WriteCSV(dir, loaded); err != nil {
		t.Fatal(err)
	}

	t.Setenv("SEMS_POSTGRES_DSN", dsn)
	pgConf, err := config.Load("../../examples/postgres.yml")
	if err != nil {
		t.Fatal(err)
	}
	csvConf, err := config.Load("../../examples/demo.yml")
	if err != nil {
		t.Fatal(err)
	}
	pg, err := source.OpenPostgres(dsn, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	later := 90 * time.Second
	for _, fam := range pgConf.Families {
		shape := fam.Collector.Shape(fam.Settings)
		fromDB, err := pg.Aggregate(context.Background(), source.Request{Shape: shape, Query: fam.Query, Now: loaded.Add(later)})
		if err != nil {
			t.Fatalf("%s: %v", fam.Name, err)
		}
		i := slices.IndexFunc(csvConf.Families, func(f *config.Family) bool { return f.Name == fam.Name })
		if i < 0 {
			t.Fatalf("demo.yml lacks the %s family", fam.Name)
		}
		req := source.Request{Shape: shape, File: csvConf.Families[i].File, Now: loaded.Truncate(time.Second).Add(later)}
		fromCSV, err := source.CSV{Dir: dir}.Aggregate(context.Background(), req)
		if err != nil {
			t.Fatalf("%s: %v", fam.Name, err)
		}
		a, b := sortedGroups(fromDB), sortedGroups(fromCSV)
		if len(a) != len(b) || fromDB.Read() != fromCSV.Read() {
			t.Errorf("%s: %d groups of %g records from PostgreSQL, %d of %g from CSV", fam.Name, len(a), fromDB.Read(), len(b), fromCSV.Read())
			continue
		}
		for j := range a {
			if !sameGroup(a[j], b[j]) {
				t.Errorf("%s: PostgreSQL group %+v, CSV group %+v", fam.Name, a[j], b[j])
			}
		}
	}
}

func sortedGroups(r records.Result) []records.Group {
	gs := slices.Clone(r.Groups)
	key := func(g records.Group) string { return g.Reject + "|" + strings.Join(g.Keys, "|") }
	sort.Slice(gs, func(i, j int) bool { return key(gs[i]) < key(gs[j]) })
	return gs
}

// sameGroup compares groups, measures to within float rounding.
func sameGroup(a, b records.Group) bool {
	if a.Reject != b.Reject || !slices.Equal(a.Keys, b.Keys) || a.Count != b.Count || len(a.Values) != len(b.Values) {
		return false
	}
	for i, v := range a.Values {
		if w := b.Values[i]; !(math.IsNaN(v) && math.IsNaN(w)) && math.Abs(v-w) > 1e-3 {
			return false
		}
	}
	return true
}
