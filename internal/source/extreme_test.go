package source_test

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/sems-exporter/sems_exporter/collectors"
	"github.com/sems-exporter/sems_exporter/internal/source"
)

// Placeholder dates are common in source systems: 'infinity' for "never",
// 1900-01-01 or earlier for "unknown". PostgreSQL and the CSV reader must
// treat them alike, and one such record must not fail a collection.
const extremeSQL = `
CREATE TABLE incident_log (incident_ref text, site text, category text, severity text, reported_at timestamptz, resolved_at timestamptz);
INSERT INTO incident_log VALUES
 ('I1', 'north', 'cyber', 'high', '2026-03-01T00:00:00Z', '2026-03-01T01:00:00Z'),
 ('I2', 'north', 'cyber', 'high', 'infinity', NULL),
 ('I3', 'north', 'cyber', 'high', '2026-03-01T00:00:00Z', '-infinity'),
 ('I4', 'north', 'cyber', 'high', '1500-01-01T00:00:00Z', '2026-01-01T00:00:00Z'),
 ('I5', 'south', 'other', 'low', '1200-01-01T00:00:00Z', NULL),
 ('I6', 'south', 'other', 'low', '9999-12-31T00:00:00Z', NULL);
`

const extremeCSV = `incident_ref,site,category,severity,reported_at,resolved_at
I1,north,cyber,high,2026-03-01T00:00:00Z,2026-03-01T01:00:00Z
I2,north,cyber,high,infinity,
I3,north,cyber,high,2026-03-01T00:00:00Z,-infinity
I4,north,cyber,high,1500-01-01T00:00:00Z,2026-01-01T00:00:00Z
I5,south,other,low,1200-01-01T00:00:00Z,
I6,south,other,low,9999-12-31T00:00:00Z,
`

func TestExtremeTimestampsAgree(t *testing.T) {
	pg, _ := openDB(t, "extreme", extremeSQL)
	f, _ := collectors.Lookup("incidents")
	req := source.Request{Shape: f.Shape(collectors.DefaultSettings(f, []string{"north", "south"})), Query: "SELECT * FROM incident_log", Now: now}
	fromDB, err := pg.Aggregate(context.Background(), req)
	if err != nil {
		t.Fatalf("postgres: one record with an extreme timestamp failed the collection: %v", err)
	}
	fromCSV, err := source.ReadCSV(context.Background(), strings.NewReader(extremeCSV), req)
	if err != nil {
		t.Fatalf("csv: %v", err)
	}
	if !reflect.DeepEqual(groupStrings(fromDB), groupStrings(fromCSV)) {
		t.Errorf("postgres and CSV differ:\npostgres: %v\ncsv:      %v", groupStrings(fromDB), groupStrings(fromCSV))
	}
	// The CSV reader cannot read infinity: I2 and I3 are rejected as
	// invalid, I6 as future, whatever becomes of I4 and I5.
	rejected := fromCSV.Rejected()
	for reason, n := range map[string]float64{"invalid_reported_at": 1, "invalid_resolved_at": 1, "future_reported_at": 1} {
		if rejected[reason] != n {
			t.Errorf("csv rejected %v records as %s, want %v", rejected[reason], reason, n)
		}
	}
}
