package platformapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"sync"
)

// decodeStrict decodes b, exactly one JSON object, into v (a pointer to one
// of the API's structs), exactly: every key must be a field's JSON name as
// written (encoding/json alone also takes "EID" or "Eid" for "eid", and
// folds "ſ" U+017F to "s"), no key may appear twice (encoding/json keeps
// the last), and every value must have its field's JSON type. Errors speak
// the API's terms — field names as on the wire, JSON types — never Go's.
//
// The check walks the body's tokens against the struct's json tags before
// encoding/json fills v, so json.Unmarshal only ever sees a body it takes
// exactly as written.
func decodeStrict(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber() // numbers as written, to check integers and ranges
	tok, err := d.Token()
	switch {
	case errors.Is(err, io.EOF):
		return errors.New("malformed JSON: empty body")
	case err != nil:
		return malformed(err)
	case tok != json.Delim('{'):
		return fmt.Errorf("malformed JSON: want an object, got %s", describe(tok))
	}
	if err := checkValue(d, tok, reflect.TypeOf(v).Elem(), ""); err != nil {
		return err
	}
	if _, err := d.Token(); !errors.Is(err, io.EOF) {
		return errors.New("malformed JSON: data after the object")
	}
	if err := json.Unmarshal(b, v); err != nil {
		// Not expected after the check; said without Go's type names.
		return errors.New("malformed JSON: does not decode")
	}
	return nil
}

// malformed words a tokenizer error: the body ends early, or a syntax error
// (whose message encoding/json already gives in JSON's terms).
func malformed(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return errors.New("malformed JSON: unexpected EOF")
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("malformed JSON: %s", se.Error())
	}
	return fmt.Errorf("malformed JSON: %v", err)
}

// checkValue checks the value that starts with tok against t, reading the
// rest of it from d. path names the value in errors ("signal[0].rsrp").
func checkValue(d *json.Decoder, tok json.Token, t reflect.Type, path string) error {
	if t.Kind() == reflect.Pointer {
		if tok == nil {
			return nil // an absent optional value
		}
		t = t.Elem()
	}
	wrong := func(want string) error {
		return fmt.Errorf("%s: want %s, got %s", path, want, describe(tok))
	}
	switch t.Kind() {
	case reflect.Struct:
		if tok != json.Delim('{') {
			return wrong("an object")
		}
		return checkObject(d, t, path)
	case reflect.Slice:
		if tok == nil {
			return nil // encoding/json's nil slice
		}
		if tok != json.Delim('[') {
			return wrong("an array")
		}
		for i := 0; d.More(); i++ {
			el, err := d.Token()
			if err != nil {
				return malformed(err)
			}
			if err := checkValue(d, el, t.Elem(), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		return closing(d)
	case reflect.String:
		if _, ok := tok.(string); !ok {
			return wrong("a string")
		}
	case reflect.Bool:
		if _, ok := tok.(bool); !ok {
			return wrong("true or false")
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, ok := tok.(json.Number)
		if !ok {
			return wrong("an integer")
		}
		if _, err := strconv.ParseInt(string(n), 10, t.Bits()); err != nil {
			return numberErr(path, n, err, "an integer")
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, ok := tok.(json.Number)
		if !ok {
			return wrong("an integer, 0 or more")
		}
		if _, err := strconv.ParseUint(string(n), 10, t.Bits()); err != nil {
			return numberErr(path, n, err, "an integer, 0 or more")
		}
	case reflect.Float32, reflect.Float64:
		n, ok := tok.(json.Number)
		if !ok {
			return wrong("a number")
		}
		if _, err := strconv.ParseFloat(string(n), t.Bits()); err != nil {
			return numberErr(path, n, err, "a number")
		}
	default:
		// A type the API's structs do not use: a programming error.
		return fmt.Errorf("%s: no JSON rule for this field", path)
	}
	return nil
}

// checkObject checks an object's members against struct t's fields, the
// '{' already read.
func checkObject(d *json.Decoder, t reflect.Type, path string) error {
	fields := jsonFields(t)
	seen := make(map[string]bool, len(fields))
	at := path
	if at != "" {
		at += ": "
	}
	for d.More() {
		k, err := d.Token()
		if err != nil {
			return malformed(err)
		}
		key := k.(string) // the tokenizer allows nothing else here
		ft, known := fields[key]
		switch {
		case !known:
			return fmt.Errorf("%sunknown field %q", at, Truncate(key))
		case seen[key]:
			return fmt.Errorf("%sduplicate field %q", at, key)
		}
		seen[key] = true
		val, err := d.Token()
		if err != nil {
			return malformed(err)
		}
		name := key
		if path != "" {
			name = path + "." + key
		}
		if err := checkValue(d, val, ft, name); err != nil {
			return err
		}
	}
	return closing(d)
}

// closing reads the '}' or ']' that ends the object or array d is in.
func closing(d *json.Decoder) error {
	if _, err := d.Token(); err != nil {
		return malformed(err)
	}
	return nil
}

func numberErr(path string, n json.Number, err error, want string) error {
	if errors.Is(err, strconv.ErrRange) {
		return fmt.Errorf("%s: %s out of range", path, Truncate(string(n)))
	}
	return fmt.Errorf("%s: want %s, got %s", path, want, Truncate(string(n)))
}

// describe names a token's JSON type for an error.
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

// fieldCache maps a struct type to its fields by JSON name.
var fieldCache sync.Map // reflect.Type → map[string]reflect.Type

// jsonFields returns struct t's fields by the name encoding/json writes
// them under (the json tag's name, else the Go name).
func jsonFields(t reflect.Type) map[string]reflect.Type {
	if m, ok := fieldCache.Load(t); ok {
		return m.(map[string]reflect.Type)
	}
	m := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch name {
		case "-":
			continue
		case "":
			name = f.Name
		}
		m[name] = f.Type
	}
	fieldCache.Store(t, m)
	return m
}
