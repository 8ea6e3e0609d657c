package schedule

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/sems-exporter/sems_exporter/internal/records"
)

// TestLogCountsAsIntegers: a collection of 12,862,472 records, 1,250,000
// of them rejected, was logged as records=1.2862472e+07.
func TestLogCountsAsIntegers(t *testing.T) {
	res := records.Result{Groups: []records.Group{
		{Keys: []string{"north"}, Count: 11612472},
		{Reject: "unknown_site", Count: 1250000},
	}}
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("collection succeeded", successAttrs(res, 0)...)
	for _, want := range []string{"records=12862472 ", "rejected=map[unknown_site:1250000]"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("log %q lacks %q", buf.String(), want)
		}
	}
}
