package saip

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/internal/codec/fcp"
	"github.com/esimhil/esimhil/internal/codec/tlv"
	"github.com/esimhil/esimhil/internal/hexdump"
)

// Every file the package creates gets the size of what Build fills it
// with: the template's where they agree, the Fcp's where they do not.
func TestCreated(t *testing.T) {
	home := [3]byte{0x02, 0xF8, 0x01}
	tests := []struct {
		pe      uint32
		name    string
		recLen  int // 0: transparent
		content []byte
		fcp     bool // the File carries an Fcp
	}{
		{TagMF, "MF", 0, nil, true},
		{TagMF, "ICCID", 0, bytes.Repeat([]byte{0}, 10), false},
		{TagMF, "DIR", DIRRecordLen, bytes.Join(DIR(), nil), true},
		{TagMF, "ARR", ARRRecordLen, accessRules(), true},
		{TagTelecom, "TELECOM", 0, nil, true},
		{TagTelecom, "ARR", ARRRecordLen, accessRules(), true},
		{TagUSIM, "USIM", 0, nil, true},
		{TagUSIM, "IMSI", 0, make([]byte, 9), false},
		{TagUSIM, "ARR", ARRRecordLen, accessRules(), true},
		{TagUSIM, "Keys", 0, Keys(), false},
		{TagUSIM, "KeysPS", 0, Keys(), false},
		{TagUSIM, "HPPLMN", 0, HPPLMN(nil), false},
		{TagUSIM, "UST", 0, UST(), false},
		{TagUSIM, "SMS", SMSRecordLen, bytes.Join(SMS(), nil), false},
		{TagUSIM, "SMSP", SMSPRecordLen, SMSP(), true}, // 40 bytes, the template's 38
		{TagUSIM, "SMSS", 0, SMSS(), false},
		{TagUSIM, "SPN", 0, SPN("SFR"), false},
		{TagUSIM, "EST", 0, EST(), false},
		{TagUSIM, "START-HFN", 0, StartHFN(), false},
		{TagUSIM, "THRESHOLD", 0, Threshold(), false},
		{TagUSIM, "PSLOCI", 0, PSLOCI(home), false},
		{TagUSIM, "ACC", 0, ACC("208100000009001"), false},
		{TagUSIM, "FPLMN", 0, FPLMN(), false},
		{TagUSIM, "LOCI", 0, LOCI(home), false},
		{TagUSIM, "AD", 0, make([]byte, 4), false},
		{TagUSIM, "ECC", ECCRecordLen, bytes.Join(ECC(), nil), true}, // 2 × 20, the template's 1 × 4
		{TagUSIM, "NETPAR", 0, NETPAR(), false},
		{TagUSIM, "EPSLOCI", 0, EPSLOCI(home), false},
		{TagUSIM, "EPSNSC", EPSNSCRecordLen, EPSNSC(), false},
		{TagOptUSIM, "LI", 0, LI(), false},
		{TagOptUSIM, "MSISDN", MSISDNRecordLen, MSISDN("+33612345678"), true}, // the template's 24
		{TagOptUSIM, "PLMNwAcT", 0, PLMNwAcT(), false},
		{TagOptUSIM, "OPLMNwAcT", 0, OPLMNwAcT(nil), true},     // 32 entries, the template's 8
		{TagOptUSIM, "HPLMNwAcT", 0, HPLMNwAcT("20810"), true}, // 4 entries, the template's 1
	}
	pkg := build(t)
	created, err := Created(pkg)
	if err != nil {
		t.Fatal(err)
	}
	if len(created) != len(tests) {
		t.Errorf("%d files created, want %d", len(created), len(tests))
	}
	pes, err := tlv.Parse(pkg)
	if err != nil {
		t.Fatal(err)
	}
	for i, tc := range tests {
		t.Run(fmt.Sprintf("%X/%s", tc.pe, tc.name), func(t *testing.T) {
			if i >= len(created) {
				t.Fatal("not created")
			}
			f := created[i]
			if f.PE != tc.pe || f.Name != tc.name {
				t.Fatalf("file %d is %X/%s", i, f.PE, f.Name)
			}
			el, _ := tlv.Find(pes, tc.pe)
			c, err := children(el, peAt(0))
			if err != nil {
				t.Fatal(err)
			}
			if _, has := c[f.Tag].Find(0xA1); has != tc.fcp {
				t.Errorf("File %X carries an Fcp: %v, want %v", f.Tag, has, tc.fcp)
			}
			if f.DF {
				return
			}
			size := len(tc.content)
			if tc.recLen > 0 {
				size /= tc.recLen
			}
			if f.RecLen != tc.recLen || f.Size != size {
				t.Errorf("created with record length %d and size %d, want %d and %d", f.RecLen, f.Size, tc.recLen, size)
			}
		})
	}
}

