package euicc

// The user verification commands of TS 102 221 §11.1.9-11.1.13 (VERIFY,
// CHANGE, DISABLE, ENABLE and UNBLOCK PIN) on the keys of the profile in
// force: PIN Appl 1 (key 01) with PUK1, the USIM's second PIN (81, PIN2)
// with PUK2, and ADM1 (0A). pinState is pure: it takes one command and
// returns its status word; the card keeps it per profile in NVM and keeps
// the verification status, which a reset loses, in the file system.

import (
	"fmt"

	"github.com/esimhil/esimhil/internal/codec/apdu"
	"github.com/esimhil/esimhil/internal/ident"
	"github.com/esimhil/esimhil/internal/proto/saip"
)

// Attempts a PIN and a PUK start with: the interoperable format's
// DEFAULTs (maxNumOfAttemps-retryNumLeft 51 and 170: 3 and 10), which the
// SM-DP+'s packages keep.
const (
	PINAttempts = 3
	PUKAttempts = 10
)

// The codes of a profile whose package or scenario names none, as the
// SM-DP+ builds its packages (smdp.DefaultPIN1 …).
const (
	DefaultPIN1 = "0000"
	DefaultPUK1 = "12345678"
	DefaultADM1 = "88888888"
)

// secret is a PIN or PUK: its digits and the attempts left.
type secret struct {
	Code string `json:"code"`
	Left int    `json:"left"`
}

// pinState is a profile's keys as its NVM keeps them: codes, attempts
// left, and whether PIN1 is enabled. PIN2 is always enabled (its
// pinAttributes does not make it disablable) and ADM1 is the operator's.
type pinState struct {
	PIN1        secret `json:"pin1"`
	PUK1        secret `json:"puk1"`
	PIN1Enabled bool   `json:"pin1_enabled,omitempty"`
	PIN2        secret `json:"pin2"`
	PUK2        secret `json:"puk2"`
	ADM1        string `json:"adm1"`
}

// newPINState is a profile's keys as installed: PIN1 (its code, or
// DefaultPIN1) enabled or not, PIN2 with PIN1's code, and the default
// PUKs and ADM1, every counter full, as the SM-DP+'s packages have them.
func newPINState(pin1 string, enabled bool) pinState {
	if pin1 == "" {
		pin1 = DefaultPIN1
	}
	return pinState{PIN1: secret{pin1, PINAttempts}, PUK1: secret{DefaultPUK1, PUKAttempts}, PIN1Enabled: enabled,
		PIN2: secret{pin1, PINAttempts}, PUK2: secret{DefaultPUK1, PUKAttempts}, ADM1: DefaultADM1}
}

// packagePINState is the keys a profile package sets (saip.Parse): its
// values where it gives them, the defaults where it does not.
func packagePINState(p saip.Profile) pinState {
	st := newPINState(p.PIN1, p.PIN1 != "" && p.PIN1Enabled)
	set := func(s *secret, v string) {
		if v != "" {
			s.Code = v
		}
	}
	set(&st.PUK1, p.PUK1)
	set(&st.PIN2, p.PIN2)
	set(&st.PUK2, p.PUK2)
	if p.ADM1 != "" {
		st.ADM1 = p.ADM1
	}
	return st
}

// check names the first field of st no card could hold.
func (st pinState) check() error {
	for _, f := range []struct {
		name     string
		s        secret
		min, max int
	}{
		{"pin1", st.PIN1, 4, PINAttempts}, {"puk1", st.PUK1, 8, PUKAttempts},
		{"pin2", st.PIN2, 4, PINAttempts}, {"puk2", st.PUK2, 8, PUKAttempts},
	} {
		switch {
		case !ident.Digits(f.s.Code, f.min, 8):
			return fmt.Errorf("%s.code: %q: want %d to 8 digits", f.name, f.s.Code, f.min)
		case f.s.Left < 0 || f.s.Left > f.max:
			return fmt.Errorf("%s.left: %d: want 0..%d", f.name, f.s.Left, f.max)
		}
	}
	if !ident.Digits(st.ADM1, 8, 8) {
		return fmt.Errorf("adm1: %q: want 8 digits", st.ADM1)
	}
	return nil
}

// met reports whether key's security condition is met (TS 102 221 §9.5.1):
// an enabled PIN once verified, PIN1 also while disabled; ADM1 never
// from the terminal.
func (st *pinState) met(verified map[byte]bool, key byte) bool {
	switch key {
	case saip.KeyPIN1:
		return !st.PIN1Enabled || verified[key]
	case saip.KeyPIN2:
		return verified[key]
	}
	return false
}

// terminalMet is met as far as a terminal can ever satisfy it: PIN1 and
// PIN2 (with their codes), never ADM1; it decides which files a terminal
// may write at all.
func terminalMet(key byte) bool { return key == saip.KeyPIN1 || key == saip.KeyPIN2 }

