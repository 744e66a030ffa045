package euicc

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/esimhil/esimhil/internal/codec/apdu"
	"github.com/esimhil/esimhil/internal/codec/tlv"
	"github.com/esimhil/esimhil/internal/hexdump"
	"github.com/esimhil/esimhil/internal/proto/saip"
)

// fcpOf selects the file at path (from the MF, 7FFF for ADF USIM) with P2
// 04 and Le 00, as a terminal asks for the FCP, and decodes it.
func fcpOf(t *testing.T, c *Card, path string) []tlv.TLV {
	t.Helper()
	cmd := fmt.Sprintf("00A40804%02X%s00", len(path)/2, path)
	r := tx(t, c, cmd)
	if r.SW != apdu.SWOK {
		t.Fatalf("%s: SW %04X", cmd, r.SW)
	}
	fcp, rest, err := tlv.ParseOne(r.Data)
	if err != nil || fcp.Tag != 0x62 || len(rest) != 0 {
		t.Fatalf("%s: %X is no FCP template: %v", cmd, r.Data, err)
	}
	items, err := fcp.Children()
	if err != nil {
		t.Fatalf("FCP %X: %v", r.Data, err)
	}
	return items
}

// accessFile is a file the card serves, with the access TS 102 221 §13
// and TS 31.102 §4.2 give it.
type accessFile struct {
	name   string
	path   string // from the MF
	sfi    int    // -1: none
	arrFID uint16
	arr    byte
	// update: whether a terminal without ADM and PIN2 may update it (PIN
	// disabled).
	update bool
}

// accessFiles are the MF's files and, from usimEFs, the USIM's: their
// EF ARR record and whether the terminal may update them.
func accessFiles(t *testing.T) []accessFile {
	files := []accessFile{
		{name: "ICCID", path: "2FE2", sfi: 0x02, arrFID: 0x2F06, arr: 11},
		{name: "DIR", path: "2F00", sfi: 0x1E, arrFID: 0x2F06, arr: 10},
		{name: "MF ARR", path: "2F06", sfi: 0x06, arrFID: 0x2F06, arr: 10},
	}
	usim := map[string]struct {
		arr    byte
		update bool
	}{
		"LI": {1, true}, "IMSI": {2, false}, "ARR": {10, false}, "Keys": {5, true}, "KeysPS": {5, true},
		"HPPLMN": {2, false}, "UST": {2, false}, "START-HFN": {5, true}, "THRESHOLD": {2, false},
		"PSLOCI": {5, true}, "ACC": {2, false}, "FPLMN": {5, true}, "LOCI": {5, true}, "AD": {10, false},
		"ECC": {10, false}, "NETPAR": {5, true}, "EST": {8, false}, "SMS": {5, true}, "SMSS": {5, true},
		"SMSP": {5, true}, "SPN": {10, false}, "MSISDN": {2, false}, "PLMNwAcT": {5, true}, "OPLMNwAcT": {2, false},
		"HPLMNwAcT": {2, false}, "EPSLOCI": {5, true}, "EPSNSC": {5, true},
	}
	for _, f := range usimEFs {
		a, ok := usim[f.name]
		if !ok {
			t.Fatalf("EF %s: no access stated", f.name)
		}
		sfi := int(f.sfi)
		if f.sfi == 0 {
			sfi = -1
		}
		files = append(files, accessFile{name: f.name, path: fmt.Sprintf("7FFF%04X", f.fid), sfi: sfi, arrFID: 0x6F06, arr: a.arr, update: a.update})
	}
	return files
}

// Every EF's FCP states its structure, identifier, life cycle, size, short
// file identifier (88: b8-b4, empty for none, TS 102 221 §11.1.1.4.8) and
// the EF ARR record of its access rule (8B); that record is there, holds
// the rule, and the card refuses (6982) exactly the updates it forbids. The
// FCPs held only 82, 83, 8A and 80, so a reader took EF SPN for SFI 06 and
// had no access rule at all.
func TestEFControlParameters(t *testing.T) {
	c := newTestCard(t, testConfig())
	for _, f := range accessFiles(t) {
		t.Run(f.name, func(t *testing.T) {
			items := fcpOf(t, c, f.path)
			tags := make([]uint32, len(items))
			for i, it := range items {
				tags[i] = it.Tag
			}
			if want := []uint32{0x82, 0x83, 0x8A, 0x8B, 0x80, 0x88}; fmt.Sprint(tags) != fmt.Sprint(want) {
				t.Fatalf("FCP tags %X, want %X", tags, want)
			}
			desc, id, lcsi, sec, size, sfi := items[0].Value, items[1].Value, items[2].Value, items[3].Value, items[4].Value, items[5].Value
			if want := hexdump.Bytes(t, f.path[len(f.path)-4:]); !bytes.Equal(id, want) {
				t.Errorf("83 %X, want %X", id, want)
			}
			if !bytes.Equal(lcsi, []byte{0x05}) {
				t.Errorf("8A %X, want 05 (operational, activated)", lcsi)
			}
			total := int(size[0])<<8 | int(size[1])
			switch {
			case len(desc) == 2 && desc[0] == 0x41:
			case len(desc) == 5 && desc[0] == 0x42 && int(desc[3])*int(desc[4]) == total:
			default:
				t.Errorf("82 %X with 80 %X", desc, size)
			}
			wantSFI := []byte{}
			if f.sfi >= 0 {
				wantSFI = []byte{byte(f.sfi << 3)}
			}
			if !bytes.Equal(sfi, wantSFI) {
				t.Errorf("88 %X, want %X", sfi, wantSFI)
			}
			if want := []byte{byte(f.arrFID >> 8), byte(f.arrFID), f.arr}; !bytes.Equal(sec, want) {
				t.Fatalf("8B %X, want %X", sec, want)
			}
			// The record is in the EF ARR the FCP names, in the same DF.
			arrPath := f.path[:len(f.path)-4] + fmt.Sprintf("%04X", f.arrFID)
			fcpOf(t, c, arrPath)
			r := tx(t, c, fmt.Sprintf("00B2%02X04%02X", f.arr, saip.ARRRecordLen))
			if r.SW != apdu.SWOK || !bytes.Equal(r.Data, saip.ARR()[f.arr-1]) {
				t.Fatalf("record %d of EF ARR %04X: %X %04X", f.arr, f.arrFID, r.Data, r.SW)
			}
			// Read it, then write back what it holds: allowed or 6982.
			fcpOf(t, c, f.path)
			read, update := "00B0000000", "00D60000%02X%X"
			if desc[0] == 0x42 {
				read, update = fmt.Sprintf("00B20104%02X", desc[3]), "00DC0104%02X%X"
			}
			r = tx(t, c, read)
			if r.SW != apdu.SWOK {
				t.Fatalf("%s: SW %04X", read, r.SW)
			}
			want := uint16(apdu.SWSecurityNotSatisfied)
			if f.update {
				want = apdu.SWOK
			}
			if r = tx(t, c, fmt.Sprintf(update, len(r.Data), r.Data)); r.SW != want {
				t.Errorf("UPDATE: SW %04X, want %04X", r.SW, want)
			}
		})
	}
}

