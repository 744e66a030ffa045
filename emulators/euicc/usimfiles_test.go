package euicc

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/internal/codec/apdu"
	"github.com/esimhil/esimhil/internal/codec/tlv"
	"github.com/esimhil/esimhil/internal/hexdump"
	"github.com/esimhil/esimhil/internal/proto/saip"
)

// usimEF is a file of ADF USIM as TS 31.102 §4.2 describes it.
type usimEF struct {
	name      string
	fid       uint16
	sfi       byte // 0: none
	recLen    int  // linear fixed: the record length; 0: transparent
	size      int  // transparent: the file size; linear fixed: the records
	mandatory bool // for every USIM (§4.2), or read by terminals at power-up
	services  []int
	want      string // the content as a new profile holds it, "" when the profile's own
}

// usimEFs are the USIM files a strict reader expects: the mandatory ones
// and those tied to a service EF UST may announce ("if service n° N is
// available, this file shall be present"), with the sizes the card gives
// them within TS 31.102's bounds.
var usimEFs = []usimEF{
	// EF LI is optional in later releases, but terminals read it at power-up
	// for the language of their menus.
	{name: "LI", fid: fidLI, sfi: 0x02, size: 6, mandatory: true, want: "656EFFFFFFFF"},
	{name: "IMSI", fid: fidIMSI, sfi: 0x07, size: 9, mandatory: true},
	{name: "ARR", fid: fidARR, sfi: 0x17, recLen: 40, size: 14, mandatory: true},
	{name: "Keys", fid: fidKeys, sfi: 0x08, size: 33, mandatory: true, want: "07" + strings.Repeat("FF", 32)},
	{name: "KeysPS", fid: fidKeysPS, sfi: 0x09, size: 33, mandatory: true, want: "07" + strings.Repeat("FF", 32)},
	{name: "HPPLMN", fid: fidHPPLMN, sfi: 0x12, size: 1, mandatory: true, want: "0A"},
	{name: "UST", fid: fidUST, sfi: 0x04, size: 14, mandatory: true},
	{name: "START-HFN", fid: fidStartHFN, sfi: 0x0F, size: 6, mandatory: true, want: "F00000F00000"},
	{name: "THRESHOLD", fid: fidThreshold, sfi: 0x10, size: 3, mandatory: true, want: "FFFFFF"},
	{name: "PSLOCI", fid: fidPSLOCI, sfi: 0x0C, size: 14, mandatory: true},
	{name: "ACC", fid: fidACC, sfi: 0x06, size: 2, mandatory: true},
	{name: "FPLMN", fid: fidFPLMN, sfi: 0x0D, size: 12, mandatory: true, want: strings.Repeat("FF", 12)},
	{name: "LOCI", fid: fidLOCI, sfi: 0x0B, size: 11, mandatory: true},
	{name: "AD", fid: fidAD, sfi: 0x03, size: 4, mandatory: true},
	{name: "ECC", fid: fidECC, sfi: 0x01, recLen: 20, size: 2, mandatory: true},
	{name: "NETPAR", fid: fidNETPAR, size: 128, mandatory: true, want: strings.Repeat("FF", 128)},
	{name: "EST", fid: fidEST, sfi: 0x05, size: 1, services: []int{2, 6, 34, 35}},
	{name: "SMS", fid: fidSMS, recLen: 176, size: 10, services: []int{10},
		want: strings.Repeat("00"+strings.Repeat("FF", 175), 10)},
	{name: "SMSS", fid: fidSMSS, size: 2, services: []int{10}, want: "FFFF"},
	{name: "SMSP", fid: fidSMSP, recLen: 40, size: 1, services: []int{12}},
	{name: "SPN", fid: fidSPN, size: 17, services: []int{19}},
	{name: "MSISDN", fid: fidMSISDN, recLen: 28, size: 1, services: []int{21}},
	{name: "PLMNwAcT", fid: fidPLMNwAcT, sfi: 0x0A, size: 40, services: []int{20}, want: strings.Repeat("FFFFFF0000", 8)},
	{name: "OPLMNwAcT", fid: fidOPLMNwAcT, sfi: 0x11, size: 160, services: []int{42}},
	{name: "HPLMNwAcT", fid: fidHPLMNwAcT, sfi: 0x13, size: 20, services: []int{43}},
	{name: "EPSLOCI", fid: fidEPSLOCI, sfi: 0x1E, size: 18, services: []int{85}},
	{name: "EPSNSC", fid: fidEPSNSC, sfi: 0x18, recLen: 80, size: 1, services: []int{85},
		want: "A034 800107 8120" + strings.Repeat("FF", 32) + "820400000000 830400000000 840100" + strings.Repeat("FF", 26)},
}

