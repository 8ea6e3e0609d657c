package main

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// recentGatherer serves one gathering for up to maxAge. Gathering the Go
// runtime and /proc metrics allocates more than the rest of a scrape, which
// otherwise only writes the snapshot's ready bytes: reusing a gathering
// bounds that cost whatever the scrape rate, and nobody reads a process's
// memory or CPU time at a finer grain than a second.
type recentGatherer struct {
	g      prometheus.Gatherer
	maxAge time.Duration

	mu  sync.Mutex
	at  time.Time
	mfs []*dto.MetricFamily
}

func (r *recentGatherer) Gather() ([]*dto.MetricFamily, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.mfs == nil || time.Since(r.at) >= r.maxAge {
		mfs, err := r.g.Gather()
		if err != nil {
			return nil, err
		}
		r.mfs, r.at = mfs, time.Now()
	}
	return r.mfs, nil
}
