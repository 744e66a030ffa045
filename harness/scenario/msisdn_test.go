package scenario

import (
	"strings"
	"testing"
)

// A preinstalled profile's msisdn and an operator's msisdn_prefix, which
// numbers the profiles its SM-DP+ delivers: the prefix and the delivery's
// serial in 6 digits.
func TestParseMSISDN(t *testing.T) {
	src := edit(t, `{iccid: "89331000000000000029", operator: sfr}`, `{iccid: "89331000000000000029", operator: sfr, msisdn: "+33612345678"}`)
	src = edit2(t, src, `country: FR, tariff: 0.5}`, `country: FR, tariff: 0.5, smdp: smdp.sfr.test, msisdn_prefix: "+33699"}`)
	s, err := Parse("m.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Device.Profiles[1].MSISDN; got != "+33612345678" {
		t.Errorf("sfr profile's msisdn %q", got)
	}
	if got := s.Device.Profiles[0].MSISDN; got != "" {
		t.Errorf("cmcc profile's msisdn %q", got)
	}
	sfr := s.Network.Operators[1]
	for seq, want := range map[int]string{1: "+33699000001", 42: "+33699000042", 1234567: "+336991234567"} {
		if got := sfr.DeliveredMSISDN(seq); got != want {
			t.Errorf("delivery %d: %q, want %q", seq, got, want)
		}
	}
	if got := s.Network.Operators[0].DeliveredMSISDN(1); got != "" {
		t.Errorf("cmcc delivers %q, want no number", got)
	}
}

func TestParseMSISDNErrors(t *testing.T) {
	profile := func(v string) string {
		return edit(t, `{iccid: "89331000000000000029", operator: sfr}`, `{iccid: "89331000000000000029", operator: sfr, msisdn: `+v+`}`)
	}
	prefix := func(v string) string {
		return edit(t, `country: FR, tariff: 0.5}`, `country: FR, tariff: 0.5, smdp: smdp.sfr.test, msisdn_prefix: `+v+`}`)
	}
	const number = ` is not a subscriber number (1 to 20 digits, "+" first for an international one, TS 31.102 §4.2.26)`
	const start = ` is not the start of a number ("+" for an international one, then at most 14 digits: the 6 of each delivery's serial follow, TS 31.102 §4.2.26)`
	tests := []struct{ name, src, want string }{
		{"letters", profile(`"+33abc"`), `b.yaml:14:62: device.profiles[1].msisdn: "+33abc"` + number},
		{"spaces", profile(`"+33 6 12"`), `b.yaml:14:62: device.profiles[1].msisdn: "+33 6 12"` + number},
		{"21 digits", profile(`"123456789012345678901"`), `b.yaml:14:62: device.profiles[1].msisdn: "123456789012345678901"` + number},
		{"plus alone", profile(`"+"`), `b.yaml:14:62: device.profiles[1].msisdn: "+"` + number},
		{"prefix too long", prefix(`"+123456789012345"`), `b.yaml:5:94: network.operators[1].msisdn_prefix: "+123456789012345"` + start},
		{"prefix letters", prefix(`"+33x"`), `b.yaml:5:94: network.operators[1].msisdn_prefix: "+33x"` + start},
		{"prefix without an SM-DP+", edit(t, `country: FR, tariff: 0.5}`, `country: FR, tariff: 0.5, msisdn_prefix: "+336"}`),
			`b.yaml:5:73: network.operators[1].msisdn_prefix: numbers the profiles the operator's SM-DP+ delivers: give smdp too`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantParseError(t, tt.src, tt.want)
		})
	}
}

// edit2 is edit on another source than base.
func edit2(t *testing.T, src, old, new string) string {
	t.Helper()
	out := strings.Replace(src, old, new, 1)
	if out == src {
		t.Fatalf("source lacks %q", old)
	}
	return out
}
