package main

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/sems-exporter/sems_exporter/collectors"
)

// The subset of Grafana's classic dashboard JSON model (schemaVersion 42)
// that the dashboards use. Field order is the JSON order, and maps are
// written with sorted keys, so the output is byte-for-byte reproducible.
type (
	Dashboard struct {
		Annotations          Annotations `json:"annotations"`
		Description          string      `json:"description"`
		Editable             bool        `json:"editable"`
		FiscalYearStartMonth int         `json:"fiscalYearStartMonth"`
		GraphTooltip         int         `json:"graphTooltip"`
		Links                []Link      `json:"links"`
		Panels               []*Panel    `json:"panels"`
		Refresh              string      `json:"refresh"`
		SchemaVersion        int         `json:"schemaVersion"`
		Tags                 []string    `json:"tags"`
		Templating           Templating  `json:"templating"`
		Time                 TimeRange   `json:"time"`
		Timepicker           struct{}    `json:"timepicker"`
		Timezone             string      `json:"timezone"`
		Title                string      `json:"title"`
		UID                  string      `json:"uid"`
		Version              int         `json:"version"`
	}
	Annotations struct {
		List []any `json:"list"`
	}
	// Link is a dashboard link in the top bar.
	Link struct {
		AsDropdown  bool     `json:"asDropdown"`
		Icon        string   `json:"icon"`
		IncludeVars bool     `json:"includeVars"`
		KeepTime    bool     `json:"keepTime"`
		Tags        []string `json:"tags"`
		TargetBlank bool     `json:"targetBlank"`
		Title       string   `json:"title"`
		Tooltip     string   `json:"tooltip"`
		Type        string   `json:"type"`
		URL         string   `json:"url"`
	}
	Templating struct {
		List []Variable `json:"list"`
	}
	Variable struct {
		Current     map[string]any `json:"current"`
		Datasource  *DataSourceRef `json:"datasource,omitempty"`
		Definition  string         `json:"definition,omitempty"`
		Description string         `json:"description"`
		Hide        int            `json:"hide"`
		IncludeAll  bool           `json:"includeAll"`
		Label       string         `json:"label"`
		Multi       bool           `json:"multi"`
		Name        string         `json:"name"`
		Options     []any          `json:"options"`
		Query       any            `json:"query"`
		Refresh     int            `json:"refresh"`
		Regex       string         `json:"regex"`
		SkipURLSync bool           `json:"skipUrlSync"`
		Sort        int            `json:"sort"`
		Type        string         `json:"type"`
	}
	TimeRange struct {
		From string `json:"from"`
		To   string `json:"to"`
	}
	DataSourceRef struct {
		Type string `json:"type"`
		UID  string `json:"uid"`
	}
	Panel struct {
		Datasource      DataSourceRef    `json:"datasource"`
		Description     string           `json:"description"`
		FieldConfig     FieldConfig      `json:"fieldConfig"`
		GridPos         GridPos          `json:"gridPos"`
		ID              int              `json:"id"`
		Interval        string           `json:"interval,omitempty"`
		MaxPerRow       int              `json:"maxPerRow,omitempty"`
		Options         map[string]any   `json:"options"`
		PluginVersion   string           `json:"pluginVersion"`
		Repeat          string           `json:"repeat,omitempty"`
		RepeatDirection string           `json:"repeatDirection,omitempty"`
		Targets         []Target         `json:"targets"`
		Title           string           `json:"title"`
		Transformations []Transformation `json:"transformations,omitempty"`
		Type            string           `json:"type"`
	}
	FieldConfig struct {
		Defaults  FieldDefaults `json:"defaults"`
		Overrides []Override    `json:"overrides"`
	}
	FieldDefaults struct {
		Color      map[string]any `json:"color"`
		Custom     map[string]any `json:"custom,omitempty"`
		Decimals   *int           `json:"decimals,omitempty"`
		Links      []DataLink     `json:"links,omitempty"`
		Mappings   []Mapping      `json:"mappings"`
		Max        *float64       `json:"max,omitempty"`
		Min        *float64       `json:"min,omitempty"`
		Thresholds Thresholds     `json:"thresholds"`
		Unit       string         `json:"unit"`
	}
	// DataLink is a link on a value, series or table cell.
	DataLink struct {
		Title       string `json:"title"`
		TargetBlank bool   `json:"targetBlank"`
		URL         string `json:"url"`
	}
	Mapping struct {
		Type    string         `json:"type"`
		Options map[string]any `json:"options"`
	}
	Thresholds struct {
		Mode  string `json:"mode"`
		Steps []Step `json:"steps"`
	}
	// Step is a threshold step; the first has a nil Value (minus infinity).
	Step struct {
		Color string   `json:"color"`
		Value *float64 `json:"value"`
	}
	Override struct {
		Matcher    Matcher    `json:"matcher"`
		Properties []Property `json:"properties"`
	}
	Matcher struct {
		ID      string `json:"id"`
		Options string `json:"options"`
	}
	Property struct {
		ID    string `json:"id"`
		Value any    `json:"value"`
	}
	GridPos struct {
		H int `json:"h"`
		W int `json:"w"`
		X int `json:"x"`
		Y int `json:"y"`
	}
	// Target is a Prometheus query of a panel.
	Target struct {
		Datasource   DataSourceRef `json:"datasource"`
		EditorMode   string        `json:"editorMode"`
		Expr         string        `json:"expr"`
		Format       string        `json:"format"`
		Instant      bool          `json:"instant"`
		LegendFormat string        `json:"legendFormat"`
		Range        bool          `json:"range"`
		RefID        string        `json:"refId"`
	}
	Transformation struct {
		ID      string         `json:"id"`
		Options map[string]any `json:"options"`
	}
)

