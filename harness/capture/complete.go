package capture

import (
	"fmt"
	"net/netip"

	"github.com/esimhil/esimhil/internal/httpserve"
)

// ServerLog is one server's own record of the requests that reached it
// (the platform's, each SM-DP+'s), to hold a capture against.
type ServerLog struct {
	Name     string         // for reports: "platform", "SM-DP+ sfr"
	Addr     netip.AddrPort // where it listens: the capture's Exchange.Server
	Requests []httpserve.Request
	// Dropped counts the oldest requests its bounded log no longer keeps:
	// as many captured requests may go unmatched.
	Dropped int
	// Unlogged, if set, names requests the server answers but does not log
	// (the platform's reads of its own log); the capture's are skipped.
	Unlogged func(method, path string) bool
}

// MissingPrefix begins each difference Compare returns for a request a
// server logged that the capture lacks.
const MissingPrefix = "missing from the capture: "

// AnswerPrefix begins each difference Compare returns for a request the
// capture holds whose answer is not the one its server logged.
const AnswerPrefix = "answer not as logged: "

// Compare holds the HTTP exchanges of a capture against the servers' own
// logs and returns every difference: a request a server logged that the
// capture lacks, one the capture shows that no server logged, or one
// whose answer in the file (its status, or none) is not the one its
// server logged as written, the connection not reset before it. Requests
// match by server, method, path and the SHA-256 of the body (path alone
// when the server refused it before reading the body), in order. A request
// whose headers the client cut short reached no handler and is not held
// against the logs.
func Compare(ex []Exchange, logs []ServerLog) []string {
	var diff []string
	byServer := map[string][]Exchange{}
	for _, e := range ex {
		byServer[e.Server] = append(byServer[e.Server], e)
	}
	known := map[string]bool{}
	for _, l := range logs {
		addr := l.Addr.String()
		known[addr] = true
		var seen []Exchange
		for _, e := range byServer[addr] {
			if e.HeadCut {
				continue // answered by the HTTP layer, never a handler's
			}
			if l.Unlogged == nil || !l.Unlogged(e.Method, e.Path) {
				seen = append(seen, e)
			}
		}
		used := make([]bool, len(seen))
		for _, r := range l.Requests {
			i := match(seen, used, r)
			if i < 0 {
				diff = append(diff, fmt.Sprintf(MissingPrefix+"%s request #%d, %s %s at %s (%d-byte body)",
					l.Name, r.Index, r.Method, r.Path, r.Time.UTC().Format("15:04:05.000"), r.BodySize))
				continue
			}
			used[i] = true
			if d := answerDiff(seen[i], r); d != "" {
				diff = append(diff, fmt.Sprintf(AnswerPrefix+"%s request #%d, %s %s at %s: %s",
					l.Name, r.Index, r.Method, r.Path, r.Time.UTC().Format("15:04:05.000"), d))
			}
		}
		var extra []Exchange
		for i, e := range seen {
			switch {
			case used[i]:
			case e.Status == 0:
				// Never answered and in no log: no handler read it — a
				// request still queued when the server closed (drained
				// into the file then), or cut before its end. Traffic
				// the file holds, not a gap in it (outside tester sw78:
				// a host LPA's 13,518 pipelined requests failed the run).
			default:
				extra = append(extra, e)
			}
		}
		if len(extra) > l.Dropped {
			for _, e := range extra {
				diff = append(diff, fmt.Sprintf("in the capture but not in the %s's log: %s %s from %s (%d-byte body)",
					l.Name, e.Method, e.Path, e.Client, len(e.RequestBody)))
			}
		}
	}
	for _, e := range ex {
		if !known[e.Server] {
			diff = append(diff, fmt.Sprintf("in the capture but no server of the rig listens on %s: %s %s", e.Server, e.Method, e.Path))
		}
	}
	return diff
}

// match finds the first unused exchange that is request r.
func match(seen []Exchange, used []bool, r httpserve.Request) int {
	for i, e := range seen {
		if used[i] || e.Method != r.Method || e.Path != r.Path {
			continue
		}
		if r.BodySHA256 == "" || httpserve.BodyHash(e.RequestBody) == r.BodySHA256 {
			return i
		}
	}
	return -1
}

// answerDiff says how exchange e's answer differs from the one its
// server logged as written (r.Status, 0 for none), "" when it does not.
// The servers log the status they wrote, not the one they decided on (a
// held answer dropped is logged 0), so the file must show it: a tap that
// lost a server's bytes left every plain-HTTP exchange matched by its
// request alone (mutation tester t233). A reset that cut the connection
// (a power cut mid-answer) excuses it: what was written may not have
// reached the wire.
func answerDiff(e Exchange, r httpserve.Request) string {
	if e.Cut || e.Status == r.Status {
		return ""
	}
	said, shows := "not answered", "no answer"
	if r.Status != 0 {
		said = fmt.Sprintf("answered %d", r.Status)
	}
	if e.Status != 0 {
		shows = fmt.Sprintf("answered %d", e.Status)
	}
	return "its log says " + said + ", the capture shows " + shows
}
