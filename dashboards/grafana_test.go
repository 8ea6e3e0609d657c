package dashboards

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/sems-exporter/sems_exporter/collectors"
	"github.com/sems-exporter/sems_exporter/internal/records"
	"github.com/sems-exporter/sems_exporter/internal/stacktest"
)

// renderer is Grafana's own data code (@grafana/data), run by Node on
// frames built from Prometheus's answers; scripts/test.sh installs it
// with npm ci from the pinned package-lock.json.
const renderer = "../test/grafana-check/render.cjs"

// rendered is a panel as render.cjs reports it.
type rendered struct {
	UID, Title, Type string
	ID               int
	Errors           []string
	Fields           []renderedField
}

type renderedField struct {
	Header, Name, Unit, ColorMode, SeriesColor string
	Labels                                     map[string]string
	Min, Max                                   *float64
	Values                                     []struct {
		Raw   any
		Text  string
		Color string
	}
}

// answer is a query's result as Prometheus's API gives it.
type answer struct {
	ResultType model.ValueType `json:"resultType"`
	Result     model.Value     `json:"result"`
}

// render runs the renderer on dashboards (decoded JSON) and the answers to
// their queries, keyed uid/panel id/refId.
func render(t *testing.T, dashboards []any, answers map[string]answer) []rendered {
	t.Helper()
	stacktest.RequireBinary(t, "node", "nodejs")
	if _, err := os.Stat("../test/grafana-check/node_modules/@grafana/data"); err != nil {
		t.Fatal("@grafana/data is not installed: run npm ci in test/grafana-check (scripts/test.sh does)")
	}
	in, err := json.Marshal(map[string]any{"dashboards": dashboards, "answers": answers})
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.Command("node", renderer)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = bytes.NewReader(in), &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("node %s: %v\n%s", renderer, err, stderr.String())
	}
	var out struct{ Panels []rendered }
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		t.Fatalf("node %s: %v", renderer, err)
	}
	return out.Panels
}

// Grafana's dark theme colours of the RAG grades (green, orange, red).
var ragColours = map[string]struct{ text, colour string }{
	"0": {"Green", "#73BF69"},
	"1": {"Amber", "#FF9830"},
	"2": {"Red", "#F2495C"},
}

// shown is what a reader sees of the dashboards: what is wrong with it,
// and how many RAG grades were seen.
type shown struct {
	problems    []string
	grades      int
	siteColours map[string]string
}

func (s *shown) errorf(p rendered, format string, args ...any) {
	s.problems = append(s.problems, fmt.Sprintf("%s: %s: ", p.UID, p.Title)+fmt.Sprintf(format, args...))
}

// vocabularies are the enum columns' default values over all families,
// the family names, the training states and the rejection reasons.
func vocabularies() []string {
	out := append(collectors.Names(), collectors.Vocabulary("state")...)
	out = append(out, collectors.Vocabulary("reason")...)
	for _, name := range collectors.Names() {
		f, _ := collectors.Lookup(name)
		for _, c := range f.Columns() {
			if c.Type == records.TypeEnum {
				out = append(out, c.Allowed...)
			}
		}
	}
	return out
}

// rawValue matches a vocabulary value as a whole text, as a part of a
// series name that a legend joined with ": " or " (", or, if it has an
// underscore, as a word anywhere.
func rawValue(v string) *regexp.Regexp {
	q := regexp.QuoteMeta(v)
	if strings.Contains(v, "_") {
		return regexp.MustCompile(`\b` + q + `\b`)
	}
	return regexp.MustCompile(`(^|: )` + q + `($|: | \()`)
}

// rawName is a field name of the data source's frames: a label name or
// an unrenamed value column.
var rawName = regexp.MustCompile(`^([a-z_]+|Time|Value( #[A-Z])?)$`)

