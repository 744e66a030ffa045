package exactjson

import (
	"encoding"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
)

// DecodeBase64 decodes s as standard base64 with padding (RFC 4648 §4),
// exactly: Strict refuses non-zero pad bits (§3.5 lets a decoder reject
// them, so "QR==" is not "QQ=="), and the CR and LF Go's decoder skips
// are refused as §3.3 asks (outside tester t71 F8), the message naming
// where a peer wrapped its base64. Every ES9+ and platform decoder of a
// base64 member uses it, so both sides refuse the same strings.
func DecodeBase64(s string) ([]byte, error) {
	const what = "not base64 (RFC 4648 §4, with padding)"
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		return nil, fmt.Errorf(what+": a line break at byte %d (§3.3: nothing outside the alphabet)", i)
	}
	b, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil {
		return nil, errors.New(what)
	}
	return b, nil
}

// kind is what JSON a Go type takes.
type kind int

const (
	kString      kind = iota
	kBytes            // []byte: a base64 string
	kText             // encoding.TextUnmarshaler: a string its method takes
	kUnmarshaler      // json.Unmarshaler: what its method takes
	kAny              // interface{}: any value
	kNumber           // json.Number: a number
	kBool
	kInt
	kUint
	kFloat
	kPointer
	kStruct
	kMap
	kSlice
	kArray
)

// plan is a Go type's JSON rule, worked out once per type.
type plan struct {
	kind   kind
	t      reflect.Type
	bits   int              // kInt, kUint, kFloat
	length int              // kArray; -1 otherwise
	elem   *plan            // kPointer, kSlice, kArray, kMap: the element
	fields map[string]*plan // kStruct: by JSON name
	names  []string         // kStruct: the JSON names, sorted
	index  map[string][]int // kStruct: the field of a JSON name (reflect's FieldByIndex)
	// required is a kStruct's JSON names tagged exactjson:"required",
	// sorted: an object without one, or with null for one, is refused.
	required []string
}

var (
	numberType      = reflect.TypeFor[json.Number]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
)

// unmarshalText runs a kText type's UnmarshalText on a new value.
func (p *plan) unmarshalText(b []byte) error {
	return reflect.New(p.t).Interface().(encoding.TextUnmarshaler).UnmarshalText(b)
}

// unmarshalJSON runs a kUnmarshaler type's UnmarshalJSON on a new value.
func (p *plan) unmarshalJSON(b []byte) error {
	return reflect.New(p.t).Interface().(json.Unmarshaler).UnmarshalJSON(b)
}

var plans struct {
	sync.Mutex
	m map[reflect.Type]*plan
}

// built holds the plans of the types decoded so far, for Decode to find
// without the lock (plans never change once built).
var built sync.Map // reflect.Type → *plan

// planFor returns t's plan, or an error naming the first part of t the
// rules do not cover (a programming error: it fails every document).
func planFor(t reflect.Type) (*plan, error) {
	if p, ok := built.Load(t); ok {
		return p.(*plan), nil
	}
	p, err := buildPlan(t)
	if err == nil {
		built.Store(t, p)
	}
	return p, err
}

func buildPlan(t reflect.Type) (*plan, error) {
	plans.Lock()
	defer plans.Unlock()
	if plans.m == nil {
		plans.m = map[reflect.Type]*plan{}
	}
	building := map[reflect.Type]*plan{}
	p, err := build(t, building, "")
	if err != nil {
		return nil, &Error{Msg: "exactjson: " + err.Error()}
	}
	for t, q := range building {
		plans.m[t] = q
	}
	return p, nil
}

// build works out t's plan; where names t's place in the decoded type for
// an error. Plans under construction are in building (a recursive type
// refers to its own).
func build(t reflect.Type, building map[reflect.Type]*plan, where string) (*plan, error) {
	if p, ok := plans.m[t]; ok {
		return p, nil
	}
	if p, ok := building[t]; ok {
		return p, nil
	}
	p := &plan{t: t, length: -1}
	building[t] = p
	// encoding/json's order: UnmarshalJSON first, then UnmarshalText.
	switch pt := reflect.PointerTo(t); {
	case t.Kind() != reflect.Pointer && pt.Implements(jsonUnmarshaler):
		p.kind = kUnmarshaler
		return p, nil
	case t.Kind() != reflect.Pointer && pt.Implements(textUnmarshaler):
		p.kind = kText
		return p, nil
	}
	if t == numberType {
		p.kind = kNumber
		return p, nil
	}
	var err error
	switch t.Kind() {
	case reflect.String:
		p.kind = kString
	case reflect.Bool:
		p.kind = kBool
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		p.kind, p.bits = kInt, t.Bits()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		p.kind, p.bits = kUint, t.Bits()
	case reflect.Float32, reflect.Float64:
		p.kind, p.bits = kFloat, t.Bits()
	case reflect.Interface:
		if t.NumMethod() != 0 {
			return nil, fmt.Errorf("%s: an interface with methods cannot be decoded into", orTop(where))
		}
		p.kind = kAny
	case reflect.Pointer:
		p.kind = kPointer
		p.elem, err = build(t.Elem(), building, where)
	case reflect.Slice:
		if e := t.Elem(); e.Kind() == reflect.Uint8 && !reflect.PointerTo(e).Implements(jsonUnmarshaler) && !reflect.PointerTo(e).Implements(textUnmarshaler) {
			p.kind = kBytes
			break
		}
		p.kind = kSlice
		p.elem, err = build(t.Elem(), building, where+"[]")
	case reflect.Array:
		p.kind, p.length = kArray, t.Len()
		p.elem, err = build(t.Elem(), building, where+"[]")
	case reflect.Map:
		if t.Key().Kind() != reflect.String || reflect.PointerTo(t.Key()).Implements(textUnmarshaler) {
			return nil, fmt.Errorf("%s: only maps with string keys are covered", orTop(where))
		}
		p.kind = kMap
		p.elem, err = build(t.Elem(), building, where+"[]")
	case reflect.Struct:
		p.kind = kStruct
		err = p.structFields(t, building, where)
	default:
		return nil, fmt.Errorf("%s: no JSON rule for kind %s", orTop(where), t.Kind())
	}
	if err != nil {
		return nil, err
	}
	return p, nil
}

