package platformapi

import (
	"os"
	"regexp"
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
