package demo

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/sems-exporter/sems_exporter/internal/sourcesystem"
)

const (
	day  = 24 * time.Hour
	year = 365 * day
	// history is how far back incidents, actions and tests go.
	history = 2 * year
)

// profile is how one site performs. Rates are shares of records.
type profile struct {
	code   string
	abbrev string // prefix of asset references
	size   float64
	// outOfService: assets not serviceable; stale: incidents and actions
	// left open and forgotten; missedReview: closed actions never reviewed.
	outOfService, resolvedOnTime, closedOnTime, stale, missedReview float64
	expired, neverTrained, pass, followedUp                         float64
}

var sites = []profile{
	{code: "north", abbrev: "NTH", size: 0.42, outOfService: 0.015, resolvedOnTime: 0.95, closedOnTime: 0.90,
		stale: 0.003, missedReview: 0.03, expired: 0.025, neverTrained: 0.006, pass: 0.91, followedUp: 0.90},
	{code: "south", abbrev: "STH", size: 0.27, outOfService: 0.025, resolvedOnTime: 0.92, closedOnTime: 0.85,
		stale: 0.005, missedReview: 0.06, expired: 0.045, neverTrained: 0.012, pass: 0.87, followedUp: 0.85},
	{code: "harbour", abbrev: "HBR", size: 0.19, outOfService: 0.07, resolvedOnTime: 0.80, closedOnTime: 0.62,
		stale: 0.02, missedReview: 0.20, expired: 0.09, neverTrained: 0.03, pass: 0.72, followedUp: 0.55},
	{code: "valley", abbrev: "VAL", size: 0.12, outOfService: 0.01, resolvedOnTime: 0.96, closedOnTime: 0.92,
		stale: 0.002, missedReview: 0.03, expired: 0.02, neverTrained: 0.005, pass: 0.93, followedUp: 0.90},
}

func site(code string) profile {
	i := slices.IndexFunc(sites, func(p profile) bool { return p.code == code })
	return sites[i]
}

// Sizes of the group as a whole, shared out between the sites by size.
const (
	assets      = 420
	incidents   = 3200
	actions     = 850 // besides those raised after covert test failures
	covertTests = 720
	staff       = 3000
)

type choice struct {
	value  string
	weight float64
}

type gen struct{ r *rand.Rand }

// DefaultSeed is the seed of the committed examples.
const DefaultSeed = 0x5e35

// Generate returns the demonstration dataset, the same on every call.
func Generate() *Dataset { return GenerateSeed(DefaultSeed) }

// GenerateSeed returns the dataset another seed gives: the same sites and
// the same situations in other numbers, as another organisation of a group
// would show them.
func GenerateSeed(seed uint64) *Dataset {
	g := gen{rand.New(rand.NewPCG(seed, 2026))}
	d := &Dataset{}
	for _, p := range sites {
		d.Sites = append(d.Sites, p.code)
	}
	d.Equipment = g.equipment()
	d.Incidents = g.incidents()
	d.CovertTests, d.CAPA = g.testsAndActions()
	d.Training = g.training()
	return d
}

func (g gen) chance(p float64) bool { return g.r.Float64() < p }

// between returns a uniformly drawn duration in [lo, hi], in whole seconds.
func (g gen) between(lo, hi time.Duration) time.Duration {
	return (lo + time.Duration(g.r.Int64N(int64(hi-lo)+1))).Round(time.Second)
}

func (g gen) pick(cs []choice) string {
	var total float64
	for _, c := range cs {
		total += c.weight
	}
	x := g.r.Float64() * total
	for _, c := range cs {
		if x -= c.weight; x < 0 {
			return c.value
		}
	}
	return cs[len(cs)-1].value
}

// count shares n out to a site by its size.
func count(n int, p profile) int { return int(math.Round(float64(n) * p.size)) }

func at(offset time.Duration) Moment { return Moment{Offset: offset.Round(time.Second), Valid: true} }

// Equipment.

var equipmentTypes = []struct {
	name     string
	share    float64 // of a site's assets
	critical float64 // share of critical assets
}{
	{"cctv", 0.45, 0.3},
	{"access_control_reader", 0.25, 0.2},
	{"xray", 0.08, 1},
	{"walk_through_metal_detector", 0.07, 1},
	{"explosive_trace_detection", 0.06, 1},
	{"perimeter_intrusion_detection", 0.09, 1},
}

