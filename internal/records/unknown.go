package records

import (
	"cmp"
	"hash/maphash"
	"regexp"
	"slices"
)

// The values of the records rejected as unknown_<column>, for an enum
// column, are the one part of a rejected record the exporter may name: a
// renamed site or a new status code is a code that many records share, and
// naming it tells the operator what changed in the source system. A column
// mapped wrongly holds anything else the source does (staff numbers, names),
// so a value is named only when it is plainly a code: shared by at least
// SmallCount records, made of code characters only, and in a column whose
// rejected values are few. Both paths apply these rules, PostgreSQL inside
// its query, so that no other value ever leaves the database.

// SmallCount is the fewest records a figure about people may stand on: a
// count below it could be traced to a person. It is the reporting family's
// default suppress_below, and the fewest records an unknown value must be
// shared by to be named.
const SmallCount = 5

// MaxNamedValues is the most distinct unknown values a column may have for
// any of them to be named: a renamed or removed code gives one or a few,
// each shared by many records, where a column mapped wrongly gives many.
const MaxNamedValues = 5

// MaxCountedDistinct bounds the count of a column's distinct unknown
// values, so that counting them takes bounded memory: a count of
// MaxCountedDistinct+1 means more.
const MaxCountedDistinct = 1000

// codePattern is a code: 1 to 32 ASCII letters, digits and "_", "-", ".",
// "/". No space and no comma, so that neither "John Smith" nor "Smith, John"
// is one. The same pattern runs in Go and, on text of the C collation, in
// PostgreSQL.
const codePattern = `^[A-Za-z0-9_./-]{1,32}$`

var codeRE = regexp.MustCompile(codePattern)

// Unknown is what a collection may say of one enum column's values outside
// its vocabulary.
type Unknown struct {
	Column string
	// Records is the number of records rejected as unknown_<column>.
	Records float64
	// Distinct is the number of distinct values among them, as compared
	// (trimmed, lower-cased), up to MaxCountedDistinct+1.
	Distinct int
	// Named are the values that are plainly codes, with their records,
	// most records first: none when Distinct exceeds MaxNamedValues.
	Named []NamedValue
}

// NamedValue is an unknown value that may be named, and its records.
type NamedValue struct {
	Value   string
	Records float64
}

// newUnknown applies the rules to a column's candidate values, the values
// and their records; candidates may hold values the rules refuse.
func newUnknown(column string, records float64, distinct int, candidates map[string]float64) Unknown {
	u := Unknown{Column: column, Records: records, Distinct: distinct}
	if distinct > MaxNamedValues {
		return u
	}
	for v, n := range candidates {
		if n >= SmallCount && codeRE.MatchString(v) {
			u.Named = append(u.Named, NamedValue{v, n})
		}
	}
	slices.SortFunc(u.Named, func(x, y NamedValue) int {
		if c := cmp.Compare(y.Records, x.Records); c != 0 {
			return c
		}
		return cmp.Compare(x.Value, y.Value)
	})
	return u
}

// unknownTally counts one column's unknown values in bounded memory: the
// values themselves while there are at most MaxNamedValues, then only
// their 64-bit hashes, to count them, up to MaxCountedDistinct+1. Two of
// 1,001 values share a hash, and are counted as one, with a probability of
// about 1001*1001/2^65, some 3*10^-14.
type unknownTally struct {
	column  int
	records float64
	values  map[string]float64
	hashes  map[uint64]struct{}
	seed    maphash.Seed
}

func (t *unknownTally) add(v string) {
	t.records++
	if t.values != nil {
		if _, ok := t.values[v]; ok || len(t.values) < MaxNamedValues {
			t.values[v]++
			return
		}
		// One value too many: none will be named, so only count them.
		t.hashes = make(map[uint64]struct{}, 2*MaxNamedValues)
		for seen := range t.values {
			t.hashes[maphash.String(t.seed, seen)] = struct{}{}
		}
		t.values = nil
	}
	if len(t.hashes) <= MaxCountedDistinct {
		t.hashes[maphash.String(t.seed, v)] = struct{}{}
	}
}

func (t *unknownTally) distinct() int {
	if t.values != nil {
		return len(t.values)
	}
	return len(t.hashes)
}

// unknownColumns maps the reason unknown_<column> of each enum column to
// the column's index.
func (s *Shape) unknownColumns() map[string]int {
	out := map[string]int{}
	for i, c := range s.Columns {
		if c.Type == TypeEnum {
			out[UnknownReason(c.Name)] = i
		}
	}
	return out
}
