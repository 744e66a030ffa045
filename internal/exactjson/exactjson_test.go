package exactjson

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

type signal struct {
	PLMN string `json:"plmn"`
	RSRP int    `json:"rsrp"`
}

// hexID is hex text: a TextUnmarshaler refusing anything else.
type hexID []byte

var errNotHex = errors.New("not hex")

func (h *hexID) UnmarshalText(b []byte) error {
	v, err := hex.DecodeString(string(b))
	if err != nil {
		return errNotHex
	}
	*h = v
	return nil
}

type Embedded struct {
	Inner string `json:"inner"`
	Depth string `json:"depth"`
}

type doc struct {
	EID     string            `json:"eid"`
	Serving string            `json:"serving_plmn,omitempty"`
	Signal  []signal          `json:"signal,omitempty"`
	Cause   *int              `json:"cause,omitempty"`
	Report  uint8             `json:"report,omitempty"`
	Tariff  float32           `json:"tariff,omitempty"`
	On      bool              `json:"on,omitempty"`
	Blob    []byte            `json:"blob,omitempty"`
	ID      hexID             `json:"id,omitempty"`
	Raw     json.RawMessage   `json:"raw,omitempty"`
	At      time.Time         `json:"at,omitzero"`
	Seq     map[string]uint64 `json:"last_seq,omitempty"`
	Pair    [2]int            `json:"pair,omitzero"`
	Any     any               `json:"any,omitempty"`
	Num     json.Number       `json:"num,omitempty"`
	Untag   string
	Skipped string `json:"-"`
	hidden  string
	Embedded
	Depth string `json:"depth,omitempty"` // shadows Embedded.Depth
}

const base = `"eid":"8904"`