// datasource is every panel's and query's data source: the dashboard's
// variable, never a data source name or uid.
var datasource = DataSourceRef{Type: "prometheus", UID: "${datasource}"}

// RAG status colours and the colour that is not a grade.
const (
	green   = "green"
	amber   = "orange"
	red     = "red"
	neutral = "text"
)

// count is the unit of a number of things, shown whole: Grafana's "short"
// would show 3206 as "3 K".
const count = "none"

// percentagePoints is the unit of a difference of two shares, the
// values multiplied by 100: Grafana has no unit of its own for it.
const percentagePoints = "suffix:pp"

// counted are the override properties of a column of counts.
func counted() []Property {
	return []Property{unitProp(count), {ID: "decimals", Value: 0}}
}

func ptr[T any](v T) *T { return &v }

// query is one PromQL query; instant unless Range is set.
type query struct {
	Expr, Legend string
	Range        bool
	Table        bool // Grafana's table format: one row per series
}

// panel starts a panel of a type with its queries; the builder methods
// below fill in the rest.
//
// Series are coloured by name from Grafana's classic palette, so a site
// has the same colour on every panel.
func panel(typ, title, unit, description string, queries ...query) *Panel {
	p := &Panel{
		Datasource:    datasource,
		Description:   description,
		Options:       map[string]any{},
		PluginVersion: grafanaVersion,
		Title:         title,
		Type:          typ,
		FieldConfig: FieldConfig{
			Defaults: FieldDefaults{
				Color:      map[string]any{"mode": "palette-classic-by-name"},
				Mappings:   []Mapping{},
				Thresholds: Thresholds{Mode: "absolute", Steps: []Step{{Color: neutral}}},
				Unit:       unit,
			},
			Overrides: []Override{},
		},
	}
	for i, q := range queries {
		t := Target{
			Datasource:   datasource,
			EditorMode:   "code",
			Expr:         q.Expr,
			Format:       "time_series",
			Instant:      !q.Range,
			LegendFormat: q.Legend,
			Range:        q.Range,
			RefID:        string(rune('A' + i)),
		}
		if q.Table {
			t.Format = "table"
		}
		p.Targets = append(p.Targets, t)
	}
	if unit == count {
		p.decimals(0)
	}
	return p
}

// size sets the panel's width and height in grid units.
func (p *Panel) size(w, h int) *Panel {
	p.GridPos.W, p.GridPos.H = w, h
	return p
}

func (p *Panel) custom(key string, value any) *Panel {
	if p.FieldConfig.Defaults.Custom == nil {
		p.FieldConfig.Defaults.Custom = map[string]any{}
	}
	p.FieldConfig.Defaults.Custom[key] = value
	return p
}

func (p *Panel) minMax(min, max float64) *Panel {
	p.FieldConfig.Defaults.Min, p.FieldConfig.Defaults.Max = &min, &max
	return p
}

func (p *Panel) decimals(n int) *Panel {
	p.FieldConfig.Defaults.Decimals = &n
	return p
}

