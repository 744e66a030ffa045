package ident

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Every EID and ICCID written down in the repository, in fixtures,
// documentation and code (tests included, except where a line says it is
// deliberately bad), carries valid check digits: an example that a real
// SM-DP+ or card would refuse teaches the wrong thing. EIDs are 32 digits
// starting 89; ICCIDs 19 or 20 digits starting 89.
// deliberate reports a line that shows a broken or partial value on
// purpose: a refusal test, a check-digit example, the body a Make function
// completes.
func deliberate(line string) bool {
	l := strings.ToLower(line)
	for _, w := range []string{"invalid", "bad", "wrong", "luhn", "check digit", "make"} {
		if strings.Contains(l, w) {
			return true
		}
	}
	return false
}

func TestRepositoryIdentifiersValid(t *testing.T) {
	root := filepath.Join("..", "..")
	num := regexp.MustCompile(`(^|[^0-9A-Za-z])(89[0-9]{17,30})([^0-9A-Za-z]|$)`)
	checked := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); name == ".git" || name == "testdata" {
				return filepath.SkipDir
			}
			return nil
		}
		switch filepath.Ext(path) {
		case ".go", ".yaml", ".yml", ".md", ".json":
		default:
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(b), "\n") {
			if deliberate(line) {
				continue
			}
			for _, m := range num.FindAllStringSubmatch(line, -1) {
				s := m[2]
				checked++
				switch len(s) {
				case 32:
					if !IsEID(s) {
						t.Errorf("%s:%d: EID %s: bad check digits", path, i+1, s)
					}
				case 19, 20:
					if !IsICCID(s) {
						t.Errorf("%s:%d: ICCID %s: bad Luhn digit", path, i+1, s)
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d identifiers checked", checked)
}
