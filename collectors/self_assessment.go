package collectors

import (
	"cmp"
	_ "embed"
	"encoding/csv"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sems-exporter/sems_exporter/internal/records"
)

// PSeMS self-assessment: the guidance's own maturity check. Its checklist's
// 43 statements, grouped into Plan, Do, Check and Act, are each answered
// Yes, In part, No, Not sure or N/A; scored per section and followed from
// one assessment to the next. One record per answer of one assessment.
type selfAssessment struct{}

func init() { Register(selfAssessment{}) }

var selfAssessmentKPI = KPI{
	Name:        "self_assessment_score",
	Family:      "self_assessment",
	Title:       "PSeMS self-assessment score",
	Description: "Score of the latest PSeMS checklist self-assessment over its 43 statements, 0-1: Yes 1, In part 0.5, No and Not sure 0, N/A left out (configurable).",
	Unit:        UnitRatio,
}

func (selfAssessment) KPIs() []KPI { return []KPI{selfAssessmentKPI} }

// checklistCSV is the checklist's statement numbers and their sections.
//
//go:embed checklist/statements.csv
var checklistCSV string

// checklist maps each statement number to its section; sections are the
// PDCA sections in the cycle's order.
var checklist, sections = loadChecklist(checklistCSV)

func loadChecklist(text string) (map[string]string, []string) {
	r := csv.NewReader(strings.NewReader(text))
	r.Comment = '#'
	rows, err := r.ReadAll()
	if err != nil || len(rows) < 2 {
		panic(fmt.Sprintf("collectors: the PSeMS checklist does not read: %v", err))
	}
	bySection := map[string]string{}
	var order []string
	for _, row := range rows[1:] {
		bySection[row[0]] = row[1]
		if !slices.Contains(order, row[1]) {
			order = append(order, row[1])
		}
	}
	return bySection, order
}

// statements are the statement numbers, in order.
func statements() []string {
	return slices.SortedFunc(maps.Keys(checklist), func(a, b string) int {
		x, _ := strconv.Atoi(a)
		y, _ := strconv.Atoi(b)
		return cmp.Compare(x, y)
	})
}

// answerNA is left out of every score.
const answerNA = "n_a"

var selfAssessmentAnswers = []string{"yes", "in_part", "no", "not_sure", answerNA}

// gapAnswers are the answers that list a statement as a gap.
var gapAnswers = []string{"no", "not_sure"}

type selfAssessmentOptions struct {
	// Scores is what each answer but n_a is worth, 0-1.
	Scores map[string]float64 `yaml:"scores"`
}

func (o *selfAssessmentOptions) Validate() error {
	for _, a := range slices.Sorted(maps.Keys(o.Scores)) {
		if v := o.Scores[a]; v < 0 || v > 1 || math.IsNaN(v) {
			return fmt.Errorf("scores.%s must be between 0 and 1, got %g", a, v)
		}
	}
	if _, ok := o.Scores[answerNA]; ok {
		return fmt.Errorf("scores.%s: N/A is left out of the score, it has none", answerNA)
	}
	return nil
}

type selfAssessmentTargets struct {
	Score RatioTarget `yaml:"score_ratio"`
}

func (t *selfAssessmentTargets) Validate() error { return t.Score.Validate() }

// ValidateSettings requires a score for every answer of the vocabulary
// but n_a, and keeps the organisation's site label free.
func (f selfAssessment) ValidateSettings(s *Settings) error {
	if err := reserveOrganisationSite(s); err != nil {
		return err
	}
	scores := s.Options.(*selfAssessmentOptions).Scores
	for _, a := range vocabularyOf(s, f, "answer") {
		if _, ok := scores[a]; !ok && a != answerNA {
			return fmt.Errorf("options.scores: no score for answer %q", a)
		}
	}
	return nil
}

var (
	selfAssessmentScoreDesc = newDesc("self_assessment", "score",
		"Score of the latest assessment per section (plan, do, check, act), 0-1: the answers' scores over the statements not answered n_a; absent when all are.", "site", "section")
	selfAssessmentPreviousDesc = newDesc("self_assessment", "previous_score",
		"Score of the assessment before the latest per section, 0-1.", "site", "section")
	selfAssessmentChangeDesc = newDesc("self_assessment", "score_change",
		"Latest score less the previous one per section, -1 to 1; absent without both.", "site", "section")
	selfAssessmentGapDesc = newDesc("self_assessment", "gap",
		"1 for each statement the latest assessment answered no or not_sure.", "site", "section", "statement", "answer")
	selfAssessmentAnswersDesc = newDesc("self_assessment", "answers",
		"Statements of the latest assessment by answer, per section, every answer included (0 too).", "site", "section", "answer")
	selfAssessmentAgeDesc = newDesc("self_assessment", "age_seconds",
		"Time since the latest assessment.", "site")
	selfAssessmentCountDesc = newDesc("self_assessment", "assessments",
		"Assessments in the records.", "site")
)

func (selfAssessment) Name() string { return "self_assessment" }

func (selfAssessment) Columns() []records.Column {
	return []records.Column{
		{Name: "assessment_ref", Type: records.TypeText, Required: true, Doc: "The assessment's reference, shared by all its answers. Read, never exported."},
		{Name: "assessed_at", Type: records.TypeTime, Required: true, Doc: "When the assessment was made; the latest of its answers' is the assessment's."},
		{Name: "site", Type: records.TypeEnum, Doc: "Site code; empty (NULL) for an assessment of the whole organisation, labelled `site=\"organisation\"`."},
		{Name: "statement", Type: records.TypeText, Required: true, Doc: "The checklist statement's number, 1 to 43; any other is rejected as `unknown_statement`."},
		{Name: "answer", Type: records.TypeEnum, Required: true, Doc: "The answer given.", Allowed: selfAssessmentAnswers},
	}
}

