package config

import (
	"slices"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"go.yaml.in/yaml/v3"

	"github.com/sems-exporter/sems_exporter/collectors"
)

// Indicator is a KPI an organisation defines itself, from a source it
// already has, with no Go: docs/extending.md works three through.
type Indicator struct {
	Title       string         `yaml:"title"`
	Description string         `yaml:"description"`
	Measure     string         `yaml:"measure"`
	Unit        string         `yaml:"unit"`
	Direction   string         `yaml:"direction"`
	TrendOnly   bool           `yaml:"trend_only"`
	Window      model.Duration `yaml:"window"`
	Breakdown   *Breakdown     `yaml:"breakdown"`
	Collection  `yaml:",inline"`
	// OrganisationTargets grade a count's or sum's organisation total.
	OrganisationTargets yaml.Node `yaml:"organisation_targets"`
}

// Breakdown is an indicator's one optional extra label.
type Breakdown struct {
	Title  string   `yaml:"title"`
	Values []string `yaml:"values"`
}

// Limits on what people read, so that a title fits a tile and a
// description a tooltip, and on a breakdown's vocabulary, which becomes
// label values.
const (
	maxTitle           = 80
	maxDescription     = 400
	maxBreakdownValues = 50
)

// DefaultCountUnit is the unit of a count indicator that names none.
const DefaultCountUnit = "records"

// checkIndicator validates a configured indicator and makes it the
// collection that computes it.
func (d *decoder) checkIndicator(doc *yaml.Node, c *Config, name string, ind *Indicator, minInterval time.Duration) (*Family, bool) {
	path := "indicators." + name
	n := lookup(doc, "indicators", name)
	nameNode := keyNode(lookup(doc, "indicators"), name)
	if ind == nil {
		d.errorf(nameNode, "%s: the indicator is empty: it needs at least a title, a description, a measure and a source", path)
		return nil, false
	}
	at := func(key string) *yaml.Node { return lookup(n, key) }
	before := len(d.errs)

	if !labelValue.MatchString(name) {
		d.errorf(nameNode, "%s: %q is not an indicator name (lower-case letters, digits, '_' and '-', at most 63): it is the kpi and family label of its metrics", path, name)
	}
	if _, ok := collectors.Lookup(name); ok {
		d.errorf(nameNode, "%s: %q is the name of a built-in family; give the indicator a name of its own", path, name)
	}
	for _, fname := range collectors.Names() {
		f, _ := collectors.Lookup(fname)
		for _, k := range f.KPIs() {
			if k.Name == name {
				d.errorf(nameNode, "%s: %q is the kpi of the built-in %s family; give the indicator a name of its own", path, name, fname)
			}
		}
	}
	d.checkText(at("title"), path+".title", ind.Title, maxTitle)
	d.checkText(at("description"), path+".description", ind.Description, maxDescription)

	def := collectors.IndicatorDefinition{
		Name: name, Title: ind.Title, Description: ind.Description,
		Measure: collectors.Measure(ind.Measure), TrendOnly: ind.TrendOnly, Window: time.Duration(ind.Window),
	}
	if !slices.Contains(collectors.Measures, def.Measure) {
		d.errorf(at("measure"), "%s.measure: must be one of %s, got %q", path, measureList(), ind.Measure)
	}
	d.indicatorUnit(at("unit"), path, ind, &def)
	d.indicatorDirection(at("direction"), path, ind, &def)
	if b := ind.Breakdown; b != nil {
		d.checkBreakdown(at("breakdown"), path+".breakdown", b)
		def.Breakdown = &collectors.Breakdown{Title: b.Title, Values: b.Values}
	}
	d.indicatorTargets(n, path, ind, &def)
	if len(d.errs) > before {
		return nil, false
	}

	fam := &Family{Name: name, Collection: ind.Collection}
	return fam, d.checkCollection(n, path, c, fam, collectors.NewIndicator(def), minInterval)
}

// checkText checks a title or a description: present, one line, short
// enough to show.
func (d *decoder) checkText(n *yaml.Node, path, text string, limit int) {
	switch {
	case strings.TrimSpace(text) == "":
		d.errorf(n, "%s: required: it is what the dashboards and reports show", path)
	case strings.ContainsAny(text, "\r\n"):
		d.errorf(n, "%s: must be one line (a folded block, >-, joins lines)", path)
	case len([]rune(text)) > limit:
		d.errorf(n, "%s: at most %d characters, got %d", path, limit, len([]rune(text)))
	}
}

func measureList() string {
	names := make([]string, len(collectors.Measures))
	for i, m := range collectors.Measures {
		names[i] = string(m)
	}
	return strings.Join(names, ", ")
}

