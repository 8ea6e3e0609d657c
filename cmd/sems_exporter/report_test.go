package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"flag"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/alecthomas/kingpin/v2"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/sems-exporter/sems_exporter/internal/demo"
	"github.com/sems-exporter/sems_exporter/internal/figures"
	"github.com/sems-exporter/sems_exporter/internal/pack"
)

var update = flag.Bool("update", false, "rewrite the golden pack in testdata")

// packClock is when the golden pack's demo data is dated from and
// collected: a fixed clock, so the pack is the same on every run.
var packClock = time.Date(2026, 11, 16, 9, 30, 0, 0, time.UTC)

// generatedAt is what a pack says of when it was made; the golden files
// hold this placeholder instead.
const generatedPlaceholder = "GENERATED-AT"

// demoPack is a pack of the demo data collected at packClock, made at
// generated, and the /metrics exposition of the same collection.
type demoPack struct {
	pack       *pack.Pack
	figures    *figures.Figures
	options    pack.Options
	configHash string
	html, csv  []byte
	metrics    map[string]*dto.MetricFamily
}

func makeDemoPack(t *testing.T, generated time.Time, restricted bool) *demoPack {
	t.Helper()
	dir, err := writeDemo(packClock, demo.DefaultSeed)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	// The exports were written an hour before the collection, whenever the
	// test runs.
	exports, _ := filepath.Glob(filepath.Join(dir, "csv", "*"))
	for _, file := range exports {
		if err := os.Chtimes(file, packClock.Add(-time.Hour), packClock.Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	logger := slog.New(slog.DiscardHandler)
	snap, hash, err := collectOnce(filepath.Join(dir, "demo.yml"), func() time.Time { return packClock }, logger)
	if err != nil {
		t.Fatal(err)
	}
	// /metrics as the exporter serves it, for the same collection.
	srv := httptest.NewServer(snap.Handler(prometheus.Gatherers{}, logger))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	metrics, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	mfs, err := snap.Gather()
	if err != nil {
		t.Fatal(err)
	}
	f := figures.Read(mfs)
	o := pack.Options{Period: pack.DefaultPeriod(f, packClock), AsAt: packClock, Generated: generated, IncludeRestricted: restricted}
	p := pack.Build(f, o)
	d := &demoPack{pack: p, figures: f, options: o, configHash: hash, metrics: metrics}
	if d.html, err = p.HTML(); err != nil {
		t.Fatal(err)
	}
	if d.csv, err = p.CSV(); err != nil {
		t.Fatal(err)
	}
	return d
}

// withoutGenerated replaces the pack's generation time with the placeholder.
func withoutGenerated(b []byte, generated time.Time) string {
	return strings.ReplaceAll(string(b), generated.UTC().Format(time.RFC3339), generatedPlaceholder)
}

func TestPackGolden(t *testing.T) {
	gen1 := time.Date(2026, 11, 17, 8, 0, 0, 0, time.UTC)
	gen2 := time.Date(2026, 11, 18, 14, 45, 0, 0, time.UTC)
	first := makeDemoPack(t, gen1, false)
	second := makeDemoPack(t, gen2, false)

	if !strings.Contains(string(first.html), gen1.Format(time.RFC3339)) {
		t.Fatal("the pack does not say when it was generated")
	}
	html, table := withoutGenerated(first.html, gen1), withoutGenerated(first.csv, gen1)
	if html != withoutGenerated(second.html, gen2) {
		t.Error("two packs of the same data differ in their HTML by more than the generation time")
	}
	if table != withoutGenerated(second.csv, gen2) {
		t.Error("two packs of the same data differ in their CSV")
	}
	golden(t, "testdata/pack.golden.html", html)
	golden(t, "testdata/pack.golden.csv", table)

	// The demo's last complete quarter, from the fixed clock.
	if got := first.options.Period.String(); got != "2026-Q3" {
		t.Errorf("default period %s, want 2026-Q3 (the quarter before November's)", got)
	}
	checkSelfContained(t, "the pack", string(first.html))
	// Covert test results are left out, and the pack says so.
	if strings.Contains(html, "Security tests passed") || strings.Contains(table, "covert_test_pass") {
		t.Error("the pack holds covert test results without --include-restricted")
	}
	if !strings.Contains(html, "Covert test results are restricted and are left out of this pack") {
		t.Error("the pack does not say that covert test results are left out")
	}
	restricted := makeDemoPack(t, gen1, true)
	if !strings.Contains(string(restricted.html), "Security tests passed") || !strings.Contains(string(restricted.csv), "covert_test_pass") {
		t.Error("--include-restricted does not put covert test results in")
	}
}

// golden compares a file with its golden copy, or rewrites it with -update.
func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run TestPackGolden -update to write it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the pack made now (run go test -run TestPackGolden -update after checking the change)", path)
	}
}

