package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/sems-exporter/sems_exporter/internal/config"
	"github.com/sems-exporter/sems_exporter/internal/schedule"
	"github.com/sems-exporter/sems_exporter/internal/snapshot"
)

// checkConfig validates a configuration file, and with sources also
// collects each family once to see that its source answers with the
// columns or header it needs. It says what it did not check, and returns
// whether everything checked is valid.
func checkConfig(path string, sources bool, out, errOut io.Writer, logger *slog.Logger) bool {
	cfg, err := config.Load(path)
	if err != nil {
		fmt.Fprintln(errOut, err)
		return false
	}
	if !sources {
		fmt.Fprintf(out, "%s: the configuration is valid. Not checked: whether each source can be reached and answers each family's record query or has its CSV file and header (add --config.check-sources to collect each family once)\n", path)
		return true
	}
	s, err := schedule.New(cfg, snapshot.New(), logger)
	if err != nil {
		fmt.Fprintf(errOut, "%s: %v\n", path, err)
		return false
	}
	defer s.Stop()
	results, _ := s.Check(context.Background())
	ok := true
	for _, r := range results {
		if r.Err != nil {
			ok = false
			fmt.Fprintf(errOut, "%s: %s (source %s): %v\n", path, r.Family, r.Source, r.Err)
			continue
		}
		fmt.Fprintf(out, "%s: %s (source %s): %d records read, %d rejected\n", path, r.Family, r.Source, int64(r.Read), int64(r.Rejected))
	}
	if ok {
		fmt.Fprintf(out, "%s: the configuration is valid, and every family's source answers\n", path)
	}
	return ok
}
