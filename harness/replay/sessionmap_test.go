package replay

import (
	"strings"
	"testing"

	"github.com/esimhil/esimhil/harness/field"
)

// TestGetResponseAsksWhatTheCardHas: a recorded GET RESPONSE asked the
// field card for what its 61xx announced; the replay asks the emulated
// card for what its own 61xx announced, in +CSIM and in +CGLA (where an
// APDU-only log's APDUs go), on the channel the session id maps to.
//
// A host that asked for less than its card announced (ISO 7816-4 lets
// GET RESPONSE take an answer in parts) is followed as it asked, while
// the emulated card has that much: the replay asked for the whole and
// said the field card had announced the host's Le (outside tester t63).
func TestGetResponseAsksWhatTheCardHas(t *testing.T) {
	for _, tc := range []struct {
		name, sent, field, answer, ids, recorded, want, why string
	}{
		{"+CGLA", `AT+CGLA=1,16,"81E2910003BF2000"`, `+CGLA: 4,"6164"`, `+CGLA: 4,"6138"`, "", `AT+CGLA=1,10,"81C0000064"`, `AT+CGLA=1,10,"81C0000038"`,
			"the 56 bytes the emulated card's 6138 announced, where the field's asked for the 100 its card's announced (Le 64)"},
		{"+CGLA on a mapped session", `AT+CGLA=3,16,"81E2910003BF2000"`, `+CGLA: 4,"6164"`, `+CGLA: 4,"6138"`, "3=1", `AT+CGLA=3,10,"81C0000064"`, `AT+CGLA=1,10,"81C0000038"`, ""},
		{"+CSIM", `AT+CSIM=16,"81E2910003BF2000"`, `+CSIM: 4,"6120"`, `+CSIM: 4,"6115"`, "", `AT+CSIM=10,"81C0000020"`, `AT+CSIM=10,"81C0000015"`, ""},
		{"another channel's 61xx", `AT+CGLA=2,16,"82E2910003BF2000"`, `+CGLA: 4,"6164"`, `+CGLA: 4,"6138"`, "", `AT+CGLA=1,10,"81C0000064"`, `AT+CGLA=1,10,"81C0000064"`, ""},
		{"no 61xx", `AT+CGLA=1,16,"81E2910003BF2000"`, `+CGLA: 4,"9000"`, `+CGLA: 4,"9000"`, "", `AT+CGLA=1,10,"81C0000064"`, `AT+CGLA=1,10,"81C0000064"`, ""},
		{"a part, as the host asked", `AT+CGLA=1,22,"81E2910006BF3E035C015A"`, `+CGLA: 4,"6115"`, `+CGLA: 4,"6115"`, "", `AT+CGLA=1,10,"81C000000A"`, `AT+CGLA=1,10,"81C000000A"`, ""},
		{"a part the emulated card has less than", `AT+CGLA=1,22,"81E2910006BF3E035C015A"`, `+CGLA: 4,"6140"`, `+CGLA: 4,"6108"`, "", `AT+CGLA=1,10,"81C000000A"`, `AT+CGLA=1,10,"81C0000008"`,
			"the 8 bytes the emulated card's 6108 announced, fewer than the 10 the field's asked for of the 64 its card announced (Le 0A)"},
		// Le 00 and 6100 stand for 256 (ISO/IEC 7816-4 §5.1): a host
		// that took 255 of a 6100 took a part (reviewer r65 read it as
		// asking for more than the card's 0 and sent Le 00).
		{"a part of a 6100", `AT+CGLA=1,22,"81E2910006BF3E035C015A"`, `+CGLA: 4,"6100"`, `+CGLA: 4,"6100"`, "", `AT+CGLA=1,10,"81C00000FF"`, `AT+CGLA=1,10,"81C00000FF"`, ""},
		{"all of a 6100", `AT+CGLA=1,22,"81E2910006BF3E035C015A"`, `+CGLA: 4,"6100"`, `+CGLA: 4,"6140"`, "", `AT+CGLA=1,10,"81C0000000"`, `AT+CGLA=1,10,"81C0000040"`,
			"the 64 bytes the emulated card's 6140 announced, where the field's asked for the 256 its card's announced (Le 00)"},
		{"the field's answer not in the log", `AT+CGLA=1,16,"81E2910003BF2000"`, "", `+CGLA: 4,"6138"`, "", `AT+CGLA=1,10,"81C0000064"`, `AT+CGLA=1,10,"81C0000038"`,
			"where the field's asked for 100 (Le 64; the log does not say what its card announced)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newSessionMap()
			if tc.ids != "" {
				m.ids[tc.ids[:1]] = tc.ids[2:]
			}
			var recorded []string
			if tc.field != "" {
				recorded = []string{tc.field, "OK"}
			}
			m.learn(field.Step{Line: tc.sent}, recorded, []string{tc.answer, "OK"})
			got, why := m.outgoing(tc.recorded, nil)
			if got != tc.want {
				t.Errorf("%s went out as %s, want %s", tc.recorded, got, tc.want)
			}
			if (got != tc.recorded) != (len(why) > 0) {
				t.Errorf("%s went out as %s, and why %+v", tc.recorded, got, why)
			}
			if tc.why != "" && (len(why) != 1 || !strings.Contains(why[0].why, tc.why)) {
				t.Errorf("why %+v, want one saying %q", why, tc.why)
			}
		})
	}
}

