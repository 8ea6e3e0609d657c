package config

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Error is a configuration problem at a place in a file.
type Error struct {
	File string
	Line int
	Msg  string
}

func (e *Error) Error() string {
	// One line per problem, even when the message quotes a multi-line value.
	msg := strings.ReplaceAll(e.Msg, "\n", `\n`)
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, msg)
	}
	return fmt.Sprintf("%s: %s", e.File, msg)
}

// decoder turns YAML nodes into Go values, rejecting unknown keys and
// reporting every problem with the file and line it comes from.
type decoder struct {
	file string
	errs []error
}

func (d *decoder) errorf(n *yaml.Node, format string, args ...any) {
	line := 0
	if n != nil {
		line = n.Line
	}
	d.errs = append(d.errs, &Error{File: d.file, Line: line, Msg: fmt.Sprintf(format, args...)})
}

// err joins the problems found in the order of the file, as a reader goes
// through it: they are found family by family, in the order of names.
func (d *decoder) err() error {
	slices.SortStableFunc(d.errs, func(a, b error) int { return problemLine(a) - problemLine(b) })
	return errors.Join(d.errs...)
}

func problemLine(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Line
	}
	return 0
}

var (
	yamlNodeType    = reflect.TypeFor[yaml.Node]()
	unmarshalerType = reflect.TypeFor[yaml.Unmarshaler]()
	obsoleteType    = reflect.TypeFor[interface {
		UnmarshalYAML(func(any) error) error
	}]()
	yamlLinePrefix = regexp.MustCompile(`^line (\d+): `)
)

// decode fills out from n. Keys that out's type does not have are reported
// at their own line, under path; type errors at the line yaml reports.
func (d *decoder) decode(n *yaml.Node, path string, out any) bool {
	before := len(d.errs)
	d.checkKeys(n, path, reflect.TypeOf(out))
	if len(d.errs) > before {
		return false
	}
	if err := n.Decode(out); err != nil {
		var te *yaml.TypeError
		if errors.As(err, &te) {
			for _, msg := range te.Errors {
				line := n.Line
				if m := yamlLinePrefix.FindStringSubmatch(msg); m != nil {
					line, _ = strconv.Atoi(m[1])
					msg = msg[len(m[0]):]
				}
				if path != "" {
					msg = path + ": " + msg
				}
				d.errs = append(d.errs, &Error{File: d.file, Line: line, Msg: msg})
			}
		} else {
			d.errorf(n, "%s: %v", path, err)
		}
		return false
	}
	return true
}

func (d *decoder) checkKeys(n *yaml.Node, path string, t reflect.Type) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if t == yamlNodeType {
		return
	}
	if reflect.PointerTo(t).Implements(unmarshalerType) || reflect.PointerTo(t).Implements(obsoleteType) {
		// A value with its own parser (a duration, say) reports no line of
		// its own; try it here, where the node's line is known.
		if err := n.Decode(reflect.New(t).Interface()); err != nil {
			// A type error lists its problems on lines of their own.
			var te *yaml.TypeError
			if errors.As(err, &te) {
				err = errors.New(yamlLinePrefix.ReplaceAllString(strings.Join(te.Errors, "; "), ""))
			}
			d.errorf(n, "%s: %v", path, err)
		}
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			key, val := n.Content[i], n.Content[i+1]
			f, ok := fieldByTag(t, key.Value)
			if !ok {
				d.errorf(key, "unknown key %q in %s (known: %s)", key.Value, where(path), strings.Join(tags(t), ", "))
				continue
			}
			d.checkKeys(val, join(path, key.Value), f.Type)
		}
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			d.checkKeys(n.Content[i+1], join(path, n.Content[i].Value), t.Elem())
		}
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			return
		}
		for i, item := range n.Content {
			d.checkKeys(item, fmt.Sprintf("%s[%d]", path, i), t.Elem())
		}
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func where(path string) string {
	if path == "" {
		return "the top level"
	}
	return path
}

// fields lists the keys of a struct's fields, those of an inline one's
// in its place, as yaml decodes them.
func fields(t reflect.Type) []reflect.StructField {
	var out []reflect.StructField
	for i := range t.NumField() {
		f := t.Field(i)
		if _, opts, _ := strings.Cut(f.Tag.Get("yaml"), ","); opts == "inline" {
			out = append(out, fields(f.Type)...)
			continue
		}
		if name := tagName(f); name != "" && name != "-" {
			out = append(out, f)
		}
	}
	return out
}

func fieldByTag(t reflect.Type, key string) (reflect.StructField, bool) {
	for _, f := range fields(t) {
		if tagName(f) == key {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

func tags(t reflect.Type) []string {
	var out []string
	for _, f := range fields(t) {
		out = append(out, tagName(f))
	}
	return out
}

func tagName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	return name
}

// lookup finds the value node at a path of mapping keys, for reporting a
// problem found after decoding at the line it comes from.
func lookup(n *yaml.Node, keys ...string) *yaml.Node {
	for _, k := range keys {
		if n == nil || n.Kind != yaml.MappingNode {
			return n
		}
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == k {
				next = n.Content[i+1]
				break
			}
		}
		if next == nil {
			return n
		}
		n = next
	}
	return n
}

// keyNode finds the key node of a mapping entry, to point at a bad name.
func keyNode(n *yaml.Node, key string) *yaml.Node {
	if n != nil && n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == key {
				return n.Content[i]
			}
		}
	}
	return n
}