func (g gen) equipment() []Asset {
	var out []Asset
	seq := map[string]int{}
	add := func(p profile, typ string, critical bool, status string, since time.Duration) {
		// References carry the asset register's class code.
		code := sourcesystem.AssetClass(typ)
		seq[p.code+code]++
		out = append(out, Asset{Ref: fmt.Sprintf("%s-%s-%03d", p.abbrev, code, seq[p.code+code]),
			Site: p.code, Type: typ, Critical: critical, Status: status, StatusSince: at(-since)})
	}
	for _, p := range sites {
		for _, t := range equipmentTypes {
			for range int(math.Round(assets * p.size * t.share)) {
				critical := g.chance(t.critical)
				status, since := "serviceable", g.between(2*day, 540*day)
				if g.chance(p.outOfService) {
					status, since = "degraded", g.between(2*time.Hour, 25*day)
					if g.chance(0.5) {
						status, since = "unserviceable", g.between(time.Hour, 12*day)
						if critical {
							// A critical asset is usually back within the hour.
							since = g.between(10*time.Minute, 3*time.Hour)
						}
					}
				}
				add(p, t.name, critical, status, since)
			}
		}
	}
	// Critical outages, all but one beyond the default 4 h threshold.
	add(site("harbour"), "xray", true, "unserviceable", 31*time.Hour+20*time.Minute)
	add(site("harbour"), "perimeter_intrusion_detection", true, "unserviceable", 9*time.Hour+30*time.Minute)
	add(site("north"), "cctv", true, "unserviceable", 5*time.Hour+15*time.Minute)
	add(site("south"), "walk_through_metal_detector", true, "unserviceable", 50*time.Minute)
	return append(out,
		Asset{Ref: "HBR-CCTV-901", Site: "harbour", Type: "cctv", Status: "in_repair", StatusSince: at(-3 * day)},
		Asset{Ref: "STH-ASSET-017", Site: "south", Critical: true, Status: "serviceable", StatusSince: at(-40 * day)},
		Asset{Ref: "WST-CCTV-001", Site: "west", Type: "cctv", Status: "serviceable", StatusSince: at(-90 * day)},
		Asset{Ref: "NTH-XRAY-950", Site: "north", Type: "xray", Critical: true, Status: "serviceable", StatusSince: at(2 * day)},
		// An asset exported twice, the second time with its reference
		// padded: both copies are rejected as duplicate_asset_ref.
		Asset{Ref: "VAL-ETD-901", Site: "valley", Type: "explosive_trace_detection", Critical: true, Status: "serviceable", StatusSince: at(-20 * day)},
		Asset{Ref: "VAL-ETD-901 ", Site: "valley", Type: "explosive_trace_detection", Critical: true, Status: "serviceable", StatusSince: at(-20 * day)},
	)
}

// Incidents.

var (
	categories = []choice{
		{"prohibited_item", 38}, {"suspicious_behaviour", 18}, {"unauthorised_access", 14}, {"other", 14},
		{"perimeter_breach", 6}, {"cyber", 4}, {"insider_activity", 3}, {"equipment_tampering", 3},
	}
	// Breaches of access and of systems are more often severe than the
	// prohibited items found at screening.
	severeMix = []choice{{"critical", 5}, {"high", 25}, {"medium", 45}, {"low", 25}}
	usualMix  = []choice{{"critical", 1}, {"high", 8}, {"medium", 35}, {"low", 56}}
	// resolutionTarget is the exporter's default target per severity.
	resolutionTarget = map[string]time.Duration{"critical": 2 * time.Hour, "high": day, "medium": 3 * day, "low": 7 * day}
)

