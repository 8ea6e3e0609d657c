// Package collectors holds the KPI families. Each family is one file: its
// record contract, how its records are grouped (a records.Shape, evaluated by
// PostgreSQL or in Go), and how the groups become metrics. A family registers
// itself in init, as node_exporter's collectors do.
package collectors

import (
	"fmt"
	"maps"
	"slices"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sems-exporter/sems_exporter/internal/records"
)

// Namespace prefixes every metric the exporter exposes.
const Namespace = "sems"

// Family is one KPI family.
type Family interface {
	// Name is the family's key in the configuration and its "family" label.
	Name() string
	// Columns is the record contract. An enum column's Allowed list is its
	// default vocabulary, which the configuration may replace.
	Columns() []records.Column
	// NewOptions and NewTargets return pointers to the family's settings with
	// their documented defaults; the configuration is decoded over them.
	// NewOptions returns nil for a family without options.
	NewOptions() any
	NewTargets() any
	// Shape builds the grouping of the family's records for these settings.
	Shape(s *Settings) *records.Shape
	// Metrics derives the indicators from the aggregated records.
	Metrics(shape *records.Shape, res records.Result, s *Settings) []prometheus.Metric
	// Describe sends the descriptors of every metric Metrics may return.
	Describe(ch chan<- *prometheus.Desc)
	// KPIs describes the headline KPIs Metrics grades, for sems_kpi_info.
	KPIs() []KPI
}

// Settings is a family's resolved configuration.
type Settings struct {
	Sites []string
	// Vocabulary holds the allowed values of each enum column except site.
	Vocabulary map[string][]string
	Options    any
	Targets    any
	// SiteTargets holds, for every site, the organisation-wide targets with
	// that site's overrides applied.
	SiteTargets map[string]any // Calendar is the organisation's calendar: the zone of date-only values
	// and the periods of the period indicators.
	Calendar Calendar
}

// ColumnsWith returns the contract with vocabularies from the settings: the
// configured sites for the site column, the configured or default values for
// the other enum columns; and with time columns read in the calendar's zone.
func (s *Settings) ColumnsWith(f Family) []records.Column {
	cols := slices.Clone(f.Columns())
	for i, c := range cols {
		if c.Type == records.TypeTime {
			cols[i].Zone = s.Calendar.Zone
		}
		if c.Type != records.TypeEnum {
			continue
		}
		if c.Name == "site" {
			cols[i].Allowed = s.Sites
		} else if v, ok := s.Vocabulary[c.Name]; ok {
			cols[i].Allowed = v
		}
	}
	return cols
}

// SiteTargetsOf returns one site's targets in the family's own type.
func SiteTargetsOf[T any](s *Settings, site string) *T {
	if t, ok := s.SiteTargets[site]; ok {
		return t.(*T)
	}
	return s.Targets.(*T)
}

var registry = map[string]Family{}

// Register adds a family; it is called from the families' init functions.
func Register(f Family) {
	if _, dup := registry[f.Name()]; dup {
		panic(fmt.Sprintf("collectors: family %q registered twice", f.Name()))
	}
	registry[f.Name()] = f
}

// Lookup returns the registered family of that name. Configured indicators
// are families too, but made from the configuration (NewIndicator), not
// registered.
func Lookup(name string) (Family, bool) {
	f, ok := registry[name]
	return f, ok
}

// Names lists the registered families in order.
func Names() []string { return slices.Sorted(maps.Keys(registry)) }

// DefaultSettings returns a family's settings with every documented default,
// for the given sites; the configuration starts from these.
func DefaultSettings(f Family, sites []string) *Settings {
	s := &Settings{
		Sites:       sites,
		Vocabulary:  map[string][]string{},
		Options:     f.NewOptions(),
		Targets:     f.NewTargets(),
		SiteTargets: map[string]any{},
		Calendar:    DefaultCalendar(),
	}
	for _, site := range sites {
		s.SiteTargets[site] = f.NewTargets()
	}
	return s
}

// SettingsValidator is implemented by a family whose settings need checks
// beyond their own types, such as target keys that must be in a vocabulary.
type SettingsValidator interface {
	ValidateSettings(s *Settings) error
}