// Every rule of Decode, with the refusal in JSON's terms.
func TestDecode(t *testing.T) {
	tests := []struct {
		name string
		body string
		want string // the error; "" decodes
	}{
		{"exact", `{` + base + `}`, ""},
		{"every member", `{` + base + `,"serving_plmn":"20801","signal":[{"plmn":"20810","rsrp":-101}],"cause":15,"report":255,` +
			`"tariff":0.5,"on":true,"blob":"AQI=","id":"0a0B","raw":{"x":[1,{"y":null}]},"at":"2026-01-02T03:04:05Z",` +
			`"last_seq":{"a":1,"b c":2},"pair":[1,2],"any":{"k":[true]},"num":-1.5e3,"Untag":"u","inner":"i","depth":"outer"}`, ""},
		{"nulls where nil is allowed", `{` + base + `,"signal":null,"cause":null,"blob":null,"last_seq":null,"raw":null,"any":null}`, ""},
		{"escaped name, exact once unescaped", `{"\u0065id":"x"}`, ""},
		{"a time as a number", `{` + base + `,"at":1767225600}`, "at: want a string, got a number"},
		{"a time as an object", `{` + base + `,"at":{"s":1}}`, "at: want a string, got an object"},
		{"white space around", " \n{" + base + "}\t\n", ""},

		// Names as written, case and all.
		{"upper-case name", `{"EID":"x"}`, `unknown member "EID"; did you mean "eid"?`},
		{"capitalised name", `{"Eid":"x"}`, `unknown member "Eid"; did you mean "eid"?`},
		{"long s, folded to s by encoding/json", `{"ſerving_plmn":"20801"}`, `unknown member "ſerving_plmn"; did you mean "serving_plmn"?`},
		{"unknown name", `{"colour":"blue"}`, `unknown member "colour"`},
		{"Go name of a tagged field", `{"Serving":"20801"}`, `unknown member "Serving"`},
		{"field tagged -", `{"Skipped":"x"}`, `unknown member "Skipped"`},
		{"unexported field", `{"hidden":"x"}`, `unknown member "hidden"`},
		{"untagged field in lower case", `{"untag":"x"}`, `unknown member "untag"; did you mean "Untag"?`},
		{"nested wrong case", `{"signal":[{"plmn":"1","RSRP":-90}]}`, `signal[0]: unknown member "RSRP"; did you mean "rsrp"?`},
		{"embedded field in another case", `{"Inner":"x"}`, `unknown member "Inner"; did you mean "inner"?`},
		{"long name clipped", `{"` + strings.Repeat("é", 30) + `":1}`, `unknown member "` + strings.Repeat("é", 20) + `…"`},

		// Each name once, anywhere.
		{"duplicate", `{` + base + `,` + base + `}`, `duplicate member "eid"`},
		{"duplicate in an array element", `{"signal":[{"plmn":"1","plmn":"2"}]}`, `signal[0]: duplicate member "plmn"`},
		{"duplicate map key", `{"last_seq":{"a":1,"a":2}}`, `last_seq: duplicate member "a"`},
		{"duplicate in a raw value", `{"raw":{"x":{"y":1,"y":2}}}`, `raw.x: duplicate member "y"`},
		{"duplicate in an any value", `{"any":[0,{"k":1,"k":1}]}`, `any[1]: duplicate member "k"`},

		// Values of their member's JSON type.
		{"number for a string", `{"eid":8904}`, `eid: want a string, got a number`},
		{"null for a string", `{"eid":null}`, `eid: want a string, got null`},
		{"string for an integer", `{"signal":[{"plmn":"1","rsrp":"-90"}]}`, `signal[0].rsrp: want an integer, got a string`},
		{"fraction for an integer", `{"signal":[{"plmn":"1","rsrp":-90.5}]}`, `signal[0].rsrp: want an integer, got -90.5`},
		{"exponent for an integer", `{"cause":1e2}`, `cause: want an integer, got 1e2`},
		{"integer out of range", `{"report":256}`, `report: 256 out of range`},
		{"negative for unsigned", `{"report":-1}`, `report: want an integer, 0 or more, got -1`},
		{"float out of range", `{"tariff":1e39}`, `tariff: 1e39 out of range`},
		{"string for a bool", `{"on":"yes"}`, `on: want true or false, got a string`},
		{"object for an array", `{"signal":{}}`, `signal: want an array, got an object`},
		{"null array element", `{"signal":[null]}`, `signal[0]: want an object, got null`},
		{"bad base64", `{"blob":"AQI"}`, `blob: not base64 (RFC 4648 §4, with padding)`},
		// Go's decoder skips CR and LF; RFC 4648 §3.3 refuses them (t71 F8).
		{"base64 with LF", `{"blob":"AQID\nBA=="}`, `blob: not base64 (RFC 4648 §4, with padding): a line break at byte 4 (§3.3: nothing outside the alphabet)`},
		{"base64 with CR LF", `{"blob":"AQIDBA==\r\n"}`, `blob: not base64 (RFC 4648 §4, with padding): a line break at byte 8 (§3.3: nothing outside the alphabet)`},
		{"base64 with CR", `{"blob":"\rAQIDBA=="}`, `blob: not base64 (RFC 4648 §4, with padding): a line break at byte 0 (§3.3: nothing outside the alphabet)`},
		{"base64 with a space", `{"blob":"AQID BA=="}`, `blob: not base64 (RFC 4648 §4, with padding)`},
		// Non-zero pad bits: "QR==" is no canonical encoding (RFC 4648
		// §3.5); Go's lenient decoder reads it as 0x41 (r85 #4).
		{"base64 with pad bits set", `{"blob":"QR=="}`, `blob: not base64 (RFC 4648 §4, with padding)`},
		{"base64 with pad bits set, one pad", `{"blob":"AQJ="}`, `blob: not base64 (RFC 4648 §4, with padding)`},
		{"number for base64", `{"blob":5}`, `blob: want a string (base64), got a number`},
		{"text refused by its type", `{"id":"0G"}`, `id: not hex`},
		{"number for text", `{"id":12}`, `id: want a string, got a number`},
		{"time refused by its type", `{"at":"yesterday"}`, `at: parsing time "yesterday" as "2006-01-02T15:04:05Z07:00": cannot parse "yesterday" as "2006"`},
		{"map value of the wrong type", `{"last_seq":{"8904 x":-1}}`, `last_seq["8904 x"]: want an integer, 0 or more, got -1`},
		{"short array", `{"pair":[1]}`, `pair: 1 values, want 2`},
		{"long array", `{"pair":[1,2,3]}`, `pair: more than 2 values`},
		{"null for an array", `{"pair":null}`, `pair: want an array of 2, got null`},
		{"string for a number", `{"num":"1"}`, `num: want a number, got a string`},

		// One value, well-formed, nothing after.
		{"empty", ``, `malformed JSON: no value`},
		{"blank", " \n", `malformed JSON: no value`},
		{"cut", `{"eid":`, `malformed JSON: unexpected EOF`},
		{"cut in a raw value", `{"raw":[1,`, `malformed JSON: unexpected EOF`},
		{"not JSON", `<x>`, `malformed JSON: invalid character '<' looking for beginning of value`},
		{"trailing comma", `{"eid":"x",}`, `malformed JSON: invalid character '}' looking for beginning of object key string`},
		{"array at the top", `[]`, `malformed JSON: want an object, got an array`},
		{"null at the top", `null`, `malformed JSON: want an object, got null`},
		{"object after", `{` + base + `} {}`, `malformed JSON: data after the object`},
		{"garbage after", `{` + base + `}x`, `malformed JSON: data after the object`},
		// Not JSON, whatever its start breaks first: malformed comes first.
		{"cut after an unknown member", `{"ack":tru`, `malformed JSON: unexpected EOF`},
		{"cut after a wrong type", `{"eid":1,`, `malformed JSON: unexpected EOF`},
		{"cut after a duplicate", `{` + base + `,` + base + `,"x`, `malformed JSON: unexpected EOF`},
		{"cut array at the top", `[1,`, `malformed JSON: unexpected EOF`},
		{"broken after an unknown member", `{"colour":"blue",}`, `malformed JSON: invalid character '}' looking for beginning of object key string`},
		{"data after a wrong type", `{"eid":1}x`, `malformed JSON: data after the object`},
		{"data after a wrong top value", `"x" 1`, `malformed JSON: data after the value`},
		{"deep raw value", `{"raw":` + strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1) + `}`, `raw` + strings.Repeat("[0]", 15) + `…` + strings.Repeat("[0]", 16) + `: nested more than 10000 deep`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var d doc
			err := Decode([]byte(tc.body), &d)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.want != "" && (err == nil || err.Error() != tc.want):
				t.Fatalf("error %v\nwant %s", err, tc.want)
			}
		})
	}
}

