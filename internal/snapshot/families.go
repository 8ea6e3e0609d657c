package snapshot

import (
	"cmp"
	"fmt"
	"maps"
	"slices"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// gather turns metrics into checked, sorted metric families, as a registry
// would serve them.
func gather(metrics []prometheus.Metric) ([]*dto.MetricFamily, error) {
	reg := prometheus.NewRegistry()
	if err := reg.Register(unchecked(metrics)); err != nil {
		return nil, err
	}
	return reg.Gather()
}

// unchecked collects fixed metrics. It describes nothing, so the registry
// checks each metric as it is collected rather than against descriptions
// sent beforehand.
type unchecked []prometheus.Metric

func (unchecked) Describe(chan<- *prometheus.Desc) {}
func (u unchecked) Collect(ch chan<- prometheus.Metric) {
	for _, m := range u {
		ch <- m
	}
}

// merge joins gathered parts into one list of families sorted by name. A
// family several parts have (the headline KPIs, the health metrics) gets
// their series in one, sorted by label values as a registry sorts them. The
// parts are shared with earlier versions and are never modified.
func merge(parts [][]*dto.MetricFamily) ([]*dto.MetricFamily, error) {
	byName := map[string]*dto.MetricFamily{}
	var joined []string
	for _, part := range parts {
		for _, mf := range part {
			name := mf.GetName()
			have, ok := byName[name]
			if !ok {
				byName[name] = mf
				continue
			}
			if have.GetType() != mf.GetType() || have.GetHelp() != mf.GetHelp() {
				return nil, fmt.Errorf("metric family %s has different types or help texts in two parts of the snapshot", name)
			}
			byName[name] = &dto.MetricFamily{Name: have.Name, Help: have.Help, Type: have.Type, Unit: have.Unit,
				Metric: slices.Concat(have.Metric, mf.Metric)}
			joined = append(joined, name)
		}
	}
	for _, name := range joined {
		metrics := byName[name].Metric
		slices.SortFunc(metrics, compareLabels)
		for i := 1; i < len(metrics); i++ {
			if compareLabels(metrics[i-1], metrics[i]) == 0 {
				return nil, fmt.Errorf("metric family %s has the same series in two parts of the snapshot", name)
			}
		}
	}
	out := make([]*dto.MetricFamily, 0, len(byName))
	for _, name := range slices.Sorted(maps.Keys(byName)) {
		out = append(out, byName[name])
	}
	return out, nil
}

// compareLabels orders two series of a family by their label pairs, which
// a registry keeps sorted by name.
func compareLabels(a, b *dto.Metric) int {
	for i := range min(len(a.Label), len(b.Label)) {
		if c := cmp.Compare(a.Label[i].GetName(), b.Label[i].GetName()); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Label[i].GetValue(), b.Label[i].GetValue()); c != 0 {
			return c
		}
	}
	return cmp.Compare(len(a.Label), len(b.Label))
}