// checkSelfContained fails if a page could fetch anything: no URL scheme
// and no protocol-relative reference anywhere in it.
func checkSelfContained(t *testing.T, what, page string) {
	t.Helper()
	for _, fetch := range []string{"http:", "https:", "//"} {
		if i := strings.Index(page, fetch); i >= 0 {
			t.Errorf("%s holds %q: %.80s", what, fetch, page[max(0, i-40):])
		}
	}
}

// TestPackFiguresEqualMetrics reads every figure of the CSV from the
// /metrics exposition of the same collection, as the source column names
// it, and checks the pack shows that value.
func TestPackFiguresEqualMetrics(t *testing.T) {
	d := makeDemoPack(t, packClock, false)
	rows, err := csv.NewReader(strings.NewReader(string(d.csv))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(rows[0], ","); got != "section,subject,site,measure,period,value,source" {
		t.Fatalf("CSV header %q", got)
	}
	checked := map[string]int{}
	for _, row := range rows[1:] {
		value, err := strconv.ParseFloat(row[5], 64)
		if err != nil {
			t.Fatalf("row %v: %v", row, err)
		}
		source := row[6]
		if source == "computed" {
			continue
		}
		want, ok := evaluate(t, d.metrics, source)
		if !ok {
			t.Errorf("row %v: /metrics has no %s", row, source)
			continue
		}
		if math.Abs(value-want) > 1e-9*math.Max(1, math.Abs(want)) {
			t.Errorf("row %v: the pack says %v, /metrics %v", row, value, want)
		}
		checked[row[0]]++
	}
	// Every section with figures as at the collection is checked: the
	// summary's, the ranking's (7 KPIs x 4 sites at least), CAPA's,
	// training's, the indicators', data quality's, the targets'.
	for _, section := range []string{"summary", "ranking", "capa", "training", "indicators", "data_quality", "targets"} {
		if checked[section] == 0 {
			t.Errorf("no figure of section %s was checked against /metrics", section)
		}
	}
	if checked["ranking"] < 7*4 {
		t.Errorf("%d ranking figures checked, want at least one per KPI and site (28)", checked["ranking"])
	}

	// The manifest: the hash of each file it lists, the configuration's,
	// and the records read per family as /metrics has them.
	dir := t.TempDir()
	m, err := pack.Write(dir, d.pack, d.figures, d.options, d.configHash, false)
	if err != nil {
		t.Fatal(err)
	}
	var onDisk pack.Manifest
	if err := json.Unmarshal([]byte(readFile(t, filepath.Join(dir, "manifest.json"))), &onDisk); err != nil {
		t.Fatal(err)
	}
	if len(onDisk.Files) != 2 {
		t.Errorf("manifest lists %d files, want the HTML and the CSV", len(onDisk.Files))
	}
	for name, sum := range onDisk.Files {
		got := sha256.Sum256([]byte(readFile(t, filepath.Join(dir, name))))
		if hex.EncodeToString(got[:]) != sum {
			t.Errorf("manifest: %s has SHA-256 %s, the file %x", name, sum, got)
		}
	}
	if onDisk.ConfigSHA256 != m.ConfigSHA256 || len(onDisk.ConfigSHA256) != 64 {
		t.Errorf("manifest config_sha256 %q", onDisk.ConfigSHA256)
	}
	if onDisk.AsAt != "2026-11-16T09:30:00Z" {
		t.Errorf("manifest as_at %q, want the collection's 2026-11-16T09:30:00Z", onDisk.AsAt)
	}
	for family, c := range onDisk.Families {
		want, _ := evaluate(t, d.metrics, `sems_collection_records{family="`+family+`",source="demo"}`)
		rejected, _ := evaluate(t, d.metrics, `sum(sems_collection_records_rejected{family="`+family+`",source="demo"})`)
		var got float64
		for _, n := range c.Rejected {
			got += n
		}
		if c.Read != want || got != rejected || want == 0 {
			t.Errorf("manifest: %s read %v rejected %v, /metrics %v and %v", family, c.Read, got, want, rejected)
		}
	}
}

var (
	aggregation = regexp.MustCompile(`^(sum|max)\((.*)\)$`)
	selectorRE  = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?$`)
	matcherRE   = regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)=("(?:[^"\\]|\\.)*")`)
)