func orTop(where string) string {
	if where == "" {
		return "the document"
	}
	return where
}

// field is a candidate for a JSON name in a struct: encoding/json's rule
// for embedded structs keeps the shallowest, and at one depth the only
// one, or the only tagged one; a name with no winner is not decoded.
type field struct {
	t        reflect.Type
	depth    int
	tagged   bool
	required bool // tagged exactjson:"required"
	index    []int
}

func (p *plan) structFields(t reflect.Type, building map[reflect.Type]*plan, where string) error {
	cands := map[string][]field{}
	if err := collect(t, 0, nil, map[reflect.Type]bool{}, cands); err != nil {
		return fmt.Errorf("%s: %w", orTop(where), err)
	}
	p.fields = map[string]*plan{}
	p.index = map[string][]int{}
	for name, fs := range cands {
		best := fs[0].depth
		for _, f := range fs {
			best = min(best, f.depth)
		}
		var top, tagged []field
		for _, f := range fs {
			if f.depth == best {
				top = append(top, f)
				if f.tagged {
					tagged = append(tagged, f)
				}
			}
		}
		switch {
		case len(top) == 1:
		case len(tagged) == 1:
			top = tagged
		default:
			continue // ambiguous: encoding/json ignores the name
		}
		in := name
		if where != "" {
			in = where + "." + name
		}
		fp, err := build(top[0].t, building, in)
		if err != nil {
			return err
		}
		p.fields[name] = fp
		p.index[name] = top[0].index
		p.names = append(p.names, name)
		if top[0].required {
			p.required = append(p.required, name)
		}
	}
	slices.Sort(p.names)
	slices.Sort(p.required)
	return nil
}

// collect gathers struct t's fields by JSON name, descending into
// embedded structs as encoding/json does.
func collect(t reflect.Type, depth int, index []int, visiting map[reflect.Type]bool, cands map[string][]field) error {
	if visiting[t] {
		return nil
	}
	visiting[t] = true
	defer delete(visiting, t)
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if slices.Contains(strings.Split(opts, ","), "string") {
			return fmt.Errorf("member %q: the \",string\" option is not covered", orName(name, f.Name))
		}
		ft := f.Type
		if f.Anonymous && name == "" {
			et := ft
			if et.Kind() == reflect.Pointer {
				et = et.Elem()
			}
			if et.Kind() == reflect.Struct {
				if err := collect(et, depth+1, append(slices.Clip(index), i), visiting, cands); err != nil {
					return err
				}
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		var required bool
		switch x := f.Tag.Get("exactjson"); x {
		case "":
		case "required":
			required = true
		default:
			return fmt.Errorf("member %q: exactjson tag %q, want \"required\"", orName(name, f.Name), x)
		}
		cands[orName(name, f.Name)] = append(cands[orName(name, f.Name)], field{t: ft, depth: depth, tagged: name != "", required: required, index: append(slices.Clip(index), i)})
	}
	return nil
}

func orName(tagName, goName string) string {
	if tagName == "" {
		return goName
	}
	return tagName
}

// unknown words an unknown member, suggesting the known one
// encoding/json would have taken it for (the same name but for case).
func unknown(key string, known []string) string {
	msg := "unknown member " + quote(key)
	if n, ok := caseOf(key, known); ok {
		return msg + "; did you mean " + quote(n) + "?"
	}
	return msg
}

// caseOf is the known name key is in another case (as encoding/json
// would fold it), if any.
func caseOf(key string, known []string) (string, bool) {
	for _, n := range known {
		if strings.EqualFold(n, key) {
			return n, true
		}
	}
	return "", false
}
