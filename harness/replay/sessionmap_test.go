package replay

import (
	"testing"

	"github.com/esimhil/esimhil/harness/field"
)

// TestGetResponseAsksWhatTheCardHas: a recorded GET RESPONSE asked the
// field card for what its 61xx announced; the replay asks the emulated
// card for what its own 61xx announced, in +CSIM and in +CGLA (where an
// APDU-only log's APDUs go), on the channel the session id maps to.
func TestGetResponseAsksWhatTheCardHas(t *testing.T) {
	for _, tc := range []struct {
		name, sent, answer, ids, recorded, want string
	}{
		{"+CGLA", `AT+CGLA=1,16,"81E2910003BF2000"`, `+CGLA: 4,"6138"`, "", `AT+CGLA=1,10,"81C0000064"`, `AT+CGLA=1,10,"81C0000038"`},
		{"+CGLA on a mapped session", `AT+CGLA=3,16,"81E2910003BF2000"`, `+CGLA: 4,"6138"`, "3=1", `AT+CGLA=3,10,"81C0000064"`, `AT+CGLA=1,10,"81C0000038"`},
		{"+CSIM", `AT+CSIM=16,"81E2910003BF2000"`, `+CSIM: 4,"6115"`, "", `AT+CSIM=10,"81C0000020"`, `AT+CSIM=10,"81C0000015"`},
		{"another channel's 61xx", `AT+CGLA=2,16,"82E2910003BF2000"`, `+CGLA: 4,"6138"`, "", `AT+CGLA=1,10,"81C0000064"`, `AT+CGLA=1,10,"81C0000064"`},
		{"no 61xx", `AT+CGLA=1,16,"81E2910003BF2000"`, `+CGLA: 4,"9000"`, "", `AT+CGLA=1,10,"81C0000064"`, `AT+CGLA=1,10,"81C0000064"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newSessionMap()
			if tc.ids != "" {
				m.ids[tc.ids[:1]] = tc.ids[2:]
			}
			m.learn(nil, field.Step{Line: tc.sent}, []string{tc.answer, "OK"})
			got, why := m.outgoing(tc.recorded)
			if got != tc.want {
				t.Errorf("%s went out as %s, want %s", tc.recorded, got, tc.want)
			}
			if (got != tc.recorded) != (len(why) > 0) {
				t.Errorf("%s went out as %s, and why %+v", tc.recorded, got, why)
			}
		})
	}
}