// What Decode takes it fills as encoding/json does.
func TestDecodeFills(t *testing.T) {
	body := `{"eid":"8904","signal":[{"plmn":"20810","rsrp":-101}],"id":"0a0B","raw":{"x":1},"last_seq":{"a":1},"pair":[3,4],"inner":"i","depth":"outer"}`
	var got, want doc
	if err := Decode([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(body), &want); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) || got.Depth != "outer" || got.Embedded.Depth != "" {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
}

// A refusal by a type's own decoder stays reachable with errors.As.
func TestDecodeKeepsTypeError(t *testing.T) {
	var d doc
	err := Decode([]byte(`{"id":"zz"}`), &d)
	var e *Error
	if !errors.Is(err, errNotHex) || !errors.As(err, &e) || e.Path != "id" {
		t.Fatalf("error %#v", err)
	}
}

// Top-level values of every kind, and types the rules do not cover.
func TestDecodeTargets(t *testing.T) {
	type node struct {
		Next *node `json:"next"`
	}
	type withString struct {
		N int `json:"n,string"`
	}
	type ambiguousA struct{ X int }
	type ambiguousB struct{ X int }
	type ambiguous struct {
		ambiguousA
		ambiguousB
	}
	tests := []struct {
		name string
		v    any
		body string
		want string
	}{
		{"map", new(map[string]int), `{"a":1}`, ""},
		{"slice", new([]string), `["a"]`, ""},
		{"string", new(string), `"a"`, ""},
		{"number for a string", new(string), `1`, "malformed JSON: want a string, got a number"},
		{"value after", new(string), `"a" "b"`, "malformed JSON: data after the value"},
		{"recursive type", new(node), `{"next":{"next":{"next":null}}}`, ""},
		{"recursive type, wrong case", new(node), `{"next":{"Next":null}}`, `next: unknown member "Next"; did you mean "next"?`},
		{"ambiguous embedded name is unknown", new(ambiguous), `{"X":1}`, `unknown member "X"`},
		{"not a pointer", node{}, `{}`, "exactjson: decoding needs a non-nil pointer"},
		{"nil pointer", (*node)(nil), `{}`, "exactjson: decoding needs a non-nil pointer"},
		{"channel", new(struct{ C chan int }), `{}`, "exactjson: C: no JSON rule for kind chan"},
		{"int keys", new(map[int]int), `{}`, "exactjson: the document: only maps with string keys are covered"},
		{"string option", new(withString), `{}`, `exactjson: the document: member "n": the ",string" option is not covered`},
		{"interface with methods", new(error), `{}`, "exactjson: the document: an interface with methods cannot be decoded into"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := Decode([]byte(tc.body), tc.v)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.want != "" && (err == nil || err.Error() != tc.want):
				t.Fatalf("error %v\nwant %s", err, tc.want)
			}
		})
	}
}