// A File the template leaves unsized, or one whose content overflows
// its file, is refused; so is one the templates here do not know.
func TestCreatedRefusals(t *testing.T) {
	el := func(files ...tlv.TLV) []byte {
		return tlv.Constructed(TagUSIM, append([]tlv.TLV{peHeader(idUSIM, true)}, files...)...).Bytes()
	}
	tests := []struct {
		name string
		pkg  []byte
		want string
	}{
		{"ARR without an Fcp", el(file(0xA4, accessRules())), "EF ARR"},
		{"IMSI of 10 bytes", el(file(0xA3, make([]byte, 10))), "10 bytes of content for a file of 9"},
		{"SMSP record of 40 bytes, no Fcp", el(file(0xAB, SMSP())), "40 bytes of content for a file of 38"},
		{"ECC larger than its Fcp", el(file(0xB6, make([]byte, 41), tlv.New(0x82, []byte{0x42, 0x21, 0x00, 0x14}), tlv.New(0x80, []byte{0x00, 0x28}))),
			"41 bytes of content for a file of 40"},
		{"ef-fdn, no template here", el(file(0xA9, nil)), "none the templates here know"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Created(tc.pkg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Created: %v, want an error saying %q", err, tc.want)
			}
		})
	}
}

// The access rules and PIN status templates, byte by byte (TS 102 221
// §9.2.4, §11.1.1.4.10).
func TestAccessVectors(t *testing.T) {
	arr := ARR()
	rec := func(n int) []byte { return bytes.TrimRight(arr[n-1], "\xFF") }
	tests := []struct {
		name string
		got  []byte
		want string
	}{
		{"1: read always, update PIN1", rec(ARRReadAlwaysUpdatePIN), "800101 9000 800102 A406830101950108"},
		{"2: read PIN1, update ADM1", rec(ARRReadPINUpdateADM), "800101 A406830101950108 800102 A40683010A950108"},
		{"5: read and update PIN1", rec(ARRReadPINUpdatePIN), "800103 A406830101950108"},
		{"8: read PIN1, update PIN2", rec(ARRReadPINUpdatePIN2), "800101 A406830101950108 800102 A406830181950108"},
		{"10: read always, update ADM1", rec(ARRReadAlwaysUpdateADM), "800101 9000 800102 A40683010A950108"},
		{"11: read always, update never", rec(ARRReadAlwaysUpdateNever), "800101 9000 800102 9700"},
		{"14: a DF's administration ADM1", rec(ARRDF), "80013F A40683010A950108"},
		{"3: unused, ADM1", rec(3), "800103 A40683010A950108"},
		{"MF: PIN1 disabled, ADM1 enabled", fcp.PINStatusTemplate(MFPINs), "900140 830101 83010A"},
		{"USIM: PIN1 disabled, PIN2 and ADM1 enabled", fcp.PINStatusTemplate(USIMPINs), "900160 830101 830181 83010A"},
	}
	for _, tc := range tests {
		if want := hexdump.Bytes(t, tc.want); !bytes.Equal(tc.got, want) {
			t.Errorf("%s: %X\nwant %X", tc.name, tc.got, want)
		}
	}
	if len(arr) != ARRRecords {
		t.Errorf("%d records", len(arr))
	}
	for i, r := range arr {
		if len(r) != ARRRecordLen {
			t.Errorf("record %d: %d bytes", i+1, len(r))
		}
	}
}
