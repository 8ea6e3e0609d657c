package exampledata

import (
	"fmt"
	"time"
)

// The providers family's example data: the contract management system's
// monthly performance returns of the group's security contractors.

func init() {
	Register(Entry{
		Name:  "providers",
		Order: 11,
		Table: Table{Name: "contractor_performance", File: "providers.csv",
			Doc: "One row per contracted measure of a contractor's service at a site, per\nmonth.",
			Columns: []Column{
				{Contract: "measurement_ref", Source: "return_id", Type: "text PRIMARY KEY"},
				{Contract: "provider", Source: "contractor", Type: "text", Map: Upper},
				siteColumn,
				{Contract: "service", Source: "service", Type: "text", Map: Upper},
				{Contract: "measure", Source: "kpi_name", Type: "text"},
				{Contract: "period", Source: "period_start", Type: "timestamptz"},
				{Contract: "contracted_level", Source: "contracted", Type: "float8"},
				{Contract: "achieved_level", Source: "achieved", Type: "float8"},
				{Contract: "direction", Source: "sense", Type: "text", Map: Coded("higher_is_better", "MIN", "lower_is_better", "MAX"),
					Note: "MIN: contracted is a minimum, MAX: a maximum"},
			}},
		Settings: `# The group's security contractors, by the codes the contracts use.
vocabulary:
  provider: [secureco, gatekeep, aegis]
`,
		Demo: DemoOf(demoMeasurements, func(m Measurement) []any {
			return []any{m.Ref, m.Provider, m.Site, m.Service, m.Measure, m.Period, m.Contracted, m.Achieved, m.Direction}
		}),
		Bench: benchMeasurements,
	})
}

// Measurement is a providers record; an empty string is NULL.
type Measurement struct {
	Ref, Provider, Site, Service, Measure string
	Period                                Moment
	Contracted, Achieved                  float64
	Direction                             string
}

// contractMeasure is one measure a contract sets for a service.
type contractMeasure struct {
	provider, service, measure string
	level, spread              float64
	lowerIsBetter              bool
}

var demoContracts = []contractMeasure{
	{"secureco", "screening", "threat_image_detection", 0.95, 0.03, false},
	{"secureco", "screening", "queue_minutes_p95", 10, 3, true},
	{"gatekeep", "guarding", "patrols_completed", 0.98, 0.02, false},
	{"gatekeep", "access_control", "response_minutes", 15, 5, true},
	{"aegis", "cargo_screening", "consignments_screened", 1.0, 0.004, false},
}

// demoMonths is how many monthly returns the demonstration holds.
const demoMonths = 24

func demoMeasurements(d *Demo) []Measurement {
	var out []Measurement
	for m := demoMonths; m >= 1; m-- {
		period := at(-time.Duration(m) * 30 * day)
		for _, p := range demoSites {
			for _, c := range demoContracts {
				achieved := c.level + d.r.NormFloat64()*c.spread
				// Harbour's contractor struggles, as its site does.
				if p.code == "harbour" {
					achieved -= c.spread
					if c.lowerIsBetter {
						achieved += 2 * c.spread
					}
				}
				if !c.lowerIsBetter {
					achieved = min(achieved, 1)
				}
				mm := Measurement{Provider: c.provider, Site: p.code, Service: c.service, Measure: c.measure,
					Period: period, Contracted: c.level, Achieved: round2(achieved)}
				if c.lowerIsBetter {
					mm.Direction = "lower_is_better"
				}
				out = append(out, mm)
			}
		}
	}
	out = append(out,
		Measurement{Provider: "john_smith", Site: "north", Service: "guarding", Measure: "patrols_completed", Period: at(-30 * day), Contracted: 0.98, Achieved: 0.99},
		Measurement{Provider: "gatekeep", Site: "south", Service: "guarding", Measure: "patrols_completed", Period: at(40 * day), Contracted: 0.98, Achieved: 0.99},
		Measurement{Provider: "aegis", Site: "valley", Service: "cargo_screening", Measure: "consignments_screened", Period: at(-60 * day), Contracted: 1.0, Achieved: 1.0},
	)
	return numbered(out, "CP-%05d", func(m *Measurement) *string { return &m.Ref })
}

func round2(x float64) float64 { return float64(int(x*100+0.5)) / 100 }

func benchMeasurements(s Spec) (int, func(yield func([]any) bool)) {
	months := int(benchHistory / (30 * day))
	n := s.count(benchSites * months * len(demoContracts))
	return n, func(yield func([]any) bool) {
		g := s.stream(11)
		row := make([]any, 9)
		for i := range n {
			st := g.site()
			c := demoContracts[i%len(demoContracts)]
			achieved := c.level * (1 + 0.05*g.r.NormFloat64()*st.slow)
			var direction any
			if c.lowerIsBetter {
				direction = "lower_is_better"
			}
			period := g.ago(benchHistory).Truncate(24 * time.Hour)
			row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], row[8] = fmt.Sprintf("CP-%07d", i+1), c.provider, st.code, c.service, c.measure, period, c.level, achieved, direction
			if isBad(i) {
				row[7] = nil
			}
			if !yield(row) {
				return
			}
		}
	}
}
