package collectors

import (
	"fmt"
	"slices"

	"github.com/sems-exporter/sems_exporter/internal/records"
)

// OrganisationSite is the site label of what belongs to the whole
// organisation rather than a site: governance activities and
// self-assessments recorded with no site.
const OrganisationSite = "organisation"

// siteOrOrganisation groups a family's records by site, those with no site
// under OrganisationSite.
func siteOrOrganisation(sh *records.Shape) {
	sh.GroupBy("site", records.If(records.IsNull(sh.Col("site")), records.Text(OrganisationSite), sh.Col("site")))
}

// reserveOrganisationSite refuses a configured site code that is the
// organisation's label.
func reserveOrganisationSite(s *Settings) error {
	if slices.Contains(s.Sites, OrganisationSite) {
		return fmt.Errorf("the site code %q is the label of what belongs to the whole organisation", OrganisationSite)
	}
	return nil
}

// headlineWithOrganisation grades the organisation's own records as a site
// of their own, so that the organisation's figure, the sites' sum, includes
// them.
func (m *metricsOut) headlineWithOrganisation(k KPI, s *Settings, scores map[string]kpiScore, g grading) {
	withOrg := *s
	withOrg.Sites = append(slices.Clone(s.Sites), OrganisationSite)
	m.headline(k, &withOrg, scores, g)
}

// vocabularyOf is an enum column's values under the settings.
func vocabularyOf(s *Settings, f Family, column string) []string {
	for _, c := range s.ColumnsWith(f) {
		if c.Name == column {
			return c.Allowed
		}
	}
	return nil
}
