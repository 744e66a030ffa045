package euicc

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/internal/codec/apdu"
	"github.com/esimhil/esimhil/internal/codec/tlv"
	"github.com/esimhil/esimhil/internal/proto/saip"
)

// pinConfig is testConfig with the enabled profile's PIN1 "1234",
// enabled or not.
func pinConfig(enabled bool) Config {
	cfg := testConfig()
	cfg.Profiles[0].PIN1, cfg.Profiles[0].PIN1Enabled = "1234", enabled
	return cfg
}

// PIN blocks and commands of TS 102 221 §11.1.9-11.1.13 (P2 01: PIN1).
const (
	pin1234   = "31323334FFFFFFFF"
	pin5678   = "35363738FFFFFFFF"
	pin1111   = "31313131FFFFFFFF"
	puk       = "3132333435363738" // DefaultPUK1
	wrongPUK  = "3837363534333231"
	status    = "00200001"   // VERIFY, no data: the PIN's status
	statusLe  = "0020000100" // the same with P3 00 (Le)
	verify    = "0020000108"
	change    = "0024000110"
	disable   = "0026000108"
	enable    = "0028000108"
	unblock   = "002C000110"
	pukStatus = "002C0001"
	readIMSI  = "00B0000009"
	selIMSI   = "00A4000C026F07"
)

// sws is one APDU and the status word it must get (data not checked).
type sws struct {
	cmd string
	sw  uint16
}

func runSW(t *testing.T, c *Card, steps []sws) {
	t.Helper()
	for i, s := range steps {
		if r := tx(t, c, s.cmd); r.SW != s.sw {
			t.Fatalf("step %d: %s → %04X, want %04X", i, s.cmd, r.SW, s.sw)
		}
	}
	if c.panicked != nil {
		t.Fatalf("card panicked: %v", c.panicked)
	}
}