// evaluate reads a CSV row's source: a series selector with equality
// matchers, or sum() or max() of one, from parsed metric families.
func evaluate(t *testing.T, mfs map[string]*dto.MetricFamily, source string) (float64, bool) {
	t.Helper()
	agg := ""
	if m := aggregation.FindStringSubmatch(source); m != nil {
		agg, source = m[1], m[2]
	}
	sel := selectorRE.FindStringSubmatch(source)
	if sel == nil {
		t.Fatalf("source %q is not a selector", source)
	}
	match := map[string]string{}
	for _, m := range matcherRE.FindAllStringSubmatch(sel[2], -1) {
		v, err := strconv.Unquote(m[2])
		if err != nil {
			t.Fatal(err)
		}
		match[m[1]] = v
	}
	var values []float64
	for _, m := range mfs[sel[1]].GetMetric() {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		ok := true
		for k, v := range match {
			ok = ok && labels[k] == v
		}
		if ok {
			values = append(values, m.GetGauge().GetValue()+m.GetCounter().GetValue()+m.GetUntyped().GetValue())
		}
	}
	switch {
	case len(values) == 0:
		return 0, false
	case agg == "sum":
		var s float64
		for _, v := range values {
			s += v
		}
		return s, true
	case agg == "max":
		hi := math.Inf(-1)
		for _, v := range values {
			hi = math.Max(hi, v)
		}
		return hi, true
	case len(values) == 1:
		return values[0], true
	}
	t.Errorf("source %q selects %d series", source, len(values))
	return 0, false
}

// TestReportCommand runs `sems_exporter report` as a user would and
// checks the files it says it wrote.
func TestReportCommand(t *testing.T) {
	out := t.TempDir()
	msg, err := runCommand(binary, "report", "--demo", "--output="+out, "--period=2026-10")
	if err != nil {
		t.Fatalf("report: %v\n%s", err, msg)
	}
	for _, name := range []string{"sems-governance-pack-2026-10.html", "sems-governance-pack-2026-10.csv", "manifest.json"} {
		if _, err := os.Stat(filepath.Join(out, name)); err != nil {
			t.Errorf("report wrote no %s: %v\n%s", name, err, msg)
		}
	}
	if !strings.Contains(msg, "not filled: ") {
		t.Errorf("report does not say which sections it could not fill:\n%s", msg)
	}
	if msg, err := runCommand(binary, "report", "--demo", "--output="+out, "--period=2026-13"); err == nil || !strings.Contains(msg, `period "2026-13"`) {
		t.Errorf("a bad period: err %v, output %s", err, msg)
	}
	// --pdf with no browser on the PATH says what to install, and writes
	// nothing.
	none := t.TempDir()
	cmd := exec.Command(binary, "report", "--demo", "--output="+none, "--pdf")
	cmd.Env = append(os.Environ(), "PATH="+t.TempDir())
	msg, err = func() (string, error) { b, err := cmd.CombinedOutput(); return string(b), err }()
	if err == nil || !strings.Contains(msg, "no Chromium to print the PDF with: install chromium") {
		t.Errorf("--pdf without Chromium: err %v, output %s", err, msg)
	}
	if files, _ := os.ReadDir(none); len(files) != 0 {
		t.Errorf("--pdf without Chromium wrote %v", files)
	}
}

func runCommand(name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	b, err := cmd.CombinedOutput()
	return string(b), err
}

// fetch GETs a page of a running exporter.
func fetch(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s\n%.300s", url, resp.Status, body)
	}
	return string(body)
}

// TestReadmeDocumentsTheReport checks that the README documents every flag
// of the report command and shows the pictures the screenshots command
// makes.
func TestReadmeDocumentsTheReport(t *testing.T) {
	readme := readFile(t, "../../README.md")
	r := addReportCommand(kingpin.New("sems_exporter", ""))
	for _, f := range r.cmd.Model().Flags {
		if !strings.Contains(readme, "`--"+f.Name+"`") {
			t.Errorf("the README does not document report --%s", f.Name)
		}
	}
	for _, image := range []string{"docs/images/status-page.png", "docs/images/pack-page.png"} {
		if !strings.Contains(readme, "("+image+")") {
			t.Errorf("the README does not show %s", image)
		}
		b, err := os.ReadFile("../../" + image)
		if err != nil || !bytes.HasPrefix(b, []byte("\x89PNG")) {
			t.Errorf("%s is not a PNG (%v): run go run ./scripts/screenshots", image, err)
		}
	}
	if !strings.Contains(readme, "go run ./scripts/screenshots") {
		t.Error("the README does not say how its pictures are made")
	}
}
