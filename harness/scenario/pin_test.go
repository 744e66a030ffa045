package scenario

import (
	"testing"
)

// An operator's pin1: the code and whether its verification is enabled;
// without it, nil (the default PIN1, disabled).
func TestParsePIN1(t *testing.T) {
	src := edit(t, "country: FR, tariff: 0.5}", `country: FR, tariff: 0.5, pin1: {code: "1234", enabled: true}}`)
	s, err := Parse("p.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Network.Operators[1].PIN1; got == nil || *got != (PIN1{Code: "1234", Enabled: true}) {
		t.Fatalf("sfr pin1 %+v", got)
	}
	if s.Network.Operators[0].PIN1 != nil {
		t.Fatalf("cmcc pin1 %+v", s.Network.Operators[0].PIN1)
	}
	src = edit(t, "country: FR, tariff: 0.5}", `country: FR, tariff: 0.5, pin1: {code: "00001111"}}`)
	if s, err = Parse("p.yaml", []byte(src)); err != nil || *s.Network.Operators[1].PIN1 != (PIN1{Code: "00001111"}) {
		t.Fatalf("%+v %v", s, err)
	}
}

func TestParsePIN1Errors(t *testing.T) {
	pin1 := func(v string) string {
		return edit(t, "country: FR, tariff: 0.5}", "country: FR, tariff: 0.5, pin1: "+v+"}")
	}
	tests := []struct{ name, src, want string }{
		{"short", pin1(`{code: "123", enabled: true}`), `b.yaml:5:71: network.operators[1].pin1.code: "123" is not a PIN (4 to 8 digits, TS 102 221 §9.5.2)`},
		{"long", pin1(`{code: "123456789"}`), `b.yaml:5:71: network.operators[1].pin1.code: "123456789" is not a PIN (4 to 8 digits, TS 102 221 §9.5.2)`},
		{"letters", pin1(`{code: "12a4"}`), `b.yaml:5:71: network.operators[1].pin1.code: "12a4" is not a PIN (4 to 8 digits, TS 102 221 §9.5.2)`},
		{"no code", pin1(`{enabled: true}`), `b.yaml:5:64: network.operators[1].pin1.code: required field missing`},
		{"unknown field", pin1(`{code: "1234", puk: "12345678"}`), `b.yaml:5:79: network.operators[1].pin1.puk: unknown field`},
		{"enabled not a bool", pin1(`{code: "1234", enabled: yes please}`), `b.yaml:5:88: network.operators[1].pin1.enabled: want true or false, got "yes please"`},
		{"not a mapping", pin1(`"1234"`), `b.yaml:5:64: network.operators[1].pin1: want a mapping, got "1234"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantParseError(t, tt.src, tt.want)
		})
	}
}