// thresholds colours values by fixed steps: base colour, then value and
// colour pairs. Used only where no exported target applies (see
// docs/dashboards.md).
func (p *Panel) thresholds(base string, steps ...any) *Panel {
	t := Thresholds{Mode: "absolute", Steps: []Step{{Color: base}}}
	for i := 0; i+1 < len(steps); i += 2 {
		t.Steps = append(t.Steps, Step{Value: ptr(steps[i].(float64)), Color: steps[i+1].(string)})
	}
	p.FieldConfig.Defaults.Thresholds = t
	p.FieldConfig.Defaults.Color = map[string]any{"mode": "thresholds"}
	return p
}

// mapped colours and names the values with value mappings.
func (p *Panel) mapped(m ...Mapping) *Panel {
	p.FieldConfig.Defaults.Mappings = m
	p.FieldConfig.Defaults.Color = map[string]any{"mode": "thresholds"}
	return p
}

func (p *Panel) link(l ...DataLink) *Panel {
	p.FieldConfig.Defaults.Links = append(p.FieldConfig.Defaults.Links, l...)
	return p
}

func (p *Panel) override(matcherID, options string, props ...Property) *Panel {
	p.FieldConfig.Overrides = append(p.FieldConfig.Overrides, Override{Matcher: Matcher{ID: matcherID, Options: options}, Properties: props})
	return p
}

func (p *Panel) transform(id string, options map[string]any) *Panel {
	p.Transformations = append(p.Transformations, Transformation{ID: id, Options: options})
	return p
}

func (p *Panel) interval(i string) *Panel {
	p.Interval = i
	return p
}

// ragMapping shows the exporter's RAG status codes (0 green, 1 amber,
// 2 red; docs/metrics.md) as words in their colours. It maps codes, not
// targets: the exporter grades against the configured targets.
func ragMapping() Mapping {
	return Mapping{Type: "value", Options: map[string]any{
		"0": map[string]any{"color": green, "index": 0, "text": "Green"},
		"1": map[string]any{"color": amber, "index": 1, "text": "Amber"},
		"2": map[string]any{"color": red, "index": 2, "text": "Red"},
	}}
}

// textMapping renames label values for people, such as
// "equipment_serviceability".
func textMapping(pairs ...string) Mapping {
	opts := map[string]any{}
	for i := 0; i+1 < len(pairs); i += 2 {
		opts[pairs[i]] = map[string]any{"index": i / 2, "text": pairs[i+1]}
	}
	return Mapping{Type: "value", Options: opts}
}

// plainNames writes vocabulary values (collectors.Vocabulary) by their
// display names (collectors.DisplayName) wherever they name a series or a
// column: in the series names that legends make of labels, and in the
// headers of a matrix's columns.
func (p *Panel) plainNames(labels ...string) *Panel {
	for _, label := range labels {
		for _, v := range collectors.Vocabulary(label) {
			p.transform("renameByRegex", map[string]any{
				"regex":         `/\b` + regexp.QuoteMeta(v) + `\b/`,
				"renamePattern": collectors.DisplayName(v),
			})
		}
	}
	return p
}

// plainCells writes vocabulary values by their display names in the cells
// of a table's columns of those labels.
func (p *Panel) plainCells(labels ...string) *Panel {
	for _, label := range labels {
		p.override("byName", p.header(label), mappingsProp(displayNames(collectors.Vocabulary(label))))
	}
	return p
}

// displayNames maps vocabulary values to their display names.
func displayNames(values []string) Mapping {
	var pairs []string
	for _, v := range values {
		pairs = append(pairs, v, collectors.DisplayName(v))
	}
	return textMapping(pairs...)
}

// header is the header a table gives a field: organize's new name for it.
func (p *Panel) header(field string) string {
	organize := p.Transformations[len(p.Transformations)-1]
	if organize.ID == "organize" {
		if name, ok := organize.Options["renameByName"].(map[string]any)[field].(string); ok {
			return name
		}
	}
	panic(fmt.Sprintf("panel %q: no column for %s", p.Title, field))
}

