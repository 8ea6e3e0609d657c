// Package statuspage serves the exporter's landing page with the state of
// every KPI for people without Grafana: a site by KPI table of statuses in
// words and colour, and the health of every family's collections. It is
// exporter-toolkit's landing page with that status inside, built on every
// request from the figures /metrics serves; it needs no JavaScript and
// fetches nothing.
package statuspage

import (
	"bytes"
	"html/template"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/exporter-toolkit/web"

	"github.com/sems-exporter/sems_exporter/collectors"
	"github.com/sems-exporter/sems_exporter/internal/figures"
)

// Handler serves the status page. landing is the toolkit page's
// configuration (name, description, version, links); its ExtraHTML and
// ExtraCSS are the status, and profiling links are left out, as the
// exporter serves no profiles.
func Handler(g prometheus.Gatherer, landing web.LandingConfig, logger *slog.Logger) http.Handler {
	return &handler{g: g, landing: landing, logger: logger, now: time.Now}
}

type handler struct {
	g       prometheus.Gatherer
	landing web.LandingConfig
	logger  *slog.Logger
	now     func() time.Time
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	mfs, err := h.g.Gather()
	if err != nil {
		h.logger.Error("gathering the status page's figures", "err", err)
		http.Error(w, "the figures cannot be read", http.StatusInternalServerError)
		return
	}
	var status bytes.Buffer
	if err := page.Execute(&status, newView(figures.Read(mfs), h.now().UTC())); err != nil {
		h.logger.Error("rendering the status page", "err", err)
		http.Error(w, "the status page cannot be rendered", http.StatusInternalServerError)
		return
	}
	c := h.landing
	c.Links = append([]web.LandingLinks(nil), c.Links...)
	c.ExtraHTML, c.ExtraCSS, c.Profiling = status.String(), CSS, "false"
	landing, err := web.NewLandingPage(c)
	if err != nil {
		h.logger.Error("building the landing page", "err", err)
		http.Error(w, "the status page cannot be rendered", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	landing.ServeHTTP(w, r)
}

// view is what the page shows.
type view struct {
	Now      string
	Sites    []string
	KPIs     []kpiRow
	Families []familyRow
}

type kpiRow struct {
	Title, Description string
	Org                cellView
	Sites              []cellView
}

// cellView is one KPI figure: the status in words (and its class for the
// colour), the value and the target.
type cellView struct {
	Word, Class, Value, Target string
}

type familyRow struct {
	Name, Source, Health, Class, LastSuccess, Age, Modified, Records, Rejected string
	Reasons                                                                    []string
}

// newView turns the figures into the page's rows at now.
func newView(f *figures.Figures, now time.Time) view {
	v := view{Now: now.Format("2006-01-02 15:04 MST"), Sites: f.Sites}
	for _, k := range f.KPIs {
		row := kpiRow{Title: k.Title, Description: k.Description, Org: cell(k, k.Org)}
		for _, site := range f.Sites {
			row.Sites = append(row.Sites, cell(k, k.Sites[site]))
		}
		v.KPIs = append(v.KPIs, row)
	}
	for _, h := range f.Families {
		row := familyRow{Name: collectors.DisplayName(h.Family), Source: h.Source, Health: "OK", Class: "ok",
			LastSuccess: "never", Age: "–", Modified: "–", Records: "–", Rejected: "–"}
		if !h.SourceModified.IsZero() {
			row.Modified = h.SourceModified.Format("2006-01-02 15:04 MST")
		}
		if !h.Succeeded {
			row.Health, row.Class = "Failing", "red"
		}
		if !h.LastSuccess.IsZero() {
			row.LastSuccess = h.LastSuccess.Format("2006-01-02 15:04 MST")
			row.Age = figures.Age(now.Sub(h.LastSuccess))
			row.Records = figures.Number(h.Records)
			row.Rejected = figures.Number(h.RejectedTotal())
			for _, r := range h.Rejected {
				if r.Count > 0 {
					row.Reasons = append(row.Reasons, collectors.DisplayName(r.Reason)+": "+figures.Number(r.Count))
				}
			}
		}
		if h.Stale(now) {
			row.Health += ", stale"
			if row.Class == "ok" {
				row.Class = "amber"
			}
		}
		v.Families = append(v.Families, row)
	}
	return v
}

func cell(k figures.KPI, c figures.Cell) cellView {
	out := cellView{Target: k.TargetText(c)}
	switch {
	case !c.HasValue:
		out.Word, out.Class, out.Value = "No data", "none", "–"
		return out
	case k.TrendOnly:
		out.Word, out.Class = "Trend only", "trend"
	case c.RAG == figures.NoRAG:
		out.Word, out.Class = "Not graded", "trend"
	default:
		out.Word = figures.RAGWord(c.RAG)
		out.Class = figures.RAGClass(c.RAG)
	}
	out.Value = k.Format(c.Value)
	return out
}

// CSS styles the status inside the toolkit's page; the RAG colours are
// those of the dashboards, with text dark enough to read on each.
const CSS = `
.status table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; }
.status th, .status td { border: 1px solid #bbb; padding: 0.35rem 0.6rem; text-align: left; vertical-align: top; }
.status th { background: #f2f2f2; }
.status td.rag { min-width: 7rem; }
.status .word { font-weight: bold; display: block; }
.status .target, .status .desc { font-size: 0.8rem; color: #444; display: block; }
.status .green { background: #c8ebc9; }
.status .amber { background: #ffe08a; }
.status .red { background: #f5b3ad; }
.status .trend { background: #dde6f5; }
.status .none { background: #eee; color: #555; }
.status .ok { background: #fff; }
@media print { header { background: #fff !important; color: #000 !important; } }
`

var page = template.Must(template.New("status").Parse(`<div class="status">
<h3>Status of every KPI</h3>
<p>As at {{.Now}}: each figure is as of its family's last collection (see below). Statuses are given in words as well as colour.</p>
<table>
<tr><th>KPI</th><th>Organisation</th>{{range .Sites}}<th>{{.}}</th>{{end}}</tr>
{{range .KPIs}}<tr><th>{{.Title}}<span class="desc">{{.Description}}</span></th>{{template "cell" .Org}}{{range .Sites}}{{template "cell" .}}{{end}}</tr>
{{end}}</table>
<h3>Collections</h3>
<table>
<tr><th>Family</th><th>Source</th><th>Health</th><th>Last success</th><th>Data age</th><th>Export written</th><th>Records read</th><th>Rejected</th></tr>
{{range .Families}}<tr><td>{{.Name}}</td><td>{{.Source}}</td><td class="{{.Class}}">{{.Health}}</td><td>{{.LastSuccess}}</td><td>{{.Age}}</td><td>{{.Modified}}</td><td>{{.Records}}</td><td>{{.Rejected}}{{range .Reasons}}<span class="target">{{.}}</span>{{end}}</td></tr>
{{end}}</table>
</div>
{{define "cell"}}<td class="rag {{.Class}}"><span class="word">{{.Word}}</span>{{.Value}}<span class="target">{{.Target}}</span></td>{{end}}`))