// inspect checks what the renderer reports of the dashboards against what
// a reader must see. raw are the dashboards' JSON, sites the sites.
func inspect(dashboards []any, panels []rendered, sites []string) shown {
	var s shown
	byID := map[string]map[string]any{}
	for _, d := range dashboards {
		d := d.(map[string]any)
		for _, p := range d["panels"].([]any) {
			p := p.(map[string]any)
			byID[fmt.Sprintf("%s/%v", d["uid"], p["id"])] = p
		}
	}
	vocab := vocabularies()
	siteColours := map[string]string{}
	for _, p := range panels {
		for _, e := range p.Errors {
			s.errorf(p, "%s", e)
		}
		raw := byID[fmt.Sprintf("%s/%d", p.UID, p.ID)]
		var headers []string
		for _, f := range p.Fields {
			headers = append(headers, f.Header)
		}
		if p.Type == "table" {
			s.tableHeaders(p, raw, headers, sites)
		}
		checkMatchers(&s, p, raw, headers)
		for _, f := range p.Fields {
			if p.Type == "bargauge" && f.Min == nil {
				s.errorf(p, "bar %q has no fixed min: its bar would start at the smallest value shown", f.Header)
			}
			for _, text := range append([]string{f.Header}, texts(f)...) {
				for _, v := range vocab {
					if rawValue(v).MatchString(text) {
						s.errorf(p, "%q shows the raw value %s, not %q", text, v, collectors.DisplayName(v))
					}
				}
			}
			for _, v := range f.Values {
				s.checkValue(p, f, v.Raw, v.Text, v.Color)
				// The site links carry the cell's raw value.
				if p.Type == "table" && f.Name == "site" && v.Raw == "" {
					s.errorf(p, "a row with no site: its link would carry var-site= with no value")
				}
			}
			if slices.Contains(sites, f.Header) && (p.Type == "timeseries" || p.Type == "bargauge") {
				if f.ColorMode != "palette-classic-by-name" {
					s.errorf(p, "site %s is coloured by %q, not by name", f.Header, f.ColorMode)
				}
				if c, seen := siteColours[f.Header]; seen && c != f.SeriesColor {
					s.errorf(p, "site %s is %s here and %s elsewhere", f.Header, f.SeriesColor, c)
				}
				siteColours[f.Header] = f.SeriesColor
			}
		}
		s.severityOrder(p)
	}
	s.siteColours = siteColours
	return s
}

func texts(f renderedField) []string {
	var out []string
	for _, v := range f.Values {
		out = append(out, v.Text)
	}
	return out
}

// tableHeaders: a table shows the headers its organize transformation
// names, in its order, and no field name of the data source's frames.
func (s *shown) tableHeaders(p rendered, raw map[string]any, headers, sites []string) {
	for _, h := range headers {
		if rawName.MatchString(h) && !slices.Contains(sites, h) {
			s.errorf(p, "column %q is a raw field name", h)
		}
	}
	trs, _ := raw["transformations"].([]any)
	for _, tr := range trs {
		tr := tr.(map[string]any)
		opts := tr["options"].(map[string]any)
		rename, _ := opts["renameByName"].(map[string]any)
		order, _ := opts["indexByName"].(map[string]any)
		if tr["id"] != "organize" || len(order) == 0 || len(headers) == 0 {
			continue
		}
		want := make([]string, len(order))
		for field, i := range order {
			want[int(i.(float64))] = rename[field].(string)
		}
		if !slices.Equal(headers, want) {
			s.errorf(p, "columns %q, want %q", headers, want)
		}
	}
}

// checkMatchers: every override by name applies to a column or series
// shown; a renamed column would leave its override matching nothing.
func checkMatchers(s *shown, p rendered, raw map[string]any, headers []string) {
	if len(headers) == 0 {
		return
	}
	for _, o := range raw["fieldConfig"].(map[string]any)["overrides"].([]any) {
		m := o.(map[string]any)["matcher"].(map[string]any)
		if name, _ := m["options"].(string); m["id"] == "byName" && !slices.Contains(headers, name) {
			s.errorf(p, "override for %q matches none of %q", name, headers)
		}
	}
}

// scaled is a number that Grafana's "short" unit scaled to thousands or
// more.
var scaled = regexp.MustCompile(`^-?[0-9.]+ (K|Mil|Bil|Tri)$`)

// checkValue: RAG grades in their words and colours, and counts whole.
func (s *shown) checkValue(p rendered, f renderedField, raw any, text, colour string) {
	n, isNumber := raw.(float64)
	key := strconv.FormatFloat(n, 'f', -1, 64)
	if rag, graded := ragColours[key]; isNumber && slices.Contains([]string{"Green", "Amber", "Red"}, text) {
		s.grades++
		if !graded || text != rag.text || colour != rag.colour {
			s.errorf(p, "%q: grade %v shows as %q in %s, want %q in %s", f.Header, raw, text, colour, rag.text, rag.colour)
		}
	}
	// A count of 1000 or more in full, not scaled as "3 K".
	if isNumber && (f.Unit == "none" && n == math.Trunc(n) && math.Abs(n) >= 1000 && text != key || scaled.MatchString(text)) {
		s.errorf(p, "%q: %s shows as %q", f.Header, key, text)
	}
}

// severityOrder: rows with a severity come most severe first.
func (s *shown) severityOrder(p rendered) {
	order := collectors.Vocabulary("severity")
	for _, f := range p.Fields {
		if f.Name != "severity" {
			continue
		}
		last := -1
		for _, v := range f.Values {
			i := slices.Index(order, fmt.Sprint(v.Raw))
			if i < 0 {
				continue // an alert's severity, not an incident's
			}
			if i < last {
				s.errorf(p, "severities out of order: %q", texts(f))
				break
			}
			last = i
		}
	}
}