// Over +CGLA a host's CLA says 80 on every session: what waits is the
// session's, not the CLA's channel 0's (reviewer r65 #9: two sessions'
// 61xx overwrote each other).
func TestGetResponseBySession(t *testing.T) {
	m := newSessionMap()
	m.learn(field.Step{Line: `AT+CGLA=1,22,"80E2910006BF3E035C015A"`}, []string{`+CGLA: 4,"6115"`, "OK"}, []string{`+CGLA: 4,"6110"`, "OK"})
	m.learn(field.Step{Line: `AT+CGLA=2,16,"80E2910003BF2D00"`}, []string{`+CGLA: 4,"6164"`, "OK"}, []string{`+CGLA: 4,"6140"`, "OK"})
	for _, tc := range []struct{ recorded, want string }{
		{`AT+CGLA=1,10,"80C0000015"`, `AT+CGLA=1,10,"80C0000010"`},
		{`AT+CGLA=2,10,"80C0000064"`, `AT+CGLA=2,10,"80C0000040"`},
	} {
		if got, _ := m.outgoing(tc.recorded, nil); got != tc.want {
			t.Errorf("%s went out as %s, want %s", tc.recorded, got, tc.want)
		}
	}
}

// TestGetResponseAsT0Steps: under T=0 (TS 102 221 §7.3.1.1.4, ISO 7816-3)
// a GET RESPONSE whose P3 is not what waits gets 6Cxx with nothing done,
// from the field card and the emulated one alike, so one the field card
// answered with procedure bytes alone goes out as recorded: rewritten to
// the emulated card's length, it took the data at once and the recorded
// repeat got 6F00 (outside tester t166 F1). The repeat asks for what the
// emulated card's own 6Cxx named.
func TestGetResponseAsT0Steps(t *testing.T) {
	for _, tc := range []struct {
		name              string
		sent              string // the command before, its field and emulated answers
		field, answer     string
		recorded, answer2 string // the recorded GET RESPONSE and the field card's answer to it
		want, why         string
	}{
		{"Le 00 the field card answered 6Cxx", `AT+CSIM=22,"81E2910006BF3E035C015A"`, `+CSIM: 4,"6115"`, `+CSIM: 4,"6115"`,
			`AT+CSIM=10,"81C0000000"`, `+CSIM: 4,"6C15"`, `AT+CSIM=10,"81C0000000"`, ""},
		{"Le 00 answered 6Cxx, the emulated card has less", `AT+CGLA=1,22,"81E2910006BF3E035C015A"`, `+CGLA: 4,"6115"`, `+CGLA: 4,"6110"`,
			`AT+CGLA=1,10,"81C0000000"`, `+CGLA: 4,"6C15"`, `AT+CGLA=1,10,"81C0000000"`, ""},
		{"a GET RESPONSE the field card answered 61xx alone", `AT+CSIM=22,"81E2910006BF3E035C015A"`, `+CSIM: 4,"6115"`, `+CSIM: 4,"6110"`,
			`AT+CSIM=10,"81C0000015"`, `+CSIM:4,"6115"`, `AT+CSIM=10,"81C0000015"`, ""},
		{"the repeat after 6Cxx", `AT+CSIM=10,"81C0000000"`, `+CSIM: 4,"6C15"`, `+CSIM: 4,"6C15"`,
			`AT+CSIM=10,"81C0000015"`, `+CSIM: 46,"BF3E125A10890490321234512345123456789012359000"`, `AT+CSIM=10,"81C0000015"`, ""},
		{"the repeat after another 6Cxx", `AT+CSIM=10,"81C0000000"`, `+CSIM: 4,"6C15"`, `+CSIM: 4,"6C10"`,
			`AT+CSIM=10,"81C0000015"`, `+CSIM: 46,"BF3E125A10890490321234512345123456789012359000"`, `AT+CSIM=10,"81C0000010"`,
			"the 16 bytes the emulated card's 6C10 announced, where the field's asked for the 21 its card's announced (Le 15)"},
		// Data with it is no procedure byte: the card's length rules.
		{"Le 00 answered with data", `AT+CSIM=22,"81E2910006BF3E035C015A"`, `+CSIM: 4,"6115"`, `+CSIM: 4,"6115"`,
			`AT+CSIM=10,"81C0000000"`, `+CSIM: 46,"BF3E125A10890490321234512345123456789012359000"`, `AT+CSIM=10,"81C0000015"`, "fewer than the 256"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newSessionMap()
			m.learn(field.Step{Line: tc.sent}, []string{tc.field, "OK"}, []string{tc.answer, "OK"})
			got, why := m.outgoing(tc.recorded, []string{tc.answer2, "OK"})
			if got != tc.want {
				t.Errorf("%s went out as %s, want %s", tc.recorded, got, tc.want)
			}
			if (got != tc.recorded) != (len(why) > 0) {
				t.Errorf("%s went out as %s, and why %+v", tc.recorded, got, why)
			}
			if tc.why != "" && (len(why) != 1 || !strings.Contains(why[0].why, tc.why)) {
				t.Errorf("why %+v, want one saying %q", why, tc.why)
			}
		})
	}
}
