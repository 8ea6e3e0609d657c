package records

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lib/pq"
)

// Env is what an expression may read besides the record: the evaluation time,
// which is the same instant for every record of one collection. In SQL it is
// the query's first parameter.
type Env struct {
	Now time.Time
}

// Expr is an expression over one record. SQL renders it against the alias r;
// Eval computes the same value in Go.
type Expr interface {
	SQL() string
	Eval(rec Record, env Env) Value
}

type col struct {
	name  string
	index int
}

func (c col) SQL() string                  { return "r." + pq.QuoteIdentifier(c.name) }
func (c col) Eval(rec Record, _ Env) Value { return rec[c.index] }

type lit struct{ v Value }

func (l lit) SQL() string {
	switch l.v.Kind {
	case KindString:
		return pq.QuoteLiteral(l.v.S)
	case KindNumber:
		return strconv.FormatFloat(l.v.F, 'g', -1, 64) + "::float8"
	case KindBool:
		return strconv.FormatBool(l.v.B)
	}
	return "NULL"
}
func (l lit) Eval(Record, Env) Value { return l.v }

// Text and Number are constants.
func Text(s string) Expr      { return lit{Str(s)} }
func Number(f float64) Expr   { return lit{Num(f)} }
func nullExpr() Expr          { return lit{} }
func timeSQL(e Expr) string   { return "(" + e.SQL() + ")" }
func epoch(sql string) string { return "extract(epoch from " + sql + ")::float8" }

type now struct{}

func (now) SQL() string                  { return "$1::timestamptz" }
func (now) Eval(_ Record, env Env) Value { return Time(env.Now) }

// Now is the evaluation time of the collection.
func Now() Expr { return now{} }

type secondsBetween struct{ from, to Expr }

func (s secondsBetween) SQL() string {
	return epoch("(" + timeSQL(s.to) + " - " + timeSQL(s.from) + ")")
}

func (s secondsBetween) Eval(rec Record, env Env) Value {
	from, to := s.from.Eval(rec, env), s.to.Eval(rec, env)
	if from.Kind != KindTime || to.Kind != KindTime {
		return Value{}
	}
	// PostgreSQL keeps microseconds; truncate so both paths agree.
	if d := to.T.Sub(from.T); d > math.MinInt64 && d < math.MaxInt64 {
		return Num(float64(d.Truncate(time.Microsecond)) / float64(time.Second))
	}
	// Time.Sub saturates beyond 292 years; PostgreSQL does not.
	return Num(float64(to.T.Unix()-from.T.Unix()) + float64(to.T.Nanosecond()/1e3-from.T.Nanosecond()/1e3)/1e6)
}

// SecondsBetween is to minus from, in seconds; NULL if either is NULL.
func SecondsBetween(from, to Expr) Expr { return secondsBetween{from, to} }

// SecondsSince is the time from t to the evaluation time, in seconds.
func SecondsSince(t Expr) Expr { return secondsBetween{t, now{}} }

type isNull struct{ e Expr }

func (n isNull) SQL() string                    { return "(" + n.e.SQL() + " IS NULL)" }
func (n isNull) Eval(rec Record, env Env) Value { return Bool(n.e.Eval(rec, env).IsNull()) }

// IsNull is true when e is NULL.
func IsNull(e Expr) Expr { return isNull{e} }

type not struct{ e Expr }

func (n not) SQL() string { return "(NOT " + n.e.SQL() + ")" }
func (n not) Eval(rec Record, env Env) Value {
	v := n.e.Eval(rec, env)
	if v.Kind != KindBool {
		return Value{}
	}
	return Bool(!v.B)
}

// Not negates a condition; NOT NULL is NULL.
func Not(e Expr) Expr { return not{e} }

type logic struct {
	and   bool
	terms []Expr
}

func (l logic) SQL() string {
	op := " OR "
	if l.and {
		op = " AND "
	}
	parts := make([]string, len(l.terms))
	for i, t := range l.terms {
		parts[i] = t.SQL()
	}
	return "(" + strings.Join(parts, op) + ")"
}

// Eval follows SQL's three-valued logic: for AND a FALSE term decides, for OR
// a TRUE term decides, and otherwise any NULL term makes the result NULL.
func (l logic) Eval(rec Record, env Env) Value {
	sawNull := false
	for _, t := range l.terms {
		v := t.Eval(rec, env)
		if v.Kind != KindBool {
			sawNull = true
			continue
		}
		if v.B != l.and {
			return Bool(v.B)
		}
	}
	if sawNull {
		return Value{}
	}
	return Bool(l.and)
}

// And and Or combine conditions.
func And(terms ...Expr) Expr { return logic{and: true, terms: terms} }
func Or(terms ...Expr) Expr  { return logic{and: false, terms: terms} }

