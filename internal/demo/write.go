package demo

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// column is a contract column as the CSV export names it and as the source
// system of examples/postgres/schema.sql stores it, under its own name and
// codes. A column with no contract name exists in the source system only.
type column struct {
	contract, source string
	// code gives the source system's code for a contract value.
	code func(string) string
}

// table is one family's records, as a CSV file and a source-system table.
// A cell is a string (empty for NULL), a bool or a Moment.
type table struct {
	file, name string
	cols       []column
	rows       [][]any
}

// codes maps contract values to a source system's codes. A value it does not
// know, as in the bad records, is stored upper-cased; the record query passes
// it through for the exporter to reject.
func codes(m map[string]string) func(string) string {
	return func(v string) string {
		if c, ok := m[v]; ok {
			return c
		}
		return strings.ToUpper(v)
	}
}

// displayName is how the incident log spells a category: "Prohibited item".
func displayName(v string) string {
	if v == "" {
		return v
	}
	return strings.ToUpper(v[:1]) + strings.ReplaceAll(v[1:], "_", " ")
}

var (
	// The source system keeps site codes upper-case; the exporter lower-cases
	// enum values, so its record queries need not.
	siteCol = column{"site", "site_code", strings.ToUpper}
	// summaries stand for the incident log's free text, which no record
	// query selects.
	summaries = map[string]string{
		"prohibited_item":      "Prohibited item found at screening",
		"unauthorised_access":  "Person found in a restricted zone without authority",
		"perimeter_breach":     "Perimeter fence breach",
		"suspicious_behaviour": "Suspicious behaviour reported",
		"insider_activity":     "Possible insider activity",
		"equipment_tampering":  "Security equipment tampered with",
		"cyber":                "Cyber security event",
		"other":                "Other security occurrence",
	}
)

func (d *Dataset) tables() []table {
	equipment := table{file: "equipment.csv", name: "asset_register", cols: []column{
		{"asset_ref", "asset_id", nil},
		siteCol,
		{"equipment_type", "asset_class", codes(assetClasses())},
		{"critical", "is_critical", nil},
		{"status", "current_state", codes(map[string]string{
			"serviceable": "IN_SERVICE", "degraded": "DEGRADED", "unserviceable": "OUT_OF_SERVICE"})},
		{"status_since", "state_changed_at", nil},
	}}
	for _, a := range d.Equipment {
		equipment.rows = append(equipment.rows, []any{a.Ref, a.Site, a.Type, a.Critical, a.Status, a.StatusSince})
	}

	incidents := table{file: "incidents.csv", name: "incident_log", cols: []column{
		{"incident_ref", "incident_no", nil},
		siteCol,
		{"category", "category", displayName},
		{"severity", "priority", codes(map[string]string{"critical": "P1", "high": "P2", "medium": "P3", "low": "P4"})},
		{"", "summary", nil},
		{"reported_at", "opened_at", nil},
		{"resolved_at", "closed_at", nil},
	}}
	for _, i := range d.Incidents {
		incidents.rows = append(incidents.rows, []any{i.Ref, i.Site, i.Category, i.Severity, summaries[i.Category], i.Reported, i.Resolved})
	}

	capa := table{file: "capa.csv", name: "capa_register", cols: []column{
		{"action_ref", "action_id", nil},
		siteCol,
		{"kind", "action_type", strings.ToUpper},
		{"origin", "raised_from", codes(map[string]string{"management_review": "MGMT_REVIEW"})},
		{"priority", "priority", displayName},
		{"raised_at", "raised_on", nil},
		{"due_at", "target_date", nil},
		{"closed_at", "completed_on", nil},
		{"effectiveness_reviewed_at", "effectiveness_checked_on", nil},
	}}
	for _, a := range d.CAPA {
		capa.rows = append(capa.rows, []any{a.Ref, a.Site, a.Kind, a.Origin, a.Priority, a.Raised, a.Due, a.Closed, a.Reviewed})
	}

	training := table{file: "training.csv", name: "training_records", cols: []column{
		{"person_ref", "person_id", nil},
		siteCol,
		{"role_level", "staff_category", codes(map[string]string{"operational": "OPS", "supervisor_manager": "SUP",
			"senior_manager": "SNR", "accountable_manager": "AM", "third_party": "CON"})},
		{"course", "course_code", codes(map[string]string{"security_awareness": "AWARENESS", "sems_induction": "INDUCTION",
			"insider_threat": "INSIDER", "incident_reporting": "REPORTING", "screening_certification": "SCREENER",
			"access_control": "ACCESS", "emergency_response": "EMERGENCY", "sems_leadership": "LEADERSHIP"})},
		{"completed_at", "completed_on", nil},
		{"expires_at", "valid_until", nil},
	}}
	for _, r := range d.Training {
		training.rows = append(training.rows, []any{r.Person, r.Site, r.Role, r.Course, r.Completed, r.Expires})
	}

	covert := table{file: "covert_tests.csv", name: "security_tests", cols: []column{
		{"test_ref", "test_id", nil},
		siteCol,
		{"test_type", "test_kind", codes(map[string]string{"screening_threat_item": "STI", "access_control": "ACCESS",
			"vehicle_search": "VEHICLE", "staff_search": "STAFF"})},
		{"conducted_by", "tester", codes(map[string]string{"third_party": "CONTRACTOR"})},
		{"conducted_at", "tested_at", nil},
		{"result", "outcome", strings.ToUpper},
		{"failure_cause", "root_cause", strings.ToUpper},
		{"linked_action_ref", "capa_ref", nil},
	}}
	for _, t := range d.CovertTests {
		covert.rows = append(covert.rows, []any{t.Ref, t.Site, t.Type, t.ConductedBy, t.Conducted, t.Result, t.FailureCause, t.LinkedAction})
	}
	// capa_register comes before security_tests, whose capa_ref refers to it.
	return []table{equipment, incidents, capa, training, covert}
}

