package pack

import (
	"bytes"
	"encoding/csv"
	"html/template"
	"strconv"
)

// HTML renders the pack as one self-contained page: styles inline, charts
// inline SVG, nothing fetched. Printed, each section starts a new A4 page
// and every page is numbered.
func (p *Pack) HTML() ([]byte, error) {
	var buf bytes.Buffer
	err := page.Execute(&buf, p)
	return buf.Bytes(), err
}

// CSV lists every figure the pack shows, with the series it was read from.
func (p *Pack) CSV() ([]byte, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write([]string{"section", "subject", "site", "measure", "period", "value", "source"})
	for _, f := range p.figures {
		w.Write([]string{f.Section, f.Subject, f.Site, f.Measure, f.Period, strconv.FormatFloat(f.Value, 'g', -1, 64), f.Source})
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

const css = `
@page { size: A4; margin: 16mm 14mm 18mm;
  @bottom-center { content: "Page " counter(page) " of " counter(pages); font-size: 9pt; color: #444; } }
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; font-size: 10pt; color: #111; margin: 0 auto; max-width: 190mm; }
h1 { font-size: 20pt; margin: 0 0 4mm; }
h2 { font-size: 15pt; border-bottom: 2px solid #333; padding-bottom: 1mm; }
h3 { font-size: 11pt; margin: 5mm 0 2mm; break-after: avoid; }
section { break-before: page; }
table { border-collapse: collapse; width: 100%; margin: 2mm 0 4mm; break-inside: auto; }
tr { break-inside: avoid; }
th, td { border: 1px solid #999; padding: 1.2mm 2mm; text-align: left; vertical-align: top; }
thead th { background: #eee; }
.green { background: #c8ebc9; }
.amber { background: #ffe08a; }
.red { background: #f5b3ad; }
.trend { background: #dde6f5; }
.none { background: #eee; }
.meta td { border: none; padding: 0.5mm 2mm 0.5mm 0; }
.note { border-left: 3px solid #888; padding-left: 3mm; }
.chart { display: block; break-inside: avoid; }
.chart .axis { stroke: #333; }
.chart .tick { font-size: 10px; fill: #333; }
.chart polyline.value { fill: none; stroke: #1f4e9c; stroke-width: 2; }
.chart circle.value { fill: #1f4e9c; }
.chart .bar { fill: #7a9cc6; }
.chart .level { stroke-width: 1.5; stroke-dasharray: 6 3; }
.chart .level.green { stroke: #1a7f37; }
.chart .level.amber { stroke: #b07d00; }
.chart .level.red { stroke: #c0392b; }
.block { break-inside: avoid; }
`

var page = template.Must(template.New("pack").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{{.Title}}: {{.Period}}</title>
<style>` + css + `</style>
</head>
<body>
<header>
<h1>{{.Title}}</h1>
<table class="meta">
<tr><td>Period</td><td><strong>{{.Period}}</strong></td></tr>
<tr><td>Figures as at</td><td>{{.AsAt}}</td></tr>
<tr><td>Generated</td><td>{{.Generated}}</td></tr>
<tr><td>Exporter</td><td>sems_exporter {{.Version}}</td></tr>
</table>
</header>
{{range .Notes}}<p class="note">{{.}}</p>
{{end}}<h2>Summary</h2>
<p>Each KPI for the whole organisation: its status and value now, against the targets in force, and its value in the period and the one before. Statuses are given in words as well as colour.</p>
{{template "table" .Summary}}
{{if .Unfilled}}<h3>What this pack could not fill</h3>
<ul>{{range .Unfilled}}<li>{{.}}</li>{{end}}</ul>{{end}}
{{range .Sections}}<section id="{{.ID}}">
<h2>{{.Title}}</h2>
{{if .Intro}}<p>{{.Intro}}</p>{{end}}
{{range .Blocks}}<div class="block">
{{if .Heading}}<h3>{{.Heading}}</h3>{{end}}
{{if .Text}}<p>{{.Text}}</p>{{end}}
{{if .Table}}{{template "table" .Table}}{{end}}
{{if .Chart}}{{.Chart}}{{end}}
</div>
{{end}}</section>
{{end}}</body>
</html>
{{define "table"}}<table>
<thead><tr>{{range .Head}}<th>{{.}}</th>{{end}}</tr></thead>
<tbody>{{range .Rows}}<tr>{{range .}}{{if .Head}}<th{{if .Class}} class="{{.Class}}"{{end}}>{{.Text}}</th>{{else}}<td{{if .Class}} class="{{.Class}}"{{end}}>{{.Text}}</td>{{end}}{{end}}</tr>
{{end}}</tbody>
</table>{{end}}
`))