// command runs one PIN command (INS, P1, P2 and data of the APDU) and
// returns its status word; verified is the volatile verification status,
// which it updates. The order of the checks: the key reference (P1 00,
// P2 01 or 81; ADM1 and the other references of table 9.3 are refused),
// a data-less command's status answer, the data's length and format, the
// retry counter, then the comparison, whose failure costs one attempt.
func (st *pinState) command(verified map[byte]bool, ins, p1, p2 byte, data []byte) uint16 {
	if p1 != 0x00 {
		// DISABLE's alternative global key (P1 8X) is not supported.
		return apdu.SWIncorrectP1P2
	}
	pin, puk, enabled := &st.PIN1, &st.PUK1, st.PIN1Enabled
	switch {
	case p2 == saip.KeyPIN1:
	case p2 == saip.KeyPIN2:
		pin, puk, enabled = &st.PIN2, &st.PUK2, true
	case p2 == saip.KeyADM1:
		// ADM1 is verified over the operator's administrative path
		// (remote file management), not from the terminal's interface.
		return apdu.SWConditionsNotSatisfied
	case keyReference(p2):
		return apdu.SWReferencedDataNotFound
	default:
		return apdu.SWIncorrectP1P2
	}
	if len(data) == 0 {
		switch ins {
		case apdu.InsVerifyPIN: // §11.1.9.1.2: the status of the PIN
			switch {
			case pin.Left == 0:
				return apdu.SWPINBlocked
			case !enabled || verified[p2]:
				return apdu.SWOK
			}
			return tries(pin.Left)
		case apdu.InsUnblockPIN: // §11.1.13.1.2: the PUK's attempts left
			if puk.Left == 0 {
				return apdu.SWPINBlocked
			}
			return tries(puk.Left)
		}
		return apdu.SWWrongLength
	}
	want := 8
	if ins == apdu.InsChangePIN || ins == apdu.InsUnblockPIN {
		want = 16
	}
	if len(data) != want {
		return apdu.SWWrongLength
	}
	if ins == apdu.InsUnblockPIN {
		code, ok := apdu.PINDigits(data[:8], 8)
		newPIN, ok2 := apdu.PINDigits(data[8:], 4)
		switch {
		case !ok || !ok2:
			return apdu.SWIncorrectData
		case puk.Left == 0:
			return apdu.SWPINBlocked
		case code != puk.Code:
			puk.Left--
			return tries(puk.Left)
		}
		// §11.1.13: the new PIN replaces the old one, both counters are
		// reset and the PIN counts as verified; enabled stays as it was.
		pin.Code, pin.Left, puk.Left = newPIN, PINAttempts, PUKAttempts
		verified[p2] = true
		return apdu.SWOK
	}
	code, ok := apdu.PINDigits(data[:8], 4)
	newPIN, ok2 := "", true
	if ins == apdu.InsChangePIN {
		newPIN, ok2 = apdu.PINDigits(data[8:], 4)
	}
	switch {
	case !ok || !ok2:
		return apdu.SWIncorrectData
	case (ins == apdu.InsDisablePIN || ins == apdu.InsEnablePIN) && p2 != saip.KeyPIN1:
		return apdu.SWConditionsNotSatisfied // PIN2 may not be disabled
	case pin.Left == 0:
		return apdu.SWPINBlocked
	case !enabled && (ins == apdu.InsVerifyPIN || ins == apdu.InsChangePIN):
		return apdu.SWPINInvalidated
	case code != pin.Code:
		pin.Left--
		return tries(pin.Left)
	}
	pin.Left = PINAttempts
	switch ins {
	case apdu.InsVerifyPIN:
		verified[p2] = true
	case apdu.InsChangePIN:
		pin.Code = newPIN
		verified[p2] = true
	case apdu.InsDisablePIN:
		st.PIN1Enabled = false
	case apdu.InsEnablePIN:
		st.PIN1Enabled = true
		verified[p2] = true
	}
	return apdu.SWOK
}

// tries is 63CX for n attempts left.
func tries(n int) uint16 { return apdu.SWVerifyFailed | uint16(min(n, 15)) }

// keyReference reports a key reference of TS 102 221 table 9.3 (global
// PINs 01-08, ADM 0A-0E, the universal PIN 11, local PINs 81-88, ADM
// 8A-8E).
func keyReference(k byte) bool {
	if k == 0x11 {
		return true
	}
	k &^= 0x80
	return k >= 0x01 && k <= 0x08 || k >= 0x0A && k <= 0x0E
}

// pinCommand runs a PIN command on the keys of the profile whose file
// system is in force; with none there is no key to find.
func (c *Card) pinCommand(cmd apdu.Command) apdu.Response {
	p := c.fs.prof
	if p == nil {
		return apdu.Response{SW: apdu.SWReferencedDataNotFound}
	}
	sw := p.pins.command(c.fs.verified, cmd.INS, cmd.P1, cmd.P2, cmd.Data)
	return apdu.Response{SW: sw}
}
