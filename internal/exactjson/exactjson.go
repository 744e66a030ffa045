// Package exactjson decodes JSON into Go values exactly as written.
// encoding/json, even with DisallowUnknownFields, takes a member whose
// name matches a field's only after case folding ("EID" or "Eid" fill
// "eid", "ſerving_plmn" fills "serving_plmn"), keeps the last of two
// members of the same name, and ignores anything after the first value
// unless asked; a strict peer refuses all of these, so a harness that
// takes them would miss the refusal. Decode refuses them, with errors
// that name the value by its JSON path and type, never by Go's.
//
// The check walks the document's tokens against the target type before
// encoding/json fills the target, so json.Unmarshal only ever sees a
// document it takes exactly as written.
package exactjson

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxDepth bounds the nesting of arrays and objects (encoding/json's own
// bound), so a document of brackets cannot exhaust the stack.
const MaxDepth = 10000

// Error is a refusal: Path names the value in JSON terms ("" the whole
// document, "signal[0].rsrp", `last_seq["x"]`), Msg says what is wrong
// with it. Err is a value's own decoder's error (a type's UnmarshalText
// or UnmarshalJSON), if that is what refused it.
type Error struct {
	Path string
	Msg  string
	Err  error
	// Syntax says the document is not JSON (cut short, a stray
	// character); Offset is then the byte where its reading failed (the
	// document's length when it was cut short), for a caller that names
	// the place in its file (Where). The message stays the protocol's.
	Syntax bool
	Offset int64
}

// Where is the line and column (from 1, in bytes) of offset in src.
func Where(src []byte, offset int64) (line, col int) {
	offset = min(max(offset, 0), int64(len(src)))
	before := src[:offset]
	line = bytes.Count(before, []byte("\n")) + 1
	return line, len(before) - (bytes.LastIndexByte(before, '\n') + 1) + 1
}

func (e *Error) Error() string {
	if e.Path == "" {
		return e.Msg
	}
	return e.Path + ": " + e.Msg
}

func (e *Error) Unwrap() error { return e.Err }

// Decode decodes b, exactly one JSON value, into v (a non-nil pointer):
//   - a member's name must be its field's JSON name as written (the json
//     tag's name, else the Go name), case and all; any other is unknown
//   - no object, anywhere in the document, has two members of one name
//   - every value has its field's JSON type: a string for a string or
//     []byte (base64) or a type with UnmarshalText, true or false for a
//     bool, an integer in range for an integer, an object for a struct or
//     a map, an array for a slice (or null for either: empty), an array
//     of exactly N values for [N]T; null only where a pointer, slice or
//     map may be nil. A type with UnmarshalJSON (json.RawMessage) takes
//     what its method takes.
//   - nothing but white space follows the value.
//   - a field tagged exactjson:"required" has its member, not null: a
//     required number left out is not read as 0.
//
// A document that is not one JSON value (cut short, broken further on,
// with data after it) is refused as malformed, whatever else is wrong
// with it before that point.
//
// A type the rules do not cover (channels, functions, non-string map
// keys, the ",string" option) is refused whatever the document holds.
func Decode(b []byte, v any) error { return decodeWith(b, v, false) }

// DecodeExtensible is Decode for a protocol a later release may extend
// (SGP.22's ES9+, whose ASN.1 is EXTENSIBILITY IMPLIED): a member of a
// name no field has is skipped, once checked as JSON with no duplicate
// member inside it, as an older peer skips what it does not know. A name
// that is a known one in another case is still refused ("did you mean"):
// a peer's slip, not an extension.
func DecodeExtensible(b []byte, v any) error { return decodeWith(b, v, true) }

func decodeWith(b []byte, v any, ext bool) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return &Error{Msg: "exactjson: decoding needs a non-nil pointer"}
	}
	p, err := planFor(rv.Type().Elem())
	if err != nil {
		return err
	}
	if err := decode(b, v, rv, p, ext); err != nil {
		// The check stops at the first thing it refuses, reading in
		// document order: a body cut short after an unknown name would be
		// refused for the name ("unknown member"), sending its reader
		// after a schema bug, not a truncated write. A document that is no
		// JSON value is malformed before anything else; only a refusal
		// pays for this second reading.
		if serr := syntax(b); serr != nil {
			return serr
		}
		return err
	}
	return nil
}