// FuzzDecode: what Decode takes, encoding/json takes and fills the same
// way; no refusal names a Go type.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{`{"eid":"x"}`, `{"EID":"x"}`, `{"eid":"x","eid":"y"}`, `{"signal":[{"rsrp":-1.5}]}`,
		`{"raw":[{"a":1}],"any":{"b":[null]}}`, `{"last_seq":{"a":1}}`, `{"pair":[1,2]}`, `{"id":"0a"}`, `[]`, `{"ack":tru`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		var got doc
		err := Decode([]byte(body), &got)
		if err != nil {
			if msg := err.Error(); strings.Contains(msg, "Go ") || strings.Contains(msg, "as checked") || strings.Contains(msg, "exactjson") {
				t.Fatalf("%q: %v", body, err)
			}
			// Not JSON is said first (json.Valid's own depth bound aside).
			if msg := err.Error(); !json.Valid([]byte(body)) && !strings.HasPrefix(msg, "malformed JSON: ") && !strings.Contains(msg, "nested more than") {
				t.Fatalf("%q is not JSON, refused as %v", body, err)
			}
			return
		}
		var want doc
		if err := json.Unmarshal([]byte(body), &want); err != nil {
			t.Fatalf("%q taken, but encoding/json refuses it: %v", body, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: got %+v, encoding/json %+v", body, got, want)
		}
	})
}

type inner struct {
	N *int     `json:"n,omitempty"`
	S []string `json:"s"`
}

type hidden struct {
	Deep string `json:"deep"`
}

// fillDoc has the shapes the fill handles beyond doc's: pointers to
// pointers and to decoders, embedded pointers (one to an unexported type,
// which encoding/json cannot set), nested slices, maps of slices and
// pointers, named scalars.
type fillDoc struct {
	*Embedded
	*hidden
	PP     **int                      `json:"pp"`
	PID    *hexID                     `json:"pid"`
	PRaw   *json.RawMessage           `json:"praw"`
	PAt    *time.Time                 `json:"pat"`
	Inners []inner                    `json:"inners"`
	Grid   [][]int8                   `json:"grid"`
	Arr    [2]inner                   `json:"arr"`
	MS     map[string][]uint16        `json:"ms"`
	MP     map[string]*inner          `json:"mp"`
	MA     map[string]any             `json:"ma"`
	Named  namedString                `json:"named"`
	F64    float64                    `json:"f64"`
	Blobs  [][]byte                   `json:"blobs"`
	Raws   map[string]json.RawMessage `json:"raws"`
}

