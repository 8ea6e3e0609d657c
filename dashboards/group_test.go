package dashboards

import (
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/common/model"
)

// The group's dashboards, on the group's Thanos Query.
var groupDashboards = []struct{ path, uid string }{
	{"group/group.json", "sems-group"},
	{"peers/peers.json", "sems-peers"},
}

// remoteWriteAllowList reads the series and labels that
// deploy/group/remote-write.yml lets leave an organisation: its keep and
// labelkeep regular expressions, anchored as Prometheus anchors them.
func remoteWriteAllowList(t *testing.T) (names, labels *regexp.Regexp) {
	t.Helper()
	var rw struct {
		RemoteWrite []struct {
			WriteRelabelConfigs []struct {
				SourceLabels []string `yaml:"source_labels"`
				Regex        string
				Action       string
			} `yaml:"write_relabel_configs"`
		} `yaml:"remote_write"`
	}
	readYAML(t, "../deploy/group/remote-write.yml", &rw)
	for _, w := range rw.RemoteWrite {
		for _, c := range w.WriteRelabelConfigs {
			switch {
			case c.Action == "keep" && slices.Equal(c.SourceLabels, []string{"__name__"}):
				names = regexp.MustCompile("^(?:" + c.Regex + ")$")
			case c.Action == "labelkeep":
				labels = regexp.MustCompile("^(?:" + c.Regex + ")$")
			}
		}
	}
	if names == nil || labels == nil {
		t.Fatal("deploy/group/remote-write.yml: no keep on __name__ and labelkeep")
	}
	return names, labels
}

// The group's dashboards query only what crosses the privacy boundary:
// every metric and label they select is one that an organisation sends.
// The organisations' dashboards' own checks (variables, links, grid) apply
// to them as far as they have no sites.
func TestGroupDashboards(t *testing.T) {
	names, labels := remoteWriteAllowList(t)
	for _, g := range groupDashboards {
		data, err := os.ReadFile(g.path)
		if err != nil {
			t.Fatal(err)
		}
		d := &dashboard{path: g.path}
		if err := json.Unmarshal(data, d); err != nil {
			t.Fatalf("%s: %v", g.path, err)
		}
		if d.UID != g.uid {
			t.Errorf("%s: uid %q, want %q", g.path, d.UID, g.uid)
		}
		checkGrid(t, d)
		for _, v := range d.Templating.List {
			if v.Name == "site" {
				t.Errorf("%s: a site variable, but no site figure leaves an organisation", g.path)
			}
		}
		for _, p := range d.Panels {
			if p.Description == "" || p.FieldConfig.Defaults.Unit == "" || p.Datasource == nil || *p.Datasource != variableRef {
				t.Errorf("%s: panel %q needs a description, a unit and the ${datasource} variable", g.path, p.Title)
			}
			for _, q := range p.Targets {
				where := g.path + ": " + p.Title + ": " + q.RefID
				expr := strings.NewReplacer(`$organisation`, "estuary-airports", `$min_peers`, "5", `$kpi`, ".+").Replace(q.Expr)
				e, err := promql.ParseExpr(expr)
				if err != nil {
					t.Errorf("%s: %v", where, err)
					continue
				}
				for _, vs := range selectors(e) {
					if !names.MatchString(vs.Name) {
						t.Errorf("%s: %s does not leave an organisation (deploy/group/remote-write.yml)", where, vs.Name)
					}
					for _, lm := range vs.LabelMatchers {
						if lm.Name != model.MetricNameLabel && !labels.MatchString(lm.Name) {
							t.Errorf("%s: label %s does not leave an organisation", where, lm.Name)
						}
					}
				}
			}
		}
	}
}