// decode is Decode past its type's plan p; rv is v's value.
func decode(b []byte, v any, rv reflect.Value, p *plan, ext bool) error {
	// The check reads the document with plainTokens, which takes only
	// plain JSON (no escapes in strings) and refuses anything else without
	// saying why; the check is then done again with encoding/json's
	// tokenizer, which takes all JSON and words every refusal. Both give a
	// plain document the same tokens.
	//
	// Into a zero value (what every caller here decodes into), the check
	// of a plain document fills it as json.Unmarshal would, saving a
	// second reading (FuzzDecode holds the two to the same values). What
	// it does not fill as surely (see fill) is left to json.Unmarshal.
	if target := rv.Elem(); target.IsZero() {
		c := &checker{d: &plainTokens{src: b}, src: b, ext: ext}
		err := c.check(p, target)
		if err == nil && !c.unsure {
			return nil
		}
		target.SetZero() // as it was: a refusal leaves v alone
		if err == nil {
			return unmarshal(b, v)
		}
	} else if err := check(&plainTokens{src: b}, b, p, ext); err == nil {
		return unmarshal(b, v)
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber() // numbers as written, to check integers and ranges
	if err := check(d, b, p, ext); err != nil {
		return err
	}
	return unmarshal(b, v)
}

// syntax reads src with encoding/json's tokenizer alone, refusing as the
// check words it a document that is not exactly one JSON value; nil if
// it is one, or holds nothing (the check's "no value").
func syntax(src []byte) error {
	d := json.NewDecoder(bytes.NewReader(src))
	d.UseNumber() // a number is not converted, so never out of range
	depth := 0
	for {
		tok, err := d.Token()
		switch {
		case errors.Is(err, io.EOF) && depth == 0:
			return nil // nothing at all
		case err != nil:
			return malformed(err, src) // io.EOF inside a value too
		}
		if dl, ok := tok.(json.Delim); ok {
			if dl == '{' || dl == '[' {
				depth++
			} else {
				depth--
			}
		}
		if depth > 0 {
			continue
		}
		if _, err := d.Token(); !errors.Is(err, io.EOF) {
			after := "value"
			if tok == json.Delim('}') {
				after = "object"
			}
			return &Error{Msg: "malformed JSON: data after the " + after}
		}
		return nil
	}
}

// unmarshal fills v from b, a document the check took.
func unmarshal(b []byte, v any) error {
	if err := json.Unmarshal(b, v); err != nil {
		// Not expected after the check; said without Go's type names.
		return &Error{Msg: "malformed JSON: does not decode as checked"}
	}
	return nil
}

// check checks the document src, read by d, against p.
func check(d tokenizer, src []byte, p *plan, ext bool) error {
	c := &checker{d: d, src: src, ext: ext}
	return c.check(p, reflect.Value{})
}

// check checks the document against p, filling v if valid (see fill).
func (c *checker) check(p *plan, v reflect.Value) error {
	tok, err := c.token()
	switch {
	case errors.Is(err, io.EOF):
		return &Error{Msg: "malformed JSON: no value"}
	case err != nil:
		return malformed(err, c.src)
	}
	if err := c.value(tok, p, nil, 0, v); err != nil {
		return err
	}
	if _, err := c.d.Token(); !errors.Is(err, io.EOF) {
		after := "value"
		if tok == json.Delim('{') {
			after = "object"
		}
		return &Error{Msg: "malformed JSON: data after the " + after}
	}
	return nil
}

// tokenizer is what the check reads a document with: json.Decoder (with
// UseNumber), or plainTokens.
type tokenizer interface {
	Token() (json.Token, error)
	More() bool
	InputOffset() int64
}

type checker struct {
	d     tokenizer
	src   []byte
	ext   bool  // DecodeExtensible: unknown members skipped
	start int64 // where the text before the last token read starts
	// unsure says the fill met a value json.Unmarshal might fill
	// otherwise, or refuse: the fill is then discarded for it.
	unsure bool
	// steps holds the path to the value being checked, as deep as it
	// goes, so that naming each member and element costs no allocation.
	// A step lives until its value is checked (an error has spelt it out
	// by then); deeper ones are allocated.
	steps [8]step
	depth int
}

// push returns s as a step of the path, to pop once its value is checked.
func (c *checker) push(s step) *step {
	c.depth++
	if c.depth <= len(c.steps) {
		c.steps[c.depth-1] = s
		return &c.steps[c.depth-1]
	}
	deep := new(step) // only here: &s would put every s on the heap
	*deep = s
	return deep
}

func (c *checker) pop() { c.depth-- }

// token reads the next token, remembering where the text before it starts.
func (c *checker) token() (json.Token, error) {
	c.start = c.d.InputOffset()
	return c.d.Token()
}

// malformed words a tokenizer error: the document ends early, or a syntax
// error (whose message encoding/json gives in JSON's terms).
func malformed(err error, src []byte) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return &Error{Msg: "malformed JSON: unexpected EOF", Syntax: true, Offset: int64(len(src))}
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		// json.Decoder's offset is, in the main, the byte it refused.
		return &Error{Msg: "malformed JSON: " + se.Error(), Syntax: true, Offset: se.Offset}
	}
	return &Error{Msg: "malformed JSON: " + err.Error()}
}

