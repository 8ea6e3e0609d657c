// Package dataset generates the records of a large airport group for the
// benchmark: 40 sites, 80,000 staff with 8 required courses each, five years
// of incidents, corrective actions and covert tests, and the security
// equipment of every site, at a chosen scale.
//
// The records are generated as streams from a seed, never held in memory, so
// that 10x the group (almost ten million records) loads in constant memory.
// Each family has its own random stream, so one family's records do not
// depend on another's. Times are offsets from an anchor, the moment the data
// is loaded, so that windows such as "the last 90 days" hold data whenever it
// is loaded. The same seed, scale and anchor give the same records.
//
// The records are written the two ways the exporter reads them: into the
// source-system tables of examples/postgres/schema.sql, under that system's
// own names and codes as internal/sourcesystem describes them (mapped back by
// the queries of examples/postgres.yml), and as CSV exports in the record contracts' column names.
package dataset

import (
	"fmt"
	"iter"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/sems-exporter/sems_exporter/internal/records"
	"github.com/sems-exporter/sems_exporter/internal/sourcesystem"
)

// Sizes of the group at scale 1.
const (
	Sites       = 40
	Staff       = 80_000
	Courses     = 8
	Incidents   = 250_000
	Actions     = 50_000
	Assets      = 10_000
	CovertTests = 20_000
)

const (
	day  = 24 * time.Hour
	year = 365 * day
	// history is how far back incidents, actions and tests go.
	history = 5 * year
)

// Spec chooses a dataset: its size relative to the group at scale 1, the
// seed of its random streams and the moment its times are anchored at.
type Spec struct {
	Scale float64
	Seed  uint64
	Now   time.Time
}

// count scales a size at scale 1, keeping at least one record.
func (s Spec) count(n int) int { return max(1, int(math.Round(float64(n)*s.Scale))) }

// SiteCodes are the group's site codes, as the exporter's configuration
// lists them: ap01 is the hub, the others regional airports.
func SiteCodes() []string {
	out := make([]string, Sites)
	for i := range out {
		out[i] = fmt.Sprintf("ap%02d", i+1)
	}
	return out
}

// site is how one site performs: its share of the group and the rates that
// make its KPIs differ from the others'.
type site struct {
	code   string
	weight float64
	// slow stretches resolution and closure times; stale is the share of
	// incidents and actions left open and forgotten.
	slow, stale                                 float64
	outOfService, expired, neverTrained, passes float64
	followedUp, missedReview                    float64
}

// sites draws the sites' profiles from the seed: sizes fall off from the hub,
// and about one site in eight is in difficulty.
func sites(seed uint64) []site {
	r := rand.New(rand.NewPCG(seed, 0x517e5))
	out := make([]site, Sites)
	var total float64
	for i := range out {
		w := 1 / math.Pow(float64(i+1), 0.8)
		total += w
		out[i] = site{code: SiteCodes()[i], weight: w, slow: 0.8 + 0.4*r.Float64(), stale: 0.002,
			outOfService: 0.01 + 0.02*r.Float64(), expired: 0.02 + 0.03*r.Float64(), neverTrained: 0.005,
			passes: 0.86 + 0.08*r.Float64(), followedUp: 0.9, missedReview: 0.04}
		if r.Float64() < 0.125 {
			s := &out[i]
			s.slow, s.stale, s.outOfService, s.expired = 1.8, 0.02, 0.07, 0.09
			s.neverTrained, s.passes, s.followedUp, s.missedReview = 0.03, 0.72, 0.55, 0.2
		}
	}
	for i := range out {
		out[i].weight /= total
	}
	return out
}

// gen is one family's random stream.
type gen struct {
	r     *rand.Rand
	now   time.Time
	sites []site
	cum   []float64
}

func (s Spec) gen(salt uint64) *gen {
	g := &gen{r: rand.New(rand.NewPCG(s.Seed, salt)), now: s.Now.UTC().Truncate(time.Second), sites: sites(s.Seed)}
	var c float64
	for _, st := range g.sites {
		c += st.weight
		g.cum = append(g.cum, c)
	}
	return g
}