type namedString string

// decodeChecked is Decode as it was before the fill: the check, then
// json.Unmarshal; a refused document that is no JSON value is malformed.
func decodeChecked(b []byte, v any) error {
	p, err := planFor(reflect.TypeOf(v).Elem())
	if err != nil {
		return err
	}
	if err := check(&plainTokens{src: b}, b, p, false); err != nil {
		d := json.NewDecoder(bytes.NewReader(b))
		d.UseNumber()
		if err := check(d, b, p, false); err != nil {
			if serr := syntax(b); serr != nil {
				return serr
			}
			return err
		}
	}
	return unmarshal(b, v)
}

// FuzzDecodeFill: Decode, filling as it checks, gives the values and
// errors of the check followed by json.Unmarshal, into zero values of
// several types and into one already set.
func FuzzDecodeFill(f *testing.F) {
	for _, s := range []string{`{"eid":"x","signal":[{"plmn":"1","rsrp":2}],"blob":"AQI=","id":"0a","raw":{"a":[1]},` +
		`"at":"2026-01-02T03:04:05Z","last_seq":{"a":1},"pair":[1,2],"any":{"b":[null,1e400]},"num":1.5,"inner":"i"}`,
		`{"inner":"x","deep":"y","pp":1,"pid":"0b","praw":[1],"pat":"2026-01-02T03:04:05Z","inners":[{"n":1,"s":["a"]},{"s":null}],` +
			`"grid":[[1,2],[],[-128]],"arr":[{"s":[]},{"n":null}],"ms":{"a":[1],"b":null},"mp":{"x":null,"y":{"s":["z"]}},` +
			`"ma":{"k":{"l":[true,"s",2]}},"named":"n","f64":-0,"blobs":["",null,"AA=="],"raws":{"a":null,"b":"s"}}`,
		`{"any":1e400}`, `{"pid":"zz"}`, `{"pat":"yesterday"}`, `{"deep":"y"}`, `[]`, `{"arr":[{},{}],"grid":null}`,
		`{"eid":"\u00e9"}`, ` {"eid":"é"} `, `{"last_seq":{}}`, `{"signal":[]}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		b := []byte(body)
		for _, mk := range []func() any{
			func() any { return new(doc) },
			func() any { return new(fillDoc) },
			func() any { return new(map[string]json.RawMessage) },
			func() any { return new(any) },
			func() any { return new([]inner) },
			func() any { return new(json.RawMessage) },
			func() any { return &doc{EID: "set", Seq: map[string]uint64{"z": 9}, Signal: []signal{{PLMN: "p"}}} },
		} {
			got, want := mk(), mk()
			gotErr, wantErr := Decode(b, got), decodeChecked(b, want)
			if fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
				t.Fatalf("%q into %T: error %v, checked then unmarshalled %v", body, got, gotErr, wantErr)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%q into %T:\n got %#v\nwant %#v", body, got, got, want)
			}
		}
	})
}

// TestDecodeExtensible: a later release's member is skipped — checked as
// JSON, no duplicate member inside — while a known name in another case,
// a duplicate and every other rule still refuse; Decode refuses it.
func TestDecodeExtensible(t *testing.T) {
	for _, tc := range []struct {
		name, body, want string // want: the error; "" decodes
	}{
		{"a later member", `{` + base + `,"colour":{"r":[1,2],"g":null}}`, ""},
		{"one inside a known object", `{` + base + `,"signal":[{"plmn":"20810","rsrp":-101,"band":3}]}`, ""},
		{"a known name in another case", `{` + base + `,"EID":"x"}`, `unknown member "EID"; did you mean "eid"?`},
		{"a duplicate inside the skipped member", `{` + base + `,"colour":{"r":1,"r":2}}`, `colour: duplicate member "r"`},
		{"a wrong type beside it", `{` + base + `,"colour":1,"cause":"x"}`, "cause: want an integer, got a string"},
		{"cut short inside it", `{` + base + `,"colour":[1,`, "malformed JSON"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var d doc
			err := DecodeExtensible([]byte(tc.body), &d)
			if tc.want == "" {
				if err != nil || d.EID != "8904" {
					t.Fatalf("%+v, %v", d, err)
				}
				if strict := Decode([]byte(tc.body), new(doc)); strict == nil || !strings.Contains(strict.Error(), "unknown member") {
					t.Errorf("Decode took it: %v", strict)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err %v, want %q", err, tc.want)
			}
		})
	}
}

// A field tagged exactjson:"required" must have its member, and not null
// where null would read as nil: a required number left out is not read as
// 0, in one walk of the document (r85 #8).
func TestDecodeRequired(t *testing.T) {
	type entry struct {
		N int   `json:"n" exactjson:"required"`
		L []int `json:"l,omitempty" exactjson:"required"`
		O int   `json:"o"`
	}
	type doc struct {
		E []entry `json:"e"`
	}
	for _, tc := range []struct{ name, in, want string }{
		{"all given", `{"e":[{"n":0,"l":[]}]}`, ""},
		{"the optional left out", `{"e":[{"n":-1,"l":[1],"o":2}]}`, ""},
		{"a required number left out", `{"e":[{"l":[]}]}`, `e[0]: missing member "n"`},
		{"in the second entry", `{"e":[{"n":1,"l":[]},{"l":[]}]}`, `e[1]: missing member "n"`},
		{"the first missing named, by name", `{"e":[{}]}`, `e[0]: missing member "l"`},
		{"a required slice null", `{"e":[{"n":1,"l":null}]}`, `e[0]: member "l" is null`},
		{"a required number null", `{"e":[{"n":null,"l":[]}]}`, `e[0].n: want an integer, got null`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var d doc
			err := Decode([]byte(tc.in), &d)
			if got := fmt.Sprint(err); tc.want == "" && err != nil || tc.want != "" && got != tc.want {
				t.Fatalf("Decode(%s): %v, want %q", tc.in, err, tc.want)
			}
		})
	}
	var bad struct {
		N int `json:"n" exactjson:"requird"`
	}
	if err := Decode([]byte(`{"n":1}`), &bad); err == nil || !strings.Contains(err.Error(), `exactjson tag "requird", want "required"`) {
		t.Fatalf("a misspelt tag: %v", err)
	}
}

// A document that is not JSON says where its reading failed, for a caller
// that names the place in its file (outside tester t135 F9: a --state file
// cut short said "unexpected EOF" and no place); the message is unchanged.
func TestSyntaxErrorPlace(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		line, col  int
	}{
		{"cut short", "{\"eid\":\n", 2, 1},
		{"cut on its first line", `{"eid":"89`, 1, 11},
		{"a stray character", "{\n  \"eid\": \"x\",\n  x\n}", 3, 3},
		{"a trailing comma", `{"eid":"x",}`, 1, 12},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var d doc
			err := Decode([]byte(tc.body), &d)
			var e *Error
			if !errors.As(err, &e) || !e.Syntax {
				t.Fatalf("%v: no syntax error", err)
			}
			if line, col := Where([]byte(tc.body), e.Offset); line != tc.line || col != tc.col {
				t.Errorf("%v at %d:%d, want %d:%d", err, line, col, tc.line, tc.col)
			}
		})
	}
	var d doc
	var e *Error
	if err := Decode([]byte(`{"eid":5}`), &d); !errors.As(err, &e) || e.Syntax {
		t.Errorf("a wrong type is no syntax error: %v", err)
	}
}