// value checks the value that starts with tok against p, reading the rest
// of it. at names the value; depth counts the arrays and objects it is in.
//
// v, if valid, is where the value goes: a zero value, addressable, that
// value fills as json.Unmarshal does (decode.go's literalStore, array and
// object), or it sets c.unsure.
func (c *checker) value(tok json.Token, p *plan, at *step, depth int, v reflect.Value) error {
	start := c.start
	for p.kind == kPointer { // a pointer to a pointer too (it was left unchecked)
		if tok == nil {
			return nil // a nil pointer
		}
		p = p.elem
		if v.IsValid() {
			v.Set(reflect.New(v.Type().Elem()))
			v = v.Elem()
		}
	}
	wrong := func(want string) error {
		if at == nil {
			return &Error{Msg: fmt.Sprintf("malformed JSON: want %s, got %s", want, describe(tok))}
		}
		return at.errorf("want %s, got %s", want, describe(tok))
	}
	if d, ok := tok.(json.Delim); ok && (d == '{' || d == '[') && depth >= MaxDepth {
		return at.errorf("nested more than %d deep", MaxDepth)
	}
	switch p.kind {
	case kStruct:
		if tok != json.Delim('{') {
			return wrong("an object")
		}
		return c.object(p, at, depth+1, v)
	case kMap:
		switch {
		case tok == nil:
			return nil // encoding/json's nil map
		case tok != json.Delim('{'):
			return wrong("an object")
		}
		if v.IsValid() {
			v.Set(reflect.MakeMap(v.Type()))
		}
		return c.object(p, at, depth+1, v)
	case kSlice, kArray:
		switch {
		case tok == nil && p.kind == kSlice:
			return nil // encoding/json's nil slice
		case tok != json.Delim('['):
			if p.length >= 0 {
				return wrong(fmt.Sprintf("an array of %d", p.length))
			}
			return wrong("an array")
		}
		n := 0
		for ; c.d.More(); n++ {
			el, err := c.token()
			if err != nil {
				return malformed(err, c.src)
			}
			if p.kind == kArray && n >= p.length {
				return at.errorf("more than %d values", p.length)
			}
			var ev reflect.Value
			if v.IsValid() {
				if p.kind == kSlice { // grown as encoding/json grows it
					if n >= v.Cap() {
						v.Grow(1)
					}
					if n >= v.Len() {
						v.SetLen(n + 1)
					}
				}
				ev = v.Index(n)
			}
			err = c.value(el, p.elem, c.push(step{up: at, index: n}), depth+1, ev)
			c.pop()
			if err != nil {
				return err
			}
		}
		if p.kind == kArray && n != p.length {
			return at.errorf("%d values, want %d", n, p.length)
		}
		if v.IsValid() && p.kind == kSlice && n == 0 {
			v.Set(reflect.MakeSlice(v.Type(), 0, 0)) // [] is empty, not nil
		}
		return c.closing()
	case kString:
		s, ok := tok.(string)
		if !ok {
			return wrong("a string")
		}
		if v.IsValid() {
			v.SetString(s)
		}
	case kBytes:
		if tok == nil {
			return nil // encoding/json's nil slice
		}
		s, ok := tok.(string)
		if !ok {
			return wrong("a string (base64)")
		}
		b, err := DecodeBase64(s)
		if err != nil {
			return at.errorf("%v", err)
		}
		if v.IsValid() {
			v.SetBytes(b) // as encoding/json's: DecodedLen made, n used
		}
	case kText:
		s, ok := tok.(string)
		if !ok {
			return wrong("a string")
		}
		if err := p.unmarshalText([]byte(s)); err != nil {
			return &Error{Path: at.String(), Msg: err.Error(), Err: err}
		}
		if v.IsValid() {
			// encoding/json hands the method the string's bytes in the
			// document itself (a plain string needs no unquoting).
			raw := valueBytes(c.src, start, c.d.InputOffset())
			c.fillErr(v.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText(raw[1 : len(raw)-1]))
		}
	case kUnmarshaler:
		if _, isString := tok.(string); !isString && tok != nil && reflect.PointerTo(p.t).Implements(textUnmarshaler) {
			// A type that also reads itself from text (time.Time) is a
			// JSON string: said in this package's words, not its
			// method's ("Time.UnmarshalJSON: input is not a JSON string").
			if err := c.skip(tok, at, depth); err != nil {
				return err
			}
			return wrong("a string")
		}
		if err := c.skip(tok, at, depth); err != nil {
			return err
		}
		raw := valueBytes(c.src, start, c.d.InputOffset())
		if err := p.unmarshalJSON(raw); err != nil {
			return &Error{Path: at.String(), Msg: err.Error(), Err: err}
		}
		if v.IsValid() {
			c.fillErr(v.Addr().Interface().(json.Unmarshaler).UnmarshalJSON(raw))
		}
	case kAny:
		if err := c.skip(tok, at, depth); err != nil {
			return err
		}
		if v.IsValid() {
			// encoding/json's own any values (float64 numbers, maps).
			c.fillErr(json.Unmarshal(valueBytes(c.src, start, c.d.InputOffset()), v.Addr().Interface()))
		}
	case kBool:
		b, ok := tok.(bool)
		if !ok {
			return wrong("true or false")
		}
		if v.IsValid() {
			v.SetBool(b)
		}
	case kInt:
		n, ok := tok.(json.Number)
		if !ok {
			return wrong("an integer")
		}
		i, err := strconv.ParseInt(string(n), 10, p.bits)
		if err != nil {
			return numberErr(at, n, err, "an integer")
		}
		if v.IsValid() {
			v.SetInt(i)
		}
	case kUint:
		n, ok := tok.(json.Number)
		if !ok {
			return wrong("an integer, 0 or more")
		}
		u, err := strconv.ParseUint(string(n), 10, p.bits)
		if err != nil {
			return numberErr(at, n, err, "an integer, 0 or more")
		}
		if v.IsValid() {
			v.SetUint(u)
		}
	case kNumber:
		n, ok := tok.(json.Number)
		if !ok {
			return wrong("a number")
		}
		if v.IsValid() {
			v.SetString(string(n))
		}
	case kFloat:
		n, ok := tok.(json.Number)
		if !ok {
			return wrong("a number")
		}
		f, err := strconv.ParseFloat(string(n), p.bits)
		if err != nil {
			return numberErr(at, n, err, "a number")
		}
		if v.IsValid() {
			v.SetFloat(f)
		}
	}
	return nil
}