func (g *gen) chance(p float64) bool { return g.r.Float64() < p }

func (g *gen) site() site {
	x := g.r.Float64()
	for i, c := range g.cum {
		if x < c {
			return g.sites[i]
		}
	}
	return g.sites[len(g.sites)-1]
}

// ago is a time up to span before now, in whole seconds.
func (g *gen) ago(span time.Duration) time.Time {
	return g.now.Add(-time.Duration(g.r.Int64N(int64(span/time.Second)+1)) * time.Second)
}

// spread draws a duration around median, log-normally, in whole seconds.
func (g *gen) spread(median time.Duration, sigma float64) time.Duration {
	return time.Duration(float64(median) * math.Exp(sigma*g.r.NormFloat64())).Round(time.Second)
}

type choice struct {
	value  string
	weight float64
}

func (g *gen) pick(cs []choice) string {
	x := g.r.Float64()
	for _, c := range cs {
		if x -= c.weight; x < 0 {
			return c.value
		}
	}
	return cs[len(cs)-1].value
}

// upTo returns t, or NULL (nil) when t has not happened yet.
func (g *gen) upTo(t time.Time) any {
	if t.After(g.now) {
		return nil
	}
	return t
}

// Table is one family's records: a source-system table and a CSV export.
type Table struct {
	sourcesystem.Table
	// Count is the number of records at the spec's scale.
	Count int
	rows  func(yield func([]any) bool)
}

// table gives a family's source-system table the records rows yields, in
// that table's column order.
func table(family string, count int, rows func(yield func([]any) bool)) Table {
	t, ok := sourcesystem.Lookup(family)
	if !ok {
		panic("no source-system table for " + family)
	}
	return Table{Table: t, Count: count, rows: rows}
}

// Rows yields the records in contract values, a cell per column: nil for
// NULL, a string, a bool or a time. The slice is reused between rows.
func (t Table) Rows() iter.Seq[[]any] { return t.rows }

// Tables returns every family's records, in load order: capa_register comes
// before security_tests, whose capa_ref refers to it.
func (s Spec) Tables() []Table {
	return []Table{s.equipment(), s.incidents(), s.capa(), s.training(), s.covertTests()}
}

// Bad records, one every so many, carry the mistakes source systems have, for
// the exporter to reject and count.
const badEvery = 5_000

func isBad(i int) bool { return i%badEvery == badEvery-1 }

var equipmentTypes = []struct {
	name            string
	share, critical float64
}{
	{"cctv", 0.45, 0.3},
	{"access_control_reader", 0.25, 0.2},
	{"xray", 0.08, 1},
	{"walk_through_metal_detector", 0.07, 1},
	{"explosive_trace_detection", 0.06, 1},
	{"perimeter_intrusion_detection", 0.09, 1},
}

func (s Spec) equipment() Table {
	n := s.count(Assets)
	return table("equipment", n, func(yield func([]any) bool) {
		g := s.gen(1)
		row := make([]any, 6)
		for i := range n {
			st := g.site()
			x, k := g.r.Float64(), 0
			for k < len(equipmentTypes)-1 && x >= equipmentTypes[k].share {
				x -= equipmentTypes[k].share
				k++
			}
			typ := equipmentTypes[k]
			status, since := "serviceable", g.ago(3*year)
			if u := g.r.Float64(); u < st.outOfService {
				status = "unserviceable"
				if u < st.outOfService/3 {
					status = "degraded"
				}
				since = g.now.Add(-g.spread(6*time.Hour, 1.2))
			}
			if isBad(i) {
				status = "broken"
			}
			row[0], row[1], row[2], row[3], row[4], row[5] = fmt.Sprintf("AST-%07d", i+1), st.code, typ.name, g.chance(typ.critical), status, since
			if !yield(row) {
				return
			}
		}
	})
}

// resolution is the usual time to resolve an incident of each severity.
var resolution = map[string]time.Duration{"critical": 45 * time.Minute, "high": 8 * time.Hour, "medium": 30 * time.Hour, "low": 3 * day}

