package leakcheck

import (
	"os"
	"strings"
	"testing"
)

// A descriptor opened after the baseline is reported, with what it is;
// once closed it is not.
func TestLeakedFDs(t *testing.T) {
	before := openFDs()
	f, err := os.Open("leakcheck.go")
	if err != nil {
		t.Fatal(err)
	}
	leaked := leakedFDs(before)
	if len(leaked) != 1 || !strings.HasSuffix(leaked[0], "leakcheck.go") {
		t.Errorf("leaked %q, want the open file", leaked)
	}
	f.Close()
	if leaked := leakedFDs(before); leaked != nil {
		t.Errorf("leaked %q after Close", leaked)
	}
}