// fillErr notes a filling method's error: json.Unmarshal is to say what
// becomes of it.
func (c *checker) fillErr(err error) {
	if err != nil {
		c.unsure = true
	}
}

// object checks an object's members against a struct's fields or a map's
// values, the '{' already read, filling v if valid.
func (c *checker) object(p *plan, at *step, depth int, v reflect.Value) error {
	seen := map[string]bool{}
	for c.d.More() {
		k, err := c.d.Token()
		if err != nil {
			return malformed(err, c.src)
		}
		key := k.(string) // the tokenizer allows nothing else here
		if seen[key] {
			return at.errorf("duplicate member %s", quote(key))
		}
		seen[key] = true
		ep := p.elem
		var ev reflect.Value
		if p.kind == kStruct {
			f, known := p.fields[key]
			if !known && c.ext {
				if _, slip := caseOf(key, p.names); !slip {
					val, err := c.token()
					if err != nil {
						return malformed(err, c.src)
					}
					err = c.skip(val, c.push(step{up: at, key: key, member: true}), depth)
					c.pop()
					if err != nil {
						return err
					}
					continue
				}
			}
			if !known {
				return at.errorf("%s", unknown(key, p.names))
			}
			ep = f
			if v.IsValid() {
				ev = c.field(v, p.index[key])
			}
		} else if v.IsValid() {
			ev = reflect.New(p.t.Elem()).Elem()
		}
		val, err := c.token()
		if err != nil {
			return malformed(err, c.src)
		}
		err = c.value(val, ep, c.push(step{up: at, key: key, member: true}), depth, ev)
		c.pop()
		if err != nil {
			return err
		}
		if val == nil && p.kind == kStruct && slices.Contains(p.required, key) {
			// A nil slice, map or pointer: null is no value given.
			return at.errorf("member %s is null", quote(key))
		}
		if p.kind == kMap && v.IsValid() {
			kv := reflect.New(p.t.Key()).Elem()
			kv.SetString(key)
			v.SetMapIndex(kv, ev)
		}
	}
	if err := c.closing(); err != nil {
		return err
	}
	for _, name := range p.required {
		if !seen[name] {
			return at.errorf("missing member %s", quote(name))
		}
	}
	return nil
}

