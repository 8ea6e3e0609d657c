package exampledata

import (
	"fmt"
	"strings"
)

// Table is where the example source system keeps a contract's records,
// under its own names and codes, and the CSV export of them in the
// contract's column names.
type Table struct {
	// Name is the source system's table, File the CSV export.
	Name, File string
	// Doc is the comment above the table in schema.sql.
	Doc     string
	Columns []Column
	// Constraints are table constraints, such as a composite primary key.
	Constraints []string
}

// Column is a contract column as the CSV export names it and as the source
// system stores it. A column with no contract name exists in the source
// system only, and no record query selects it.
type Column struct {
	Contract, Source string
	// Type is the column's SQL type and constraints in schema.sql.
	Type string
	// Map is how the source system codes a contract value; nil stores it
	// as it is.
	Map Mapping
	// Note is said of the column in schema.sql, after its codes.
	Note string
}

// Mapping is how a source system stores a contract column's values, and the
// SQL that gives them back. The exporter trims and lower-cases enum values,
// so a mapping need not.
type Mapping interface {
	// Store is the source system's code for a contract value.
	Store(v string) string
	// Select is the SQL expression giving the contract value of the source
	// column col; it may span lines, indented relative to its first.
	Select(col string) string
	// Codes lists the source system's codes for schema.sql, or is empty.
	Codes() string
}

// Stored is how the source system stores the contract value v.
func (c Column) Stored(v string) string {
	if c.Map == nil {
		return v
	}
	return c.Map.Store(v)
}

// Selected is the SQL expression giving the column's contract value.
func (c Column) Selected() string {
	if c.Map == nil {
		return c.Source
	}
	return c.Map.Select(c.Source)
}

// SourceColumns are the table's column names in the source system.
func (t Table) SourceColumns() []string {
	out := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		out[i] = c.Source
	}
	return out
}

// Header is the CSV export's header: the contract column names.
func (t Table) Header() []string {
	var out []string
	for _, c := range t.Columns {
		if c.Contract != "" {
			out = append(out, c.Contract)
		}
	}
	return out
}

// Index is the position of a contract column in the table's rows.
func (t Table) Index(contract string) int {
	for i, c := range t.Columns {
		if c.Contract == contract {
			return i
		}
	}
	panic(fmt.Sprintf("exampledata: %s has no column %s", t.Name, contract))
}

// siteColumn is every table's site: the source system keeps site codes
// upper-case, and the exporter lower-cases enum values, so the record
// queries need not.
var siteColumn = Column{Contract: "site", Source: "site_code", Type: "text", Map: Upper}

// Upper stores values upper-cased, as the source system keeps site codes.
var Upper Mapping = upper{}

type upper struct{}

func (upper) Store(v string) string    { return strings.ToUpper(v) }
func (upper) Select(col string) string { return col }
func (upper) Codes() string            { return "" }

// DisplayName stores values as a display name: "Prohibited item".
var DisplayName Mapping = displayName{}

type displayName struct{}

func (displayName) Store(v string) string {
	if v == "" {
		return v
	}
	return strings.ToUpper(v[:1]) + strings.ReplaceAll(v[1:], "_", " ")
}
func (displayName) Select(col string) string { return fmt.Sprintf("replace(%s, ' ', '_')", col) }
func (displayName) Codes() string            { return "" }

// Code is the source system's code for a contract value.
type Code struct{ Value, Stored string }

// Codes is a column's vocabulary in the source system's codes. A value it
// does not know, as in the bad records, is stored upper-cased; the record
// query passes the stored code through for the exporter to count as unknown.
type Codes []Code

// Coded makes Codes of pairs of a contract value and its code.
func Coded(pairs ...string) Codes {
	out := make(Codes, 0, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, Code{pairs[i], pairs[i+1]})
	}
	return out
}

func (cs Codes) Store(v string) string {
	for _, c := range cs {
		if c.Value == v {
			return c.Stored
		}
	}
	return strings.ToUpper(v)
}

// Select maps back the codes that lower-casing alone does not, and passes
// every other code through (ELSE).
func (cs Codes) Select(col string) string {
	var mapped Codes
	width := 0
	for _, c := range cs {
		if strings.ToLower(c.Stored) != c.Value {
			mapped = append(mapped, c)
			width = max(width, len(c.Stored)+2)
		}
	}
	if len(mapped) == 0 {
		return col
	}
	var b strings.Builder
	fmt.Fprintf(&b, "CASE %s\n", col)
	for _, c := range mapped {
		fmt.Fprintf(&b, "  WHEN %-*s THEN '%s'\n", width, "'"+c.Stored+"'", c.Value)
	}
	fmt.Fprintf(&b, "  ELSE %s\nEND", col)
	return b.String()
}

func (cs Codes) Codes() string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Stored
	}
	return strings.Join(out, ", ")
}