// ordered sorts a merged table's rows by a label's vocabulary order, such
// as severities most severe first. An added query ranks each row of the
// first query; the rank column is sorted on and hidden.
func (p *Panel) ordered(label string) *Panel {
	organize := p.Transformations[len(p.Transformations)-1]
	if len(p.Targets) < 2 || organize.ID != "organize" {
		panic(fmt.Sprintf("panel %q: only a merged table can be ordered", p.Title))
	}
	var ranks []string
	for i, v := range collectors.Vocabulary(label) {
		ranks = append(ranks, fmt.Sprintf(`label_replace(vector(%d), %q, %q, "", "")`, i, label, v))
	}
	rank := p.Targets[0]
	rank.RefID = string(rune('A' + len(p.Targets)))
	// count keeps each row's labels, and is 1 where a value is NaN.
	rank.Expr = "(" + strings.Join(ranks, " or ") + ") + on (" + label + ") group_right () (0 * count without () (" + rank.Expr + "))"
	p.Targets = append(p.Targets, rank)
	field := "Value #" + rank.RefID
	organize.Options["excludeByName"].(map[string]any)[field] = true
	sort := Transformation{ID: "sortBy", Options: map[string]any{"fields": map[string]any{}, "sort": []map[string]any{{"field": field, "desc": false}}}}
	p.Transformations = append(p.Transformations[:len(p.Transformations)-1], sort, organize)
	return p
}

// Overrides' properties.
func unitProp(u string) Property { return Property{ID: "unit", Value: u} }
func fixedColor(c string) Property {
	return Property{ID: "color", Value: map[string]any{"mode": "fixed", "fixedColor": c}}
}
func mappingsProp(m ...Mapping) Property { return Property{ID: "mappings", Value: m} }
func linksProp(l ...DataLink) Property   { return Property{ID: "links", Value: l} }
func cellBackground() Property {
	return Property{ID: "custom.cellOptions", Value: map[string]any{"type": "color-background", "mode": "basic"}}
}
func thresholdColour() Property {
	return Property{ID: "color", Value: map[string]any{"mode": "thresholds"}}
}
func thresholdsProp(base string, value float64, colour string) Property {
	return Property{ID: "thresholds", Value: Thresholds{Mode: "absolute", Steps: []Step{{Color: base}, {Value: &value, Color: colour}}}}
}
func dashed() Property {
	return Property{ID: "custom.lineStyle", Value: map[string]any{"fill": "dash", "dash": []int{10, 10}}}
}

// Panel option sets of each visualisation, kept close to Grafana's defaults.

func statOptions(colorMode, textMode string) map[string]any {
	return map[string]any{
		"colorMode":   colorMode,
		"graphMode":   "none",
		"justifyMode": "auto",
		"orientation": "auto",
		"reduceOptions": map[string]any{
			"calcs":  []string{"lastNotNull"},
			"fields": "",
			"values": false,
		},
		"percentChangeColorMode": "standard",
		"showPercentChange":      false,
		"textMode":               textMode,
		"wideLayout":             true,
	}
}

func barGaugeOptions() map[string]any {
	return map[string]any{
		"displayMode":   "basic",
		"legend":        map[string]any{"calcs": []string{}, "displayMode": "list", "placement": "bottom", "showLegend": false},
		"maxVizHeight":  300,
		"minVizHeight":  16,
		"minVizWidth":   8,
		"namePlacement": "left",
		"orientation":   "horizontal",
		"reduceOptions": map[string]any{
			"calcs":  []string{"lastNotNull"},
			"fields": "",
			"values": false,
		},
		"showUnfilled": true,
		"sizing":       "auto",
		"valueMode":    "color",
	}
}

func timeSeriesOptions() map[string]any {
	return map[string]any{
		"legend":  map[string]any{"calcs": []string{}, "displayMode": "list", "placement": "bottom", "showLegend": true},
		"tooltip": map[string]any{"hideZeros": false, "mode": "multi", "sort": "none"},
	}
}

func timeSeriesCustom(p *Panel) *Panel {
	return p.custom("drawStyle", "line").
		custom("fillOpacity", 0).
		custom("lineWidth", 2).
		custom("showPoints", "never").
		custom("spanNulls", true)
}

func tableOptions(sortBy string) map[string]any {
	o := map[string]any{"cellHeight": "sm", "frameIndex": 0, "showHeader": true}
	if sortBy != "" {
		o["sortBy"] = []map[string]any{{"desc": true, "displayName": sortBy}}
	}
	return o
}

// stat is a stat panel: one tile per series.
func stat(title, unit, description string, queries ...query) *Panel {
	return panel("stat", title, unit, description, queries...).withOptions(statOptions("background", "value_and_name"))
}

func (p *Panel) withOptions(o map[string]any) *Panel {
	p.Options = o
	return p
}

