package smdp

import (
	"testing"

	"github.com/esimhil/esimhil/internal/proto/saip"
)

// EF SPN holds 16 bytes: a longer name is cut at a whole character, so a
// name in a script of 3-byte characters keeps its first five, not a
// broken sixth.
func TestPackageSPN(t *testing.T) {
	tests := []struct{ name, spn, want string }{
		{"short", "SFR", "SFR"},
		{"ASCII cut at 16", "Operator-of-seventeen", "Operator-of-seve"},
		{"CJK cut at a character", "中国移动通信集团", "中国移动通"},
		{"no SPN: the profile name", "", "Orange"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pkg, err := (&Server{}).profilePackage(Profile{ICCID: "89331000000000000029", IMSI: "208101234567890", Name: "Orange", SPN: tt.spn})
			if err != nil {
				t.Fatal(err)
			}
			p, err := saip.Parse(pkg)
			if err != nil {
				t.Fatal(err)
			}
			if p.Profile.SPN != tt.want {
				t.Errorf("EF SPN %q, want %q", p.Profile.SPN, tt.want)
			}
		})
	}
}
