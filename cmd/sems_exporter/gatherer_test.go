package main

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// A gathering is served again for up to its age, and only then made anew.
func TestRecentGatherer(t *testing.T) {
	reg := prometheus.NewRegistry()
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: "sems_test_total", Help: "Test."})
	reg.MustRegister(c)
	r := &recentGatherer{g: reg, maxAge: time.Second}
	value := func() float64 {
		mfs, err := r.Gather()
		if err != nil {
			t.Fatal(err)
		}
		return mfs[0].GetMetric()[0].GetCounter().GetValue()
	}
	if v := value(); v != 0 {
		t.Fatalf("first gathering reads %v, want 0", v)
	}
	c.Inc()
	if v := value(); v != 0 {
		t.Fatalf("a gathering within the second reads %v: gathered again", v)
	}
	r.at = r.at.Add(-time.Second)
	if v := value(); v != 1 {
		t.Fatalf("a gathering a second later reads %v, want 1", v)
	}
}