// WriteCSV writes one CSV export per family into dir, the offsets anchored
// at now: a header row of contract column names, times in RFC 3339 UTC,
// booleans true/false and NULL as an empty cell.
func (d *Dataset) WriteCSV(dir string, now time.Time) error {
	for _, t := range d.tables() {
		if err := t.writeCSV(filepath.Join(dir, t.file), now); err != nil {
			return err
		}
	}
	return nil
}

func (t table) writeCSV(path string, now time.Time) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := t.encodeCSV(f, now); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return f.Close()
}

func (t table) encodeCSV(out io.Writer, now time.Time) error {
	w := csv.NewWriter(out)
	var header []string
	for _, c := range t.cols {
		if c.contract != "" {
			header = append(header, c.contract)
		}
	}
	if err := w.Write(header); err != nil {
		return err
	}
	rec := make([]string, 0, len(header))
	for _, row := range t.rows {
		rec = rec[:0]
		for i, c := range t.cols {
			if c.contract != "" {
				rec = append(rec, csvCell(row[i], now))
			}
		}
		if err := w.Write(rec); err != nil {
			return err
		}
	}
	w.Flush()
	return w.Error()
}

func csvCell(v any, now time.Time) string {
	switch v := v.(type) {
	case string:
		return v
	case bool:
		return fmt.Sprint(v)
	}
	m := v.(Moment)
	if !m.Valid {
		return ""
	}
	return m.At(now).UTC().Format(time.RFC3339)
}

// sqlBatch is the number of rows per INSERT statement.
const sqlBatch = 500

// WriteSQL writes a PostgreSQL script that loads the dataset into the tables
// of examples/postgres/schema.sql, replacing their contents. It is plain
// multi-row INSERTs in one transaction, so that it runs through any SQL
// connection; times are relative to that transaction's now().
func (d *Dataset) WriteSQL(w io.Writer) error {
	tables := d.tables()
	names := make([]string, len(tables))
	for i, t := range tables {
		names[i] = t.name
	}
	bw := bufio.NewWriter(w)
	fmt.Fprint(bw, "-- Demonstration data of the Estuary Airports Group for schema.sql.\n",
		"-- Generated by `go run ./examples/generate`: do not edit.\n",
		"-- Every time is relative to now() when the script runs, so the data is\n",
		"-- current whenever it is loaded; load it again to bring it up to date.\n\n",
		"BEGIN;\n\nTRUNCATE ", strings.Join(names, ", "), ";\n")
	for _, t := range tables {
		cols := make([]string, len(t.cols))
		for i, c := range t.cols {
			cols[i] = c.source
		}
		for i, row := range t.rows {
			if i%sqlBatch == 0 {
				fmt.Fprintf(bw, "\nINSERT INTO %s (%s) VALUES\n", t.name, strings.Join(cols, ", "))
			}
			cells := make([]string, len(row))
			for j, v := range row {
				cells[j] = sqlCell(v, t.cols[j].code)
			}
			end := ",\n"
			if i%sqlBatch == sqlBatch-1 || i == len(t.rows)-1 {
				end = ";\n"
			}
			fmt.Fprintf(bw, "(%s)%s", strings.Join(cells, ", "), end)
		}
	}
	fmt.Fprint(bw, "\nCOMMIT;\n")
	return bw.Flush()
}

func sqlCell(v any, code func(string) string) string {
	switch v := v.(type) {
	case string:
		if v == "" {
			return "NULL"
		}
		if code != nil {
			v = code(v)
		}
		return "'" + strings.ReplaceAll(v, "'", "''") + "'"
	case bool:
		return strings.ToUpper(fmt.Sprint(v))
	}
	m := v.(Moment)
	if !m.Valid {
		return "NULL"
	}
	s := int64(m.Offset / time.Second)
	if s < 0 {
		return fmt.Sprintf("now() - interval '%d seconds'", -s)
	}
	return fmt.Sprintf("now() + interval '%d seconds'", s)
}
