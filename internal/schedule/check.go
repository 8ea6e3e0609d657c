package schedule

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// CheckResult is what one family's trial collection found.
type CheckResult struct {
	Family, Source string
	Read, Rejected float64
	Err            error
}

// Check collects each family once, one after another, within its timeout,
// without touching the snapshot or starting the schedule: it connects to
// each source and reads each record query's columns or CSV file's header
// as a collection would, and logs the same warnings: a role that can write,
// advisory locks left held. It returns the result of each family and an
// error joining the failures.
func (s *Scheduler) Check(ctx context.Context) ([]CheckResult, error) {
	var out []CheckResult
	var errs []error
	for _, j := range s.jobs {
		c, cancel := context.WithTimeout(ctx, time.Duration(j.fam.Timeout))
		res, err := j.aggregate(c, j.request(j.now()))
		cancel()
		j.warn(res)
		r := CheckResult{Family: j.fam.Name, Source: j.fam.Source, Err: err}
		if err == nil {
			r.Read = res.Read()
			for _, n := range res.Rejected() {
				r.Rejected += n
			}
		} else {
			errs = append(errs, fmt.Errorf("%s (source %s): %w", j.fam.Name, j.fam.Source, err))
		}
		out = append(out, r)
	}
	return out, errors.Join(errs...)
}
