package platformapi

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

// A page the platform writes reads back the same; a 200 that is no page
// (an error answer, a required member missing or null, a member of
// another name) is refused in the API's terms.
func TestInspectPageRoundTrip(t *testing.T) {
	next := 3
	at := time.Date(2026, 1, 1, 0, 0, 1, 5, time.UTC)
	for _, p := range []InspectPage{
		NewInspectPage(5, 1, 1, []Received{
			{Index: 1, Time: at, Method: "POST", Path: PathPreferredList, Status: 200, Body: "{}", BodySize: 2, BodySHA256: "44136fa3"},
			{Index: 2, Time: at, Method: "POST", Path: PathNotifications, Status: 400, Body: "{…", BodySize: 70000, Truncated: true, Error: "eid: want 32 decimal digits"},
		}, &next),
		NewInspectPage(0, 0, 0, nil, nil), // the last page, empty
	} {
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		got, err := DecodeInspectPage(b)
		if err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		if !reflect.DeepEqual(got, p) {
			t.Errorf("%s read back as %+v, want %+v", b, got, p)
		}
	}
	for _, tc := range []struct{ name, body, want string }{
		{"an error answer", `{"error":"inspect disabled"}`, `an error answer, not a page: "inspect disabled"`},
		{"no total", `{"offset":0,"entries":[]}`, `missing member "total"`},
		{"no offset", `{"total":0,"entries":[]}`, `missing member "offset"`},
		{"entries null", `{"total":0,"offset":0,"entries":null}`, `member "entries" is null`},
		{"a member of another name", `{"total":0,"offset":0,"entries":[],"Next":1}`, `unknown member "Next"; did you mean "next"?`},
		{"an entry's index a string", `{"total":1,"offset":0,"entries":[{"index":"0"}]}`, `entries[0].index: want an integer, got a string`},
		{"not JSON", `<html>`, `malformed JSON: invalid character '<' looking for beginning of value`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := DecodeInspectPage([]byte(tc.body)); err == nil || err.Error() != tc.want {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
}

// The log leaves out its own reads, GET and HEAD of its route only: a
// fact of the API, for whoever matches a capture against the log (r85
// #14: it lived in the emulator).
func TestIsLogRead(t *testing.T) {
	for _, tc := range []struct {
		method, path string
		want         bool
	}{
		{"GET", PathInspect, true},
		{"HEAD", PathInspect, true},
		{"POST", PathInspect, false},
		{"OPTIONS", PathInspect, false},
		{"GET", PathInspect + "/", false},
		{"GET", PathNotifications, false},
	} {
		if got := IsLogRead(tc.method, tc.path); got != tc.want {
			t.Errorf("%s %s: %v, want %v", tc.method, tc.path, got, tc.want)
		}
	}
}

// A kept body in base64 is read by the one strict decoder the ES9+ codec
// uses (r85 #4): both sides refuse the same strings, in the same words.
func TestKeptBody(t *testing.T) {
	for _, tc := range []struct {
		name, enc, body string
		want            string // the bytes, or the error
	}{
		{"text", "", "{}", "{}"},
		{"base64", BodyBase64, "AP8=", "\x00\xff"},
		{"base64 with pad bits set", BodyBase64, "QR==", `body: not base64 (RFC 4648 §4, with padding)`},
		{"base64 unpadded", BodyBase64, "QQ", `body: not base64 (RFC 4648 §4, with padding)`},
		{"base64 wrapped", BodyBase64, "AP8=\n", `body: not base64 (RFC 4648 §4, with padding): a line break at byte 4 (§3.3: nothing outside the alphabet)`},
		{"unknown encoding", "hex", "00", `body_encoding: unknown "hex" (want base64, or none for text)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := Received{BodyEncoding: tc.enc, Body: tc.body}.KeptBody()
			got := string(b)
			if err != nil {
				got = err.Error()
			}
			if got != tc.want {
				t.Fatalf("KeptBody(%q, %q) = %q, want %q", tc.enc, tc.body, got, tc.want)
			}
		})
	}
}

// An entry's body must be what its body_size and body_sha256 describe
// (outside tester t146 F5).
func TestReceivedCheckedBody(t *testing.T) {
	body := `{"eid":"1"}`
	sum := sha256.Sum256([]byte(body))
	good := Received{Body: body, BodySize: len(body), BodySHA256: hex.EncodeToString(sum[:])}
	for _, tc := range []struct {
		name string
		edit func(r *Received)
		want string // "" for none
	}{
		{"as received", func(r *Received) {}, ""},
		{"no hash (not read whole)", func(r *Received) { r.BodySHA256 = "" }, ""},
		{"cut, size of the whole", func(r *Received) { r.Truncated, r.BodySize, r.BodySHA256 = true, 4096, "" }, ""},
		{"cut, more kept than its size", func(r *Received) { r.Truncated, r.BodySize = true, 3 }, "body: 11 bytes kept of a body_size 3, cut"},
		{"size", func(r *Received) { r.BodySize = 1 }, "body: 11 bytes, not its body_size 1"},
		{"hash", func(r *Received) { r.BodySHA256 = strings.Repeat("0", 64) }, "not its body_sha256 0000000000000000…"},
		{"no size", func(r *Received) { r.BodySize = 0 }, "body: 11 bytes, and a body_size of 0 or none: an entry that holds a body gives its size"},
		{"no size, no body", func(r *Received) { r.Body, r.BodySize, r.BodySHA256 = "", 0, "" }, ""},
		{"hash in upper case", func(r *Received) { r.BodySHA256 = strings.ToUpper(r.BodySHA256) }, ""},
		{"re-serialised", func(r *Received) { r.Body = `{"eid": "1"}` }, "body: 12 bytes, not its body_size 11"},
		{"bad encoding", func(r *Received) { r.BodyEncoding = "hex" }, `body_encoding: unknown "hex"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := good
			tc.edit(&r)
			body, err := r.CheckedBody()
			if (err == nil) != (tc.want == "") || (err != nil && !strings.Contains(err.Error(), tc.want)) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
			if err == nil && string(body) != r.Body {
				t.Fatalf("body %q, want %q", body, r.Body)
			}
		})
	}
}
