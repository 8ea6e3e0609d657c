// Package demo is the demonstration dataset: the security records of the
// Estuary Airports Group, a fictional operator of four airports (north,
// south, harbour and valley), for every KPI family, as internal/exampledata
// defines them. Harbour is the site in difficulty, so that dashboards have
// something to show.
//
// The dataset is generated from a fixed seed, so it is the same on every run
// (another seed gives another organisation's figures),
// and it holds every timestamp as an offset from the moment it is loaded, so
// it never goes stale: WriteCSV anchors the offsets at a given time, WriteSQL
// at the database's now().
package demo

import "github.com/sems-exporter/sems_exporter/internal/exampledata"

// Dataset is the demonstration data of every family.
type Dataset = exampledata.Demo

// Generate returns the demonstration dataset, the same on every call.
func Generate() *Dataset { return exampledata.GenerateDemo() }

// DefaultSeed is the seed of the committed examples.
const DefaultSeed = exampledata.DefaultSeed

// GenerateSeed returns the dataset another seed gives: the same sites and
// the same situations in other numbers, as another organisation of a group
// would show them.
func GenerateSeed(seed uint64) *Dataset { return exampledata.GenerateDemoSeed(seed) }
