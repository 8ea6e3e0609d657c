package collectors

import (
	"testing"
	"time"

	"github.com/prometheus/common/model"
)

// incidentsCSV is evaluated at testNow, 2026-03-10T12:00:00Z.
const incidentsCSV = `incident_ref,site,category,severity,reported_at,resolved_at
N1,north,prohibited_item,critical,2026-03-10T08:00:00Z,2026-03-10T10:00:00Z
N2,north,cyber,critical,2026-03-10T10:00:00+01:00,2026-03-10T11:00:01Z
N3,north,other,critical,2026-03-10T09:30:00Z,
N4,north,other,critical,2026-03-10T10:00:00Z,
N12,north,prohibited_item,critical,2026-03-08T00:00:00Z,2026-03-08T06:00:00Z
N5,north,unauthorised_access,high,2025-11-01T00:00:00Z,2025-11-01T12:00:00Z
N6,north,perimeter_breach,high,2026-03-05T00:00:00-05:00,2026-03-06T06:00:00+01:00
N7,north,suspicious_behaviour,medium,2026-03-01T00:00:00Z,
N9,north,other,medium,2025-12-10T00:00:00Z,2025-12-10T12:00:00Z
N10,north,other,medium,2025-12-10T00:00:00Z,2025-12-10T11:59:59Z
S1,south,insider_activity, HIGH ,2026-03-01T00:00:00Z,2026-03-02T12:00:00Z
S2,south,equipment_tampering,high,2026-03-05T00:00:00Z,2026-03-08T00:00:00Z
S3,south,insider_activity,high,2026-03-09T00:00:00Z,
S4,south,prohibited_item,low,2026-03-10T11:55:00Z,2026-03-10T12:03:00+00:00
S5,south,cyber,critical,2026-03-05T10:00:00+01:00,2026-03-05T09:30:00Z
R1,north,cyber,urgent,2026-03-01T00:00:00Z,
R2,north,vandalism,high,2026-03-01T00:00:00Z,
R3,north,cyber,high,2026-03-05T09:00:00Z,2026-03-05T09:30:00+01:00
R4,north,cyber,high,2026-03-10T12:06:00Z,
R5,north,cyber,high,2026-03-10T11:00:00Z,2026-03-11T00:00:00Z
R6,north,cyber,high,2026-03-10T11:00:00Z,soon
R7,west,cyber,high,2026-03-01T00:00:00Z,
R8,north,cyber,high,,
`

// incidentsSouthOverride gives south a 48 h target for high severity (the
// other severities keep the defaults) and a lower within-target ratio target.
func incidentsSouthOverride(s *Settings) {
	t := s.SiteTargets["south"].(*incidentsTargets)
	t.Resolution["high"] = model.Duration(48 * time.Hour)
	t.WithinTarget = RatioTarget{Green: 0.75, Amber: 0.60}
}