// field is struct v's field at index, an embedded nil pointer on the way
// set to a new value as encoding/json sets it. One it cannot set (to an
// unexported type) leaves the value to json.Unmarshal, invalid.
func (c *checker) field(v reflect.Value, index []int) reflect.Value {
	for _, i := range index {
		if v.Kind() == reflect.Pointer {
			if v.IsNil() {
				if !v.CanSet() {
					c.unsure = true
					return reflect.Value{}
				}
				v.Set(reflect.New(v.Type().Elem()))
			}
			v = v.Elem()
		}
		v = v.Field(i)
	}
	return v
}

// skip reads the rest of a value of any type, checking only that no
// object in it has two members of one name. It loops rather than
// recursing: the nesting is the document's, not a type's.
func (c *checker) skip(tok json.Token, at *step, depth int) error {
	type open struct {
		seen map[string]bool // an object's member names; nil: an array
		at   *step
		n    int // an array's next index
	}
	var stack []open
	for {
		if d, ok := tok.(json.Delim); ok {
			switch d {
			case '{', '[':
				if depth+len(stack) >= MaxDepth {
					return at.errorf("nested more than %d deep", MaxDepth)
				}
				o := open{at: at}
				if d == '{' {
					o.seen = map[string]bool{}
				}
				stack = append(stack, o)
			default:
				stack = stack[:len(stack)-1]
			}
		}
		if len(stack) == 0 {
			return nil
		}
		top := &stack[len(stack)-1]
		var err error
		if tok, err = c.d.Token(); err != nil {
			return malformed(err, c.src)
		}
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			continue
		}
		// In an array tok starts an element; in an object it is a member's
		// name (after a member's value the next token is a name or '}').
		if top.seen == nil {
			at = &step{up: top.at, index: top.n}
			top.n++
			continue
		}
		key := tok.(string)
		if top.seen[key] {
			return top.at.errorf("duplicate member %s", quote(key))
		}
		top.seen[key] = true
		at = &step{up: top.at, key: key, member: true}
		if tok, err = c.d.Token(); err != nil {
			return malformed(err, c.src)
		}
	}
}

