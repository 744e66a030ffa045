package saip

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// HPPLMNOf codes a search period as TS 31.102 §4.2.6 does: '00' no
// search, n × 6 min for '01'-'50'; what has no coding is refused.
func TestHPPLMNOf(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want byte
		err  string
	}{
		{0, 0x00, ""},
		{6 * time.Minute, 0x01, ""},
		{time.Hour, 0x0A, ""},
		{90 * time.Minute, 0x0F, ""},
		{8 * time.Hour, 0x50, ""},
		{5 * time.Minute, 0, "not a multiple of 6m0s"},
		{time.Hour + time.Second, 0, "not a multiple of 6m0s"},
		{8*time.Hour + 6*time.Minute, 0, "beyond 8h0m0s"},
		{-6 * time.Minute, 0, "negative"},
	} {
		got, err := HPPLMNOf(tc.d)
		switch {
		case tc.err == "" && (err != nil || got != tc.want):
			t.Errorf("HPPLMNOf(%v) = %02X, %v; want %02X", tc.d, got, err, tc.want)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("HPPLMNOf(%v) = %02X, %v; want an error with %q", tc.d, got, err, tc.err)
		}
	}
}

// The package carries the profile's EF HPPLMN and Parse reads it back;
// none given is the default 0A.
func TestBuildHPPLMN(t *testing.T) {
	for _, tc := range []struct {
		period *byte
		want   byte
	}{{nil, 0x0A}, {new(byte(0x00)), 0x00}, {new(byte(0x50)), 0x50}, {new(byte(0x01)), 0x01}} {
		p := testProfile
		p.HPPLMN = tc.period
		got, err := Parse(mustBuild(t, p))
		if err != nil {
			t.Fatal(err)
		}
		if h := got.Profile.HPPLMN; h == nil || *h != tc.want {
			t.Errorf("built with %s: EF HPPLMN %s, want %02X", hexByte(tc.period), hexByte(h), tc.want)
		}
	}
}

// hexByte shows an optional byte: its hex, or nil.
func hexByte(b *byte) string {
	if b == nil {
		return "nil"
	}
	return fmt.Sprintf("%02X", *b)
}

// TestHPPLMNPeriod: the byte decoded as the modem reads it — '00' no
// search, '01'-'50' n × 6 min, anything above the 60-minute default —
// and every period HPPLMNOf codes decodes back to itself.
func TestHPPLMNPeriod(t *testing.T) {
	for _, tc := range []struct {
		v    byte
		want time.Duration
	}{
		{0x00, 0}, {0x01, 6 * time.Minute}, {0x0A, time.Hour}, {0x50, 8 * time.Hour},
		{0x51, time.Hour}, {0xFF, time.Hour},
	} {
		if got := HPPLMNPeriod(tc.v); got != tc.want {
			t.Errorf("HPPLMNPeriod(%#02x) = %v, want %v", tc.v, got, tc.want)
		}
	}
	for d := time.Duration(0); d <= HPPLMNMax; d += HPPLMNStep {
		b, err := HPPLMNOf(d)
		if err != nil || HPPLMNPeriod(b) != d {
			t.Errorf("HPPLMNPeriod(HPPLMNOf(%v) = %#02x, %v) = %v", d, b, err, HPPLMNPeriod(b))
		}
	}
}
