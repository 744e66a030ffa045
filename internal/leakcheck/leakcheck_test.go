package leakcheck

import (
	"flag"
	"os"
	"path/filepath"
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

// The files the testing flags name (-test.cpuprofile, which the testing
// package leaves open) are known by their absolute paths, relative ones
// under -test.outputdir.
func TestTestingOutputs(t *testing.T) {
	cpu := flag.Lookup("test.cpuprofile")
	old := cpu.Value.String()
	t.Cleanup(func() { cpu.Value.Set(old) })
	abs := filepath.Join(t.TempDir(), "cpu.out")
	if err := cpu.Value.Set(abs); err != nil {
		t.Fatal(err)
	}
	if !testingOutputs()[abs] {
		t.Errorf("%s not among %v", abs, testingOutputs())
	}
	if err := cpu.Value.Set("rel.out"); err != nil {
		t.Fatal(err)
	}
	dir := flag.Lookup("test.outputdir").Value.String()
	want, _ := filepath.Abs(filepath.Join(dir, "rel.out"))
	if !testingOutputs()[want] {
		t.Errorf("%s not among %v", want, testingOutputs())
	}
}
