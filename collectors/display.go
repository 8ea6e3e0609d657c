package collectors

import (
	"slices"
	"strings"

	"github.com/sems-exporter/sems_exporter/internal/records"
)

// spelled are the words of codes that people write otherwise.
var spelled = map[string]string{
	"capa": "CAPA",
	"cctv": "CCTV",
	"sems": "SeMS",
	"xray": "X-ray",
}

// DisplayName is a code (a vocabulary value or a family name) as a person
// reads it on a page: its words with the first capitalised,
// "walk_through_metal_detector" as "Walk through metal detector" and
// "sems_induction" as "SeMS induction".
func DisplayName(code string) string {
	words := strings.Split(code, "_")
	for i, w := range words {
		if s, ok := spelled[w]; ok {
			words[i] = s
		}
	}
	name := strings.Join(words, " ")
	if name == "" {
		return ""
	}
	return strings.ToUpper(name[:1]) + name[1:]
}

// Vocabulary is the default vocabulary of an enum column, in its
// contract's order (severities most severe first), over every family that
// has the column. Four labels are not columns: "family" lists the
// families, "state" the training states, "section" the PSeMS checklist's
// sections and "reason" the reasons a record can be rejected for. Sites are configured, so the site column has none.
func Vocabulary(column string) []string {
	switch column {
	case "family":
		return Names()
	case "state":
		return trainingStates
	case "section":
		return sections
	}
	var out []string
	add := func(values []string) {
		for _, v := range values {
			if !slices.Contains(out, v) {
				out = append(out, v)
			}
		}
	}
	for _, name := range Names() {
		f := registry[name]
		if column == "reason" {
			add(f.Shape(DefaultSettings(f, nil)).Reasons())
		}
		for _, c := range f.Columns() {
			if c.Name == column && c.Type == records.TypeEnum {
				add(c.Allowed)
			}
		}
	}
	return out
}