var (
	severities = []choice{{"critical", 0.02}, {"high", 0.10}, {"medium", 0.38}, {"low", 0.50}}
	categories = []choice{{"prohibited_item", 0.42}, {"unauthorised_access", 0.14}, {"perimeter_breach", 0.05},
		{"suspicious_behaviour", 0.18}, {"insider_activity", 0.02}, {"equipment_tampering", 0.03}, {"cyber", 0.04}, {"other", 0.12}}
)

func (s Spec) incidents() Table {
	n := s.count(Incidents)
	return table("incidents", n, func(yield func([]any) bool) {
		g := s.gen(2)
		row := make([]any, 7)
		for i := range n {
			st := g.site()
			sev, cat := g.pick(severities), g.pick(categories)
			reported := g.ago(history)
			var resolved any
			if !g.chance(st.stale) {
				resolved = g.upTo(reported.Add(time.Duration(st.slow * float64(g.spread(resolution[sev], 0.7)))))
			}
			if isBad(i) {
				resolved = reported.Add(-time.Hour)
			}
			row[0], row[1], row[2], row[3], row[4], row[5], row[6] = fmt.Sprintf("INC-%08d", i+1), st.code, cat, sev, sourcesystem.Summary(cat), reported, resolved
			if !yield(row) {
				return
			}
		}
	})
}

var (
	priorities = []choice{{"high", 0.2}, {"medium", 0.5}, {"low", 0.3}}
	dueIn      = map[string]time.Duration{"high": 30 * day, "medium": 60 * day, "low": 90 * day}
	origins    = []choice{{"audit", 0.3}, {"incident", 0.35}, {"inspection", 0.15}, {"management_review", 0.08}, {"staff_report", 0.12}}
)

// covertOrigin marks one action in covertOrigin as raised by a covert test;
// test failures link to these, so capa_ref always names an existing action.
const covertOrigin = 8

func actionRef(i int) string { return fmt.Sprintf("CAPA-%07d", i+1) }

func (s Spec) capa() Table {
	n := s.count(Actions)
	return table("capa", n, func(yield func([]any) bool) {
		g := s.gen(3)
		row := make([]any, 9)
		for i := range n {
			st := g.site()
			kind := "corrective"
			if g.chance(0.3) {
				kind = "preventive"
			}
			origin := g.pick(origins)
			if i%covertOrigin == 0 {
				origin = "covert_test"
			}
			prio := g.pick(priorities)
			raised := g.ago(history)
			due := raised.Add(dueIn[prio])
			var closed, reviewed any
			if !g.chance(st.stale) {
				closed = g.upTo(raised.Add(time.Duration(st.slow * float64(g.spread(dueIn[prio]*6/10, 0.5)))))
			}
			if c, ok := closed.(time.Time); ok && !g.chance(st.missedReview) {
				reviewed = g.upTo(c.Add(7*day + g.spread(14*day, 0.5)))
			}
			if isBad(i) {
				due = raised.Add(-day)
			}
			row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], row[8] = actionRef(i), st.code, kind, origin, prio, raised, due, closed, reviewed
			if !yield(row) {
				return
			}
		}
	})
}

var (
	roles = []choice{{"operational", 0.80}, {"supervisor_manager", 0.12}, {"senior_manager", 0.05}, {"third_party", 0.03}}
	// courses and how long a completion stays valid; 0 never expires.
	courses = []struct {
		name     string
		validity time.Duration
	}{
		{"security_awareness", year}, {"sems_induction", 0}, {"insider_threat", 2 * year}, {"incident_reporting", 2 * year},
		{"screening_certification", year}, {"access_control", 3 * year}, {"emergency_response", year}, {"sems_leadership", 3 * year},
	}
)