type compare struct {
	op   string
	a, b Expr
}

func (c compare) SQL() string { return "(" + c.a.SQL() + " " + c.op + " " + c.b.SQL() + ")" }

func (c compare) Eval(rec Record, env Env) Value {
	a, b := c.a.Eval(rec, env), c.b.Eval(rec, env)
	if a.Kind == KindNull || b.Kind == KindNull {
		return Value{}
	}
	if a.Kind != b.Kind {
		panic(fmt.Sprintf("records: comparing %v with %v in %s", a.Kind, b.Kind, c.SQL()))
	}
	var sign int
	switch a.Kind {
	case KindString:
		sign = strings.Compare(a.S, b.S)
	case KindNumber:
		sign = cmpOrdered(a.F, b.F)
	case KindTime:
		sign = a.T.Compare(b.T)
	case KindBool:
		sign = cmpOrdered(boolInt(a.B), boolInt(b.B))
	}
	switch c.op {
	case "=":
		return Bool(sign == 0)
	case "<":
		return Bool(sign < 0)
	case "<=":
		return Bool(sign <= 0)
	case ">":
		return Bool(sign > 0)
	default: // ">="
		return Bool(sign >= 0)
	}
}

func cmpOrdered[T int | float64](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Comparisons of two values of the same kind; NULL if either is NULL.
func Eq(a, b Expr) Expr { return compare{"=", a, b} }
func Lt(a, b Expr) Expr { return compare{"<", a, b} }
func Le(a, b Expr) Expr { return compare{"<=", a, b} }
func Gt(a, b Expr) Expr { return compare{">", a, b} }
func Ge(a, b Expr) Expr { return compare{">=", a, b} }

type ifExpr struct{ cond, then, els Expr }

func (i ifExpr) SQL() string {
	return "(CASE WHEN " + i.cond.SQL() + " THEN " + i.then.SQL() + " ELSE " + i.els.SQL() + " END)"
}

func (i ifExpr) Eval(rec Record, env Env) Value {
	if i.cond.Eval(rec, env).truth() {
		return i.then.Eval(rec, env)
	}
	return i.els.Eval(rec, env)
}

// If is then when cond is TRUE and els otherwise (also when cond is NULL).
func If(cond, then, els Expr) Expr { return ifExpr{cond, then, els} }

// When is then when cond is TRUE, and NULL otherwise.
func When(cond, then Expr) Expr { return ifExpr{cond, then, nullExpr()} }

type least struct{ a, b Expr }

func (l least) SQL() string { return "LEAST(" + l.a.SQL() + ", " + l.b.SQL() + ")" }

func (l least) Eval(rec Record, env Env) Value {
	a, b := l.a.Eval(rec, env), l.b.Eval(rec, env)
	switch {
	case a.Kind != KindNumber:
		return b
	case b.Kind != KindNumber:
		return a
	}
	return Num(math.Min(a.F, b.F))
}

// Least is the smaller of two numbers, ignoring a NULL as PostgreSQL's
// LEAST does.
func Least(a, b Expr) Expr { return least{a, b} }

type lookup struct {
	keys  []Expr
	ids   []string
	table map[string]float64
}

// lookupSep joins the parts of a composite lookup key; it cannot occur in an
// enum value.
const lookupSep = "\x00"

func (l lookup) SQL() string {
	var b strings.Builder
	b.WriteString("(CASE")
	for _, id := range l.ids {
		parts := strings.Split(id, lookupSep)
		conds := make([]string, len(parts))
		for i, p := range parts {
			conds[i] = l.keys[i].SQL() + " = " + lit{Str(p)}.SQL()
		}
		fmt.Fprintf(&b, " WHEN %s THEN %s", strings.Join(conds, " AND "), lit{Num(l.table[id])}.SQL())
	}
	b.WriteString(" END)")
	return b.String()
}

func (l lookup) Eval(rec Record, env Env) Value {
	parts := make([]string, len(l.keys))
	for i, k := range l.keys {
		v := k.Eval(rec, env)
		if v.Kind != KindString {
			return Value{}
		}
		parts[i] = v.S
	}
	if v, ok := l.table[strings.Join(parts, lookupSep)]; ok {
		return Num(v)
	}
	return Value{}
}

// Lookup maps text values to a number through table, NULL when absent. It is
// how per-value targets (a resolution time per site and severity, say) enter
// a shape. With several keys, a table key is LookupKey of their values.
func Lookup(table map[string]float64, keys ...Expr) Expr {
	return lookup{keys: keys, ids: slices.Sorted(maps.Keys(table)), table: table}
}

// LookupKey is the table key of a composite lookup.
func LookupKey(values ...string) string { return strings.Join(values, lookupSep) }
