package collectors

import (
	"slices"
	"testing"
)

func TestDisplayName(t *testing.T) {
	for code, want := range map[string]string{
		"walk_through_metal_detector": "Walk through metal detector",
		"supervisor_manager":          "Supervisor manager",
		"covert_tests":                "Covert tests",
		"cctv":                        "CCTV",
		"sems_induction":              "SeMS induction",
		"xray":                        "X-ray",
		"critical":                    "Critical",
		"":                            "",
	} {
		if got := DisplayName(code); got != want {
			t.Errorf("DisplayName(%q) = %q, want %q", code, got, want)
		}
	}
}

// The vocabularies come from the record contracts, in their order: the
// severities most severe first, the priorities of CAPA highest first.
func TestVocabulary(t *testing.T) {
	for column, want := range map[string][]string{
		"severity": {"critical", "high", "medium", "low"},
		"priority": {"high", "medium", "low"},
		"family":   {"capa", "covert_tests", "equipment", "governance", "incidents", "providers", "reporting", "self_assessment", "training"},
		"site":     nil,
		"state":    {"current", "expired", "never_completed"},
	} {
		if got := Vocabulary(column); !slices.Equal(got, want) {
			t.Errorf("Vocabulary(%q) = %q, want %q", column, got, want)
		}
	}
	reasons := Vocabulary("reason")
	for _, r := range []string{"malformed_row", "duplicate_incident_ref", "unknown_severity", "missing_reported_at"} {
		if !slices.Contains(reasons, r) {
			t.Errorf("Vocabulary(reason) = %q lacks %s", reasons, r)
		}
	}
}