const selectUSIM = "00A4040C07A0000000871002"

// tx sends one APDU to c as a terminal does over T=0 (overT0) and parses
// the answer.
func tx(t *testing.T, c *Card, hexCmd string) apdu.Response {
	t.Helper()
	r, err := apdu.ParseResponse(overT0(c, hexdump.Bytes(t, hexCmd)))
	if err != nil {
		t.Fatalf("%s: %v", hexCmd, err)
	}
	return r
}

// readEF selects f in the USIM by its id as a terminal does (FCP through
// GET RESPONSE), checks the FCP against f, and reads the whole file: by
// READ BINARY, or record after record.
func readEF(t *testing.T, c *Card, f usimEF) []byte {
	t.Helper()
	if r := tx(t, c, selectUSIM); r.SW != apdu.SWOK {
		t.Fatalf("SELECT USIM: SW %04X", r.SW)
	}
	r := tx(t, c, fmt.Sprintf("00A4000402%04X", f.fid))
	if r.SW>>8 != 0x61 {
		t.Fatalf("SELECT %04X: SW %04X, want 61xx", f.fid, r.SW)
	}
	r = tx(t, c, fmt.Sprintf("00C00000%02X", r.SW&0xFF))
	fcp, _, err := tlv.ParseOne(r.Data)
	if err != nil || r.SW != apdu.SWOK || fcp.Tag != 0x62 {
		t.Fatalf("GET RESPONSE %X %04X: %v", r.Data, r.SW, err)
	}
	desc, _ := fcp.Find(0x82)
	id, _ := fcp.Find(0x83)
	size, _ := fcp.Find(0x80)
	if !bytes.Equal(id.Value, []byte{byte(f.fid >> 8), byte(f.fid)}) || len(size.Value) != 2 {
		t.Fatalf("FCP %X: file id or size", r.Data)
	}
	total := int(size.Value[0])<<8 | int(size.Value[1])
	var got []byte
	if f.recLen == 0 {
		if !bytes.Equal(desc.Value, []byte{0x41, 0x21}) || total != f.size {
			t.Fatalf("FCP %X: want a transparent EF of %d bytes", r.Data, f.size)
		}
		r = tx(t, c, "00B0000000")
		if r.SW != apdu.SWOK {
			t.Fatalf("READ BINARY: SW %04X", r.SW)
		}
		got = r.Data
	} else {
		want := []byte{0x42, 0x21, 0x00, byte(f.recLen), byte(f.size)}
		if !bytes.Equal(desc.Value, want) || total != f.recLen*f.size {
			t.Fatalf("FCP %X: want a linear fixed EF of %d records of %d bytes", r.Data, f.size, f.recLen)
		}
		for i := 1; i <= f.size; i++ {
			r = tx(t, c, fmt.Sprintf("00B2%02X04%02X", i, f.recLen))
			if r.SW != apdu.SWOK {
				t.Fatalf("READ RECORD %d: SW %04X", i, r.SW)
			}
			got = append(got, r.Data...)
		}
	}
	if len(got) != total {
		t.Fatalf("read %d bytes, the FCP says %d", len(got), total)
	}
	return got
}

// readBySFI reads f's first record or whole content by its short file
// identifier, without selecting it.
func readBySFI(t *testing.T, c *Card, f usimEF) []byte {
	t.Helper()
	cmd := fmt.Sprintf("00B0%02X0000", 0x80|f.sfi)
	if f.recLen > 0 {
		cmd = fmt.Sprintf("00B201%02X%02X", f.sfi<<3|0x04, f.recLen)
	}
	r := tx(t, c, cmd)
	if r.SW != apdu.SWOK {
		t.Fatalf("%s: SW %04X", cmd, r.SW)
	}
	return r.Data
}

