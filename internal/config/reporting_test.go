package config

import "testing"

// reportingBase configures the reporting family from a CSV export.
const reportingBase = `sites: [north, south]
sources:
  exports:
    type: csv
    directory: csv
families:
  reporting:
    source: exports
    file: reporting.csv
    options:
      headcount: {north: 1200}
    targets:
      acknowledged_ratio: {green: 0.95, amber: 0.85}
`

// The reporting family refuses what would discourage reporting or let a
// report be traced to a person, each at its line and saying why.
func TestReportingConfiguration(t *testing.T) {
	if _, err := Load(write(t, reportingBase)); err != nil {
		t.Fatalf("the reporting configuration is invalid: %v", err)
	}
	cases := []struct {
		name, old, new, at, msg string
	}{
		{"volume target", "    targets:\n", "    targets:\n      reports: {green: 100, amber: 80}\n", "reports:", "a target on reporting volume discourages reporting"},
		{"rate target", "    targets:\n", "    targets:\n      reports_per_1000_staff: {green: 40, amber: 30}\n", "reports_per_1000_staff:", "takes no target"},
		{"site volume target", "    targets:\n", "    site_targets:\n      south: {reports: {green: 10, amber: 5}}\n    targets:\n", "south:", "discourages reporting"},
		{"suppression off", "    options:\n", "    options:\n      suppress_below: 1\n", "suppress_below:", "suppress_below must be at least 2"},
		{"headcount of an unknown site", "{north: 1200}", "{north: 1200, west: 300}", "source: exports", `"west" is not a configured site`},
		{"reporter column mapped", "    file: reporting.csv\n", "    file: reporting.csv\n    columns: {reporter: reported_by}\n", "reporter:", `"reporter" is not a column of the reporting record contract`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { breaking(t, reportingBase, tc.old, tc.new, tc.at, tc.msg) })
	}
}