func TestIncidents(t *testing.T) {
	f := incidents{}
	s := testSettings(f, "north", "south", "harbour")
	incidentsSouthOverride(s)
	got, rejected := collect(t, f, s, incidentsCSV)

	expect(t, got, map[string]float64{
		// Every accepted record is reported; combinations without records are 0.
		`sems_incidents_reported_total{category="prohibited_item",severity="critical",site="north"}`: 2, // N1, N12
		`sems_incidents_reported_total{category="other",severity="critical",site="north"}`:           2, // N3, N4
		`sems_incidents_reported_total{category="cyber",severity="critical",site="north"}`:           1, // N2
		`sems_incidents_reported_total{category="cyber",severity="low",site="north"}`:                0,
		`sems_incidents_reported_total{category="insider_activity",severity="high",site="south"}`:    2, // S1 (" HIGH "), S3

		// north/critical, target 2 h = 7200 s. Open: N3 (age 12:00-09:30 =
		// 9000 s, over) and N4 (age exactly 7200 s, not over).
		`sems_incidents_open{severity="critical",site="north"}`:                    2,
		`sems_incidents_open_over_target{severity="critical",site="north"}`:        1,
		`sems_incidents_open_oldest_age_seconds{severity="critical",site="north"}`: 9000,
		// Resolved: N1 08:00-10:00 = 7200 s (exactly the target: within);
		// N2 10:00+01:00 = 09:00Z to 11:00:01Z = 7201 s (over); N12 6 h =
		// 21600 s (over). All three resolved in the window: 1/3 within.
		`sems_incidents_resolution_duration_seconds_bucket{le="3600",severity="critical",site="north"}`:  0,
		`sems_incidents_resolution_duration_seconds_bucket{le="7200",severity="critical",site="north"}`:  1,
		`sems_incidents_resolution_duration_seconds_bucket{le="14400",severity="critical",site="north"}`: 2,
		`sems_incidents_resolution_duration_seconds_bucket{le="28800",severity="critical",site="north"}`: 3,
		`sems_incidents_resolution_duration_seconds_bucket{le="+Inf",severity="critical",site="north"}`:  3,
		`sems_incidents_resolution_duration_seconds_sum{severity="critical",site="north"}`:               36001, // 7200+7201+21600
		`sems_incidents_resolution_duration_seconds_count{severity="critical",site="north"}`:             3,
		`sems_incidents_resolved_in_window{severity="critical",site="north"}`:                            3,
		`sems_incidents_resolved_in_window_within_target{severity="critical",site="north"}`:              1,
		`sems_incidents_resolved_within_target_ratio{severity="critical",site="north"}`:                  1.0 / 3,

		// north/high, target 24 h. N5 took 12 h = 43200 s but was resolved
		// 2025-11-01T12:00Z, 129 days ago (29+31+31+28+10), outside the 90 d
		// window. N6 05:00Z to 05:00Z next day (offsets -05:00 and +01:00) =
		// 86400 s, exactly the target, within.
		`sems_incidents_open{severity="high",site="north"}`:                                          0,
		`sems_incidents_open_oldest_age_seconds{severity="high",site="north"}`:                       0,
		`sems_incidents_resolution_duration_seconds_bucket{le="28800",severity="high",site="north"}`: 0,
		`sems_incidents_resolution_duration_seconds_bucket{le="86400",severity="high",site="north"}`: 2,
		`sems_incidents_resolution_duration_seconds_sum{severity="high",site="north"}`:               129600, // 43200+86400
		`sems_incidents_resolution_duration_seconds_count{severity="high",site="north"}`:             2,
		`sems_incidents_resolved_in_window{severity="high",site="north"}`:                            1,
		`sems_incidents_resolved_in_window_within_target{severity="high",site="north"}`:              1,
		`sems_incidents_resolved_within_target_ratio{severity="high",site="north"}`:                  1,

		// north/medium, target 72 h. N7 open since 2026-03-01T00:00Z: 9.5 d =
		// 820800 s, over. The window starts at 2025-12-10T12:00Z: N9 resolved
		// exactly then (in), N10 one second earlier (out).
		`sems_incidents_open{severity="medium",site="north"}`:                                          1,
		`sems_incidents_open_over_target{severity="medium",site="north"}`:                              1,
		`sems_incidents_open_oldest_age_seconds{severity="medium",site="north"}`:                       820800,
		`sems_incidents_resolution_duration_seconds_bucket{le="28800",severity="medium",site="north"}`: 0,
		`sems_incidents_resolution_duration_seconds_bucket{le="86400",severity="medium",site="north"}`: 2,
		`sems_incidents_resolution_duration_seconds_sum{severity="medium",site="north"}`:               86399, // 43200+43199
		`sems_incidents_resolved_in_window{severity="medium",site="north"}`:                            1,
		`sems_incidents_resolved_in_window_within_target{severity="medium",site="north"}`:              1,

		// north/low has no record: zero-filled, an empty histogram.
		`sems_incidents_open{severity="low",site="north"}`:                                              0,
		`sems_incidents_open_over_target{severity="low",site="north"}`:                                  0,
		`sems_incidents_resolution_duration_seconds_bucket{le="2.592e+06",severity="low",site="north"}`: 0,
		`sems_incidents_resolution_duration_seconds_count{severity="low",site="north"}`:                 0,
		`sems_incidents_resolved_in_window{severity="low",site="north"}`:                                0,

		// south/high with south's 48 h = 172800 s target. S1 took 36 h =
		// 129600 s (within; over the default 24 h), S2 72 h = 259200 s (over).
		// S3 open for 36 h: not over 48 h (it would be over 24 h).
		`sems_incidents_open{severity="high",site="south"}`:                                           1,
		`sems_incidents_open_over_target{severity="high",site="south"}`:                               0,
		`sems_incidents_open_oldest_age_seconds{severity="high",site="south"}`:                        129600,
		`sems_incidents_resolution_duration_seconds_bucket{le="86400",severity="high",site="south"}`:  0,
		`sems_incidents_resolution_duration_seconds_bucket{le="172800",severity="high",site="south"}`: 1,
		`sems_incidents_resolution_duration_seconds_bucket{le="259200",severity="high",site="south"}`: 2,
		`sems_incidents_resolution_duration_seconds_sum{severity="high",site="south"}`:                388800, // 129600+259200
		`sems_incidents_resolved_in_window{severity="high",site="south"}`:                             2,
		`sems_incidents_resolved_in_window_within_target{severity="high",site="south"}`:               1,
		`sems_incidents_resolved_within_target_ratio{severity="high",site="south"}`:                   0.5,
		// south/low: S4 11:55Z to 12:03Z = 480 s; resolved 3 min ahead of
		// the clock, within the tolerance.
		`sems_incidents_resolution_duration_seconds_bucket{le="900",severity="low",site="south"}`: 1,
		`sems_incidents_resolution_duration_seconds_sum{severity="low",site="south"}`:             480,
		`sems_incidents_resolved_in_window_within_target{severity="low",site="south"}`:            1,
		// south/critical: S5 10:00+01:00 = 09:00Z to 09:30Z = 1800 s, within.
		`sems_incidents_resolution_duration_seconds_bucket{le="900",severity="critical",site="south"}`:  0,
		`sems_incidents_resolution_duration_seconds_bucket{le="1800",severity="critical",site="south"}`: 1,
		`sems_incidents_resolved_within_target_ratio{severity="critical",site="south"}`:                 1,
		// south/medium has no record.
		`sems_incidents_open{severity="medium",site="south"}`:                              0,
		`sems_incidents_resolution_duration_seconds_count{severity="medium",site="south"}`: 0,

		// Targets for every configured site, harbour included; south's
		// override changes only high.
		`sems_incidents_resolution_target_seconds{severity="high",site="north"}`:     86400,
		`sems_incidents_resolution_target_seconds{severity="high",site="south"}`:     172800,
		`sems_incidents_resolution_target_seconds{severity="critical",site="south"}`: 7200,
		`sems_incidents_resolution_target_seconds{severity="low",site="harbour"}`:    604800,
		`sems_incidents_window_seconds{}`:                                            7776000, // 90 d

		// Headline: north (1+1+1)/(3+1+1) = 0.6, red; south (1+1+1)/(2+1+1)
		// = 0.75, exactly its overridden green.
		`sems_kpi_ratio{kpi="incident_resolution",site="north"}`:      0.6,
		`sems_kpi_rag_status{kpi="incident_resolution",site="north"}`: RAGRed,
		`sems_kpi_ratio{kpi="incident_resolution",site="south"}`:      0.75,
		`sems_kpi_rag_status{kpi="incident_resolution",site="south"}`: RAGGreen,
		// Organisation: (3+3)/(5+4) = 0.6667, never the mean of the site
		// ratios (0.675); red against the organisation's 0.95/0.90.
		`sems_kpi_organisation_ratio{kpi="incident_resolution"}`:                    6.0 / 9,
		`sems_kpi_organisation_rag_status{kpi="incident_resolution"}`:               RAGRed,
		`sems_kpi_target_ratio{kpi="incident_resolution",rag="green",site="south"}`: 0.75,
		`sems_kpi_target_ratio{kpi="incident_resolution",rag="green",site="north"}`: 0.95,
	})
	expectAbsent(t, got,
		// No resolution in the window: no ratio is made up.
		`sems_incidents_resolved_within_target_ratio{severity="low",site="north"}`,
		`sems_incidents_resolved_within_target_ratio{severity="medium",site="south"}`,
		// harbour has no records and west is not a configured site.
		`sems_incidents_open{severity="high",site="harbour"}`,
		`sems_incidents_open{severity="high",site="west"}`,
		`sems_kpi_ratio{kpi="incident_resolution",site="harbour"}`)
	want := map[string]float64{
		"unknown_severity":         1, // R1
		"unknown_category":         1, // R2
		"resolved_before_reported": 1, // R3: 09:30+01:00 = 08:30Z, before 09:00Z
		"future_reported_at":       1, // R4: 6 min ahead, over the 5 min tolerance
		"future_resolved_at":       1, // R5
		"invalid_resolved_at":      1, // R6
		"unknown_site":             1, // R7
		"missing_reported_at":      1, // R8
	}
	expect(t, rejected, want)
	if len(rejected) != len(want) {
		t.Errorf("rejected = %v, want exactly %v", rejected, want)
	}
}