// Every PIN command and status word, each case on a fresh card whose
// enabled profile has PIN1 1234.
func TestPINCommands(t *testing.T) {
	tests := []struct {
		name    string
		enabled bool
		steps   []sws
	}{
		{"disabled: status 9000, EF IMSI reads", false, []sws{
			{status, 0x9000}, {statusLe, 0x9000},
			{selectUSIM, 0x9000}, {selIMSI, 0x9000}, {readIMSI, 0x9000},
			{verify + pin1234, 0x6984}, // a disabled PIN is not verified
			{change + pin1234 + pin5678, 0x6984},
			{pukStatus, 0x63CA},
		}},
		{"enabled: EF IMSI 6982 until VERIFY", true, []sws{
			{status, 0x63C3},
			{selectUSIM, 0x9000}, {selIMSI, 0x9000}, {readIMSI, 0x6982},
			{"00B08B000B", 0x6982},     // EF LOCI by SFI: PIN1 too
			{"00A4000C026FAD", 0x9000}, // EF AD: read always
			{"00B0000004", 0x9000},
			{verify + pin1111, 0x63C2},
			{status, 0x63C2},
			{verify + pin1234, 0x9000},
			{status, 0x9000},
			{selIMSI, 0x9000}, {readIMSI, 0x9000},
			{"00B08B000B", 0x9000},
		}},
		{"three wrong: blocked; the PUK sets a new PIN", true, []sws{
			{verify + pin1111, 0x63C2}, {verify + pin1111, 0x63C1}, {verify + pin1111, 0x63C0},
			{status, 0x6983},
			{verify + pin1234, 0x6983}, // the right PIN no longer helps
			{change + pin1234 + pin5678, 0x6983},
			{disable + pin1234, 0x6983},
			{pukStatus, 0x63CA},
			{unblock + wrongPUK + pin5678, 0x63C9},
			{unblock + puk + "313233FFFFFFFFFF", 0x6A80}, // a new PIN of 3 digits
			{pukStatus, 0x63C9},
			{unblock + puk + pin5678, 0x9000},
			{status, 0x9000}, // verified by the unblock
			{pukStatus, 0x63CA},
			{selectUSIM, 0x9000}, {selIMSI, 0x9000}, {readIMSI, 0x9000},
			{verify + pin1234, 0x63C2},
			{verify + pin5678, 0x9000},
		}},
		{"ten wrong PUKs block the PUK", true, append(append(func() []sws {
			var s []sws
			for i := 0; i < 3; i++ {
				s = append(s, sws{verify + pin1111, 0x63C2 - uint16(i)})
			}
			return s
		}(), func() []sws {
			var s []sws
			for left := 9; left >= 0; left-- {
				s = append(s, sws{unblock + wrongPUK + pin5678, 0x63C0 | uint16(left)})
			}
			return s
		}()...), sws{pukStatus, 0x6983}, sws{unblock + puk + pin5678, 0x6983}, sws{status, 0x6983})},
		{"CHANGE", true, []sws{
			{change + pin1111 + pin5678, 0x63C2},
			{change + pin1234 + "3536FFFFFFFFFFFF", 0x6A80}, // a new PIN of 2 digits
			{change + pin1234 + pin5678, 0x9000},            // the counter is full again
			{status, 0x9000},
			{verify + pin1234, 0x63C2},
			{verify + pin5678, 0x9000},
		}},
		{"DISABLE and ENABLE", true, []sws{
			{disable + pin1111, 0x63C2},
			{disable + pin1234, 0x9000},
			{status, 0x9000},
			{selectUSIM, 0x9000}, {selIMSI, 0x9000}, {readIMSI, 0x9000},
			{disable + pin1234, 0x9000}, // already disabled: still checked, still ok
			{enable + pin1111, 0x63C2},
			{enable + pin1234, 0x9000},
			{status, 0x9000}, // the PIN just presented counts as verified
			{enable + pin1234, 0x9000},
		}},
		{"bad input: status words, no attempt spent", true, []sws{
			{"00200101", 0x6A86},                             // P1 01
			{"0026800108" + pin1234, 0x6A86},                 // DISABLE with an alternative key
			{"00200002", 0x6A88},                             // PIN Appl 2: no such key here
			{"00200082", 0x6A88},                             // the second PIN of Appl 2
			{"0020000B", 0x6A88},                             // ADM2
			{"00200011", 0x6A88},                             // the universal PIN: a card without one
			{"00200010", 0x6A86},                             // not a key reference
			{"00200000", 0x6A86},                             // key 00
			{"0020000A", 0x6985},                             // ADM1: not from the terminal
			{"0020000A083838383838383838", 0x6985},           // even with its code
			{"002000010731323334FFFFFF", 0x6700},             // 7 bytes
			{"00200001093132333435363738FF", 0x6700},         // 9 bytes
			{verify + "3132333AFFFFFFFF", 0x6A80},            // not a digit
			{verify + "313233FFFFFFFFFF", 0x6A80},            // 3 digits
			{verify + "31FF3233FFFFFFFF", 0x6A80},            // a digit after padding
			{verify + "FFFFFFFFFFFFFFFF", 0x6A80},            // empty
			{"0024000108" + pin1234, 0x6700},                 // CHANGE with one block
			{"002C000108" + puk, 0x6700},                     // UNBLOCK with one block
			{unblock + "31323334FFFFFFFF" + pin5678, 0x6A80}, // a PUK is 8 digits
			{"00260001", 0x6700},                             // DISABLE without data
			{"00280001", 0x6700},                             // ENABLE without data
			{"00240001", 0x6700},                             // CHANGE without data
			{"0026008108" + pin1234, 0x6985},                 // PIN2 may not be disabled
			{"8020000108" + pin1234, 0x6E00},                 // a proprietary class
			{status, 0x63C3},                                 // none of it cost an attempt
		}},
		{"PIN2 guards EF EST's update", false, []sws{
			{"00200081", 0x63C3},
			{selectUSIM, 0x9000}, {"00A4000C026F56", 0x9000},
			{"00D6000001FF", 0x6982},
			{"0020008108" + pin1111, 0x63C2},
			{"0020008108" + pin1234, 0x9000}, // the package gives PIN2 PIN1's code
			{"00200081", 0x9000},
			{"00D6000001FF", 0x9000},
			{"002C0081", 0x63CA},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newTestCard(t, pinConfig(tc.enabled))
			runSW(t, c, tc.steps)
		})
	}
}

// pinStatusOf is the PS_DO byte of a DF's PIN status template (C6).
func pinStatusOf(t *testing.T, c *Card, path string) byte {
	t.Helper()
	for _, d := range fcpOf(t, c, path) {
		if d.Tag != 0xC6 {
			continue
		}
		ps, err := tlv.Parse(d.Value)
		if err != nil || len(ps) == 0 || ps[0].Tag != 0x90 || len(ps[0].Value) != 1 {
			t.Fatalf("%s: C6 %X", path, d.Value)
		}
		return ps[0].Value[0]
	}
	t.Fatalf("%s: no C6", path)
	return 0
}

