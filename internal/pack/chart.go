package pack

import (
	"cmp"
	"fmt"
	"html/template"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/sems-exporter/sems_exporter/internal/figures"
)

// point is one period's value on a chart; ok is false where there is none.
type point struct {
	label string
	v     float64
	ok    bool
}

// level is a horizontal line across a chart.
type level struct {
	name  string
	v     float64
	class string
}

const (
	chartW, chartH         = 640, 220
	padL, padR, padT, padB = 56, 110, 12, 48
)

// svgChart draws the frame, the levels and the x labels of a chart over
// the range lo-hi, and calls plot with the functions that place a point.
func svgChart(pts []point, levels []level, lo, hi float64, format func(float64) string, plot func(x func(int) float64, y func(float64) float64, sb *strings.Builder)) template.HTML {
	if hi <= lo {
		hi = lo + 1
	}
	w := float64(chartW - padL - padR)
	h := float64(chartH - padT - padB)
	x := func(i int) float64 { return padL + w*(float64(i)+0.5)/float64(len(pts)) }
	y := func(v float64) float64 { return padT + h*(1-(v-lo)/(hi-lo)) }
	var sb strings.Builder
	fmt.Fprintf(&sb, `<svg class="chart" viewBox="0 0 %d %d" width="%d" height="%d" role="img">`, chartW, chartH, chartW, chartH)
	fmt.Fprintf(&sb, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" class="axis"/>`, padL, y(lo), chartW-padR, y(lo))
	fmt.Fprintf(&sb, `<line x1="%d" y1="%d" x2="%d" y2="%.1f" class="axis"/>`, padL, padT, padL, y(lo))
	for _, v := range []float64{lo, (lo + hi) / 2, hi} {
		fmt.Fprintf(&sb, `<text x="%d" y="%.1f" class="tick" text-anchor="end">%s</text>`, padL-4, y(v)+4, esc(format(v)))
	}
	for i, p := range pts {
		// Many labels are slanted so that they do not run into each other.
		if len(pts) > 8 {
			fmt.Fprintf(&sb, `<text x="%.1f" y="%d" class="tick" text-anchor="end" transform="rotate(-35 %.1f %d)">%s</text>`, x(i)+4, chartH-padB+14, x(i)+4, chartH-padB+14, esc(p.label))
			continue
		}
		fmt.Fprintf(&sb, `<text x="%.1f" y="%d" class="tick" text-anchor="middle">%s</text>`, x(i), chartH-padB+16, esc(p.label))
	}
	plot(x, y, &sb)
	levels = slices.Clone(levels)
	slices.SortFunc(levels, func(a, b level) int { return cmp.Compare(a.v, b.v) })
	// Level labels at least a line apart, the lowest level's lowest.
	labelY := math.Inf(1)
	for _, l := range levels {
		if l.v < lo || l.v > hi {
			continue
		}
		fmt.Fprintf(&sb, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" class="level %s"/>`, padL, y(l.v), chartW-padR, y(l.v), l.class)
		labelY = min(y(l.v)+4, labelY-11)
		fmt.Fprintf(&sb, `<text x="%d" y="%.1f" class="tick">%s %s</text>`, chartW-padR+4, labelY, esc(l.name), esc(format(l.v)))
	}
	sb.WriteString(`</svg>`)
	return template.HTML(sb.String())
}

// chart is a KPI's line chart over the periods, with its target and
// minimum.
func chart(k figures.KPI, pts []point, org figures.Cell) template.HTML {
	var levels []level
	if org.HasTarget && !k.TrendOnly {
		levels = []level{{name: "target", v: org.Green, class: "green"}, {name: "minimum", v: org.Amber, class: "amber"}}
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, p := range pts {
		if p.ok {
			lo, hi = min(lo, p.v), max(hi, p.v)
		}
	}
	for _, l := range levels {
		lo, hi = min(lo, l.v), max(hi, l.v)
	}
	if k.Ratio() {
		lo, hi = math.Floor(lo*10)/10, math.Min(1, math.Ceil(hi*10)/10)
	} else {
		lo, hi = 0, niceCeil(hi)
	}
	return svgChart(pts, levels, lo, hi, k.Format, func(x func(int) float64, y func(float64) float64, sb *strings.Builder) {
		var path []string
		for i, p := range pts {
			if !p.ok {
				continue
			}
			path = append(path, fmt.Sprintf("%.1f,%.1f", x(i), y(p.v)))
			fmt.Fprintf(sb, `<circle cx="%.1f" cy="%.1f" r="3" class="value"/>`, x(i), y(p.v))
		}
		fmt.Fprintf(sb, `<polyline points="%s" class="value"/>`, strings.Join(path, " "))
	})
}

// barChart is a count per period as bars, with alert levels.
func barChart(pts []point, levels []level) template.HTML {
	hi := 0.0
	for _, p := range pts {
		hi = max(hi, p.v)
	}
	for i := range levels {
		hi = max(hi, levels[i].v)
		levels[i].class = []string{"amber", "red", "red"}[min(i, 2)]
	}
	hi = niceCeil(hi)
	format := func(v float64) string { return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64) }
	barW := float64(chartW-padL-padR) / float64(len(pts)) * 0.6
	return svgChart(pts, levels, 0, hi, format, func(x func(int) float64, y func(float64) float64, sb *strings.Builder) {
		for i, p := range pts {
			if !p.ok {
				continue
			}
			fmt.Fprintf(sb, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" class="bar"/>`, x(i)-barW/2, y(p.v), barW, y(0)-y(p.v))
			fmt.Fprintf(sb, `<text x="%.1f" y="%.1f" class="tick" text-anchor="middle">%s</text>`, x(i), y(p.v)-3, figures.Number(p.v))
		}
	})
}

// niceCeil rounds up to 1, 2 or 5 times a power of ten.
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}

func esc(s string) string { return template.HTMLEscapeString(s) }
