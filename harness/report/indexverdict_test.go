package report

import (
	"encoding/xml"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestIndexShowsEachVerdict: a run's row on out/index.html shows its own
// verdict, badge and text, and the summary counts it so: an error is
// never shown, nor counted, as a pass.
func TestIndexShowsEachVerdict(t *testing.T) {
	badge := regexp.MustCompile(`<span class="badge ([a-z]+)">([^<]*)</span>`)
	for _, tc := range []struct {
		verdict, summary string
	}{
		{"pass", "1 of 1 passed ·"},
		{"fail", "0 of 1 passed · <b style=\"color:#dc2626\">1 failed</b>"},
		{"error", "0 of 1 passed · <b style=\"color:#dc2626\">1 error</b>"},
		{"skipped", "0 of 1 passed · 1 skipped"},
	} {
		for _, kind := range []string{"scenario", "spec"} {
			b, err := Index(t.TempDir(), []Entry{{Kind: kind, Name: "a", Verdict: tc.verdict, Seed: new(int64(1)), Message: "why"}}, nil, time.Unix(0, 0))
			if err != nil {
				t.Fatal(err)
			}
			html := string(b)
			got := badge.FindAllStringSubmatch(html, -1)
			if len(got) != 1 || got[0][1] != tc.verdict || got[0][2] != tc.verdict {
				t.Errorf("%s %s: the index's badges are %q, want the one %q", kind, tc.verdict, got, tc.verdict)
			}
			if !strings.Contains(html, `<tr class="`+tc.verdict+`">`) {
				t.Errorf("%s %s: no row of class %q", kind, tc.verdict, tc.verdict)
			}
			if !strings.Contains(html, tc.summary) {
				t.Errorf("%s %s: the summary does not say %q:\n%s", kind, tc.verdict, tc.summary, html[strings.Index(html, `<p class="meta">`):][:200])
			}
		}
	}
}

// TestJUnitHasACaseForEachRun reads the JUnit as a CI server does, with
// its own types: one test case a run, in the record's order, whose child
// says its verdict, and counts that are the cases'.
func TestJUnitHasACaseForEachRun(t *testing.T) {
	type outcome struct {
		Message string `xml:"message,attr"`
	}
	type testcase struct {
		Name    string   `xml:"name,attr"`
		Failure *outcome `xml:"failure"`
		Error   *outcome `xml:"error"`
		Skipped *outcome `xml:"skipped"`
	}
	var doc struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Errors   int `xml:"errors,attr"`
		Skipped  int `xml:"skipped,attr"`
		Suites   []struct {
			Cases []testcase `xml:"testcase"`
		} `xml:"testsuite"`
	}
	verdicts := []string{"pass", "fail", "error", "skipped", "fail"}
	var entries []Entry
	for i, v := range verdicts {
		entries = append(entries, Entry{Kind: "scenario", Name: fmt.Sprintf("%s-%d", v, i), Verdict: v, Seed: new(int64(i)), Message: v + " because"})
	}
	b, err := JUnit("esimhil run", "", entries)
	if err != nil {
		t.Fatal(err)
	}
	if err := xml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("the JUnit does not parse: %v\n%s", err, b)
	}
	if doc.Tests != 5 || doc.Failures != 2 || doc.Errors != 1 || doc.Skipped != 1 {
		t.Errorf("counts tests=%d failures=%d errors=%d skipped=%d, want 5, 2, 1, 1", doc.Tests, doc.Failures, doc.Errors, doc.Skipped)
	}
	var cases []testcase
	for _, s := range doc.Suites {
		cases = append(cases, s.Cases...)
	}
	if len(cases) != len(entries) {
		t.Fatalf("%d test cases for %d runs (the counts say %d):\n%s", len(cases), len(entries), doc.Tests, b)
	}
	for i, c := range cases {
		e := entries[i]
		got := "pass"
		switch {
		case c.Failure != nil:
			got = "fail"
		case c.Error != nil:
			got = "error"
		case c.Skipped != nil:
			got = "skipped"
		}
		if c.Name != e.Name || got != e.Verdict {
			t.Errorf("test case %d: %q reads as %s, want %q, %s", i, c.Name, got, e.Name, e.Verdict)
		}
	}
}