// The MF's and ADF USIM's FCPs (TS 102 221 §11.1.1.4): descriptor,
// identifier, the ADF's AID, the MF's UICC characteristics (A5, mandatory
// there), life cycle, the EF ARR record of their administration, and the
// PIN status template (C6): PIN1 disabled, PIN2 and ADM1 enabled, as the
// card's access checks take them.
func TestDFControlParameters(t *testing.T) {
	tests := []struct{ name, path, want string }{
		{"MF", "3F00", "82027821 83023F00 A503800171 8A0105 8B032F060E C60990014083010183010A"},
		{"ADF USIM", "7FFF", "82027821 83027FF1 8410A0000000871002FFFFFFFF8903020000 8A0105 8B032F060E C60C900160830101830181 83010A"},
	}
	c := newTestCard(t, testConfig())
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tlv.Encode(fcpOf(t, c, tc.path)...)
			if want := hexdump.Bytes(t, tc.want); !bytes.Equal(got, want) {
				t.Errorf("%X\nwant %X", got, want)
			}
		})
	}
	// STATUS of the USIM answers the same FCP.
	runScript(t, c, []step{{selectUSIM, "9000"},
		{"80F2000000", "6230 82027821 83027FF1 8410A0000000871002FFFFFFFF8903020000 8A0105 8B032F060E C60C900160830101830181 83010A 9000"}})
}

// The files the SM-DP+'s package creates, each the size the template or
// its Fcp gives, are the files the card serves, of that size, under the
// access rule record the template gives them. The package's EF SMSP and
// ECC were sent without an Fcp, so an installer made them the template's
// 1 × 38 and 1 × 4 bytes while the card served 1 × 40 and 2 × 20.
func TestPackageFilesAsServed(t *testing.T) {
	pkg, err := saip.Build(saip.Profile{ICCID: "89860000000000000019", ProfileType: "test", IMSI: "460001234567890", MNCLen: 2,
		SPN: "cmcc", MSISDN: "8613800000000", PIN1: "0000", PUK1: "12345678", ADM1: "88888888",
		Ki: make([]byte, 16), OPc: make([]byte, 16)})
	if err != nil {
		t.Fatal(err)
	}
	created, err := saip.Created(pkg)
	if err != nil {
		t.Fatal(err)
	}
	// What the card does not serve: DF TELECOM (the package names its
	// template, the card has no phonebook).
	notServed := map[string]bool{"TELECOM": true, "TELECOM/ARR": true}
	c := newTestCard(t, testConfig())
	for _, f := range created {
		name, path := f.Name, fmt.Sprintf("%04X", f.FID)
		switch f.PE {
		case saip.TagTelecom:
			name = "TELECOM/" + name
			if f.DF {
				name = "TELECOM"
			}
		case saip.TagUSIM, saip.TagOptUSIM:
			path = "7FFF" + path
			if f.DF {
				path = "7FFF"
			}
		}
		t.Run(name, func(t *testing.T) {
			if notServed[name] {
				if f.PE == saip.TagTelecom {
					path = "7F10"
				}
				if r := tx(t, c, fmt.Sprintf("00A4080C%02X%s", len(path)/2, path)); r.SW != apdu.SWFileNotFound {
					t.Errorf("SELECT %s: SW %04X, want 6A82", path, r.SW)
				}
				return
			}
			items := fcpOf(t, c, path)
			if f.DF && f.PE == saip.TagMF {
				path = "3F00"
			}
			sec, _ := tlv.Find(items, 0x8B)
			if len(sec.Value) != 3 || sec.Value[2] != f.ARR {
				t.Errorf("8B %X, the template's record %d", sec.Value, f.ARR)
			}
			if f.DF {
				return
			}
			desc, _ := tlv.Find(items, 0x82)
			size, _ := tlv.Find(items, 0x80)
			total := int(size.Value[0])<<8 | int(size.Value[1])
			recLen, n := 0, total
			if desc.Value[0] == 0x42 {
				recLen, n = int(desc.Value[3]), int(desc.Value[4])
			}
			if recLen != f.RecLen || n != f.Size {
				t.Errorf("served with record length %d and size %d, created with %d and %d", recLen, n, f.RecLen, f.Size)
			}
		})
	}
}
