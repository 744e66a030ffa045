package es10

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestReasonNamesAreTheModules: every errorReason name is the one the
// SGP.22 ASN.1 module gives its value, and the module names no value
// without one here.
func TestReasonNamesAreTheModules(t *testing.T) {
	b, err := os.ReadFile("../asn1check/testdata/RSPDefinitions.asn")
	if err != nil {
		t.Fatal(err)
	}
	_, block, ok := strings.Cut(string(b), "ErrorReason ::= INTEGER {")
	block, _, _ = strings.Cut(block, "}")
	if !ok {
		t.Fatal("no ErrorReason in the module")
	}
	seen := 0
	for _, m := range regexp.MustCompile(`(\w+)\((\d+)\)`).FindAllStringSubmatch(block, -1) {
		v, _ := strconv.Atoi(m[2])
		if got := ReasonName(v); got != m[1] {
			t.Errorf("errorReason %d: %q, the module says %q", v, got, m[1])
		}
		seen++
	}
	if seen != len(reasonNames) || seen == 0 {
		t.Errorf("the module names %d values, ReasonName %d", seen, len(reasonNames))
	}
}