// Every file TS 31.102 makes mandatory, and every file a service the
// card's EF UST announces needs, is there with the structure, size, short
// file identifier and content a new profile holds. EF UST announced SMS
// (10) and EPS mobility management (85) without EF SMS, SMSS and EPSNSC,
// and EF Keys, KeysPS, START-HFN, THRESHOLD, NETPAR and LI answered 6A82.
func TestUSIMFilesOfTS31102(t *testing.T) {
	c := newTestCard(t, testConfig())
	ust := readEF(t, c, efNamed(t, "UST"))
	announced := map[int]bool{}
	for n := 1; n <= 8*len(ust); n++ {
		if ust[(n-1)/8]&(1<<((n-1)%8)) != 0 {
			announced[n] = true
		}
	}
	// Service 33 has no files of its own: TS 31.102 has it set to '1'
	// (it was the packet switched domain).
	tied := map[int]bool{33: true}
	for _, f := range usimEFs {
		for _, s := range f.services {
			tied[s] = true
		}
	}
	for n := range announced {
		if !tied[n] {
			t.Errorf("EF UST announces service %d, whose files the table does not list: add them (TS 31.102 §4.2)", n)
		}
	}
	for _, f := range usimEFs {
		needed := f.mandatory
		for _, s := range f.services {
			needed = needed || announced[s]
		}
		t.Run(f.name, func(t *testing.T) {
			if !needed {
				t.Skipf("no service of %v announced", f.services)
			}
			got := readEF(t, c, f)
			if f.want != "" && !bytes.Equal(got, hexdump.Bytes(t, f.want)) {
				t.Errorf("%X\nwant %s", got, f.want)
			}
			if f.sfi != 0 {
				first := got
				if f.recLen > 0 {
					first = got[:f.recLen]
				}
				if by := readBySFI(t, c, f); !bytes.Equal(by, first) {
					t.Errorf("by SFI %02X: %X, by file id %X", f.sfi, by, first)
				}
			}
		})
	}
}

func efNamed(t *testing.T, name string) usimEF {
	t.Helper()
	for _, f := range usimEFs {
		if f.name == name {
			return f
		}
	}
	t.Fatalf("no EF %s in the table", name)
	return usimEF{}
}

// enableSteps enable the profile of iccid (swapped) from the ISD-R; the
// switch shows after the next reset.
func enableSteps(iccid string) []step {
	return []step{
		{"00A4040C10" + isdrAID, "9000"},
		{"80E2910014BF3111A00C5A0A" + iccid + "810100", "6106"},
		{"00C0000006", "BF3103800100 9000"},
	}
}