func (s Spec) training() Table {
	staff := s.count(Staff)
	return table("training", staff*Courses, func(yield func([]any) bool) {
		g := s.gen(4)
		row := make([]any, 6)
		for p := range staff {
			st, role := g.site(), g.pick(roles)
			// The first staff of each site, up to one per site, are its
			// Accountable Manager.
			if p < Sites {
				st, role = g.sites[p], "accountable_manager"
			}
			person := fmt.Sprintf("P%07d", p+1)
			for _, c := range courses {
				var completed, expires any
				if !g.chance(st.neverTrained) {
					// Ages spread over the validity stretched so that a
					// share "expired" of completions has lapsed.
					span := 5 * year
					if c.validity > 0 {
						span = time.Duration(float64(c.validity) / (1 - st.expired))
					}
					done := g.ago(span)
					completed = done
					if c.validity > 0 {
						expires = done.Add(c.validity)
					}
				}
				if isBad(p) && c.name == "security_awareness" {
					completed = g.now.Add(30 * day)
				}
				row[0], row[1], row[2], row[3], row[4], row[5] = person, st.code, role, c.name, completed, expires
				if !yield(row) {
					return
				}
			}
		}
	})
}

var (
	testTypes = []choice{{"screening_threat_item", 0.55}, {"access_control", 0.25}, {"vehicle_search", 0.1}, {"staff_search", 0.1}}
	testers   = []choice{{"regulator", 0.2}, {"internal", 0.6}, {"third_party", 0.2}}
	causes    = []choice{{"people", 0.6}, {"procedure", 0.25}, {"equipment", 0.15}}
)

func (s Spec) covertTests() Table {
	n := s.count(CovertTests)
	covertActions := (s.count(Actions) + covertOrigin - 1) / covertOrigin
	return table("covert_tests", n, func(yield func([]any) bool) {
		g := s.gen(5)
		row := make([]any, 8)
		failures := 0
		for i := range n {
			st := g.site()
			result := "pass"
			var cause, action any
			if !g.chance(st.passes) {
				result, cause = "fail", g.pick(causes)
				if g.chance(st.followedUp) {
					action = actionRef(covertOrigin * (failures % covertActions))
				}
				failures++
			}
			if isBad(i) {
				result, cause = "fail", nil
			}
			row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7] = fmt.Sprintf("CT-%07d", i+1), st.code, g.pick(testTypes), g.pick(testers), g.ago(history), result, cause, action
			if !yield(row) {
				return
			}
		}
	})
}

// Table returns one family's table.
func (s Spec) Table(family string) (Table, bool) {
	for _, t := range s.Tables() {
		if t.Family == family {
			return t, true
		}
	}
	return Table{}, false
}

// Records yields the table's records as the exporter's CSV reader gives them
// to an aggregation, in the order of cols, the family's contract: for
// benchmarks of the Go side without the cost of writing and parsing CSV.
// The record is reused between rows.
func (t Table) Records(cols []records.Column) iter.Seq[records.Record] {
	pos := make([]int, len(cols))
	for i, c := range cols {
		pos[i] = slices.IndexFunc(t.Columns, func(tc sourcesystem.Column) bool { return tc.Contract == c.Name })
	}
	return func(yield func(records.Record) bool) {
		rec := make(records.Record, len(cols))
		for row := range t.Rows() {
			for i, c := range cols {
				rec[i] = records.Value{}
				if pos[i] < 0 {
					continue
				}
				switch v := row[pos[i]].(type) {
				case string:
					rec[i] = records.ParseCell(c, v)
				case bool:
					rec[i] = records.Bool(v)
				case time.Time:
					rec[i] = records.Time(v)
				}
			}
			if !yield(rec) {
				return
			}
		}
	}
}

// Aggregate aggregates the table's records with the shape in Go, as the
// CSV reader does without the CSV: every record's identity counted, then
// every record added.
func (t Table) Aggregate(shape *records.Shape, now time.Time) records.Result {
	agg := shape.NewAggregator(records.Env{Now: now})
	for r := range t.Records(shape.Columns) {
		agg.CountIdentity(r)
	}
	for r := range t.Records(shape.Columns) {
		agg.Add(r)
	}
	return agg.Result()
}
