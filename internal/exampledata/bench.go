package exampledata

import (
	"fmt"
	"iter"
	"math"
	"math/rand/v2"
	"time"
)

// The benchmark dataset is the records of a large airport group: 40 sites,
// 80,000 staff, five years of incidents, corrective actions and covert
// tests, and the security equipment of every site, at a chosen scale.
//
// The records are generated as streams from a seed, never held in memory, so
// that 10x the group (almost ten million records) loads in constant memory.
// Each entry has its own random stream, so one entry's records do not depend
// on another's. Times are offsets from an anchor, the moment the data is
// loaded, so that windows such as "the last 90 days" hold data whenever it is
// loaded. The same seed, scale and anchor give the same records.

// benchSites is the number of sites of the benchmark group.
const benchSites = 40

// benchHistory is how far back the benchmark's incidents, actions and tests
// go.
const benchHistory = 5 * year

// Bad records, one every so many, carry the mistakes source systems have, for
// the exporter to reject and count.
const badEvery = 5_000

func isBad(i int) bool { return i%badEvery == badEvery-1 }

// Spec chooses a benchmark dataset: its size relative to the group at scale
// 1, the seed of its random streams and the moment its times are anchored
// at.
type Spec struct {
	Scale float64
	Seed  uint64
	Now   time.Time
}

// count scales a size at scale 1, keeping at least one record.
func (s Spec) count(n int) int { return max(1, int(math.Round(float64(n)*s.Scale))) }

// BenchSites are the benchmark group's site codes, as the exporter's
// configuration lists them: ap01 is the hub, the others regional airports.
func BenchSites() []string {
	out := make([]string, benchSites)
	for i := range out {
		out[i] = fmt.Sprintf("ap%02d", i+1)
	}
	return out
}

// site is how one benchmark site performs: its share of the group and the
// rates that make its KPIs differ from the others'.
type site struct {
	code   string
	weight float64
	// slow stretches resolution and closure times; stale is the share of
	// incidents and actions left open and forgotten.
	slow, stale                                 float64
	outOfService, expired, neverTrained, passes float64
	followedUp, missedReview                    float64
}

// benchProfiles draws the sites' profiles from the seed: sizes fall off from
// the hub, and about one site in eight is in difficulty.
func benchProfiles(seed uint64) []site {
	r := rand.New(rand.NewPCG(seed, 0x517e5))
	out := make([]site, benchSites)
	var total float64
	for i := range out {
		w := 1 / math.Pow(float64(i+1), 0.8)
		total += w
		out[i] = site{code: BenchSites()[i], weight: w, slow: 0.8 + 0.4*r.Float64(), stale: 0.002,
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

// stream is one entry's random stream of benchmark records.
type stream struct {
	r     *rand.Rand
	now   time.Time
	sites []site
	cum   []float64
}

// stream starts the random stream of the entry with the given salt.
func (s Spec) stream(salt uint64) *stream {
	g := &stream{r: rand.New(rand.NewPCG(s.Seed, salt)), now: s.Now.UTC().Truncate(time.Second), sites: benchProfiles(s.Seed)}
	var c float64
	for _, st := range g.sites {
		c += st.weight
		g.cum = append(g.cum, c)
	}
	return g
}

func (g *stream) chance(p float64) bool { return g.r.Float64() < p }

func (g *stream) site() site {
	x := g.r.Float64()
	for i, c := range g.cum {
		if x < c {
			return g.sites[i]
		}
	}
	return g.sites[len(g.sites)-1]
}

// ago is a time up to span before now, in whole seconds.
func (g *stream) ago(span time.Duration) time.Time {
	return g.now.Add(-time.Duration(g.r.Int64N(int64(span/time.Second)+1)) * time.Second)
}

// spread draws a duration around median, log-normally, in whole seconds.
func (g *stream) spread(median time.Duration, sigma float64) time.Duration {
	return time.Duration(float64(median) * math.Exp(sigma*g.r.NormFloat64())).Round(time.Second)
}

// pick draws from choices whose weights add up to 1.
func (g *stream) pick(cs []choice) string {
	x := g.r.Float64()
	for _, c := range cs {
		if x -= c.weight; x < 0 {
			return c.value
		}
	}
	return cs[len(cs)-1].value
}

// upTo returns t, or NULL (nil) when t has not happened yet.
func (g *stream) upTo(t time.Time) any {
	if t.After(g.now) {
		return nil
	}
	return t
}

// BenchTable is one entry's benchmark records in its table.
type BenchTable struct {
	Table
	// Family is the record contract the records are for.
	Family string
	// Count is the number of records at the spec's scale.
	Count int
	rows  func(yield func([]any) bool)
}

// Rows yields the records in contract values, a cell per column: nil for
// NULL, a string, a bool or a time. The slice is reused between rows.
func (t BenchTable) Rows() iter.Seq[[]any] { return t.rows }

// Tables returns the benchmark records of every entry that has them, in the
// entries' Order.
func (s Spec) Tables() []BenchTable {
	var out []BenchTable
	for _, e := range Entries() {
		if e.Bench != nil {
			out = append(out, s.table(e))
		}
	}
	return out
}

func (s Spec) table(e Entry) BenchTable {
	n, rows := e.Bench(s)
	return BenchTable{Table: e.Table, Family: e.Name, Count: n, rows: rows}
}

// Table returns one entry's benchmark records.
func (s Spec) Table(name string) (BenchTable, bool) {
	e, ok := Lookup(name)
	if !ok || e.Bench == nil {
		return BenchTable{}, false
	}
	return s.table(e), true
}