// indicatorUnit: a share or ratio is a ratio; a count counts records unless
// it says what they are; a sum must say what it adds up.
func (d *decoder) indicatorUnit(n *yaml.Node, path string, ind *Indicator, def *collectors.IndicatorDefinition) {
	unit := ind.Unit
	switch {
	case def.Measure.Ratio():
		if unit != "" {
			d.errorf(n, "%s.unit: a %s is a share between 0 and 1 and has no unit", path, def.Measure)
		}
		unit = string(collectors.UnitRatio)
	case unit == "" && def.Measure == collectors.MeasureCount:
		unit = DefaultCountUnit
	case unit == "" && def.Measure == collectors.MeasureSum:
		d.errorf(n, "%s: a sum needs a unit: what its values add up (minutes, for example)", path)
	case unit == string(collectors.UnitRatio) || !labelValue.MatchString(unit):
		d.errorf(n, "%s.unit: %q is not a unit (lower-case letters, digits, '_' and '-', not %q)", path, unit, collectors.UnitRatio)
	}
	def.Unit = collectors.Unit(unit)
}

// indicatorDirection: a share or ratio improves upwards unless it says
// otherwise; whether more of a count or sum is good, only its owner knows.
func (d *decoder) indicatorDirection(n *yaml.Node, path string, ind *Indicator, def *collectors.IndicatorDefinition) {
	switch ind.Direction {
	case collectors.HigherIsBetter.String():
		def.Direction = collectors.HigherIsBetter
	case collectors.LowerIsBetter.String():
		def.Direction = collectors.LowerIsBetter
	case "":
		if !def.Measure.Ratio() && !ind.TrendOnly && slices.Contains(collectors.Measures, def.Measure) {
			d.errorf(n, "%s: a %s with targets needs a direction: %s or %s", path, def.Measure, collectors.HigherIsBetter, collectors.LowerIsBetter)
		}
	default:
		d.errorf(n, "%s.direction: must be %s or %s, got %q", path, collectors.HigherIsBetter, collectors.LowerIsBetter, ind.Direction)
	}
}

func (d *decoder) checkBreakdown(n *yaml.Node, path string, b *Breakdown) {
	d.checkText(lookup(n, "title"), path+".title", b.Title, maxTitle)
	values := lookup(n, "values")
	if len(b.Values) == 0 {
		d.errorf(values, "%s.values: list the values the breakdown label may take; records with any other are rejected", path)
	}
	if len(b.Values) > maxBreakdownValues {
		d.errorf(values, "%s.values: at most %d values, got %d: each is a label value, multiplying the series", path, maxBreakdownValues, len(b.Values))
	}
	seen := map[string]bool{}
	for _, v := range b.Values {
		if !labelValue.MatchString(v) {
			d.errorf(values, "%s.values: %q is not a label value (lower-case letters, digits, '_' and '-')", path, v)
		}
		if seen[v] {
			d.errorf(values, "%s.values: %q is listed twice", path, v)
		}
		seen[v] = true
	}
}

// indicatorTargets checks that an indicator has targets exactly when it is
// not trend-only, and reads a count's or sum's organisation-wide levels.
// The site levels are decoded with every collection's (decodeSettings).
func (d *decoder) indicatorTargets(n *yaml.Node, path string, ind *Indicator, def *collectors.IndicatorDefinition) {
	hasOrg := ind.OrganisationTargets.Kind != 0
	if ind.TrendOnly {
		for _, key := range []string{"targets", "site_targets", "organisation_targets"} {
			if kn := keyNode(n, key); kn != n {
				d.errorf(kn, "%s: a trend-only indicator has no target: remove %s, or trend_only", path, key)
			}
		}
		return
	}
	if ind.Targets.Kind == 0 {
		d.errorf(n, "%s: set targets (green and amber), or trend_only: true to track it for trend only", path)
	}
	if !hasOrg {
		return
	}
	if def.Measure.Ratio() {
		d.errorf(&ind.OrganisationTargets, "%s.organisation_targets: a %s's organisation figure is graded by its targets; organisation_targets are for a count or sum, whose organisation figure is the sites' total", path, def.Measure)
		return
	}
	t := collectors.NewIndicator(*def).NewTargets().(*collectors.IndicatorTargets)
	p := path + ".organisation_targets"
	if d.decode(&ind.OrganisationTargets, p, t) && d.validate(&ind.OrganisationTargets, p, t) {
		def.OrganisationTargets = &collectors.Thresholds{Green: t.Green, Amber: t.Amber}
	}
}