func (g gen) incidents() []Incident {
	var out []Incident
	for _, p := range sites {
		for range count(incidents, p) {
			cat := g.pick(categories)
			mix := usualMix
			if cat != "prohibited_item" && cat != "suspicious_behaviour" && cat != "other" {
				mix = severeMix
			}
			sev := g.pick(mix)
			age := g.between(0, history)
			target := resolutionTarget[sev]
			took := time.Duration(float64(target) * (0.03 + 0.97*math.Pow(g.r.Float64(), 1.5)))
			if !g.chance(p.resolvedOnTime) {
				took = target + time.Duration(g.r.ExpFloat64()*1.5*float64(target))
			}
			inc := Incident{Site: p.code, Category: cat, Severity: sev, Reported: at(-age)}
			if took.Round(time.Second) <= age && !g.chance(p.stale) {
				inc.Resolved = at(-age + took)
			}
			out = append(out, inc)
		}
	}
	slices.SortStableFunc(out, func(a, b Incident) int { return cmp.Compare(a.Reported.Offset, b.Reported.Offset) })
	out = append(out,
		Incident{Site: "harbour", Category: "perimeter_breach", Severity: "high", Reported: at(-3 * day), Resolved: at(-4 * day)},
		Incident{Site: "south", Category: "prohibited_item", Severity: "urgent", Reported: at(-6 * day), Resolved: at(-5 * day)},
		Incident{Site: "north", Category: "other", Severity: "low", Resolved: at(-12 * day)},
		Incident{Site: "valley", Category: "cyber", Severity: "medium", Reported: at(day)},
		Incident{Site: "north", Category: "prohibited_item", Severity: "low", Reported: at(-2 * day), Resolved: at(-2*day + 3*time.Hour)},
	)
	for i := range out {
		out[i].Ref = fmt.Sprintf("INC-%06d", i+1)
	}
	// The last incident exported twice, the second time with its
	// reference padded: both copies are rejected as duplicate_incident_ref.
	dup := out[len(out)-1]
	dup.Ref += " "
	return append(out, dup)
}

// Covert tests and corrective and preventive actions.

var (
	origins = []choice{
		{"incident", 30}, {"audit", 24}, {"staff_report", 20}, {"inspection", 18}, {"management_review", 8},
	}
	priorities = []choice{{"high", 20}, {"medium", 50}, {"low", 30}}
	testTypes  = []choice{
		{"screening_threat_item", 50}, {"access_control", 25}, {"vehicle_search", 15}, {"staff_search", 10},
	}
	testers = []choice{{"internal", 60}, {"regulator", 25}, {"third_party", 15}}
	causes  = []choice{{"people", 60}, {"procedure", 25}, {"equipment", 15}}
	// Harbour's ageing screening equipment shows in its failures.
	harbourCauses = []choice{{"people", 45}, {"procedure", 25}, {"equipment", 30}}
)

// action raises an action age ago and lets it run its course at the site.
func (g gen) action(p profile, kind, origin, priority string, age time.Duration) *Action {
	var dueIn time.Duration
	switch priority {
	case "high":
		dueIn = g.between(10*day, 21*day)
	case "medium":
		dueIn = g.between(30*day, 60*day)
	default:
		dueIn = g.between(60*day, 120*day)
	}
	a := &Action{Site: p.code, Kind: kind, Origin: origin, Priority: priority, Raised: at(-age), Due: at(-age + dueIn)}
	took := time.Duration(float64(dueIn) * (0.25 + 0.75*g.r.Float64())).Round(time.Second)
	if !g.chance(p.closedOnTime) {
		took = dueIn + g.between(day, 75*day)
	}
	if took > age || g.chance(p.stale) {
		return a
	}
	a.Closed = at(-age + took)
	review := g.between(7*day, 45*day)
	if took+review <= age && !g.chance(p.missedReview) {
		a.Reviewed = at(-age + took + review)
	}
	return a
}

