package platformapi

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// The notifications table of docs/platform-api.md says for which kinds
// `plmn` may be sent; the one decoder (Validate) must take it for exactly
// those, or a platform built from the table refuses notes the cards send
// (outside tester t146 F4: list-exhausted carries plmn, the table did not
// allow it, and a strict platform left 17 notes undelivered).
func TestDocPLMNKinds(t *testing.T) {
	b, err := os.ReadFile("../../../docs/platform-api.md")
	if err != nil {
		t.Fatal(err)
	}
	var row string
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "| `plmn` |") {
			row = line
		}
	}
	if row == "" {
		t.Fatal("docs/platform-api.md: no `plmn` row in the notifications table")
	}
	cells := strings.Split(row, "|")
	allowed := map[string]bool{}
	for _, m := range regexp.MustCompile("`([a-z-]+)`").FindAllStringSubmatch(cells[2], -1) {
		allowed[m[1]] = true
	}
	for _, kind := range []string{KindAttachSuccess, KindAttachFailure, KindDownloadSuccess, KindListExhausted} {
		n := Notification{EID: "89049032000001000000000000000171", Kind: kind, Operator: "sfr", PLMN: "20810", ICCID: "89331000000000000029"}
		if kind == KindListExhausted {
			n.Operator, n.ICCID = "", ""
		}
		if taken := n.Validate() == nil; taken != allowed[kind] {
			t.Errorf("kind %s with plmn: Validate takes it %v, the doc's plmn row (%q) allows it %v", kind, taken, strings.TrimSpace(cells[2]), allowed[kind])
		}
	}
}

// Every JSON example of docs/platform-api.md that is a body of the card
// routes, and each request body of its HTTP examples, is what the one
// decoder (the card's for answers, the platform's for requests) takes,
// and an HTTP example's Content-Length is its body's: a platform written
// from the page alone answers as its examples do (outside tester t194,
// who built one from the page: the examples were its only models of a
// download answer, whose members the card all needs).
func TestDocExamplesDecode(t *testing.T) {
	b, err := os.ReadFile("../../../docs/platform-api.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	var bodies []string
	for _, m := range regexp.MustCompile("(?s)```json\n(.*?)```").FindAllStringSubmatch(doc, -1) {
		bodies = append(bodies, strings.TrimSpace(m[1]))
	}
	for _, m := range regexp.MustCompile("(?s)```http\n(.*?)```").FindAllStringSubmatch(doc, -1) {
		head, body, ok := strings.Cut(m[1], "\n\n")
		if !ok || !strings.HasPrefix(head, "POST /v1/") {
			continue
		}
		body = strings.TrimSpace(body)
		if cl := regexp.MustCompile(`Content-Length: (\d+)`).FindStringSubmatch(head); cl == nil || cl[1] != strconv.Itoa(len(body)) {
			t.Errorf("HTTP example %q: Content-Length %v, its body is %d bytes", strings.SplitN(head, "\n", 2)[0], cl, len(body))
		}
		bodies = append(bodies, body)
	}
	decoders := []struct {
		member string // a member only this body has
		decode func([]byte) error
	}{
		{`"home_plmn"`, func(b []byte) error { _, err := DecodeListRequest(b); return err }},
		{`"list_id"`, func(b []byte) error { _, err := DecodeListResponse(b); return err }},
		{`"smdp_address"`, func(b []byte) error { _, err := DecodeDownloadResponse(b); return err }},
		{`"kind"`, func(b []byte) error { _, err := DecodeNotification(b); return err }},
		{`"serving_plmn"`, func(b []byte) error { _, err := DecodeDownloadRequest(b); return err }},
	}
	seen := map[string]int{}
	for _, body := range bodies {
		if strings.Contains(body, "…") || !strings.HasPrefix(body, `{"`) {
			continue // a sketch, not a body (the log's page, elisions)
		}
		for _, d := range decoders {
			if strings.Contains(body, d.member) {
				seen[d.member]++
				if err := d.decode([]byte(body)); err != nil {
					t.Errorf("example %s: %v", body, err)
				}
				break
			}
		}
	}
	for _, d := range decoders {
		if seen[d.member] == 0 {
			t.Errorf("no example with %s in docs/platform-api.md", d.member)
		}
	}
	// The worked example of request authentication.
	body := `{"eid":"89049032000001000000000000000171","operator":"sfr","serving_plmn":"20801"}`
	want := "POST\\n/v1/download\\n7\\n" + body
	if !strings.Contains(doc, want) {
		t.Fatalf("the worked example's signed bytes are not %q", want)
	}
	if got := strings.ReplaceAll(string(CanonicalBytes("POST", "/v1/download", 7, []byte(body))), "\n", `\n`); got != want {
		t.Errorf("CanonicalBytes %q, the doc's %q", got, want)
	}
}
