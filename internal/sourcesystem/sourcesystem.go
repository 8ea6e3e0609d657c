// Package sourcesystem describes the example source system of
// examples/postgres/schema.sql: its tables, the names and codes under which
// they store each record contract column, and the CSV exports in the
// contracts' column names. The demonstration data (internal/demo) and the
// benchmark dataset (bench/dataset) are both written through it, so that the
// schema and its codes are written down once.
package sourcesystem

import (
	"encoding/csv"
	"io"
	"iter"
	"strconv"
	"strings"
)

// Column is a contract column as the CSV export names it and as the source
// system stores it, under its own name and codes. A column with no contract
// name exists in the source system only.
type Column struct {
	Contract, Source string
	// Code gives the source system's code for a contract value; nil stores
	// the value as it is.
	Code func(string) string
}

// Stored is how the source system stores the contract value v.
func (c Column) Stored(v string) string {
	if c.Code == nil {
		return v
	}
	return c.Code(v)
}

// Table is one family's records: a source-system table and a CSV export.
// Generators give its rows positionally, a cell per column in Columns' order.
type Table struct {
	// Family is the exporter family that reads the records.
	Family string
	// Name is the source-system table; File the CSV export.
	Name, File string
	Columns    []Column
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

// codes maps contract values to the source system's codes. A value it does
// not know, as in the bad records, is stored upper-cased; the record query
// passes it through for the exporter to reject.
func codes(m map[string]string) func(string) string {
	return func(v string) string {
		if c, ok := m[v]; ok {
			return c
		}
		return strings.ToUpper(v)
	}
}

// displayName is how the source system spells a value: "Prohibited item".
func displayName(v string) string {
	if v == "" {
		return v
	}
	return strings.ToUpper(v[:1]) + strings.ReplaceAll(v[1:], "_", " ")
}

// assetClasses are the asset register's class codes of the equipment types;
// asset references carry them too.
var assetClasses = map[string]string{
	"cctv":                          "CCTV",
	"access_control_reader":         "ACR",
	"xray":                          "XRAY",
	"walk_through_metal_detector":   "WTMD",
	"explosive_trace_detection":     "ETD",
	"perimeter_intrusion_detection": "PIDS",
}

var assetClass = codes(assetClasses)

// AssetClass is the asset register's class code of an equipment type.
func AssetClass(equipmentType string) string { return assetClass(equipmentType) }

// summaries stand for the incident log's free text, which no record query
// selects.
var summaries = map[string]string{
	"prohibited_item":      "Prohibited item found at screening",
	"unauthorised_access":  "Person found in a restricted zone without authority",
	"perimeter_breach":     "Perimeter fence breach",
	"suspicious_behaviour": "Suspicious behaviour reported",
	"insider_activity":     "Possible insider activity",
	"equipment_tampering":  "Security equipment tampered with",
	"cyber":                "Cyber security event",
	"other":                "Other security occurrence",
}

// Summary is the incident log's summary of an incident of a category, empty
// for a category it does not know.
func Summary(category string) string { return summaries[category] }

// Tables returns the source system's tables in load order: capa_register
// comes before security_tests, whose capa_ref refers to it.
func Tables() []Table {
	// The source system keeps site codes upper-case; the exporter lower-cases
	// enum values, so its record queries need not.
	site := Column{"site", "site_code", strings.ToUpper}
	return []Table{
		{Family: "equipment", Name: "asset_register", File: "equipment.csv", Columns: []Column{
			{"asset_ref", "asset_id", nil},
			site,
			{"equipment_type", "asset_class", AssetClass},
			{"critical", "is_critical", nil},
			{"status", "current_state", codes(map[string]string{
				"serviceable": "IN_SERVICE", "degraded": "DEGRADED", "unserviceable": "OUT_OF_SERVICE"})},
			{"status_since", "state_changed_at", nil},
		}},
		{Family: "incidents", Name: "incident_log", File: "incidents.csv", Columns: []Column{
			{"incident_ref", "incident_no", nil},
			site,
			{"category", "category", displayName},
			{"severity", "priority", codes(map[string]string{"critical": "P1", "high": "P2", "medium": "P3", "low": "P4"})},
			{"", "summary", nil},
			{"reported_at", "opened_at", nil},
			{"resolved_at", "closed_at", nil},
		}},
		{Family: "capa", Name: "capa_register", File: "capa.csv", Columns: []Column{
			{"action_ref", "action_id", nil},
			site,
			{"kind", "action_type", strings.ToUpper},
			{"origin", "raised_from", codes(map[string]string{"management_review": "MGMT_REVIEW"})},
			{"priority", "priority", displayName},
			{"raised_at", "raised_on", nil},
			{"due_at", "target_date", nil},
			{"closed_at", "completed_on", nil},
			{"effectiveness_reviewed_at", "effectiveness_checked_on", nil},
		}},
		{Family: "training", Name: "training_records", File: "training.csv", Columns: []Column{
			{"person_ref", "person_id", nil},
			site,
			{"role_level", "staff_category", codes(map[string]string{"operational": "OPS", "supervisor_manager": "SUP",
				"senior_manager": "SNR", "accountable_manager": "AM", "third_party": "CON"})},
			{"course", "course_code", codes(map[string]string{"security_awareness": "AWARENESS", "sems_induction": "INDUCTION",
				"insider_threat": "INSIDER", "incident_reporting": "REPORTING", "screening_certification": "SCREENER",
				"access_control": "ACCESS", "emergency_response": "EMERGENCY", "sems_leadership": "LEADERSHIP"})},
			{"completed_at", "completed_on", nil},
			{"expires_at", "valid_until", nil},
		}},
		{Family: "covert_tests", Name: "security_tests", File: "covert_tests.csv", Columns: []Column{
			{"test_ref", "test_id", nil},
			site,
			{"test_type", "test_kind", codes(map[string]string{"screening_threat_item": "STI", "access_control": "ACCESS",
				"vehicle_search": "VEHICLE", "staff_search": "STAFF"})},
			{"conducted_by", "tester", codes(map[string]string{"third_party": "CONTRACTOR"})},
			{"conducted_at", "tested_at", nil},
			{"result", "outcome", strings.ToUpper},
			{"failure_cause", "root_cause", strings.ToUpper},
			{"linked_action_ref", "capa_ref", nil},
		}},
		// The records of the demo's configured indicators.
		{Family: "audits_completed", Name: "audit_plan", File: "audits_completed.csv", Columns: []Column{
			{"ref", "plan_ref", nil},
			site,
			{"at", "month_start", nil},
			{"breakdown", "programme", strings.ToUpper},
			{"numerator", "audits_done", nil},
			{"denominator", "audits_planned", nil},
		}},
		{Family: "disruption_minutes", Name: "disruption_log", File: "disruption_minutes.csv", Columns: []Column{
			{"ref", "event_no", nil},
			site,
			{"at", "started_at", nil},
			{"value", "delay_minutes", nil},
		}},
		{Family: "vigilance_reports", Name: "vigilance_reports", File: "vigilance_reports.csv", Columns: []Column{
			{"ref", "report_no", nil},
			site,
			{"at", "reported_at", nil},
			{"breakdown", "zone", strings.ToUpper},
		}},
	}
}

// Lookup returns one family's table.
func Lookup(family string) (Table, bool) {
	for _, t := range Tables() {
		if t.Family == family {
			return t, true
		}
	}
	return Table{}, false
}

// EncodeCSV writes the table's CSV export: a header row of contract column
// names, then a record per row of the contract columns' cells. A string cell
// is written as it is, a bool as true or false, a float64 in the shortest
// decimal form and nil (a NULL number) as an empty cell; cell formats any
// other cell, a time or NULL, which each generator represents its own way.
func EncodeCSV(out io.Writer, t Table, rows iter.Seq[[]any], cell func(any) string) error {
	w := csv.NewWriter(out)
	header := t.Header()
	if err := w.Write(header); err != nil {
		return err
	}
	rec := make([]string, 0, len(header))
	for row := range rows {
		rec = rec[:0]
		for i, c := range t.Columns {
			if c.Contract == "" {
				continue
			}
			switch v := row[i].(type) {
			case string:
				rec = append(rec, v)
			case bool:
				rec = append(rec, strconv.FormatBool(v))
			case float64:
				rec = append(rec, strconv.FormatFloat(v, 'f', -1, 64))
			case nil:
				rec = append(rec, "")
			default:
				rec = append(rec, cell(v))
			}
		}
		if err := w.Write(rec); err != nil {
			return err
		}
	}
	w.Flush()
	return w.Error()
}
