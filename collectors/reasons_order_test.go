package collectors_test

import (
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/sems-exporter/sems_exporter/collectors"
	"github.com/sems-exporter/sems_exporter/internal/records"
)

// TestRejectionOrderIsDocumented holds each family page's sentence on
// which reason a record is counted under to the order the records
// package checks them in: the row, the duplicates, the unreadable cells,
// then column by column (missing before unknown), then the family's own
// checks. The pages listed every missing_ before every unknown_.
func TestRejectionOrderIsDocumented(t *testing.T) {
	sentence := regexp.MustCompile("The first reason that applies is the one counted: (.*?)\\. ")
	span := regexp.MustCompile("`([a-z_]+)`")
	for _, family := range collectors.Names() {
		f, _ := collectors.Lookup(family)
		shape := f.Shape(collectors.DefaultSettings(f, []string{"north"}))
		want := []string{records.ReasonMalformedRow}
		for _, id := range shape.Identities {
			want = append(want, id.Reason)
		}
		for _, c := range shape.Columns {
			if c.Type == records.TypeBool || c.Type == records.TypeTime || c.Type == records.TypeNumber {
				want = append(want, "invalid_")
				break
			}
		}
		want = append(want, "missing_", "unknown_")
		for _, ch := range shape.Checks {
			want = append(want, ch.Reason)
		}

		page, err := os.ReadFile("../docs/families/" + family + ".md")
		if err != nil {
			t.Fatal(err)
		}
		// The sentence as read, whatever its line breaks.
		m := sentence.FindSubmatch([]byte(strings.Join(strings.Fields(string(page)), " ")))
		if m == nil {
			t.Errorf("docs/families/%s.md does not say which reason is counted (\"The first reason that applies is the one counted: ...\")", family)
			continue
		}
		var got []string
		for _, s := range span.FindAllStringSubmatch(string(m[1]), -1) {
			got = append(got, s[1])
		}
		if !reflect.DeepEqual(got, want) || !strings.Contains(string(m[1]), "the columns in contract order (`missing_` before `unknown_` for each)") {
			t.Errorf("docs/families/%s.md gives the order\n  %s\nthe code checks\n  %s, column by column", family, got, want)
		}
	}
}

// TestExampleQueriesPassUnknownCodesOn: every CASE of the family pages'
// example queries has an ELSE, so that an unmapped code is counted as
// unknown (docs/configuration.md, record queries). Two of them had none,
// and one mapped every unknown code to "other".
func TestExampleQueriesPassUnknownCodesOn(t *testing.T) {
	block := regexp.MustCompile("(?s)```sql\n(.*?)```")
	word := regexp.MustCompile(`\b(CASE|ELSE|END)\b`)
	for _, family := range collectors.Names() {
		page, err := os.ReadFile("../docs/families/" + family + ".md")
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range block.FindAllStringSubmatch(string(page), -1) {
			// Comments may use the words; the code is what counts.
			var code []string
			for _, line := range strings.Split(b[1], "\n") {
				line, _, _ = strings.Cut(line, "--")
				code = append(code, line)
			}
			var open []bool // per CASE being read, whether it has an ELSE
			for _, w := range word.FindAllString(strings.Join(code, "\n"), -1) {
				switch {
				case w == "CASE":
					open = append(open, false)
				case w == "ELSE" && len(open) > 0:
					open[len(open)-1] = true
				case w == "END" && len(open) > 0:
					if !open[len(open)-1] {
						t.Errorf("docs/families/%s.md: a CASE without ELSE turns an unknown code into NULL, counted as missing:\n%s", family, b[1])
					}
					open = open[:len(open)-1]
				}
			}
		}
		if strings.Contains(string(page), "ELSE 'other'") {
			t.Errorf("docs/families/%s.md maps every unknown code to 'other', which hides it", family)
		}
	}
}
