package source_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"

	"github.com/sems-exporter/sems_exporter/collectors"
	"github.com/sems-exporter/sems_exporter/internal/demo"
	"github.com/sems-exporter/sems_exporter/internal/records"
	"github.com/sems-exporter/sems_exporter/internal/source"
)

// FuzzReadCSV feeds a family's CSV reader arbitrary exports; the first
// argument picks the family. Reading must never panic; a read that succeeds
// rejects each bad row under one of the family's reasons, and every label
// value the family then exports comes from the configured sites or the
// column's vocabulary, whatever the cells held.
//
// CI (scripts/test.sh), bounded:
//
//	go test -run='^$' -fuzz='^FuzzReadCSV$' -fuzztime=20s -fuzzminimizetime=2s ./internal/source
func FuzzReadCSV(f *testing.F) {
	names := collectors.Names()
	dir := f.TempDir()
	if err := demo.Generate().WriteCSV(dir, now); err != nil {
		f.Fatal(err)
	}
	for i, name := range names {
		b, err := os.ReadFile(filepath.Join(dir, name+".csv"))
		if err != nil {
			f.Fatal(err)
		}
		// The header and the first records of the demo export.
		lines := strings.SplitAfter(string(b), "\n")
		f.Add(uint8(i), []byte(strings.Join(lines[:min(len(lines), 25)], "")))
	}
	f.Add(uint8(slices.Index(names, "equipment")), []byte(equipmentCSV))
	f.Add(uint8(slices.Index(names, "incidents")), []byte("\ufeffIncident_Ref;Site\r\n\"INC-1\",\"north\"\r\n"))
	f.Add(uint8(slices.Index(names, "incidents")), []byte("incident_ref,site,category,severity,reported_at,resolved_at\r\n"+
		"I1,NORTH ,Cyber,HIGH,2026-03-01 10:00:00+01,2026-03-01T12:00:00Z\r\n"+
		"I2,north,\"cyber\",low,\"2026-03-01\",\r\n"+
		"I3,no\"rth,cyber,low,2026-03-01,\r\n"+
		"\"I4,north,cyber,low,2026-03-01,\n"))

	sites := []string{"north", "south"}
	f.Fuzz(func(t *testing.T, family uint8, data []byte) {
		fam, _ := collectors.Lookup(names[int(family)%len(names)])
		settings := collectors.DefaultSettings(fam, sites)
		shape := fam.Shape(settings)
		res, err := source.ReadCSV(context.Background(), bytes.NewReader(data), source.Request{Shape: shape, Now: now})
		if err != nil {
			return
		}
		reasons := shape.Reasons()
		vocab := map[string][]string{}
		for _, c := range shape.Columns {
			if c.Type == records.TypeEnum {
				vocab[c.Name] = c.Allowed
			}
		}
		// What belongs to the whole organisation rather than a site has
		// a site label of its own.
		vocab["site"] = append(slices.Clone(vocab["site"]), collectors.OrganisationSite)
		for _, g := range res.Groups {
			if g.Count < 1 {
				t.Fatalf("group %+v counts no record", g)
			}
			if g.Reject != "" {
				if !slices.Contains(reasons, g.Reject) {
					t.Fatalf("rejected for %q, not one of the family's reasons %v", g.Reject, reasons)
				}
				continue
			}
			for i, k := range shape.Keys {
				if allowed, ok := vocab[k.Name]; ok && g.Keys[i] != "" && !slices.Contains(allowed, g.Keys[i]) {
					t.Fatalf("accepted %s %q, outside %v", k.Name, g.Keys[i], allowed)
				}
			}
		}
		for _, m := range fam.Metrics(shape, res, settings) {
			var out dto.Metric
			if err := m.Write(&out); err != nil {
				t.Fatalf("%s: %v", m.Desc(), err)
			}
			for _, l := range out.GetLabel() {
				if allowed, ok := vocab[l.GetName()]; ok && !slices.Contains(allowed, l.GetValue()) {
					t.Fatalf("%s exports %s=%q, outside %v", m.Desc(), l.GetName(), l.GetValue(), allowed)
				}
			}
		}
	})
}
