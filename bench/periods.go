package bench

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// PeriodResult is what one family's period indicators cost in PostgreSQL:
// its aggregate query with them against the same without them, the
// difference against their floor (records.Shape.BinsFloorSQL) and, where
// there is one, their hand-written floor (PeriodQueries). Times are
// the backend's CPU time (user and system, from /proc), which other load
// on the machine disturbs far less than wall time, with parallel workers
// off so that the backend does all of a query's work.
type PeriodResult struct {
	Family  string    `json:"family"`
	With    []float64 `json:"with_cpu_seconds"`
	Without []float64 `json:"without_cpu_seconds"`
	Floor   []float64 `json:"floor_cpu_seconds"`
	// HandFloor is empty without a hand-written floor.
	HandFloor []float64 `json:"hand_floor_cpu_seconds,omitempty"`
	// Medians; Cost is With less Without, Ratio Cost over Floor, HandRatio
	// over HandFloor (0 when there is none).
	WithMedian      float64 `json:"with_median_cpu_seconds"`
	WithoutMedian   float64 `json:"without_median_cpu_seconds"`
	FloorMedian     float64 `json:"floor_median_cpu_seconds"`
	HandFloorMedian float64 `json:"hand_floor_median_cpu_seconds"`
	Cost            float64 `json:"cost_cpu_seconds"`
	Ratio           float64 `json:"ratio"`
	HandRatio       float64 `json:"hand_ratio"`
}

// clockTicks is the unit of /proc/<pid>/stat's times, USER_HZ, 100 on
// every Linux architecture Go runs on.
const clockTicks = 100

// periods measures the period indicators of every family of the
// configuration at path that has them. Each round runs the queries of each
// family back to back in one session; the first round warms it.
func (r *runner) periods(ctx context.Context, path string, now time.Time) ([]PeriodResult, error) {
	queries, err := PeriodSQL(ctx, path, r.db)
	if err != nil {
		return nil, err
	}
	conn, err := r.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	for _, set := range strings.Split(strings.TrimSpace(sessionSQL), "\n") {
		if _, err := conn.ExecContext(ctx, set); err != nil {
			return nil, err
		}
	}
	if _, err := conn.ExecContext(ctx, "SET max_parallel_workers_per_gather = 0"); err != nil {
		return nil, err
	}
	var pid int
	if err := conn.QueryRowContext(ctx, "SELECT pg_backend_pid()").Scan(&pid); err != nil {
		return nil, err
	}
	var out []PeriodResult
	for _, family := range slices.Sorted(maps.Keys(queries)) {
		q := queries[family]
		pr := PeriodResult{Family: family}
		start := time.Now()
		queries := []string{q.With, q.Without, q.Floor}
		if q.HandFloor != "" {
			queries = append(queries, q.HandFloor)
		}
		for round := 0; round <= r.Runs; round++ {
			times := make([]float64, len(queries))
			for i, query := range queries {
				if times[i], err = backendCPU(ctx, conn, pid, WithNow(query, now)); err != nil {
					return nil, fmt.Errorf("%s: %w", family, err)
				}
			}
			if round == 0 {
				continue
			}
			pr.With, pr.Without, pr.Floor = append(pr.With, times[0]), append(pr.Without, times[1]), append(pr.Floor, times[2])
			if q.HandFloor != "" {
				pr.HandFloor = append(pr.HandFloor, times[3])
			}
			if time.Since(start) > r.Budget {
				break
			}
		}
		pr.WithMedian, pr.WithoutMedian, pr.FloorMedian = quantile(pr.With, 0.5), quantile(pr.Without, 0.5), quantile(pr.Floor, 0.5)
		pr.Cost = pr.WithMedian - pr.WithoutMedian
		if pr.FloorMedian > 0 { // below the clock's 10 ms on a tiny dataset
			pr.Ratio = pr.Cost / pr.FloorMedian
		}
		if len(pr.HandFloor) > 0 {
			if pr.HandFloorMedian = quantile(pr.HandFloor, 0.5); pr.HandFloorMedian > 0 {
				pr.HandRatio = pr.Cost / pr.HandFloorMedian
			}
		}
		r.logf("periods %-12s with %.3f s, without %.3f s, cost %.3f s, floor %.3f s, ratio %.2f, hand-written floor %.3f s, ratio %.2f (CPU, %d runs)",
			family, pr.WithMedian, pr.WithoutMedian, pr.Cost, pr.FloorMedian, pr.Ratio, pr.HandFloorMedian, pr.HandRatio, len(pr.With))
		out = append(out, pr)
	}
	return out, nil
}

// backendCPU runs a query on conn, whose backend is pid, reads every row,
// and returns the CPU time the backend spent on it.
func backendCPU(ctx context.Context, conn *sql.Conn, pid int, query string) (float64, error) {
	before, err := processCPU(pid)
	if err != nil {
		return 0, err
	}
	rows, err := conn.QueryContext(ctx, query)
	if err != nil {
		return 0, err
	}
	for rows.Next() {
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	after, err := processCPU(pid)
	return after - before, err
}

// processCPU is a process's user and system time so far, in seconds.
func processCPU(pid int) (float64, error) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	// The fields after the command, which is in parentheses and may hold
	// spaces: state is the first, utime and stime the 12th and 13th.
	s := string(data)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f))
	}
	utime, err1 := strconv.ParseFloat(f[11], 64)
	stime, err2 := strconv.ParseFloat(f[12], 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("/proc/%d/stat: %q", pid, s)
	}
	return (utime + stime) / clockTicks, nil
}
