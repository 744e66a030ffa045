package atclient

import (
	"slices"
	"testing"
)

// TestResponseLines: a command's answer lines and final result, whatever
// their number, and one allocation for a Response with one line.
func TestResponseLines(t *testing.T) {
	for _, lines := range [][]string{nil, {"+CGLA: 4,\"9000\""}, {"+CGMI: a", "b", "c"}} {
		var p pending
		for _, l := range lines {
			p.addLine(l)
		}
		rsp := p.response("OK")
		if !slices.Equal(rsp.Lines, lines) || rsp.Final != "OK" || (lines == nil) != (rsp.Lines == nil) {
			t.Errorf("%q: %+v", lines, rsp)
		}
	}
	var rsp *Response
	if n := testing.AllocsPerRun(100, func() {
		var p pending
		p.addLine("+CGLA: 4,\"9000\"")
		rsp = p.response("OK")
	}); n != 1 {
		t.Errorf("a Response of one line: %.0f allocations, want 1", n)
	}
	if len(rsp.Lines) != 1 {
		t.Errorf("%+v", rsp)
	}
}