// Without south's override, the same records give south's high incidents
// the default 24 h target: S1 (36 h) is no longer within it and S3 (open
// 36 h) is over it.
func TestIncidentsDefaultTargets(t *testing.T) {
	f := incidents{}
	got, _ := collect(t, f, testSettings(f, "north", "south"), incidentsCSV)
	expect(t, got, map[string]float64{
		`sems_incidents_resolved_in_window_within_target{severity="high",site="south"}`: 0,
		`sems_incidents_resolved_within_target_ratio{severity="high",site="south"}`:     0,
		`sems_incidents_open_over_target{severity="high",site="south"}`:                 1,
		`sems_incidents_resolution_target_seconds{severity="high",site="south"}`:        86400,
		// (0+1+1)/4 = 0.5, red against the default 0.95/0.90.
		`sems_kpi_ratio{kpi="incident_resolution",site="south"}`:      0.5,
		`sems_kpi_rag_status{kpi="incident_resolution",site="south"}`: RAGRed,
	})
}

func TestIncidentsEmpty(t *testing.T) {
	f := incidents{}
	got, rejected := collect(t, f, testSettings(f, "north"), "incident_ref,site,category,severity,reported_at\n")
	// No incidents: targets and the window are still exposed, nothing else.
	expect(t, got, map[string]float64{
		`sems_incidents_resolution_target_seconds{severity="critical",site="north"}`: 7200,
		`sems_incidents_window_seconds{}`:                                            7776000,
		`sems_kpi_target_ratio{kpi="incident_resolution",rag="green",site="north"}`:  0.95,
	})
	expectAbsent(t, got,
		`sems_incidents_open{severity="critical",site="north"}`,
		`sems_incidents_resolution_duration_seconds_count{severity="critical",site="north"}`,
		`sems_kpi_ratio{kpi="incident_resolution",site="north"}`,
		`sems_kpi_organisation_ratio{kpi="incident_resolution"}`,
		// A site with no record has no period values and no alert levels.
		`sems_kpi_period_denominator{complete="false",granularity="month",kpi="incident_resolution",period="2026-03",site="north"}`,
		`sems_incidents_period_reported{complete="false",granularity="month",period="2026-03",severity="critical",site="north"}`,
		`sems_incidents_reported_alert_level{level="1",site="north"}`,
		`sems_incidents_organisation_reported_alert_level{level="1"}`)
	if len(rejected) != 0 {
		t.Errorf("rejected = %v, want none", rejected)
	}
}

