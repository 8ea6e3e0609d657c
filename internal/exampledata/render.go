package exampledata

import (
	"bytes"
	"embed"
	"fmt"
	"slices"
	"strings"
	"text/template"
)

//go:embed templates
var templates embed.FS

// Files are the example files derived from the entries, by their path
// relative to examples/: the schema, the two configurations, and the
// database role that reads them for the deployment.
func Files() (map[string][]byte, error) {
	out := map[string][]byte{}
	for path, tmpl := range map[string]string{
		"postgres/schema.sql":              "schema.sql.tmpl",
		"demo.yml":                         "demo.yml.tmpl",
		"postgres.yml":                     "postgres.yml.tmpl",
		"../deploy/postgres/30-reader.sql": "reader.sql.tmpl",
	} {
		t, err := template.New(tmpl).Funcs(funcs).ParseFS(templates, "templates/"+tmpl)
		if err != nil {
			return nil, err
		}
		var b bytes.Buffer
		if err := t.Execute(&b, nil); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		out[path] = b.Bytes()
	}
	return out, nil
}

var funcs = template.FuncMap{
	"entries": Entries,
	"sites":   DemoSites,
	"join":    strings.Join,
	"upper": func(s []string) []string {
		out := make([]string, len(s))
		for i, v := range s {
			out[i] = strings.ToUpper(v)
		}
		return out
	},
	// dropOrder drops the tables that refer to others first.
	"dropOrder": func() []string {
		var out []string
		for _, e := range slices.Backward(Entries()) {
			out = append(out, e.Table.Name)
		}
		return out
	},
	"createTable": createTable,
	// selected are the source columns a record query reads: the contract's.
	"selected": func(t Table) []string {
		var out []string
		for _, c := range t.Columns {
			if c.Contract != "" {
				out = append(out, c.Source)
			}
		}
		return out
	},
	"query":   Query,
	"comment": func(s string) string { return prefixLines("# ", s) },
	"indent":  func(n int, s string) string { return prefixLines(strings.Repeat(" ", n), s) },
}

// prefixLines puts prefix before every line of s and ends it with a newline;
// the empty string stays empty.
func prefixLines(prefix, s string) string {
	if s == "" {
		return ""
	}
	var b strings.Builder
	for line := range strings.Lines(strings.TrimSuffix(s, "\n") + "\n") {
		if line != "\n" {
			b.WriteString(prefix)
		}
		b.WriteString(line)
	}
	return b.String()
}

// Query is the record query that maps the entry's table back to its record
// contract: each contract column selected under its contract name, codes
// mapped back, and a code it does not know passed through for the exporter
// to count as unknown. A column outside the contract is never selected.
func Query(e Entry) string {
	const lead = "SELECT "
	var items []string
	for _, c := range e.Table.Columns {
		if c.Contract == "" {
			continue
		}
		item := c.Selected()
		if item != c.Contract {
			item += " AS " + c.Contract
		}
		// The lines of a CASE continue under its first.
		items = append(items, strings.ReplaceAll(item, "\n", "\n"+strings.Repeat(" ", len(lead))))
	}
	return lead + strings.Join(items, ",\n"+strings.Repeat(" ", len(lead))) + "\nFROM " + e.Table.Name + "\n"
}

// createTable is the table's CREATE TABLE statement, its comments saying
// each column's codes.
func createTable(t Table) string {
	var b strings.Builder
	b.WriteString(prefixLines("-- ", t.Doc))
	fmt.Fprintf(&b, "CREATE TABLE %s (\n", t.Name)
	width := 0
	for _, c := range t.Columns {
		width = max(width, len(c.Source))
	}
	lines := make([]string, 0, len(t.Columns)+len(t.Constraints))
	notes := make([]string, 0, cap(lines))
	for _, c := range t.Columns {
		lines = append(lines, fmt.Sprintf("    %-*s %s", width, c.Source, c.Type))
		var note []string
		if c.Map != nil && c.Map.Codes() != "" {
			note = append(note, c.Map.Codes())
		}
		if c.Note != "" {
			note = append(note, c.Note)
		}
		notes = append(notes, strings.Join(note, "; "))
	}
	for _, k := range t.Constraints {
		lines = append(lines, "    "+k)
		notes = append(notes, "")
	}
	// Comments line up after the longest line that has one.
	at := 0
	for i, l := range lines {
		if notes[i] != "" {
			at = max(at, len(l)+1)
		}
	}
	for i, l := range lines {
		if i < len(lines)-1 {
			l += ","
		}
		if notes[i] != "" {
			l = fmt.Sprintf("%-*s -- %s", at, l, notes[i])
		}
		b.WriteString(l + "\n")
	}
	b.WriteString(");")
	return b.String()
}