// The FCPs' PIN status templates state PIN1's real state (TS 102 221
// §11.1.1.4.10: PS_DO b8 for the first key, 01): enabled, then disabled
// by DISABLE PIN, then enabled again.
func TestPINStatusTemplate(t *testing.T) {
	c := newTestCard(t, pinConfig(true))
	check := func(mf, usim byte) {
		t.Helper()
		if got := pinStatusOf(t, c, "3F00"); got != mf {
			t.Errorf("MF PS_DO %02X, want %02X", got, mf)
		}
		if got := pinStatusOf(t, c, "7FFF"); got != usim {
			t.Errorf("USIM PS_DO %02X, want %02X", got, usim)
		}
	}
	check(0xC0, 0xE0) // 01 and 0A; 01, 81 and 0A enabled
	runSW(t, c, []sws{{disable + pin1234, 0x9000}})
	check(0x40, 0x60)
	runSW(t, c, []sws{{enable + pin1234, 0x9000}})
	check(0xC0, 0xE0)
}

// Enabled state and counters are NVM: they survive a reset, a power cut
// and an NVM image; the verification does not survive any of them.
func TestPINPersistence(t *testing.T) {
	c := newTestCard(t, pinConfig(true))
	runSW(t, c, []sws{{verify + pin1111, 0x63C2}, {unblock + wrongPUK + pin5678, 0x63C9}})
	c.Reset()
	runSW(t, c, []sws{{status, 0x63C2}, {pukStatus, 0x63C9}, {verify + pin1234, 0x9000}, {status, 0x9000}})
	c.Reset()
	runSW(t, c, []sws{{status, 0x63C3}, {selectUSIM, 0x9000}, {selIMSI, 0x9000}, {readIMSI, 0x6982}})
	runSW(t, c, []sws{{verify + pin1234, 0x9000}})
	c.PowerOff()
	c.Reset()
	runSW(t, c, []sws{{status, 0x63C3}})

	// Through an NVM image: a changed code, one attempt spent.
	runSW(t, c, []sws{{change + pin1234 + pin5678, 0x9000}, {verify + pin1111, 0x63C2}})
	img, err := c.NVM()
	if err != nil {
		t.Fatal(err)
	}
	r, err := Restore(testConfig(), img)
	if err != nil {
		t.Fatalf("Restore: %v", err)
	}
	r.Reset()
	runSW(t, r, []sws{{status, 0x63C2}, {verify + pin1234, 0x63C1}, {verify + pin5678, 0x9000}})

	// Disabled through an image, and a blocked PIN stays blocked.
	runSW(t, r, []sws{{disable + pin5678, 0x9000}})
	img, _ = r.NVM()
	r2, err := Restore(testConfig(), img)
	if err != nil {
		t.Fatal(err)
	}
	r2.Reset()
	runSW(t, r2, []sws{{status, 0x9000}, {selectUSIM, 0x9000}, {selIMSI, 0x9000}, {readIMSI, 0x9000}})
	runSW(t, r2, []sws{{enable + pin1111, 0x63C2}, {enable + pin1111, 0x63C1}, {enable + pin1111, 0x63C0}})
	img, _ = r2.NVM()
	r3, _ := Restore(testConfig(), img)
	r3.Reset()
	runSW(t, r3, []sws{{status, 0x6983}, {pukStatus, 0x63C9}}) // the PUK attempt spent at the start
}

// A profile's keys are its own: the switch to the other profile (a REFRESH
// resets the card) shows that one's, and the way back the first's, not
// verified any more.
func TestPINPerProfile(t *testing.T) {
	c := newTestCard(t, pinConfig(true))
	runSW(t, c, []sws{{verify + pin1234, 0x9000}})
	runScript(t, c, enableSteps(iccidSFR))
	c.Reset()
	runSW(t, c, []sws{{status, 0x9000}, {verify + pin1234, 0x6984}, {selectUSIM, 0x9000}, {selIMSI, 0x9000}, {readIMSI, 0x9000}})
	runScript(t, c, enableSteps(iccidCMCC))
	c.Reset()
	runSW(t, c, []sws{{status, 0x63C3}})
}

// Default keys stay out of the NVM image (images written before PINs
// existed read the same); changed ones are in it, and an image whose keys
// no card could hold is refused with the field named.
func TestPINNVMImage(t *testing.T) {
	c := newTestCard(t, testConfig())
	img, _ := c.NVM()
	if bytes.Contains(img, []byte(`"pin"`)) {
		t.Errorf("default keys in the image: %s", img)
	}
	c = newTestCard(t, pinConfig(true))
	img, _ = c.NVM()
	var im struct {
		Profiles []struct {
			PIN *pinState `json:"pin"`
		} `json:"profiles"`
	}
	if err := json.Unmarshal(img, &im); err != nil {
		t.Fatal(err)
	}
	want := newPINState("1234", true)
	if p := im.Profiles[0].PIN; p == nil || *p != want {
		t.Fatalf("profile 0 keys %+v, want %+v", p, want)
	}
	for _, tc := range []struct{ from, to, field string }{
		{`"pin1":{"code":"1234","left":3}`, `"pin1":{"code":"12a4","left":3}`, "profiles[0].pin.pin1.code"},
		{`"pin1":{"code":"1234","left":3}`, `"pin1":{"code":"1234","left":4}`, "profiles[0].pin.pin1.left"},
		{`"puk1":{"code":"12345678","left":10}`, `"puk1":{"code":"1234","left":10}`, "profiles[0].pin.puk1.code"},
		{`"puk1":{"code":"12345678","left":10}`, `"puk1":{"code":"12345678","left":-1}`, "profiles[0].pin.puk1.left"},
		{`"adm1":"88888888"`, `"adm1":"8888"`, "profiles[0].pin.adm1"},
	} {
		bad := strings.Replace(string(img), tc.from, tc.to, 1)
		if bad == string(img) {
			t.Fatalf("%s not in the image %s", tc.from, img)
		}
		_, err := Restore(testConfig(), []byte(bad))
		if err == nil || !strings.Contains(err.Error(), tc.field) {
			t.Errorf("%s: %v, want an error naming %s", tc.to, err, tc.field)
		}
	}
}

