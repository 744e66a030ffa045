package applet

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestPlatformBackoff: a list request the platform did not answer (no
// HTTP status) makes the card skip the next checks' requests, 1, 2, 4, 8,
// 8 … (platform.go); an answer — an error status, garbage, an empty list —
// is no failure and ends the pause; a power cut does not. Each step is a
// periodic check roaming on Orange: "-" expects no request (a
// platform_backoff event), another token expects one and answers it so;
// "cut" cuts the power first (state from the last Persist).
func TestPlatformBackoff(t *testing.T) {
	answers := map[string]string{
		"open":  "result=3A/07 err=open channel: result 3A/07",
		"drop":  "err=reply: connection closed without a reply",
		"wait":  "err=no reply within 30s",
		"503":   `503 body={"error":"maintenance"}`,
		"html":  "200 body=<html>",
		"empty": "200 list=",
	}
	rep := func(tok string, n int) []string { return slices.Repeat([]string{tok}, n) }
	cat := func(parts ...[]string) []string { return slices.Concat(parts...) }
	tests := []struct {
		name  string
		steps []string
	}{
		{"growth and cap: 1, 2, 4, 8, 8",
			cat([]string{"open"}, rep("-", 1), []string{"drop"}, rep("-", 2), []string{"wait"}, rep("-", 4),
				[]string{"open"}, rep("-", 8), []string{"open"}, rep("-", 8), []string{"open"})},
		{"an answer resets the count: the next failure is the first again",
			cat([]string{"open", "-", "open", "-", "-", "503", "open", "-", "empty", "empty"})},
		{"an error status is an answer: asked at every check",
			rep("503", 6)},
		{"garbage with a 200 is an answer",
			rep("html", 4)},
		{"an empty list is an answer",
			rep("empty", 4)},
		{"a power cut mid-pause: still backed off, the same checks",
			cat([]string{"open", "-", "open", "-", "-", "open", "-", "cut", "-", "-", "cut", "-", "open"})},
		{"a power cut at the check the pause ends: asked",
			cat([]string{"open", "-", "cut", "drop", "-", "-", "cut", "503", "open", "-", "empty"})},
	}
	post := regexp.MustCompile(`HTTPPost #(\d+) seq=\d+ /v1/preferred-list `)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &scriptRun{cfg: testCfg}
			r.a = New(r.cfg, State{})
			for _, cmd := range []string{"card cmcc* sfr", "boot"} {
				r.do(t, scriptCase{Cmd: cmd})
			}
			var got, want []string
			for _, step := range tt.steps {
				if step == "cut" {
					r.do(t, scriptCase{Cmd: "power-cut"})
					got, want = append(got, step), append(want, step)
					continue
				}
				want = append(want, step)
				r.do(t, scriptCase{Cmd: "check"})
				out := r.do(t, scriptCase{Cmd: "info normal 20801"})
				m := post.FindStringSubmatch(out)
				switch {
				case m != nil && step != "-":
					r.do(t, scriptCase{Cmd: fmt.Sprintf("http %s %s", m[1], answers[step])})
					got = append(got, step)
				case m != nil:
					r.do(t, scriptCase{Cmd: fmt.Sprintf("http %s %s", m[1], answers["503"])})
					got = append(got, "asked")
				case strings.Contains(out, "log platform_backoff "):
					got = append(got, "-")
				default:
					got = append(got, "neither:"+out)
				}
			}
			if !slices.Equal(got, want) {
				t.Errorf("checks\n got %q\nwant %q", got, want)
			}
		})
	}
}

// TestPlatformBackoffClearedByNote: any answer from the platform ends the
// pause, a note's too — the platform is back, and the next check asks for
// a list; a note the platform did not answer changes nothing.
func TestPlatformBackoffClearedByNote(t *testing.T) {
	tests := []struct {
		name   string
		answer string
		held   bool // the next check still skips the request
	}{
		{"acknowledged", `200 body={"ack":true,"id":"n"}`, false},
		{"refused: an answer all the same", `400 body={"error":"bad note"}`, false},
		{"unanswered", "err=no reply within 30s", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &scriptRun{cfg: testCfg}
			r.a = New(r.cfg, State{})
			for _, cmd := range []string{"card cmcc* sfr", "boot", "check", "info normal 20801"} {
				r.do(t, scriptCase{Cmd: cmd})
			}
			r.do(t, scriptCase{Cmd: "http 2 err=no reply within 30s"}) // pause: the next check
			r.a.st.LastReport++
			r.a.st.Outbox = append(r.a.st.Outbox, Note{Kind: NoteListExhausted, Report: r.a.st.LastReport})
			r.a.flush()
			req := r.a.st.InFlight[len(r.a.st.InFlight)-1]
			if req.Owner != ownerOutbox {
				t.Fatalf("no note in flight: %+v", r.a.st.InFlight)
			}
			r.do(t, scriptCase{Cmd: fmt.Sprintf("http %d %s", req.ID, tt.answer)})
			r.do(t, scriptCase{Cmd: "check"})
			out := r.do(t, scriptCase{Cmd: "info normal 20801"})
			if held := strings.Contains(out, "log platform_backoff "); held != tt.held {
				t.Errorf("held %v, want %v:\n%s", held, tt.held, out)
			}
		})
	}
}

// TestPlatformUntilBound: a persisted platform pause ends at most
// platformBackoff.Max+1 checks after the persisted check count, as the
// card writes it (platformAnswered); a longer one is refused by name, not
// obeyed for up to MaxBackoffPeriods checks.
func TestPlatformUntilBound(t *testing.T) {
	tests := []struct {
		until uint64
		want  string
	}{
		{0, ""},
		{100 + uint64(platformBackoff.Max) + 1, ""},
		{100 + uint64(platformBackoff.Max) + 2, "platform_until: check 110 is more than 9 checks after check 100 (the platform's back-off is at most 8 periods)"},
		{100 + MaxBackoffPeriods + 1, "platform_until: check 10101 is more than 9 checks after check 100"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.until), func(t *testing.T) {
			st := State{Version: StateVersion, Mode: ModeIdle, Checks: 100, PlatformFailures: 4, PlatformUntil: tt.until}
			err := st.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("Validate: %v, want nil", err)
			case tt.want != "" && (err == nil || !strings.HasPrefix(err.Error(), tt.want)):
				t.Fatalf("Validate: %v, want %s…", err, tt.want)
			}
		})
	}
}
