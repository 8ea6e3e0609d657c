package schedule

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/sems-exporter/sems_exporter/internal/records"
)

// TestLogCountsAsIntegers: a collection of 12,862,472 records, 1,250,000
// of them rejected, was logged as records=1.2862472e+07, and the rejected
// records by reason as one value, rejected="map[...]", that a log query
// cannot select by reason.
func TestLogCountsAsIntegers(t *testing.T) {
	res := records.Result{Groups: []records.Group{
		{Keys: []string{"north"}, Count: 11612470},
		{Reject: "unknown_site", Count: 1250000},
		{Reject: "missing_site", Count: 2},
	}}
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("collection succeeded", successAttrs(res, 0)...)
	for _, want := range []string{"records=12862472 ", "rejected.missing_site=2 rejected.unknown_site=1250000"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("log %q lacks %q", buf.String(), want)
		}
	}
}