// closing reads the '}' or ']' that ends the object or array being read.
func (c *checker) closing() error {
	if _, err := c.d.Token(); err != nil {
		return malformed(err, c.src)
	}
	return nil
}

// valueBytes is the text of the value the tokenizer read between offsets
// from and to: what follows from is white space, then the ':' or ',' that
// led to the value when the tokenizer had not yet read it, then the value.
func valueBytes(src []byte, from, to int64) []byte {
	raw := bytes.TrimLeft(src[from:to], " \t\r\n")
	if len(raw) > 0 && (raw[0] == ':' || raw[0] == ',') {
		raw = bytes.TrimLeft(raw[1:], " \t\r\n")
	}
	return raw
}

func numberErr(at *step, n json.Number, err error, want string) error {
	if errors.Is(err, strconv.ErrRange) {
		return at.errorf("%s out of range", clip(string(n)))
	}
	return at.errorf("want %s, got %s", want, clip(string(n)))
}

// describe names a token's JSON type.
func describe(tok json.Token) string {
	switch v := tok.(type) {
	case json.Delim:
		if v == '[' {
			return "an array"
		}
		return "an object"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return strconv.FormatBool(v)
	case nil:
		return "null"
	}
	return fmt.Sprintf("%v", tok)
}

// step is one step of the path from the document to a value: a member
// of an object or an element of an array. The path is spelt out only
// for an error; nil is the document itself.
type step struct {
	up     *step
	key    string // a member's name
	index  int    // an element's index
	member bool
}

// maxPathSteps bounds the steps an error spells out (the document sets
// the depth): the first ones and the last ones, with "…" between.
const maxPathSteps = 32

// String spells the path as JavaScript would: a name that reads as an
// identifier after '.', any other in brackets, an index in brackets.
func (s *step) String() string {
	var steps []*step
	for ; s != nil; s = s.up {
		steps = append(steps, s)
	}
	slices.Reverse(steps)
	if len(steps) > maxPathSteps {
		steps = append(steps[:maxPathSteps/2], append([]*step{nil}, steps[len(steps)-maxPathSteps/2:]...)...)
	}
	var b strings.Builder
	for i, s := range steps {
		switch {
		case s == nil:
			b.WriteString("…")
		case !s.member:
			fmt.Fprintf(&b, "[%d]", s.index)
		case !identifier(s.key):
			b.WriteString("[" + quote(s.key) + "]")
		case i > 0:
			b.WriteString("." + s.key)
		default:
			b.WriteString(s.key)
		}
	}
	return b.String()
}

// errorf is an Error about the value at s.
func (s *step) errorf(format string, a ...any) error {
	return &Error{Path: s.String(), Msg: fmt.Sprintf(format, a...)}
}

func identifier(s string) bool {
	for i, r := range s {
		switch {
		case r == '_' || r == '$' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z':
		case i > 0 && '0' <= r && r <= '9':
		default:
			return false
		}
	}
	return s != ""
}

// quote quotes a name or value from the document for an error, clipped.
func quote(s string) string { return strconv.Quote(clip(s)) }

// clip shortens a value quoted in an error to 40 bytes, on a rune boundary.
func clip(s string) string {
	const max = 40
	if len(s) <= max {
		return s
	}
	i := max
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}
