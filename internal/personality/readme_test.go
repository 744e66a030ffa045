package personality

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestREADMEListsEveryField: every field the loader takes is a row of a
// table in README's "Modem personalities" (its dialect table or the
// quirks'), so a new field cannot ship undocumented.
func TestREADMEListsEveryField(t *testing.T) {
	fields := loaderFields(t)
	if len(fields) < 40 {
		t.Fatalf("read %d loader fields from apply, want its whole switch: %v", len(fields), fields)
	}
	documented := readmeFields(t)
	for _, f := range fields {
		switch f {
		case "base", "name": // the file's own, beside the table (composition)
			continue
		}
		if !documented[f] {
			t.Errorf("README's \"Modem personalities\" tables have no row for %s, a field the loader takes", f)
		}
	}
}

// loaderFields reads the keys of apply's switch from the source.
func loaderFields(t *testing.T) []string {
	t.Helper()
	file, err := parser.ParseFile(token.NewFileSet(), "personality.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, d := range file.Decls {
		fn, ok := d.(*ast.FuncDecl)
		if !ok || fn.Name.Name != "apply" {
			continue
		}
		ast.Inspect(fn.Body, func(n ast.Node) bool {
			sw, ok := n.(*ast.SwitchStmt)
			if !ok || sw.Tag == nil {
				return true
			}
			for _, c := range sw.Body.List {
				for _, e := range c.(*ast.CaseClause).List {
					if lit, ok := e.(*ast.BasicLit); ok && lit.Kind == token.STRING {
						k, _ := strconv.Unquote(lit.Value)
						keys = append(keys, k)
					}
				}
			}
			return true
		})
	}
	return keys
}

// readmeFields is every field named in the first column of a table row
// in README's "Modem personalities" section and its subsections.
func readmeFields(t *testing.T) map[string]bool {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	start := strings.Index(text, "\n## Modem personalities\n")
	if start < 0 {
		t.Fatal(`README has no "## Modem personalities" section`)
	}
	section := text[start+1:]
	if end := strings.Index(section, "\n## "); end >= 0 {
		section = section[:end]
	}
	name := regexp.MustCompile("`([a-z0-9_]+)[:` ]")
	got := map[string]bool{}
	for _, line := range strings.Split(section, "\n") {
		cells := strings.Split(line, " | ")
		if !strings.HasPrefix(line, "| ") || len(cells) < 2 {
			continue
		}
		for _, m := range name.FindAllStringSubmatch(cells[0], -1) {
			got[m[1]] = true
		}
	}
	if !got["model"] {
		t.Fatal("no table rows read from README's Modem personalities")
	}
	return got
}
