package main

import (
	"strings"
	"testing"
)

// Two runs into one --out: the second is refused while the first holds
// it, and may go once the first is done.
func TestLockDir(t *testing.T) {
	dir := t.TempDir()
	unlock, err := lockDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lockDir(dir); err == nil || !strings.Contains(err.Error(), "another esimhil run is writing there") {
		t.Fatalf("second lock while the first holds it: %v", err)
	}
	unlock()
	again, err := lockDir(dir)
	if err != nil {
		t.Fatalf("after the first let go: %v", err)
	}
	again()
}
