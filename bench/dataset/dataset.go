// Package dataset is the benchmark dataset: the records of a large airport
// group, 40 sites, 80,000 staff with 8 required courses each, five years of
// incidents, corrective actions and covert tests, and the security equipment
// of every site, at a chosen scale, as internal/exampledata defines them.
//
// The records are written the two ways the exporter reads them: loaded with
// COPY into the source-system tables of examples/postgres/schema.sql, under
// that system's own names and codes (mapped back by the queries of
// examples/postgres.yml), and as CSV exports in the record contracts' column
// names.
package dataset

import "github.com/sems-exporter/sems_exporter/internal/exampledata"

type (
	// Spec chooses a dataset: its scale, seed and anchor.
	Spec = exampledata.Spec
	// Table is one family's records at a spec's scale.
	Table = exampledata.BenchTable
)

// SiteCodes are the group's site codes, as the exporter's configuration
// lists them.
func SiteCodes() []string { return exampledata.BenchSites() }