// What a terminal writes to the files it keeps on the USIM (keys and
// their START values, the EPS security context, languages, network
// parameters, short messages and their status) reads back as written,
// stays through a reset, a power cut, a profile switch and an NVM image,
// and belongs to the profile it was written to (and to the card: cards
// share initial contents). The files under ADM
// (THRESHOLD, ARR) refuse the write.
func TestTerminalFilesPersist(t *testing.T) {
	tests := []struct {
		file string
		rec  int // the record written, 0 for a transparent EF
		data string
		sw   string // of the update
	}{
		{file: "Keys", data: "02" + strings.Repeat("11", 16) + strings.Repeat("22", 16), sw: "9000"},
		{file: "KeysPS", data: "03" + strings.Repeat("33", 16) + strings.Repeat("44", 16), sw: "9000"},
		{file: "START-HFN", data: "F00123F00456", sw: "9000"},
		{file: "LI", data: "6672656EFFFF", sw: "9000"}, // fr, en
		{file: "NETPAR", data: "A00A 8002 0C3A 8104 0C3C0C3E" + strings.Repeat("FF", 116), sw: "9000"},
		{file: "SMSS", data: "2AFE", sw: "9000"}, // TP-MR 42, memory full
		{file: "SMS", rec: 3, data: "01" + strings.Repeat("5A", 175), sw: "9000"},
		{file: "EPSNSC", rec: 1, data: "A034 800101 8120" + strings.Repeat("AB", 32) + "820400000005 830400000007 840112" +
			strings.Repeat("FF", 26), sw: "9000"},
		{file: "THRESHOLD", data: "F00100", sw: "6982"},
		{file: "ARR", rec: 1, data: strings.Repeat("FF", 40), sw: "6982"},
		{file: "MSISDN", rec: 1, data: hex.EncodeToString(saip.MSISDN("+33612345678")), sw: "6982"}, // the operator's
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			f := efNamed(t, tc.file)
			var img []byte // the last image handed over, as emulate --state writes it
			cfg := testConfig()
			cfg.OnNVMWrite = func(b []byte) error { img = bytes.Clone(b); return nil }
			c := newTestCard(t, cfg)
			before := readEF(t, c, f)
			data := hexdump.Bytes(t, tc.data)
			update := fmt.Sprintf("00D60000%02X%X", len(data), data)
			after := bytes.Clone(before)
			if tc.rec > 0 {
				update = fmt.Sprintf("00DC%02X04%02X%X", tc.rec, len(data), data)
				copy(after[(tc.rec-1)*f.recLen:], data)
			} else {
				copy(after, data)
			}
			if tc.sw != "9000" {
				after = before
			}
			runScript(t, c, []step{{selectUSIM, "9000"}, {fmt.Sprintf("00A4000C02%04X", f.fid), "9000"}, {update, tc.sw}})
			check := func(when string, want []byte) {
				t.Helper()
				if got := readEF(t, c, f); !bytes.Equal(got, want) {
					t.Fatalf("%s: %X\nwant %X", when, got, want)
				}
			}
			check("after the update", after)
			// Cards share their files' initial contents (fsLayout):
			// another card's stay as they were.
			if got := readEF(t, newTestCard(t, testConfig()), f); !bytes.Equal(got, before) {
				t.Fatalf("another card's %s: %X\nwant %X", tc.file, got, before)
			}
			c.Reset()
			check("after a reset", after)
			c.PowerOff()
			c.Reset()
			check("after a power cut", after)
			runScript(t, c, enableSteps(iccidSFR))
			c.Reset()
			check("in the other profile", before)
			runScript(t, c, enableSteps(iccidCMCC))
			c.Reset()
			check("back in the profile written to", after)
			r, err := Restore(testConfig(), img) // the switches wrote one at least
			if err != nil {
				t.Fatalf("Restore: %v", err)
			}
			r.Reset()
			c = r
			check("restored from the NVM image", after)
		})
	}
}

// Each profile's EF MSISDN holds its own number (ProfileSpec.MSISDN, an
// empty record without one): the enabled profile's reads after a reset,
// the other's after a switch, and both survive an NVM image. A number
// that is not one is refused when the card is made.
func TestProfileMSISDN(t *testing.T) {
	f := efNamed(t, "MSISDN")
	var img []byte
	cfg := testConfig()
	cfg.Profiles[0].MSISDN = "+8613800138000"
	cfg.Profiles[1].MSISDN = "0612345678"
	cfg.OnNVMWrite = func(b []byte) error { img = bytes.Clone(b); return nil }
	c := newTestCard(t, cfg)
	check := func(when string, c *Card, number string) {
		t.Helper()
		if got, want := readEF(t, c, f), saip.MSISDN(number); !bytes.Equal(got, want) {
			t.Fatalf("%s: %X\nwant %X", when, got, want)
		}
	}
	check("the enabled profile", c, "+8613800138000")
	runScript(t, c, enableSteps(iccidSFR))
	c.Reset()
	check("after the switch", c, "0612345678")
	r, err := Restore(testConfig(), img)
	if err != nil {
		t.Fatalf("Restore: %v", err)
	}
	r.Reset()
	check("restored from the NVM image", r, "0612345678")
	check("a card without numbers", newTestCard(t, testConfig()), "")

	for _, bad := range []string{"+", "06 12", "123456789012345678901", "+33+6"} {
		cfg := testConfig()
		cfg.Profiles[1].MSISDN = bad
		if _, err := New(cfg); err == nil || !strings.Contains(err.Error(), "MSISDN") {
			t.Errorf("MSISDN %q: %v, want it refused", bad, err)
		}
	}
}