// barGauge is a horizontal bar per series. Its bars start at 0: without a
// fixed min Grafana would start them at the smallest value shown, and the
// smallest bar would be empty.
func barGauge(title, unit, description string, queries ...query) *Panel {
	p := panel("bargauge", title, unit, description, queries...).withOptions(barGaugeOptions())
	p.FieldConfig.Defaults.Min = ptr(0.0)
	return p
}

// timeSeries is a line per series over the dashboard's time range.
func timeSeries(title, unit, description string, queries ...query) *Panel {
	for i := range queries {
		queries[i].Range = true
	}
	return timeSeriesCustom(panel("timeseries", title, unit, description, queries...).withOptions(timeSeriesOptions()))
}

// stateTimeline is a band per series over the dashboard's time range,
// coloured by its thresholds.
func stateTimeline(title, unit, description string, queries ...query) *Panel {
	for i := range queries {
		queries[i].Range = true
	}
	return panel("state-timeline", title, unit, description, queries...).
		withOptions(map[string]any{
			"alignValue":  "left",
			"legend":      map[string]any{"calcs": []string{}, "displayMode": "list", "placement": "bottom", "showLegend": false},
			"mergeValues": true,
			"rowHeight":   0.9,
			"showValue":   "auto",
			"tooltip":     map[string]any{"hideZeros": false, "mode": "single", "sort": "none"},
		}).
		custom("fillOpacity", 70).custom("lineWidth", 0)
}

// table merges instant table-format queries into one row per label set
// and names the columns: columns pairs a field ("site", "Value #A") with its
// header, in display order. The evaluation time is hidden.
func table(title, unit, description, sortBy string, columns []string, queries ...query) *Panel {
	for i := range queries {
		queries[i].Table = true
	}
	p := panel("table", title, unit, description, queries...).withOptions(tableOptions(sortBy))
	p.custom("align", "auto").custom("cellOptions", map[string]any{"type": "auto"}).custom("inspect", false)
	if len(queries) > 1 {
		p.transform("merge", map[string]any{})
	}
	rename, order := map[string]any{}, map[string]any{}
	for i := 0; i+1 < len(columns); i += 2 {
		rename[columns[i]] = columns[i+1]
		order[columns[i]] = i / 2
	}
	return p.transform("organize", map[string]any{
		"excludeByName": map[string]any{"Time": true},
		"indexByName":   order,
		"renameByName":  rename,
	})
}

// matrix is a table of one instant query's values with a row per rowField
// value and a column per columnField value; the corner header is corner.
func matrix(title, unit, description, rowField, columnField, corner string, q query) *Panel {
	q.Table = true
	p := panel("table", title, unit, description, q).withOptions(tableOptions(""))
	p.custom("align", "auto").custom("cellOptions", map[string]any{"type": "auto"}).custom("inspect", false)
	p.transform("groupingToMatrix", map[string]any{
		"columnField": columnField,
		"emptyValue":  "empty",
		"rowField":    rowField,
		"valueField":  "Value",
	})
	p.plainNames(columnField).transform("organize", map[string]any{
		"excludeByName": map[string]any{},
		"indexByName":   map[string]any{},
		"renameByName":  map[string]any{rowField + "\\" + columnField: corner},
	})
	// The first column holds the row field's values.
	if len(collectors.Vocabulary(rowField)) > 0 {
		p.override("byName", corner, mappingsProp(displayNames(collectors.Vocabulary(rowField))))
	}
	return p
}

// layout places panels row by row on Grafana's 24-column grid and numbers
// them.
type layout struct {
	panels []*Panel
	y      int
}

// row places panels left to right at the current height; their widths must
// add up to at most 24.
func (l *layout) row(ps ...*Panel) {
	x, h := 0, 0
	for _, p := range ps {
		p.GridPos.X, p.GridPos.Y = x, l.y
		x += p.GridPos.W
		h = max(h, p.GridPos.H)
		p.ID = len(l.panels) + 1
		l.panels = append(l.panels, p)
	}
	if x > 24 {
		panic(fmt.Sprintf("row at y=%d is %d columns wide", l.y, x))
	}
	l.y += h
}

// sites is the site filter of every per-site query.
const sites = `site=~"$site"`

// sel writes a selector with the site filter and extra matchers.
func sel(metric string, matchers ...string) string {
	return metric + "{" + strings.Join(append(matchers, sites), ", ") + "}"
}
