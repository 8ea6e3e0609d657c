// Package demo generates the demonstration dataset: the security records of
// the Estuary Airports Group, a fictional operator of four airports (north,
// south, harbour and valley), for every KPI family. Harbour is the site in
// difficulty, so that dashboards have something to show.
//
// The dataset is generated from a fixed seed, so it is the same on every run
// (another seed gives another organisation's figures),
// and it holds every timestamp as an offset from the moment it is loaded, so
// it never goes stale: WriteCSV anchors the offsets at a given time, WriteSQL
// at the database's now().
package demo

import "time"

// Moment is a time relative to the moment the dataset is loaded: before it
// when Offset is negative, after it when positive. The zero Moment is NULL.
type Moment struct {
	Offset time.Duration
	Valid  bool
}

// At returns the moment anchored at now.
func (m Moment) At(now time.Time) time.Time { return now.Add(m.Offset) }

// The records of each family, in the exporter's record contracts. An empty
// string is NULL.
type (
	Asset struct {
		Ref, Site, Type string
		Critical        bool
		Status          string
		StatusSince     Moment
	}
	Incident struct {
		Ref, Site, Category, Severity string
		Reported, Resolved            Moment
	}
	Action struct {
		Ref, Site, Kind, Origin, Priority string
		Raised, Due, Closed, Reviewed     Moment
	}
	Requirement struct {
		Person, Site, Role, Course string
		Completed, Expires         Moment
	}
	CovertTest struct {
		Ref, Site, Type, ConductedBy string
		Conducted                    Moment
		Result, FailureCause         string
		LinkedAction                 string
	}
)

// Dataset is the demonstration data of every family. Each family ends with a
// few deliberately bad records that the exporter rejects, so that its
// rejection metrics have something to count.
type Dataset struct {
	Sites       []string
	Equipment   []Asset
	Incidents   []Incident
	CAPA        []Action
	Training    []Requirement
	CovertTests []CovertTest
}
