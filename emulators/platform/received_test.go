package platform

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/internal/proto/platformapi"
)

// The request log keeps the newest MaxReceived requests with bodies cut at
// MaxRecordedBody (the whole body's hash kept), however many arrive and
// however big: unsigned 64 KiB bodies cannot grow it (issue 9 §3).
func TestRequestLogBounded(t *testing.T) {
	s, _ := newTestServer(t, nil)
	big := `{"eid":"` + strings.Repeat("9", platformapi.MaxBody-20) + `"}`
	n := MaxReceived + 50
	for i := range n {
		body := `{}`
		switch {
		case i >= 50 && i < 53:
			body = big // kept, cut
		case i == n-1:
			body = listBody("20801", "")
		}
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, cardRequest("POST", platformapi.PathPreferredList, body))
	}
	total, dropped := s.ReceivedCount()
	if total != n || dropped != 50 {
		t.Fatalf("ReceivedCount = %d, %d; want %d, 50", total, dropped, n)
	}
	kept := s.Received()
	if len(kept) != MaxReceived || kept[0].Index != 50 || kept[len(kept)-1].Index != n-1 {
		t.Fatalf("kept %d entries, indexes %d..%d", len(kept), kept[0].Index, kept[len(kept)-1].Index)
	}
	first := kept[0]
	sum := sha256.Sum256([]byte(big))
	if !first.Truncated || len(first.Body) != MaxRecordedBody || first.BodySize != len(big) || first.BodySHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("truncated entry: truncated=%v body %d bytes, size %d, sha %s", first.Truncated, len(first.Body), first.BodySize, first.BodySHA256)
	}
	if last := kept[len(kept)-1]; last.Truncated || last.Status != 200 {
		t.Errorf("last entry %+v", last)
	}
}

// GET /v1/inspect/received answers pages: offset counts requests from the
// first ever, next points at the following page, dropped ones are skipped.
func TestInspectPages(t *testing.T) {
	s, _ := newTestServer(t, nil)
	for range 7 {
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, cardRequest("POST", platformapi.PathNotifications, `{}`))
	}
	page := func(q string) platformapi.InspectPage {
		t.Helper()
		w := httptest.NewRecorder()
		s.Handler().ServeHTTP(w, httptest.NewRequest("GET", platformapi.PathInspect+q, nil))
		p, err := platformapi.DecodeInspectPage(w.Body.Bytes())
		if err != nil || w.Code != 200 {
			t.Fatalf("GET %s: %d %s (%v)", q, w.Code, w.Body, err)
		}
		return p
	}
	var seen []int
	q := "?limit=3"
	for {
		p := page(q)
		if *p.Total != 7 {
			t.Fatalf("total %d", *p.Total)
		}
		for _, e := range p.Entries {
			seen = append(seen, e.Index)
		}
		if p.Next == nil {
			break
		}
		q = fmt.Sprintf("?limit=3&offset=%d", *p.Next)
	}
	if fmt.Sprint(seen) != "[0 1 2 3 4 5 6]" {
		t.Errorf("paged through %v", seen)
	}
	if p := page("?offset=7"); len(p.Entries) != 0 || p.Next != nil {
		t.Errorf("page past the last request: %+v", p)
	}
}

// The log's body is the body's bytes exactly, read back from a page: as
// text when they are UTF-8 (a long body cut at a character's start, never
// inside one), in base64 when not. Before, JSON put U+FFFD in place of a
// byte that is not UTF-8 and the entry no longer matched its own hash,
// unflagged (outside tester t71, F3).
func TestLoggedBodyExact(t *testing.T) {
	pad := func(n int) string { return strings.Repeat("a", n) }
	tests := []struct {
		name      string
		body      string
		encoding  string
		truncated bool
		kept      int // bytes kept
	}{
		{"JSON", `{"eid":"1"}`, "", false, 11},
		{"a byte that is not UTF-8", "{\"eid\":\"89\xff\"}", platformapi.BodyBase64, false, 13},
		{"a cut character", "{\"eid\":\"89\xe2\x82\"}", platformapi.BodyBase64, false, 14},
		{"UTF-8 over the bound", pad(MaxRecordedBody+10) + "é", "", true, MaxRecordedBody},
		{"a character across the bound", pad(MaxRecordedBody-1) + "€" + pad(5), "", true, MaxRecordedBody - 1},
		{"a character ending at the bound", pad(MaxRecordedBody-3) + "€" + pad(5), "", true, MaxRecordedBody},
		{"not UTF-8, over the bound", "\xff" + pad(MaxRecordedBody+10), platformapi.BodyBase64, true, MaxRecordedBody},
		{"not UTF-8 past the bound only", pad(MaxRecordedBody+10) + "\xff", "", true, MaxRecordedBody},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := newTestServer(t, nil)
			s.Handler().ServeHTTP(httptest.NewRecorder(), cardRequest("POST", platformapi.PathNotifications, tc.body))
			w := httptest.NewRecorder()
			s.Handler().ServeHTTP(w, httptest.NewRequest("GET", platformapi.PathInspect, nil))
			p, err := platformapi.DecodeInspectPage(w.Body.Bytes())
			if err != nil || len(p.Entries) != 1 {
				t.Fatalf("page: %v %s", err, w.Body)
			}
			e := p.Entries[0]
			got, err := e.KeptBody()
			if err != nil {
				t.Fatalf("KeptBody: %v (%+v)", err, e)
			}
			if e.BodyEncoding != tc.encoding || e.Truncated != tc.truncated || string(got) != tc.body[:tc.kept] {
				t.Errorf("body_encoding %q, truncated %v, %d bytes kept %q…; want %q, %v, the body's first %d",
					e.BodyEncoding, e.Truncated, len(got), textcut(got), tc.encoding, tc.truncated, tc.kept)
			}
			sum := sha256.Sum256(got)
			if whole := hex.EncodeToString(sum[:]) == e.BodySHA256; whole == tc.truncated {
				t.Errorf("the kept body's SHA-256 matches body_sha256: %v, truncated %v", whole, tc.truncated)
			}
		})
	}
}

func textcut(b []byte) string { return fmt.Sprintf("%q", b[:min(len(b), 20)]) }
