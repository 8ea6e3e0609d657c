package config

import (
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/common/model"

	"github.com/sems-exporter/sems_exporter/collectors"
)

// keyPaths lists the configuration keys of t, under prefix, as the
// reference writes them: a map of structs by name is "<name>", and an
// inline struct is documented once, under "<its type's name>".
func keyPaths(t reflect.Type, prefix string, out map[string]bool) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	for i := range t.NumField() {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if opts == "inline" {
			keyPaths(f.Type, "<"+strings.ToLower(f.Type.Name())+">", out)
			continue
		}
		if name == "" || name == "-" {
			continue
		}
		path := join(prefix, name)
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		elem := ft
		if ft.Kind() == reflect.Map {
			elem = ft.Elem()
			for elem.Kind() == reflect.Pointer {
				elem = elem.Elem()
			}
		}
		switch {
		case elem == yamlNodeType || elem.Kind() != reflect.Struct:
			out[path] = true
		case ft.Kind() == reflect.Map:
			out[path] = true
			keyPaths(elem, path+".<name>", out)
		default:
			keyPaths(elem, path, out)
		}
	}
}

// referenceRow is a key's row of docs/configuration.md.
type referenceRow struct{ def, meaning string }

// readReference reads every table row of docs/configuration.md under the
// path its section's heading names in its first code span.
func readReference(t *testing.T) (map[string]referenceRow, string) {
	t.Helper()
	b, err := os.ReadFile("../../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	span := regexp.MustCompile("`([^`]+)`")
	rows := map[string]referenceRow{}
	prefix := ""
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "#") {
			prefix = ""
			if m := span.FindStringSubmatch(line); m != nil {
				prefix = m[1]
			}
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		if !strings.HasPrefix(line, "| `") || len(cells) != 3 {
			continue
		}
		for _, m := range span.FindAllStringSubmatch(cells[0], -1) {
			path := join(prefix, m[1])
			if _, dup := rows[path]; dup {
				t.Errorf("docs/configuration.md documents %s twice", path)
			}
			rows[path] = referenceRow{def: strings.TrimSpace(cells[1]), meaning: strings.TrimSpace(cells[2])}
		}
	}
	return rows, string(b)
}

// TestConfigurationReference holds docs/configuration.md to the
// configuration's types: every key documented, none that does not exist,
// and the defaults and limits those of the code.
func TestConfigurationReference(t *testing.T) {
	want := map[string]bool{}
	keyPaths(reflect.TypeFor[file](), "", want)
	rows, text := readReference(t)
	for _, path := range slices.Sorted(func(yield func(string) bool) {
		for p := range want {
			if !yield(p) {
				return
			}
		}
	}) {
		if _, ok := rows[path]; !ok {
			t.Errorf("docs/configuration.md does not document %s", path)
		}
	}
	for path := range rows {
		if !want[path] {
			t.Errorf("docs/configuration.md documents %s, which the configuration does not have", path)
		}
	}

	code := func(s string) string { return "`" + s + "`" }
	for path, def := range map[string]string{
		"min_interval":                    code(model.Duration(DefaultMinInterval).String()),
		"sources.<name>.max_connections":  code(strconv.Itoa(DefaultMaxConnections)),
		"<collection>.schedule":           code(DefaultSchedule),
		"<collection>.timeout":            code(model.Duration(DefaultTimeout).String()),
		"<collection>.max_rejected_ratio": code(strconv.FormatFloat(DefaultMaxRejectedRatio, 'g', -1, 64)),
		"indicators.<name>.unit":          code(DefaultCountUnit) + " for a count",
	} {
		if got := rows[path].def; !strings.Contains(got, def) {
			t.Errorf("docs/configuration.md: %s defaults to %q, the code to %s", path, got, def)
		}
	}
	for path, limit := range map[string]string{
		"<collection>.timeout":               code(model.Duration(MaxTimeout).String()),
		"sources.<name>.max_connections":     "between 1 and 20",
		"indicators.<name>.title":            strconv.Itoa(maxTitle) + " characters",
		"indicators.<name>.description":      strconv.Itoa(maxDescription) + " characters",
		"indicators.<name>.breakdown.values": "at most " + strconv.Itoa(maxBreakdownValues),
	} {
		if got := rows[path].meaning; !strings.Contains(strings.ToLower(got), strings.ToLower(limit)) {
			t.Errorf("docs/configuration.md: %s does not give its limit %s: %q", path, limit, got)
		}
	}
	if !strings.Contains(text, code(labelValue.String())) {
		t.Errorf("docs/configuration.md does not give the form of names, %s", labelValue)
	}
	for _, m := range collectors.Measures {
		if !strings.Contains(rows["indicators.<name>.measure"].meaning, code(string(m))) {
			t.Errorf("docs/configuration.md: measure %s is not listed", m)
		}
	}
	for _, typ := range []string{TypePostgres, TypeCSV} {
		if !strings.Contains(rows["sources.<name>.type"].meaning, code(typ)) {
			t.Errorf("docs/configuration.md: source type %s is not listed", typ)
		}
	}
}

// TestFamilyPagesDocumentSettings requires each family's options and
// targets keys in its page's tables, which the reference points to.
func TestFamilyPagesDocumentSettings(t *testing.T) {
	for _, name := range collectors.Names() {
		fam, _ := collectors.Lookup(name)
		b, err := os.ReadFile("../../docs/families/" + name + ".md")
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range []any{fam.NewOptions(), fam.NewTargets()} {
			if v == nil {
				continue
			}
			for _, key := range tags(reflect.TypeOf(v).Elem()) {
				if !strings.Contains(string(b), "| `"+key+"` |") {
					t.Errorf("docs/families/%s.md does not document %s in a table", name, key)
				}
			}
		}
	}
}
