package schedule

import (
	"sync"
	"time"
)

// CollectOnce runs every family's collection once, side by side, with the
// clock now, and returns when all have ended: one consistent set of
// figures for a report, through the same collection a schedule runs.
func (s *Scheduler) CollectOnce(now func() time.Time) {
	var wg sync.WaitGroup
	for _, j := range s.jobs {
		j.now = now
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.run(j)
		}()
	}
	wg.Wait()
}
