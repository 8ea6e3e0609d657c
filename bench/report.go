package bench

import (
	"fmt"
	"strings"
)

// Markdown renders the report as the tables of docs/benchmarks.md.
func (r *Report) Markdown() string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	m := r.Machine
	p("Machine: %d CPUs (%s), %.1f GiB memory, %s, PostgreSQL %s; load average %s when the benchmark began, %s when it ended. Seed %d. Every time is the median of up to %d runs after a warm-up run (fewer where they would have taken too long: the runs column). The benchmark took %.0f s.\n\n",
		m.CPUs, m.CPU, m.MemoryBytes/(1<<30), m.Go, m.PostgreSQL, m.LoadBefore, m.LoadAfter, r.Seed, r.Runs, r.Took)
	if len(r.ExporterEnv) > 0 {
		p("The exporter ran with %s in its environment.\n\n", strings.Join(r.ExporterEnv, " "))
	}

	p("### Collection time: exporter against the bare aggregate query\n\n")
	p("| scale | family | records | runs | bare query (psql) | exporter | ratio |\n|---:|---|---:|---:|---:|---:|---:|\n")
	for _, s := range r.Scales {
		for _, f := range append(s.Family, s.Total) {
			name := f.Family
			if name == "total" {
				name = "**total**"
			}
			runs := ""
			if len(f.Floor) > 0 {
				runs = fmt.Sprint(len(f.Floor))
			}
			p("| %gx | %s | %s | %s | %s | %s | %.2f |\n", s.Scale, name, count(f.Records), runs, seconds(f.FloorMedian), seconds(f.ExporterMedian), f.Ratio)
		}
	}

	p("\n### Growth with the data\n\n")
	p("| scale | records | load (COPY, VACUUM ANALYZE) | tables | bare queries | exporter | ratio | exporter per million records | peak RSS | series (sems_*) |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, s := range r.Scales {
		p("| %gx | %s | %.1f s | %.0f MiB | %s | %s | %.2f | %s | %s | %d (%d) |\n", s.Scale, count(s.Records), s.Load, s.DBBytes/(1<<20),
			seconds(s.Total.FloorMedian), seconds(s.Total.ExporterMedian), s.Total.Ratio,
			seconds(s.Total.ExporterMedian/float64(s.Records)*1e6), mib(s.PeakRSS), s.Series.All, s.Series.SeMS)
	}

	if r.Scales[0].Periods != nil {
		p("\n### Period indicators: their cost against their floor (PostgreSQL backend CPU time)\n\n")
		p("| scale | family | runs | aggregate query with | without | period cost | floor | cost / floor | hand-written floor | cost / hand-written floor |\n|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")
		for _, s := range r.Scales {
			for _, f := range s.Periods {
				hand, handRatio := "", ""
				if len(f.HandFloor) > 0 {
					hand, handRatio = seconds(f.HandFloorMedian), fmt.Sprintf("%.2f", f.HandRatio)
				}
				p("| %gx | %s | %d | %s | %s | %s | %s | %.2f | %s | %s |\n", s.Scale, f.Family, len(f.With), seconds(f.WithMedian), seconds(f.WithoutMedian), seconds(f.Cost), seconds(f.FloorMedian), f.Ratio, hand, handRatio)
			}
		}
		p("\n| scale | samples with a period label | of them sems_kpi_*period_* | their bound (KPIs x sites x periods, per metric) |\n|---:|---:|---:|---:|\n")
		for _, s := range r.Scales {
			p("| %gx | %d | %d | %d |\n", s.Scale, s.Series.Period, s.Series.KPIPeriod, s.Series.KPIPeriodBound)
		}
	}

	if sr := r.Scrapes; sr != nil {
		p("\n### /metrics under concurrent scrapers, during collections (%gx)\n\n", sr.Scale)
		p("%d series (%d sems_*), %s of text per scrape, no compression. Peak RSS once every family has collected: %s.\n\n",
			sr.Series.All, sr.Series.SeMS, mib(float64(sr.Bytes)), mib(sr.PeakRSSCollected))
		p("| scrapers | scrapes | errors | /metrics median | /metrics p99 | expfmt median | expfmt p99 | median ratio | p99 ratio | peak RSS after |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
		for _, ph := range sr.Phases {
			p("| %d | %d | %d | %s | %s | %s | %s | %.2f | %.2f | %s |\n", ph.Concurrency, ph.HTTP.N, ph.Errors,
				seconds(ph.HTTP.Median), seconds(ph.HTTP.P99), seconds(ph.Baseline.Median), seconds(ph.Baseline.P99),
				ph.MedianRatio, ph.P99Ratio, mib(ph.PeakRSS))
		}
		q := sr.Queries
		p("\nSource queries while the scrape phases lasted (pg_stat_statements, the exporter's role): %d scrapes, %g collections, %g aggregate queries, %g statements in all. Collections in flight at either end can make the aggregate count differ from the collections by up to %d; every other query would be a scrape's.\n",
			q.Scrapes, q.Collections, q.Aggregates, q.Statements, q.InFlight)
	}

	if c := r.CSV; c != nil {
		p("\n### Collection from CSV exports of the same records (%gx)\n\n", c.Scale)
		p("| family | records read | rejected | CSV | PostgreSQL | CSV / PostgreSQL |\n|---|---:|---:|---:|---:|---:|\n")
		for _, f := range c.Family {
			p("| %s | %s | %g | %s | %s | %.2f |\n", f.Family, count(int(f.Read)), f.Rejected, seconds(f.ExporterMedian), seconds(f.FloorMedian), f.Ratio)
		}
		p("\nSame records read and rejected from CSV as from PostgreSQL: %v.\n", c.SameRecords)
	}
	return b.String()
}

func seconds(s float64) string {
	switch {
	case s < 0.01:
		return fmt.Sprintf("%.2f ms", s*1e3)
	case s < 1:
		return fmt.Sprintf("%.1f ms", s*1e3)
	}
	return fmt.Sprintf("%.2f s", s)
}

func mib(b float64) string { return fmt.Sprintf("%.1f MiB", b/(1<<20)) }

// count writes n with thousands separators.
func count(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
