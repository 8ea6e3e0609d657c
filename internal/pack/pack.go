// Package pack renders the governance pack: the figures of a period for a
// governance meeting, as a self-contained HTML file (styles and SVG charts
// inline, print CSS for A4), a CSV of every figure it shows and the
// manifest that lets a pack be verified later. It renders from the
// exporter's own gathered metric families, so its numbers are those
// /metrics serves; an optional Prometheus supplies history the records
// cannot.
package pack

import (
	"fmt"
	"html/template"
	"slices"
	"strings"
	"time"

	"github.com/sems-exporter/sems_exporter/internal/figures"
)

// Options say what to put in a pack.
type Options struct {
	// Period is the period reported on.
	Period Period
	// IncludeRestricted puts covert test results in.
	IncludeRestricted bool
	// AsAt is when the figures were collected; Generated when the pack was
	// made.
	AsAt, Generated time.Time
	// Version and Revision are the exporter's.
	Version, Revision string
	// History answers what the records cannot; nil without a Prometheus.
	History History
}

// restrictedFamily is the family whose results most regimes restrict.
const restrictedFamily = "covert_tests"

// Pack is a rendered governance pack.
type Pack struct {
	Title     string
	Period    string
	AsAt      string
	Generated string
	Version   string
	// Notes are said on the cover: what was left out and what could not be
	// filled.
	Notes    []string
	Unfilled []string
	Summary  *Table
	Sections []*Section
	figures  []Figure
}

// Section is one page (or more) of the pack.
type Section struct {
	ID, Title string
	Intro     string
	Blocks    []Block
}

// Block is a table, a chart or a paragraph.
type Block struct {
	Heading string
	Text    string
	Table   *Table
	Chart   template.HTML
}

// Table is a table's heading row and rows.
type Table struct {
	Head []string
	Rows [][]Cell
}

// Cell is a table cell; Class colours a status.
type Cell struct {
	Text, Class string
	Head        bool
}

// Figure is one number the pack shows, as the CSV lists it. Source is the
// series it reads (wrapped in sum() or max() when it adds series up or
// takes the largest), or "computed" for a difference of two.
type Figure struct {
	Section, Subject, Site, Measure, Period string
	Value                                   float64
	Source                                  string
}

// builder accumulates a pack.
type builder struct {
	f    *figures.Figures
	o    Options
	p    *Pack
	kpis []figures.KPI
}

// Build makes the pack of the figures.
func Build(f *figures.Figures, o Options) *Pack {
	b := &builder{f: f, o: o, p: &Pack{
		Title:     "Security performance: governance pack",
		Period:    o.Period.String(),
		AsAt:      o.AsAt.UTC().Format("2006-01-02 15:04 MST"),
		Generated: o.Generated.UTC().Format(time.RFC3339),
		Version:   strings.TrimSpace(o.Version + " " + o.Revision),
	}}
	if b.p.Version == "" {
		b.p.Version = "(a development build, without a version)"
	}
	for _, k := range f.KPIs {
		if k.Family == restrictedFamily && !o.IncludeRestricted {
			continue
		}
		b.kpis = append(b.kpis, k)
	}
	if o.IncludeRestricted {
		b.p.Notes = append(b.p.Notes, "This pack includes covert test results, which are restricted: handle it accordingly.")
	} else {
		b.p.Notes = append(b.p.Notes, "Covert test results are restricted and are left out of this pack; they are included only when it is made with --include-restricted.")
	}
	b.summary()
	b.trends()
	b.ranking()
	b.capa()
	b.outages()
	b.incidents()
	b.training()
	b.indicators()
	b.dataQuality()
	b.targets()
	b.method()
	return b.p
}

// Figures are the numbers the pack shows, in the order it shows them.
func (p *Pack) Figures() []Figure { return p.figures }

// section starts a section.
func (b *builder) section(id, title, intro string) *Section {
	s := &Section{ID: id, Title: title, Intro: intro}
	b.p.Sections = append(b.p.Sections, s)
	return s
}

// unfilled says a section or part of one has no data, and why.
func (b *builder) unfilled(s *Section, what, why string) {
	s.Blocks = append(s.Blocks, Block{Heading: what, Text: "No data: " + why})
	b.p.Unfilled = append(b.p.Unfilled, s.Title+": "+what+" ("+why+")")
}

// fig records a figure and returns the cell that shows it.
func (b *builder) fig(section, subject, site, measure, period string, v float64, source, text string) Cell {
	b.p.figures = append(b.p.figures, Figure{Section: section, Subject: subject, Site: site, Measure: measure,
		Period: period, Value: v, Source: source})
	return Cell{Text: text}
}

// selector writes a series selector with its label matchers sorted.
func selector(metric string, match ...string) string {
	var pairs []string
	for i := 0; i+1 < len(match); i += 2 {
		pairs = append(pairs, fmt.Sprintf("%s=%q", match[i], match[i+1]))
	}
	slices.Sort(pairs)
	if len(pairs) == 0 {
		return metric
	}
	return metric + "{" + strings.Join(pairs, ",") + "}"
}

func text(s string) Cell { return Cell{Text: s} }
func head(s string) Cell { return Cell{Text: s, Head: true} }