func TestIncidentsValidate(t *testing.T) {
	hour := model.Duration(time.Hour)
	for name, v := range map[string]interface{ Validate() error }{
		"zero window":       &incidentsOptions{Window: 0},
		"unordered buckets": &incidentsOptions{Window: hour, Buckets: []model.Duration{2 * hour, hour}},
		"repeated bucket":   &incidentsOptions{Window: hour, Buckets: []model.Duration{hour, hour}},
		"zero bucket":       &incidentsOptions{Window: hour, Buckets: []model.Duration{0}},
		"zero resolution":   &incidentsTargets{Resolution: map[string]model.Duration{"high": 0}, WithinTarget: RatioTarget{Green: 0.9, Amber: 0.8}},
		"amber above green": &incidentsTargets{WithinTarget: RatioTarget{Green: 0.8, Amber: 0.9}},
	} {
		if v.Validate() == nil {
			t.Errorf("%s: Validate accepted %+v", name, v)
		}
	}
	f := incidents{}
	for _, v := range []any{f.NewOptions(), f.NewTargets()} {
		if err := v.(interface{ Validate() error }).Validate(); err != nil {
			t.Errorf("defaults %+v: %v", v, err)
		}
	}
}

func TestIncidentsValidateSettings(t *testing.T) {
	f := incidents{}
	hour := model.Duration(time.Hour)
	for _, tc := range []struct {
		name  string
		setup func(s *Settings)
		ok    bool
	}{
		{"defaults", func(*Settings) {}, true},
		{"misspelt severity", func(s *Settings) { s.Targets.(*incidentsTargets).Resolution["hgh"] = hour }, false},
		{"misspelt severity at a site", func(s *Settings) {
			s.SiteTargets["south"].(*incidentsTargets).Resolution["hgh"] = hour
		}, false},
		{"replaced vocabulary without targets", func(s *Settings) { s.Vocabulary["severity"] = []string{"p1", "p2"} }, false},
		{"replaced vocabulary with targets", func(s *Settings) {
			s.Vocabulary["severity"] = []string{"p1", "p2"}
			for _, tg := range []any{s.Targets, s.SiteTargets["north"], s.SiteTargets["south"]} {
				tg.(*incidentsTargets).Resolution["p1"] = hour
				tg.(*incidentsTargets).Resolution["p2"] = 2 * hour
			}
		}, true},
		{"replaced vocabulary, one site without a target", func(s *Settings) {
			s.Vocabulary["severity"] = []string{"p1"}
			for _, tg := range []any{s.Targets, s.SiteTargets["north"]} {
				tg.(*incidentsTargets).Resolution["p1"] = hour
			}
		}, false},
	} {
		s := testSettings(f, "north", "south")
		tc.setup(s)
		if err := f.ValidateSettings(s); (err == nil) != tc.ok {
			t.Errorf("%s: ValidateSettings() = %v, want ok %v", tc.name, err, tc.ok)
		}
	}
}