func (g gen) testsAndActions() ([]CovertTest, []Action) {
	var tests []CovertTest
	for _, p := range sites {
		for range count(covertTests, p) {
			t := CovertTest{Site: p.code, Type: g.pick(testTypes), ConductedBy: g.pick(testers),
				Conducted: at(-g.between(time.Hour, history)), Result: "pass"}
			pass := p.pass
			if t.ConductedBy == "regulator" {
				pass *= 0.95
			}
			if !g.chance(pass) {
				t.Result, t.FailureCause = "fail", g.pick(causes)
				if p.code == "harbour" {
					t.FailureCause = g.pick(harbourCauses)
				}
			}
			tests = append(tests, t)
		}
	}
	slices.SortStableFunc(tests, func(a, b CovertTest) int { return cmp.Compare(a.Conducted.Offset, b.Conducted.Offset) })

	var all []*Action
	for _, p := range sites {
		for range count(actions, p) {
			kind := "corrective"
			if g.chance(0.3) {
				kind = "preventive"
			}
			all = append(all, g.action(p, kind, g.pick(origins), g.pick(priorities), g.between(time.Hour, history)))
		}
	}
	// Actions that must be there whatever the draw: a high-priority
	// corrective action overdue (it pages on-call), one overdue for more
	// than 90 days (management hears of it), one due within the week.
	all = append(all,
		&Action{Site: "harbour", Kind: "corrective", Origin: "incident", Priority: "high", Raised: at(-38 * day), Due: at(-24 * day)},
		&Action{Site: "harbour", Kind: "corrective", Origin: "audit", Priority: "medium", Raised: at(-160 * day), Due: at(-110 * day)},
		&Action{Site: "north", Kind: "corrective", Origin: "inspection", Priority: "high", Raised: at(-12 * day), Due: at(3 * day)},
	)
	// A failed test is followed by a corrective action within days, most
	// of the time: harbour often fails to raise one.
	followUps := map[int]*Action{}
	for i, t := range tests {
		p, age := site(t.Site), -t.Conducted.Offset
		if t.Result != "fail" {
			continue
		}
		raisedAfter := g.between(12*time.Hour, 10*day)
		if raisedAfter >= age || !g.chance(p.followedUp) {
			continue
		}
		priority := "medium"
		if t.ConductedBy == "regulator" {
			priority = "high"
		}
		a := g.action(p, "corrective", "covert_test", priority, age-raisedAfter)
		followUps[i] = a
		all = append(all, a)
	}
	slices.SortStableFunc(all, func(a, b *Action) int { return cmp.Compare(a.Raised.Offset, b.Raised.Offset) })
	out := make([]Action, 0, len(all)+4)
	for i, a := range all {
		a.Ref = fmt.Sprintf("CA-%05d", i+1)
		out = append(out, *a)
	}
	for i, a := range followUps {
		tests[i].LinkedAction = a.Ref
	}
	out = append(out,
		Action{Site: "harbour", Kind: "corrective", Origin: "audit", Priority: "high", Raised: at(-20 * day), Due: at(-30 * day)},
		Action{Site: "south", Kind: "preventive", Origin: "inspection", Priority: "low", Raised: at(-15 * day), Due: at(40 * day), Closed: at(-16 * day)},
		Action{Site: "north", Kind: "corrective", Origin: "incident", Priority: "medium", Raised: at(-80 * day), Due: at(-40 * day), Closed: at(-45 * day), Reviewed: at(-50 * day)},
		Action{Site: "valley", Kind: "improvement", Origin: "staff_report", Priority: "low", Raised: at(-9 * day), Due: at(60 * day)},
		Action{Site: "valley", Kind: "preventive", Origin: "audit", Priority: "medium", Raised: at(-50 * day), Due: at(-10 * day), Closed: at(-15 * day), Reviewed: at(-5 * day)},
	)
	for i := len(all); i < len(out); i++ {
		out[i].Ref = fmt.Sprintf("CA-%05d", i+1)
	}
	// The last action exported twice, the second time with its reference
	// padded: both copies are rejected as duplicate_action_ref.
	action := out[len(out)-1]
	action.Ref += " "
	out = append(out, action)
	tests = append(tests,
		CovertTest{Site: "harbour", Type: "screening_threat_item", ConductedBy: "internal", Conducted: at(-33 * day), Result: "fail"},
		CovertTest{Site: "south", Type: "vehicle_search", ConductedBy: "third_party", Conducted: at(-8 * day), Result: "inconclusive"},
		CovertTest{Site: "north", Type: "access_control", ConductedBy: "internal", Conducted: at(3 * day), Result: "pass"},
		CovertTest{Site: "north", Type: "staff_search", ConductedBy: "internal", Conducted: at(-12 * day), Result: "pass"},
	)
	for i := range tests {
		tests[i].Ref = fmt.Sprintf("CT-%05d", i+1)
	}
	// And the last test, padded likewise: duplicate_test_ref.
	test := tests[len(tests)-1]
	test.Ref += " "
	return append(tests, test), out
}

// Training.