func (selfAssessment) NewOptions() any {
	return &selfAssessmentOptions{Scores: map[string]float64{"yes": 1, "in_part": 0.5, "no": 0, "not_sure": 0}}
}

func (selfAssessment) NewTargets() any {
	return &selfAssessmentTargets{Score: RatioTarget{Green: 0.80, Amber: 0.60}}
}

func (f selfAssessment) Shape(s *Settings) *records.Shape {
	sh := records.NewShape(s.ColumnsWith(f))
	sh.Unique("duplicate_answer", "assessment_ref", "statement")
	// A text column checked against the shipped checklist rather than an
	// enum: statement numbers are no words to display by name.
	known := map[string]float64{}
	for _, st := range statements() {
		known[st] = 1
	}
	sh.Reject("unknown_statement", records.IsNull(records.Lookup(known, sh.Col("statement"))))
	rejectFuture(sh, "assessed_at")
	siteOrOrganisation(sh)
	sh.GroupBy("assessment", sh.Col("assessment_ref"))
	sh.GroupBy("statement", sh.Col("statement"))
	sh.GroupBy("answer", sh.Col("answer"))
	// assessed_at - now, largest for the latest: minus its age.
	sh.MaxOf("assessed", records.SecondsBetween(records.Now(), sh.Col("assessed_at")))
	return sh
}

// assessment is one assessment of a site: its answers by statement.
type assessment struct {
	ref     string
	at      float64 // minus its age
	answers map[string]string
}

// sectionScores scores an assessment per section: the answers' scores
// over the statements not answered n_a.
func (a assessment) sectionScores(scores map[string]float64) (num, den map[string]float64) {
	num, den = map[string]float64{}, map[string]float64{}
	for st, ans := range a.answers {
		if ans == answerNA {
			continue
		}
		num[checklist[st]] += scores[ans]
		den[checklist[st]]++
	}
	return num, den
}

func (selfAssessment) Metrics(sh *records.Shape, res records.Result, s *Settings) []prometheus.Metric {
	scores := s.Options.(*selfAssessmentOptions).Scores
	var out metricsOut
	bySite := map[string]map[string]*assessment{}
	for _, t := range rollUp(sh, res, "site", "assessment", "statement", "answer") {
		site, ref, st, ans := t.Labels[0], t.Labels[1], t.Labels[2], t.Labels[3]
		if bySite[site] == nil {
			bySite[site] = map[string]*assessment{}
		}
		a, ok := bySite[site][ref]
		if !ok {
			a = &assessment{ref: ref, at: math.Inf(-1), answers: map[string]string{}}
			bySite[site][ref] = a
		}
		a.at = max(a.at, t.Value("assessed"))
		a.answers[st] = ans
	}
	kpi := map[string]kpiScore{}
	for _, site := range slices.Sorted(maps.Keys(bySite)) {
		// Newest first; the same time is told apart by reference.
		list := slices.SortedFunc(maps.Values(bySite[site]), func(a, b *assessment) int {
			return cmp.Or(cmp.Compare(b.at, a.at), cmp.Compare(b.ref, a.ref))
		})
		latest := list[0]
		out.gauge(selfAssessmentCountDesc, float64(len(list)), site)
		out.gauge(selfAssessmentAgeDesc, -latest.at, site)
		num, den := latest.sectionScores(scores)
		var prevNum, prevDen map[string]float64
		if len(list) > 1 {
			prevNum, prevDen = list[1].sectionScores(scores)
		}
		var sc kpiScore
		for _, sec := range sections {
			sc.num += num[sec]
			sc.den += den[sec]
			if den[sec] > 0 {
				out.gauge(selfAssessmentScoreDesc, num[sec]/den[sec], site, sec)
			}
			if prevDen[sec] > 0 {
				out.gauge(selfAssessmentPreviousDesc, prevNum[sec]/prevDen[sec], site, sec)
				if den[sec] > 0 {
					out.gauge(selfAssessmentChangeDesc, num[sec]/den[sec]-prevNum[sec]/prevDen[sec], site, sec)
				}
			}
			count := map[string]float64{}
			for st, ans := range latest.answers {
				if checklist[st] == sec {
					count[ans]++
				}
			}
			for _, ans := range vocabulary(sh, "answer") {
				out.gauge(selfAssessmentAnswersDesc, count[ans], site, sec, ans)
			}
		}
		for _, st := range statements() {
			if ans := latest.answers[st]; slices.Contains(gapAnswers, ans) {
				out.gauge(selfAssessmentGapDesc, 1, site, checklist[st], st, ans)
			}
		}
		kpi[site] = sc
	}
	out.headlineWithOrganisation(selfAssessmentKPI, s, kpi, targetsGrading(s, func(t *selfAssessmentTargets) RatioTarget { return t.Score }))
	return out
}

func (selfAssessment) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{selfAssessmentScoreDesc, selfAssessmentPreviousDesc, selfAssessmentChangeDesc,
		selfAssessmentGapDesc, selfAssessmentAnswersDesc, selfAssessmentAgeDesc, selfAssessmentCountDesc} {
		ch <- d
	}
	describeKPI(ch)
}