// A PIN1 that is not 4-8 digits is refused at New.
func TestPINSpecRefused(t *testing.T) {
	for _, pin := range []string{"123", "123456789", "12a4"} {
		cfg := testConfig()
		cfg.Profiles[0].PIN1 = pin
		if _, err := New(cfg); err == nil || !strings.Contains(err.Error(), "PIN1") {
			t.Errorf("PIN1 %q: %v", pin, err)
		}
	}
}

// The keys of a downloaded profile come from its package.
func TestPackagePINState(t *testing.T) {
	for _, tc := range []struct {
		p    saip.Profile
		want pinState
	}{
		{saip.Profile{}, newPINState("", false)},
		{saip.Profile{PIN1: "4321", PIN1Enabled: true, PUK1: "87654321", PIN2: "9999", PUK2: "11112222", ADM1: "12341234"},
			pinState{PIN1: secret{"4321", 3}, PUK1: secret{"87654321", 10}, PIN1Enabled: true,
				PIN2: secret{"9999", 3}, PUK2: secret{"11112222", 10}, ADM1: "12341234"}},
	} {
		if got := packagePINState(tc.p); got != tc.want {
			t.Errorf("%+v: %+v, want %+v", tc.p, got, tc.want)
		}
	}
}

// No APDU to the PIN commands panics or answers other than with a status
// word, whatever its bytes.
func TestPINCommandsNeverPanic(t *testing.T) {
	c := newTestCard(t, pinConfig(true))
	for _, ins := range []byte{0x20, 0x24, 0x26, 0x28, 0x2C} {
		for p2 := 0; p2 < 256; p2 += 7 {
			for n := 0; n <= 17; n++ {
				cmd := append([]byte{0x00, ins, 0x00, byte(p2)}, byte(n))
				cmd = append(cmd, bytes.Repeat([]byte{0x35}, n)...)
				if rsp := c.Transmit(cmd); len(rsp) != 2 {
					t.Fatalf("%X → %X", cmd, rsp)
				}
			}
		}
	}
	if c.panicked != nil {
		t.Fatal(c.panicked)
	}
}

// The ISD-R's ES10 functions need no PIN: a locked card lists its
// profiles and switches (the way the applet falls back, claim 3).
func TestES10WithPINLocked(t *testing.T) {
	c := newTestCard(t, pinConfig(true))
	runSW(t, c, []sws{{"00A4040C10" + isdrAID, apdu.SWOK}})
	if r := tx(t, c, "80E2910003BF2D00"); r.SW1() != 0x61 {
		t.Fatalf("ProfileInfoList: %04X, want 61xx", r.SW)
	}
	runScript(t, c, enableSteps(iccidSFR))
}

// A downloaded profile takes its keys from its package: enabled there
// (pinAttributes), SIM PIN once it is enabled and the card reset.
func TestDownloadedProfilePIN(t *testing.T) {
	cfg, _ := rspConfig(t)
	c := newTestCard(t, cfg)
	l := newLPA(t, c)
	l.pkg.PIN1, l.pkg.PIN1Enabled = "4321", true
	l.authenticate()
	l.prepare()
	if res := l.pir(l.load(l.bpp())); !res.Data.OK {
		t.Fatalf("install: %+v", res.Data)
	}
	runScript(t, c, enableSteps("98330100000000000073")) // 89331000000000000037 swapped
	c.Reset()
	runSW(t, c, []sws{{status, 0x63C3}, {selectUSIM, 0x9000}, {selIMSI, 0x9000}, {readIMSI, 0x6982},
		{verify + pin1234, 0x63C2}, {verify + "34333231FFFFFFFF", 0x9000}, {readIMSI, 0x9000}})
}
