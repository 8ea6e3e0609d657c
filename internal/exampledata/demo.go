package exampledata

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"
)

// The demonstration dataset is the security records of the Estuary Airports
// Group, a fictional operator of four airports (north, south, harbour and
// valley). Harbour is the site in difficulty, so that dashboards have
// something to show. Each contract's records end with a few deliberately bad
// ones that the exporter rejects, so that its rejection metrics have
// something to count.
//
// The records are drawn from a fixed seed, so they are the same on every
// run, and hold every time as an offset from the moment they are loaded
// (a Moment), so they never go stale.

const (
	day  = 24 * time.Hour
	year = 365 * day
)

// demoHistory is how far back the demonstration's incidents, actions and
// tests go.
const demoHistory = 2 * year

// profile is how one demonstration site performs. Rates are shares of
// records.
type profile struct {
	code   string
	abbrev string // prefix of asset references
	size   float64
	// outOfService: assets not serviceable; stale: incidents and actions
	// left open and forgotten; missedReview: closed actions never reviewed.
	outOfService, resolvedOnTime, closedOnTime, stale, missedReview float64
	expired, neverTrained, pass, followedUp                         float64
}

var demoSites = []profile{
	{code: "north", abbrev: "NTH", size: 0.42, outOfService: 0.015, resolvedOnTime: 0.95, closedOnTime: 0.90,
		stale: 0.003, missedReview: 0.03, expired: 0.025, neverTrained: 0.006, pass: 0.91, followedUp: 0.90},
	{code: "south", abbrev: "STH", size: 0.27, outOfService: 0.025, resolvedOnTime: 0.92, closedOnTime: 0.85,
		stale: 0.005, missedReview: 0.06, expired: 0.045, neverTrained: 0.012, pass: 0.87, followedUp: 0.85},
	{code: "harbour", abbrev: "HBR", size: 0.19, outOfService: 0.07, resolvedOnTime: 0.80, closedOnTime: 0.62,
		stale: 0.02, missedReview: 0.20, expired: 0.09, neverTrained: 0.03, pass: 0.72, followedUp: 0.55},
	{code: "valley", abbrev: "VAL", size: 0.12, outOfService: 0.01, resolvedOnTime: 0.96, closedOnTime: 0.92,
		stale: 0.002, missedReview: 0.03, expired: 0.02, neverTrained: 0.005, pass: 0.93, followedUp: 0.90},
}

func demoSite(code string) profile {
	i := slices.IndexFunc(demoSites, func(p profile) bool { return p.code == code })
	return demoSites[i]
}

// DemoSites are the demonstration's site codes, as its configurations list
// them.
func DemoSites() []string {
	out := make([]string, len(demoSites))
	for i, p := range demoSites {
		out[i] = p.code
	}
	return out
}

// Moment is a time relative to the moment the demonstration data is loaded:
// before it when Offset is negative, after it when positive. The zero Moment
// is NULL.
type Moment struct {
	Offset time.Duration
	Valid  bool
}

// At returns the moment anchored at now.
func (m Moment) At(now time.Time) time.Time { return now.Add(m.Offset) }

func at(offset time.Duration) Moment { return Moment{Offset: offset.Round(time.Second), Valid: true} }

// DemoGen draws one contract's demonstration records; DemoOf makes one.
type DemoGen interface {
	draw(d *Demo) any
	rows(records any) [][]any
}

// DemoOf draws records with draw and gives each as a row, a cell per column
// in the table's order: a string (empty for NULL), a bool, a Moment, or a
// float64 (nil for NULL).
func DemoOf[T any](draw func(*Demo) []T, row func(T) []any) DemoGen {
	return demoGen[T]{draw, row}
}

type demoGen[T any] struct {
	records func(*Demo) []T
	row     func(T) []any
}

func (g demoGen[T]) draw(d *Demo) any { return g.records(d) }

func (g demoGen[T]) rows(records any) [][]any {
	var out [][]any
	for _, r := range records.([]T) {
		out = append(out, g.row(r))
	}
	return out
}

// Demo is the demonstration dataset: every entry's records, drawn from one
// random stream in the entries' Order.
type Demo struct {
	Sites   []string
	r       *rand.Rand
	records map[string]any
	drawing map[string]bool
}

// DefaultSeed is the seed of the committed examples' demonstration data.
const DefaultSeed = 0x5e35

// GenerateDemo returns the demonstration dataset, the same on every call.
func GenerateDemo() *Demo { return GenerateDemoSeed(DefaultSeed) }

// GenerateDemoSeed returns the dataset another seed gives: the same sites
// and the same situations in other numbers, as another organisation of a
// group would show them.
func GenerateDemoSeed(seed uint64) *Demo {
	d := &Demo{Sites: DemoSites(), r: rand.New(rand.NewPCG(seed, 2026)), records: map[string]any{}, drawing: map[string]bool{}}
	for _, e := range Entries() {
		d.drawn(e.Name)
	}
	return d
}

// drawn returns an entry's records, drawing them first if no other entry
// has asked for them yet. An entry whose records depend on another's asks
// for them, and may complete them (as an action raised after a failed test
// is linked from it).
func (d *Demo) drawn(name string) any {
	if rs, ok := d.records[name]; ok {
		return rs
	}
	if d.drawing[name] {
		panic("exampledata: the demonstration records of " + name + " depend on themselves")
	}
	d.drawing[name] = true
	e, ok := Lookup(name)
	if !ok {
		panic("exampledata: no entry " + name)
	}
	rs := e.Demo.draw(d)
	d.records[name] = rs
	return rs
}

// DemoRecords returns an entry's demonstration records as its generator
// draws them.
func DemoRecords[T any](d *Demo, name string) []T { return d.drawn(name).([]T) }

// Rows returns an entry's demonstration records as rows of its table.
func (d *Demo) Rows(name string) [][]any {
	e, _ := Lookup(name)
	return e.Demo.rows(d.drawn(name))
}

// numbered gives records their references, numbered from 1 in format, and
// exports the last one twice, the second time with its reference padded:
// the exporter compares references trimmed and rejects both copies as
// duplicates.
func numbered[T any](rs []T, format string, ref func(*T) *string) []T {
	for i := range rs {
		*ref(&rs[i]) = fmt.Sprintf(format, i+1)
	}
	dup := rs[len(rs)-1]
	*ref(&dup) += " "
	return append(rs, dup)
}

func (d *Demo) chance(p float64) bool { return d.r.Float64() < p }

// between returns a uniformly drawn duration in [lo, hi], in whole seconds.
func (d *Demo) between(lo, hi time.Duration) time.Duration {
	return (lo + time.Duration(d.r.Int64N(int64(hi-lo)+1))).Round(time.Second)
}

type choice struct {
	value  string
	weight float64
}

func (d *Demo) pick(cs []choice) string {
	var total float64
	for _, c := range cs {
		total += c.weight
	}
	x := d.r.Float64() * total
	for _, c := range cs {
		if x -= c.weight; x < 0 {
			return c.value
		}
	}
	return cs[len(cs)-1].value
}

// count shares n out to a site by its size.
func count(n int, p profile) int { return int(math.Round(float64(n) * p.size)) }
