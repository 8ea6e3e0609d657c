package dashboards

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/cog/plugins"
	sdk "github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

// registerPanels lets the Foundation SDK decode each panel type's options
// and custom field config with that panel's own types.
var registerPanels = sync.OnceFunc(plugins.RegisterDefaultPlugins)

// schemaErrors decodes a dashboard strictly with the Grafana Foundation
// SDK's types of dashboard schema 42 (Grafana 12.4): an unknown field, a
// wrong type or a missing required field is an error. The SDK decodes a
// panel's field config leniently (as free-form values), so each panel's
// defaults and every override property are decoded again, strictly, as the
// field config they set.
func schemaErrors(raw []byte) []string {
	registerPanels()
	var out []string
	var d sdk.Dashboard
	out = append(out, buildErrors("", d.UnmarshalJSONStrict(raw))...)
	if len(out) == 0 {
		out = append(out, buildErrors("", d.Validate())...)
	}
	var panels struct {
		Panels []struct {
			Title       string
			Type        string
			FieldConfig struct {
				Defaults  json.RawMessage
				Overrides []struct {
					Properties []struct {
						ID    string
						Value json.RawMessage
					}
				}
			}
		}
	}
	if err := json.Unmarshal(raw, &panels); err != nil {
		return append(out, err.Error())
	}
	for _, p := range panels.Panels {
		where := "panel " + p.Title + ": fieldConfig."
		for _, e := range fieldConfigErrors(p.Type, p.FieldConfig.Defaults) {
			out = append(out, where+"defaults."+e)
		}
		for i, o := range p.FieldConfig.Overrides {
			for _, prop := range o.Properties {
				// The field config of a matched field: the defaults
				// with the property set ("custom.a" sets custom's a).
				value, err := withProperty(p.FieldConfig.Defaults, prop.ID, prop.Value)
				if err != nil {
					out = append(out, err.Error())
					continue
				}
				at := fmt.Sprintf("%soverrides[%d].%s: ", where, i, prop.ID)
				for _, e := range fieldConfigErrors(p.Type, value) {
					out = append(out, at+e)
				}
			}
		}
	}
	return out
}

// withProperty is field config with a property set at its dotted path.
func withProperty(fieldConfig json.RawMessage, id string, value json.RawMessage) ([]byte, error) {
	var fc map[string]any
	if err := json.Unmarshal(fieldConfig, &fc); err != nil {
		return nil, err
	}
	path := strings.Split(id, ".")
	m := fc
	for _, key := range path[:len(path)-1] {
		next, _ := m[key].(map[string]any)
		if next == nil {
			next = map[string]any{}
			m[key] = next
		}
		m = next
	}
	m[path[len(path)-1]] = value
	return json.Marshal(fc)
}

// fieldConfigErrors decodes field config strictly, its custom part as the
// panel type's own field config.
func fieldConfigErrors(panelType string, raw []byte) []string {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return []string{err.Error()}
	}
	out := dataLinkErrors(fields["links"])
	delete(fields, "links")
	raw, _ = json.Marshal(fields)
	var fc sdk.FieldConfig
	out = append(out, buildErrors("", fc.UnmarshalJSONStrict(raw))...)
	if custom := fields["custom"]; custom != nil {
		cfg, ok := cog.ConfigForPanelcfgVariant(panelType)
		if !ok || cfg.StrictFieldConfigUnmarshaler == nil {
			return append(out, "custom: panel type "+panelType+" has no field config in the SDK")
		}
		_, err := cfg.StrictFieldConfigUnmarshaler(custom)
		out = append(out, buildErrors("custom.", err)...)
	}
	return out
}

// dataLink is Grafana's link on a value (DataLink in @grafana/data), as
// the dashboards write it. The SDK types field config links as dashboard
// (top-bar) links, which they are not, so they are decoded here instead.
type dataLink struct {
	Title       string `json:"title"`
	URL         string `json:"url"`
	TargetBlank bool   `json:"targetBlank"`
}

func dataLinkErrors(raw json.RawMessage) []string {
	if raw == nil {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var links []dataLink
	if err := dec.Decode(&links); err != nil {
		return []string{"links: " + err.Error()}
	}
	var out []string
	for i, l := range links {
		if l.Title == "" || l.URL == "" {
			out = append(out, fmt.Sprintf("links[%d]: a data link needs a title and a url", i))
		}
	}
	return out
}

// buildErrors lists the SDK's errors one by one, each with where it is.
// The SDK returns an empty error list, not nil, when there is none.
func buildErrors(prefix string, err error) []string {
	var out []string
	if err != nil {
		for _, line := range strings.Split(err.Error(), "\n") {
			if line != "" {
				out = append(out, prefix+line)
			}
		}
	}
	return out
}

// Every dashboard decodes strictly as Grafana 12.4's dashboard schema.
func TestSchemaStrictDecode(t *testing.T) {
	for _, d := range loadDashboards(t) {
		raw, err := os.ReadFile(d.path)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range schemaErrors(raw) {
			t.Errorf("%s: %s", d.path, e)
		}
	}
}

// The strict decode catches a planted typo in a panel's options, in a
// custom override property and a wrong type in the field config defaults.
func TestSchemaStrictDecodeCatches(t *testing.T) {
	for _, c := range []struct {
		name, want string
		mutate     func(panels []any)
	}{
		{"typo in a stat option", "unexpected field 'textMod'", func(panels []any) {
			o := firstPanel(t, panels, "stat")["options"].(map[string]any)
			o["textMod"] = o["textMode"]
			delete(o, "textMode")
		}},
		{"typo in an override's custom property", "unexpected field 'lineStyl'", func(panels []any) {
			props := firstPanel(t, panels, "timeseries")["fieldConfig"].(map[string]any)["overrides"].([]any)[0].(map[string]any)["properties"].([]any)
			for _, p := range props {
				if p := p.(map[string]any); p["id"] == "custom.lineStyle" {
					p["id"] = "custom.lineStyl"
				}
			}
		}},
		{"decimals as a word", "decimals", func(panels []any) {
			firstPanel(t, panels, "stat")["fieldConfig"].(map[string]any)["defaults"].(map[string]any)["decimals"] = "one"
		}},
		{"a data link without its url", "needs a title and a url", func(panels []any) {
			l := firstPanel(t, panels, "stat")["fieldConfig"].(map[string]any)["defaults"].(map[string]any)["links"].([]any)[0].(map[string]any)
			delete(l, "url")
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			raw := mutated(t, "board/board.json", c.mutate)
			errs := schemaErrors(raw)
			if !slices.ContainsFunc(errs, func(e string) bool { return strings.Contains(e, c.want) }) {
				t.Errorf("want an error with %q, got %q", c.want, errs)
			}
		})
	}
}

// mutated is a copy of a dashboard with its panels changed by mutate.
func mutated(t *testing.T, path string, mutate func(panels []any)) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var d map[string]any
	if err := json.Unmarshal(data, &d); err != nil {
		t.Fatal(err)
	}
	mutate(d["panels"].([]any))
	out, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// firstPanel is the first panel of a type that has field config links or
// overrides, as decoded JSON.
func firstPanel(t *testing.T, panels []any, typ string) map[string]any {
	t.Helper()
	for _, p := range panels {
		p := p.(map[string]any)
		fc := p["fieldConfig"].(map[string]any)
		if p["type"] == typ && (fc["defaults"].(map[string]any)["links"] != nil || len(fc["overrides"].([]any)) > 0) {
			return p
		}
	}
	t.Fatalf("no %s panel with links or overrides", typ)
	return nil
}
