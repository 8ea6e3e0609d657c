package collectors_test

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/sems-exporter/sems_exporter/collectors"
)

// TestReasonsAreDocumented holds each family's page in docs/families to the
// reasons its shape can reject a record for, both ways: the table of
// rejection reasons names every one (`missing_<column>` standing for all the
// missing_ ones), and nothing else.
func TestReasonsAreDocumented(t *testing.T) {
	heading := regexp.MustCompile(`(?m)^## Reject(ed records|ion reasons)\n`)
	reasonCell := regexp.MustCompile("(?m)^\\| ([^|]*) \\|")
	name := regexp.MustCompile("`([a-z_<>]+)`")
	for _, family := range collectors.Names() {
		page, err := os.ReadFile("../docs/families/" + family + ".md")
		if err != nil {
			t.Fatal(err)
		}
		loc := heading.FindIndex(page)
		if loc == nil {
			t.Errorf("docs/families/%s.md has no rejection reasons section", family)
			continue
		}
		section, _, _ := strings.Cut(string(page[loc[1]:]), "\n## ")
		var documented []string
		for _, cell := range reasonCell.FindAllStringSubmatch(section, -1) {
			for _, m := range name.FindAllStringSubmatch(cell[1], -1) {
				documented = append(documented, m[1])
			}
		}
		f, _ := collectors.Lookup(family)
		reasons := f.Shape(collectors.DefaultSettings(f, []string{"north"})).Reasons()
		for _, r := range reasons {
			if !slices.Contains(documented, r) && !(strings.HasPrefix(r, "missing_") && slices.Contains(documented, "missing_<column>")) {
				t.Errorf("docs/families/%s.md does not list the reason %s", family, r)
			}
		}
		for _, d := range documented {
			if !strings.Contains(d, "<") && !slices.Contains(reasons, d) {
				t.Errorf("docs/families/%s.md lists %s, which is not one of the family's reasons %v", family, d, reasons)
			}
		}
	}
}
