package exampledata

import (
	"fmt"
	"strconv"
	"time"
)

// The self_assessment family's example data: the group's PSeMS checklist
// self-assessments, each site's and the group's own, twice a year.

func init() {
	Register(Entry{
		Name:  "self_assessment",
		Order: 12,
		Table: Table{Name: "psems_assessments", File: "self_assessment.csv",
			Doc: "One row per answer to a PSeMS checklist statement in a self-assessment;\na NULL site is the whole group's assessment.",
			Columns: []Column{
				{Contract: "assessment_ref", Source: "assessment_id", Type: "text"},
				{Contract: "assessed_at", Source: "assessed_on", Type: "timestamptz"},
				{Contract: "site", Source: "site_code", Type: "text", Map: Upper, Note: "NULL: group-wide"},
				{Contract: "statement", Source: "statement_no", Type: "text"},
				{Contract: "answer", Source: "response", Type: "text", Map: Coded("yes", "Y", "in_part", "P", "no", "N",
					"not_sure", "U", "n_a", "NA"), Note: "U: unsure"},
			}},
		Demo: DemoOf(demoAnswers, func(a Answer) []any {
			return []any{a.Assessment, a.At, a.Site, a.Statement, a.Answer}
		}),
		Bench: benchAnswers,
	})
}

// Answer is a self_assessment record; an empty string is NULL.
type Answer struct {
	Assessment string
	At         Moment
	Site       string
	Statement  string
	Answer     string
}

// demoAssessments is how many half-yearly assessments each site has made.
const demoAssessments = 4

func demoAnswers(d *Demo) []Answer {
	var out []Answer
	scopes := append([]string{""}, DemoSites()...)
	for i, site := range scopes {
		// Sites that keep their actions on time are further along.
		maturity := 0.7
		if site != "" {
			maturity = demoSite(site).closedOnTime - 0.1
		}
		for k := range demoAssessments {
			ref := fmt.Sprintf("PSA-%02d-%d", i+1, k+1)
			when := at(-time.Duration(demoAssessments-k)*year/2 + d.between(0, 20*day))
			// Each assessment a little better than the last.
			m := maturity - 0.05*float64(demoAssessments-1-k)
			for st := 1; st <= 43; st++ {
				ans := d.pick([]choice{{"yes", m}, {"in_part", 0.15}, {"no", (1 - m) / 2}, {"not_sure", (1 - m) / 4}, {"n_a", 0.02}})
				out = append(out, Answer{Assessment: ref, At: when, Site: site, Statement: strconv.Itoa(st), Answer: ans})
			}
		}
	}
	last := out[len(out)-1]
	out = append(out,
		Answer{Assessment: "PSA-99-1", At: at(-30 * day), Site: "north", Statement: "44", Answer: "yes"},
		Answer{Assessment: "PSA-99-1", At: at(-30 * day), Site: "north", Statement: "1", Answer: "maybe"},
		Answer{Assessment: "PSA-99-2", At: at(2 * day), Site: "south", Statement: "1", Answer: "yes"},
		// The last answer exported twice, the second time changed: both
		// copies are rejected.
		Answer{Assessment: last.Assessment, At: last.At, Site: last.Site, Statement: last.Statement, Answer: "no"},
	)
	return out
}

var benchAnswerChoices = []choice{{"yes", 0.6}, {"in_part", 0.2}, {"no", 0.1}, {"not_sure", 0.07}, {"n_a", 0.03}}

func benchAnswers(s Spec) (int, func(yield func([]any) bool)) {
	// Every site assesses itself each quarter of the history.
	assessments := s.count(benchSites * int(benchHistory/(year/4)))
	return assessments * 43, func(yield func([]any) bool) {
		g := s.stream(12)
		row := make([]any, 5)
		for a := range assessments {
			st := g.site()
			when := g.ago(benchHistory)
			for n := 1; n <= 43; n++ {
				answer := g.pick(benchAnswerChoices)
				if isBad(a*43 + n) {
					answer = "maybe"
				}
				row[0], row[1], row[2], row[3], row[4] = fmt.Sprintf("PSA-%06d", a+1), when, st.code, strconv.Itoa(n), answer
				if !yield(row) {
					return
				}
			}
		}
	}
}