// checkRendered renders every panel with Grafana's data code on the
// answers to the checks' queries, and requires what a reader must see; then it
// plants a wrong transformation id, a typo in a unit and a renamed column
// in copies of the dashboards, each of which must be caught.
func checkRendered(t *testing.T, prom *stacktest.Prometheus, dashboards []*dashboard, checks []*check, sites []string) {
	t.Helper()
	// Grafana evaluates a panel's queries at one time, and merges table
	// rows by their time too: every query again, at the same time.
	now := time.Now()
	answers := map[string]answer{}
	for _, c := range checks {
		if c.none || c.key == "" {
			continue // a trend-only KPI's copy of a panel, or no panel's
		}
		if c.run(prom, now); c.err != nil {
			t.Fatalf("%s: %v", c.where, c.err)
		}
		answers[c.key] = answer{ResultType: c.answer.Type(), Result: c.answer}
	}
	organisationWideAlert(t, prom, checks, answers, now)
	var raw []any
	for _, d := range dashboards {
		raw = append(raw, d.raw)
	}
	panels := render(t, raw, answers)
	got := inspect(raw, panels, sites)
	for _, p := range got.problems {
		t.Error(p)
	}
	if !showsAllSites(panels) {
		t.Error(`Firing alerts: the organisation-wide alert's site is not Grafana's All value shown as "All sites"`)
	}
	// The Board's tiles, the headline table and the equipment matrix
	// grade: at least one grade each.
	if got.grades < 3 {
		t.Errorf("%d RAG grades shown, want at least 3", got.grades)
	}
	// Grafana hashes a name into its classic palette: two sites can
	// share a colour, which no dashboard setting can prevent for sites
	// known only from the configuration.
	if len(got.siteColours) < 2 {
		t.Errorf("site colours %v: want the sites' series coloured by name", got.siteColours)
	}
	t.Logf("site colours: %v", got.siteColours)

	for _, c := range []struct {
		name, want string
		mutate     func(panel map[string]any)
	}{
		{"a wrong transformation id", "transformation organise is not one of Grafana's", func(p map[string]any) {
			for _, tr := range p["transformations"].([]any) {
				if tr := tr.(map[string]any); tr["id"] == "organize" {
					tr["id"] = "organise"
				}
			}
		}},
		{"a typo in a unit", "unit secs is not one of Grafana's", func(p map[string]any) {
			p["fieldConfig"].(map[string]any)["defaults"].(map[string]any)["unit"] = "secs"
		}},
		{"a renamed column", `override for "Site" matches none of`, func(p map[string]any) {
			for _, tr := range p["transformations"].([]any) {
				if tr := tr.(map[string]any); tr["id"] == "organize" {
					tr["options"].(map[string]any)["renameByName"].(map[string]any)["site"] = "Location"
				}
			}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			// The Operations dashboard's firing alerts, a table with a
			// Site column.
			var copies []any
			for _, d := range dashboards {
				copies = append(copies, deepCopy(t, d.raw))
				if d.UID != "sems-operations" {
					continue
				}
				for _, p := range copies[len(copies)-1].(map[string]any)["panels"].([]any) {
					if p := p.(map[string]any); p["title"] == "Firing alerts" {
						c.mutate(p)
					}
				}
			}
			problems := inspect(copies, render(t, copies, answers), sites).problems
			if !slices.ContainsFunc(problems, func(p string) bool { return strings.Contains(p, c.want) }) {
				t.Errorf("want a problem with %q, got %q", c.want, problems)
			}
		})
	}
}

// orgAlerts selects the firing organisation-wide alerts, which carry no
// site, in the Firing alerts query.
const orgAlerts = `ALERTS{alertstate="firing", site=""}`

// organisationWideAlert answers the Firing alerts query with one
// organisation-wide alert more, since none fires on the demo: Prometheus
// evaluates the panel's own query with that alert made of its own up
// series, which has no site.
func organisationWideAlert(t *testing.T, prom *stacktest.Prometheus, checks []*check, answers map[string]answer, now time.Time) {
	t.Helper()
	for _, c := range checks {
		if !strings.Contains(c.expr, orgAlerts) {
			continue
		}
		expr := strings.Replace(c.expr, orgAlerts, `label_replace(up{job="`+job+`"}, "alertname", "SemsExporterDown", "", "")`, 1)
		v, err := prom.Query(expr, now)
		if err != nil {
			t.Fatalf("%s: %v", c.where, err)
		}
		answers[c.key] = answer{ResultType: v.Type(), Result: v}
		return
	}
	t.Fatalf("no query selects %s", orgAlerts)
}

// showsAllSites: a Firing alerts row has the site "$__all", Grafana's All
// value that its link carries, shown as "All sites".
func showsAllSites(panels []rendered) bool {
	for _, p := range panels {
		for _, f := range p.Fields {
			for _, v := range f.Values {
				if p.Title == "Firing alerts" && f.Name == "site" && v.Raw == "$__all" && v.Text == "All sites" {
					return true
				}
			}
		}
	}
	return false
}

func deepCopy(t *testing.T, v any) any {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	return out
}