var (
	roles = []choice{{"operational", 74}, {"supervisor_manager", 12}, {"third_party", 11}, {"senior_manager", 3}}
	// validity of each course; 0: it does not expire.
	validity = map[string]time.Duration{
		"security_awareness": year, "sems_induction": 0, "insider_threat": 2 * year, "incident_reporting": 2 * year,
		"screening_certification": year, "access_control": 3 * year, "emergency_response": year, "sems_leadership": 3 * year,
	}
	// required courses by role level; screeners add screening_certification.
	required = map[string][]string{
		"operational":         {"security_awareness", "sems_induction", "incident_reporting", "insider_threat"},
		"supervisor_manager":  {"security_awareness", "sems_induction", "incident_reporting", "insider_threat", "access_control", "emergency_response"},
		"senior_manager":      {"security_awareness", "sems_induction", "insider_threat", "emergency_response", "sems_leadership"},
		"accountable_manager": {"security_awareness", "sems_induction", "emergency_response", "sems_leadership"},
		"third_party":         {"security_awareness", "sems_induction", "access_control"},
	}
)

func (g gen) training() []Requirement {
	type person struct {
		site, role string
		screener   bool
		tenure     time.Duration
	}
	var people []person
	for _, p := range sites {
		// Every airport has its own Accountable Manager.
		people = append(people, person{site: p.code, role: "accountable_manager", tenure: g.between(year, 8*year)})
		for range count(staff, p) - 1 {
			pe := person{site: p.code, role: g.pick(roles), tenure: g.between(30*day, 12*year)}
			pe.screener = pe.role == "operational" && g.chance(0.45)
			if g.chance(0.04) {
				pe.tenure = g.between(day, 28*day)
			}
			people = append(people, pe)
		}
	}
	// References are issued in no particular order of site or role.
	refs := g.r.Perm(len(people))
	var out []Requirement
	for i, pe := range people {
		p := site(pe.site)
		courses := required[pe.role]
		if pe.screener {
			courses = append(slices.Clone(courses), "screening_certification")
		}
		never, expired := p.neverTrained, p.expired
		if pe.role == "third_party" {
			never, expired = 3*never, 1.5*expired
		}
		if pe.tenure < 28*day {
			never = 0.6 // new starters are still working through their courses
		}
		for _, c := range courses {
			r := Requirement{Person: fmt.Sprintf("P%06d", refs[i]+1), Site: pe.site, Role: pe.role, Course: c}
			v := validity[c]
			switch {
			case g.chance(never):
			case v == 0:
				r.Completed = at(-pe.tenure + g.between(0, min(14*day, pe.tenure)))
			case pe.tenure > v+day && g.chance(expired):
				age := v + g.between(day, min(240*day, pe.tenure-v))
				r.Completed, r.Expires = at(-age), at(-age+v)
			default:
				age := g.between(time.Hour, min(v-time.Hour, pe.tenure))
				r.Completed, r.Expires = at(-age), at(-age+v)
			}
			out = append(out, r)
		}
	}
	slices.SortStableFunc(out, func(a, b Requirement) int { return strings.Compare(a.Person, b.Person) })
	return append(out,
		Requirement{Person: "P009901", Site: "harbour", Role: "operational", Course: "security_awareness", Completed: at(-100 * day), Expires: at(-200 * day)},
		Requirement{Person: "P009902", Site: "north", Role: "operational", Course: "fire_safety", Completed: at(-30 * day), Expires: at(335 * day)},
		Requirement{Person: "P009903", Role: "third_party", Course: "security_awareness", Completed: at(-60 * day), Expires: at(305 * day)},
		Requirement{Person: "P009904", Site: "south", Role: "supervisor_manager", Course: "emergency_response", Completed: at(5 * day), Expires: at(370 * day)},
		// One requirement exported twice, the second time under the course
		// name in capitals (a code the source system does not know, so the
		// record query passes it through): the exporter lower-cases both to
		// security_awareness and rejects both as duplicate_requirement.
		Requirement{Person: "P009905", Site: "valley", Role: "operational", Course: "security_awareness", Completed: at(-100 * day), Expires: at(265 * day)},
		Requirement{Person: "P009905", Site: "valley", Role: "operational", Course: "SECURITY_AWARENESS", Completed: at(-100 * day), Expires: at(265 * day)},
	)
}
