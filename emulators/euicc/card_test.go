package euicc

import (
	"bytes"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/internal/codec/apdu"
	"github.com/esimhil/esimhil/internal/codec/fcp"
	"github.com/esimhil/esimhil/internal/codec/stk"
	"github.com/esimhil/esimhil/internal/codec/tlv"
	"github.com/esimhil/esimhil/internal/hexdump"
	"github.com/esimhil/esimhil/internal/ident"
)

const testEID = "89049032000001000000000000000171"

// Profiles of the DESIGN §7 fixture: cmcc enabled, sfr preinstalled.
func testConfig() Config {
	return Config{
		EID: testEID,
		Profiles: []ProfileSpec{
			{ICCID: "89860000000000000019", Operator: "cmcc", IMSI: "460001234567890", Enabled: true},
			{ICCID: "89331000000000000029", Operator: "sfr", IMSI: "208101234567890"},
		},
		PlatformAddr:  netip.MustParseAddrPort("127.0.0.1:8080"),
		PlatformHost:  "platform.test",
		CheckInterval: 5 * time.Minute,
	}
}

func newTestCard(t testing.TB, cfg Config) *Card {
	t.Helper()
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	c.Reset()
	return c
}

// step is one APDU and the exact response expected (data then SW, hex).
type step struct{ cmd, resp string }

// overT0 sends cmd to c as a terminal does over T=0 (TestT0Wire has the
// card's own answers): a command with an Le gets the answer it asks for —
// a case-4 command goes without Le and its answer comes through GET
// RESPONSE, a case-2 command the card answers 6Cxx goes again with P3 xx
// (apdu.Exchange) —, any other command the card's answer as it is.
func overT0(c *Card, cmd []byte) []byte {
	if parsed, err := apdu.Parse(cmd); err != nil || !parsed.HasLe {
		return c.Transmit(cmd)
	}
	rsp, err := apdu.Exchange(func(b []byte) ([]byte, error) { return c.Transmit(apdu.TPDU(b)), nil }, cmd)
	if err != nil {
		return nil
	}
	return rsp
}

// runScript sends each step's APDU as a terminal does over T=0 (overT0)
// and checks the response APDU.
func runScript(t *testing.T, c *Card, steps []step) {
	t.Helper()
	for i, s := range steps {
		got := overT0(c, hexdump.Bytes(t, s.cmd))
		if want := hexdump.Bytes(t, s.resp); !bytes.Equal(got, want) {
			t.Fatalf("step %d: %s → %X, want %X", i, s.cmd, got, want)
		}
	}
	if c.panicked != nil {
		t.Fatalf("card panicked: %v", c.panicked)
	}
}

const (
	iccidCMCC = "98680000000000000091" // 89860000000000000019 swapped
	iccidSFR  = "98330100000000000092" // 89331000000000000029 swapped
	isdrAID   = "A0000005591010FFFFFFFF8900000100"
	// Opens channel 1 and selects the ISD-R on it without response data.
	openISDR = "0070000001"
)

// TestT0Wire checks what the card answers on its contacts, where it speaks
// T=0 (its ATR offers nothing else): P3 is the number of bytes a case-2
// command gets, so any other length is answered 6Cxx with nothing done;
// response data to a command that carried data waits for GET RESPONSE.
func TestT0Wire(t *testing.T) {
	c := newTestCard(t, testConfig())
	wire := func(hexCmd string) apdu.Response {
		t.Helper()
		r, err := apdu.ParseResponse(c.Transmit(hexdump.Bytes(t, hexCmd)))
		if err != nil {
			t.Fatalf("%s: %v", hexCmd, err)
		}
		return r
	}
	expect := func(hexCmd string, sw uint16, n int) apdu.Response {
		t.Helper()
		r := wire(hexCmd)
		if r.SW != sw || len(r.Data) != n {
			t.Fatalf("%s → %d bytes %04X, want %d bytes %04X", hexCmd, len(r.Data), r.SW, n, sw)
		}
		return r
	}
	expect("00C0000000", apdu.SWUnknown, 0) // GET RESPONSE out of sequence
	sel := wire("00A40004023F00")           // case 3: the FCP waits
	if sel.SW>>8 != 0x61 {
		t.Fatalf("SELECT MF: SW %04X, want 61xx", sel.SW)
	}
	n := int(sel.SW & 0xFF)
	expect(fmt.Sprintf("00C00000%02X", n+1), apdu.WrongLe(n), 0)          // more than there is: nothing taken
	expect(fmt.Sprintf("00C00000%02X", n-2), apdu.BytesAvailable(2), n-2) // part of it
	expect("00C0000000", apdu.WrongLe(2), 0)                              // P3 00 asks for 256
	expect("00C0000002", apdu.SWOK, 2)                                    // the rest
	expect("00C0000002", apdu.SWUnknown, 0)                               // nothing pending now
	expect("80F2000000", apdu.WrongLe(n), 0)                              // STATUS: the MF's FCP
	expect(fmt.Sprintf("80F20000%02X", n), apdu.SWOK, n)
	expect("00B0820004", apdu.SWOK, 4)          // EF ICCID by SFI: 10 bytes
	expect("00B0000804", apdu.WrongLe(2), 0)    // 2 left from offset 8
	expect("00B0000A04", apdu.SWWarningEOF, 0)  // none left
	expect("00A4000C022F00", apdu.SWOK, 0)      // EF DIR
	expect("00B2010400", apdu.WrongLe(0x20), 0) // records are 32 bytes
	expect("00B2010420", apdu.SWOK, 0x20)
	expect("0070000000", apdu.WrongLe(1), 0)        // MANAGE CHANNEL sends one byte
	expect("0070000001", apdu.SWOK, 1)              // channel 1
	if r := wire("0070800100"); r.SW != apdu.SWOK { // close it (case 1)
		t.Fatalf("close channel 1: SW %04X", r.SW)
	}
}

func TestFileSystem(t *testing.T) {
	tests := []struct {
		name  string
		steps []step
	}{
		{"ICCID by FID", []step{
			{"00A4000C023F00", "9000"},
			{"00A4000C022FE2", "9000"},
			{"00B000000A", iccidCMCC + "9000"},
		}},
		{"ICCID FCP via GET RESPONSE", []step{
			{"00A40004022FE2", "6119"},
			{"00C0000019", "6217 82024121 83022FE2 8A0105 8B032F060B 8002000A 880110 9000"},
		}},
		{"ICCID FCP with Le", []step{
			{"00A40004022FE200", "6217 82024121 83022FE2 8A0105 8B032F060B 8002000A 880110 9000"},
		}},
		{"READ BINARY by SFI, partial and past the end", []step{
			{"00B0820004", "98680000 9000"},
			{"00B0000804", "0091 9000"}, // 6C02 on the wire, asked again (TestT0Wire)
			{"00B0000B01", "6B00"},
		}},
		{"IMSI after partial-AID select", []step{
			{"00A4040C07A0000000871002", "9000"},
			{"00A4000C026F07", "9000"},
			{"00B0000009", "084906002143658709 9000"},
			{"00A4000C026FAD", "9000"},
			{"00B0000000", "00000002 9000"},
		}},
		// TS 31.102 mandates EF LOCI, PSLOCI and FPLMN (EPSLOCI with EPS
		// service 85); a terminal writes them as it registers. The card
		// lacked them and UPDATE BINARY altogether (6A82, 6D00).
		{"location files read and updated", []step{
			{"00A4040C07A0000000871002", "9000"},
			{"00A4000C026F7E", "9000"},
			{"00B000000B", "FFFFFFFF 64F000 FFFE 00 01 9000"},
			{"00D600000B 11223344 02F801 0001 FF 00", "9000"},
			{"00B000000B", "11223344 02F801 0001 FF 00 9000"},
			{"00D6000A01 01", "9000"},
			{"00B08B0A00", "01 9000"}, // by SFI 0B from offset 0A: the last byte
			{"00D6000A02 0101", "6700"},
			{"00D6000C01 01", "6B00"},
			{"00D6000000", "6700"},
			{"00D68B0001 AA", "9000"},
			{"00B0000001", "AA 9000"},
			{"00A4000C026F73", "9000"},
			{"00B000000E", "FFFFFFFF FFFFFF 64F000 FFFE FF 01 9000"},
			{"00A4000C026FE3", "9000"},
			{"00B0000012", "FFFFFFFFFFFFFFFFFFFFFFFF 64F000 FFFE 01 9000"},
			{"00A4000C026F7B", "9000"},
			{"00B000000C", "FFFFFFFFFFFFFFFFFFFFFFFF 9000"},
			{"00D6000003 64F010", "9000"},
		}},
		{"files under ADM refuse updates", []step{
			{"00D6000001 98", "6986"}, // nothing selected
			{"00A4000C022FE2", "9000"},
			{"00D6000001 98", "6982"},
			{"00DC010401 FF", "6981"},
			{"00A4000C022F00", "9000"},
			{"00D6000001 FF", "6981"},
			{"00DC010420" + strings.Repeat("FF", 32), "6982"},
			{"00A4040C07A0000000871002", "9000"},
			{"00A4000C026F07", "9000"},
			{"00D6000009 084906002143658709", "6982"},
			{"00B0000009", "084906002143658709 9000"},
		}},
		{"USIM by full AID returns FCP", []step{
			{"00A4040410A0000000871002FFFFFFFF890302000000",
				"6230 82027821 83027FF1 8410A0000000871002FFFFFFFF8903020000 8A0105 8B032F060E C60C900160830101830181 83010A 9000"},
			{"80F2000C", "9000"},
			{"80F2000100", "8410A0000000871002FFFFFFFF8903020000 9000"},
		}},
		{"EF DIR record", []step{
			{"00A4000C022F00", "9000"},
			{"00B2010420", "6118 4F10A0000000871002FFFFFFFF8903020000 50045553494D" + strings.Repeat("FF", 6) + "9000"},
			{"00B2020420", "6A83"},
			{"00B2010410", "6118 4F10A0000000871002FFFFFFFF8903020000 50045553494D" + strings.Repeat("FF", 6) + "9000"}, // after 6C20
		}},
		{"errors", []step{
			{"00", "6700"},
			{"00A40400000010", "6700"},
			{"00A4000C033F0000", "6A80"},
			{"A0A4000C023F00", "6E00"},
			{"0CA4000C023F00", "6882"},
			{"FFA4000C023F00", "6E00"},
			{"8099000000", "6D00"},
			{"80A4000C023F00", "6E00"},
			{"00F2000C", "6E00"},
			{"02A4000C023F00", "6881"},
			{"00A40007023F00", "6A86"},
			{"00A4000C026F07", "6A82"},
			{"00A4040C05A000000099", "6A82"},
			{"00B0000001", "6986"},
			{"00A4000C023F00", "9000"},
			{"00B2010400", "6986"},
			{"00C0000000", "6F00"}, // out of sequence: TS 102 221 §12.1.1.1
			{"80E2910003BF2D00", "6D00"},
			{"8012000000", "6985"},
			{"8014000003010100", "6985"},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			runScript(t, newTestCard(t, testConfig()), tc.steps)
		})
	}
}

func TestManageChannel(t *testing.T) {
	runScript(t, newTestCard(t, testConfig()), []step{
		{"0070000001", "01 9000"},
		{"0070000001", "02 9000"},
		{"00700003", "9000"},
		{"00700003", "6A86"},
		{"0070000001", "04 9000"},
		{"40A4000C023F00", "9000"}, // channel 4 in the further interindustry class
		{"02A4000C022FE2", "9000"},
		{"02B000000A", iccidCMCC + "9000"},
		{"01B0000001", "6986"}, // channel 1 has its own selection
		{"00708002", "9000"},
		{"02A4000C023F00", "6881"},
		{"00708002", "6881"},
		{"00708000", "6A86"},
		{"0070400000", "6A86"},
	})
}

func TestManageChannelExhausted(t *testing.T) {
	c := newTestCard(t, testConfig())
	for i := 1; i < maxChannels; i++ {
		runScript(t, c, []step{{"0070000001", fmt.Sprintf("%02X9000", i)}})
	}
	runScript(t, c, []step{{"0070000001", "6A81"}})
}

func es10Steps(req, resp string) []step {
	n := len(strings.ReplaceAll(req, " ", "")) / 2
	return []step{{fmt.Sprintf("81E29100%02X%s00", n, req), resp}}
}

func TestES10(t *testing.T) {
	selectISDR := []step{{openISDR, "019000"}, {"01A4040C10" + isdrAID, "9000"}}
	enableSFR := "BF3111 A00C5A0A" + iccidSFR + " 810100"
	longAddr := "BF3F820104" + "80820100" + strings.Repeat("61", 256)
	tests := []struct {
		name  string
		steps []step
	}{
		// The FCI as commercial eUICCs answer it: AID, A5 {9F65 max
		// command data FF}, E0 {82 SGP.22 version 2.2.2}.
		{"select ISD-R FCI", []step{{"01A4040010" + isdrAID + "00", "6F1F8410" + isdrAID + "A5049F6501FF E005820302020 2 9000"}}},
		{"status of the ISD-R", []step{{"81F2000000", "6F1F8410" + isdrAID + "A5049F6501FF E005820302020 2 9000"}}},
		{"GetEuiccData EID", es10Steps("BF3E035C015A", "BF3E125A10"+testEID+"9000")},
		{"GetEuiccData EID via 61xx", []step{{"81E2910006BF3E035C015A", "6115"}, {"01C0000015", "BF3E125A10" + testEID + "9000"}}},
		{"GetEuiccData bad tag list", es10Steps("BF3E035C014F", "6A80")},
		{"GetProfilesInfo filtered by ICCID and tags", es10Steps("BF2D15 A00C5A0A"+iccidSFR+" 5C055A9F709192", "BF2D1E A01C E31A 5A0A"+iccidSFR+" 9F700100 9103736672 9203736672 9000")},
		{"GetProfilesInfo state only", es10Steps("BF2D04 5C029F70", "BF2D0E A00C E3049F700101 E3049F700100 9000")},
		{"GetProfilesInfo by AID", es10Steps("BF2D17 A0124F10A0000005591010FFFFFFFF8900001000 5C015A", "BF2D10 A00E E30C5A0A"+iccidCMCC+" 9000")},
		{"GetProfilesInfo unknown ICCID", es10Steps("BF2D0E A00C5A0A98000000000000000000", "BF2D02A000 9000")},
		// An extension field the card does not know is skipped (the module
		// is EXTENSIBILITY IMPLIED), not refused.
		{"GetProfilesInfo unknown field", es10Steps("BF2D07 830100 5C029F70", "BF2D0E A00C E3049F700101 E3049F700100 9000")},
		// Android's EuiccCard asks for these tags (5A 90 91 92 B7 9F70 95
		// 99 BF76); fields a profile does not have are left out.
		{"GetProfilesInfo as Android asks", es10Steps("BF2D0D 5C0B5A909192B79F709599BF76",
			"BF2D4A A048 E323 5A0A"+iccidCMCC+" 9F700101 9104636D6363 9204636D6363 B705800364F000"+
				" E321 5A0A"+iccidSFR+" 9F700100 9103736672 9203736672 B705800302F801 9000")},
		// lpac's list: 5A 4F 9F70 90 91 92 93 94 95 B6 B7 B8 99.
		{"GetProfilesInfo as lpac asks", es10Steps("BF2D10 5C0E5A4F9F70909192939495B6B7B899",
			"BF2D6E A06C E335 5A0A"+iccidCMCC+" 4F10A0000005591010FFFFFFFF8900001000 9F700101 9104636D6363 9204636D6363 B705800364F000"+
				" E333 5A0A"+iccidSFR+" 4F10A0000005591010FFFFFFFF8900001100 9F700100 9103736672 9203736672 B705800302F801 9000")},
		{"GetProfilesInfo malformed search", es10Steps("BF2D04 A002 8100", "6A80")},
		{"Enable ok, again, reset shows it", append(es10Steps(enableSFR, "BF3103800100 9000"),
			append(es10Steps(enableSFR, "BF3103800102 9000"),
				es10Steps("BF2D04 5C029F70", "BF2D0E A00C E3049F700100 E3049F700101 9000")...)...)},
		{"Enable by AID", es10Steps("BF3117 A0124F10A0000005591010FFFFFFFF8900001100 810100", "BF3103800100 9000")},
		{"Enable unknown", es10Steps("BF3111 A00C5A0A98000000000000000000 810100", "BF3103800101 9000")},
		{"Enable with refresh then 6985 until reset", append(es10Steps("BF3111 A00C5A0A"+iccidSFR+" 8101FF", "BF3103800100 9000"),
			es10Steps("BF3211 A00C5A0A"+iccidSFR+" 810100", "6985")...)},
		{"Disable enabled then disabled", append(es10Steps("BF3211 A00C5A0A"+iccidCMCC+" 810100", "BF3203800100 9000"),
			es10Steps("BF3211 A00C5A0A"+iccidCMCC+" 810100", "BF3203800102 9000")...)},
		{"Disable unknown", es10Steps("BF3211 A00C5A0A98000000000000000000 810100", "BF3203800101 9000")},
		{"Enable without refreshFlag", es10Steps("BF310E A00C5A0A"+iccidSFR, "6A80")},
		{"Enable with empty identifier", es10Steps("BF3105 A000 810100", "6A80")},
		{"SetNickname then listed", append(es10Steps("BF2912 5A0A"+iccidSFR+" 9004576F726B", "BF2903800100 9000"),
			es10Steps("BF2D04 5C025A90", "BF2D24 A022 E30C5A0A"+iccidCMCC+" E3125A0A"+iccidSFR+" 9004576F726B 9000")...)},
		{"SetNickname unknown ICCID", es10Steps("BF2912 5A0A98000000000000000000 9004576F726B", "BF2903800101 9000")},
		{"SetNickname over 64 bytes", es10Steps("BF294F 5A0A"+iccidSFR+" 9041"+strings.Repeat("41", 65), "6A80")},
		// No default SM-DP+ yet; the root SM-DS is GSMA's.
		{"GetEuiccConfiguredAddresses", es10Steps("BF3C00", "BF3C11 810F6C70612E64732E67736D612E636F6D 9000")},
		// EXTENSIBILITY IMPLIED: a later release's field is skipped, a
		// malformed one refused.
		{"GetEuiccConfiguredAddresses with a later field", es10Steps("BF3C04 9F7F0101", "BF3C11810F6C70612E64732E67736D612E636F6D 9000")},
		{"GetEuiccConfiguredAddresses with malformed content", es10Steps("BF3C02 8005", "6A80")},
		{"SetDefaultDpAddress then read back", append(es10Steps("BF3F0F 800D736D64702E7366722E74657374", "BF3F03800100 9000"),
			es10Steps("BF3C00", "BF3C20 800D736D64702E7366722E74657374 810F6C70612E64732E67736D612E636F6D 9000")...)},
		// An address longer than the card keeps (256 characters, in two
		// blocks) is the function's undefinedError, and the one set stays.
		{"SetDefaultDpAddress too long", append([]step{
			{"81E21100FF" + longAddr[:510], "9000"},
			{fmt.Sprintf("81E29101%02X%s00", len(longAddr[510:])/2, longAddr[510:]), "BF3F0380017F 9000"}},
			es10Steps("BF3C00", "BF3C11 810F6C70612E64732E67736D612E636F6D 9000")...)},
		// A class the module does not name: incorrectInputValues.
		{"GetProfilesInfo by an unnamed class", es10Steps("BF2D05 A003950107", "BF2D03810101 9000")},
		{"GetRAT: no rules", es10Steps("BF4300", "BF4302A000 9000")},
		// deleteOperationalProfiles (bit 0): both profiles go, the enabled
		// one too, so the card waits for the terminal's reset.
		{"eUICCMemoryReset operational profiles", append(append(es10Steps("BF3404 82020780", "BF3403800100 9000"),
			es10Steps("BF2D04 5C029F70", "BF2D02A000 9000")...),
			es10Steps(enableSFR, "6985")...)},
		{"eUICCMemoryReset default address, none set", es10Steps("BF3404 82020520", "BF3403800101 9000")},
		{"eUICCMemoryReset malformed options", es10Steps("BF3404 82020521", "6A80")},
		{"malformed TLV", es10Steps("BF2D05", "6A80")},
		{"trailing bytes", es10Steps("BF2D00 00", "6A80")},
		{"primitive top level", es10Steps("5A0100", "6A80")},
		// Lengths not in DER form (X.690 §10.1; the sw6 report's requests).
		{"GetEID outer length 81 03", es10Steps("BF3E81035C015A", "6A80")},
		{"GetEID outer length 82 00 03", es10Steps("BF3E8200035C015A", "6A80")},
		{"GetEID inner length 81 01", es10Steps("BF3E045C81015A", "6A80")},
		{"GetEUICCInfo2 length 81 00", es10Steps("BF228100", "6A80")},
		// The nickname is not set: no profile has one.
		{"SetNickname outer length 81 1A", append(es10Steps("BF29811A5A0A98680000000000000091900C6D79206E69636B6E616D6521", "6A80"),
			es10Steps("BF2D03 5C0190", "BF2D06A004E300E300 9000")...)},
		{"unknown ES10 function", es10Steps("BF7F00", "6A88")},
		{"chained STORE DATA", []step{{"81E2110003BF3E03", "9000"}, {"81E2910103 5C015A 00", "BF3E125A10" + testEID + "9000"}}},
		{"block out of order", []step{{"81E2110003BF3E03", "9000"}, {"81E2910203 5C015A", "6A86"}, {"81E2910103 5C015A", "6A86"}}},
		{"bad P1", []step{{"81E2120003BF2D00", "6A86"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			runScript(t, newTestCard(t, testConfig()), append(append([]step{}, selectISDR...), tc.steps...))
		})
	}
}

func TestEnableShowsAfterReset(t *testing.T) {
	c := newTestCard(t, testConfig())
	runScript(t, c, []step{
		{"00A4040C10" + isdrAID, "9000"},
		{"80E2910014BF3111A00C5A0A" + iccidSFR + "810100", "6106"},
		{"00C0000006", "BF3103800100 9000"},
		{"00A4000C022FE2", "9000"},
		{"00B000000A", iccidCMCC + "9000"}, // still the old profile until reset
	})
	c.Reset()
	runScript(t, c, []step{
		{"00A4000C022FE2", "9000"},
		{"00B000000A", iccidSFR + "9000"},
		{"00A4040C07A0000000871002", "9000"},
		{"00B0870009", "082980012143658709 9000"},
	})
}

// What the terminal writes to a profile's USIM files stays in that
// profile, as in a USIM's NVM: through a reset, a power cut and an NVM
// image, and a profile switch shows the other profile's own. They were
// lost at the next reset.
func TestWrittenFilesPersist(t *testing.T) {
	const (
		usim      = "00A4040C07A0000000871002"
		loci      = "11223344 64F000 0001 FF 00"
		fplmn     = "64F010 FFFFFF FFFFFF FFFFFF"
		sfrEPS    = "0BF602F80100010203040506 02F8010001 00"
		enable    = "80E2910014BF3111A00C5A0A%s810100"
		enabled   = "BF3103800100 9000"
		readLOCI  = "00B08B0000" // by SFI
		readFPLMN = "00B08D0000"
	)
	switchTo := func(iccid string) []step {
		return []step{
			{"00A4040C10" + isdrAID, "9000"},
			{fmt.Sprintf(enable, iccid), "6106"},
			{"00C0000006", enabled},
		}
	}
	// The last image handed over, as emulate --state writes it.
	var img []byte
	cfg := testConfig()
	cfg.OnNVMWrite = func(b []byte) error { img = bytes.Clone(b); return nil }
	c := newTestCard(t, cfg)
	runScript(t, c, []step{
		{usim, "9000"},
		{"00A4000C026F7E", "9000"},
		{"00D600000B" + loci, "9000"},
		{"00D68D000C" + fplmn, "9000"},
		{"00D68A0005 02F8014000", "9000"}, // EF PLMNwAcT
		{"00A4000C026F42", "9000"},
		{"00DC010428" + strings.Repeat("A5", 40), "9000"}, // EF SMSP
	})
	c.Reset()
	runScript(t, c, []step{{usim, "9000"}, {"00A4000C026F7E", "9000"}, {readLOCI, loci + "9000"}, {readFPLMN, fplmn + "9000"},
		{"00B08A0005", "02F8014000 9000"},
		{"00A4000C026F42", "9000"}, {"00B2010428", strings.Repeat("A5", 40) + "9000"}})
	c.PowerOff()
	c.Reset()
	runScript(t, c, []step{{usim, "9000"}, {"00A4000C026F7E", "9000"}, {readLOCI, loci + "9000"}})
	runScript(t, c, switchTo(iccidSFR))
	c.Reset()
	runScript(t, c, []step{
		{usim, "9000"},
		{"00A4000C026F7E", "9000"},
		{readLOCI, "FFFFFFFF 02F801 FFFE 00 01 9000"}, // sfr's own, as new
		{readFPLMN, "FFFFFFFFFFFFFFFFFFFFFFFF 9000"},
		{"00D69E0012" + sfrEPS, "9000"},
	})
	runScript(t, c, switchTo(iccidCMCC))
	c.Reset()
	runScript(t, c, []step{{usim, "9000"}, {"00A4000C026F7E", "9000"}, {readLOCI, loci + "9000"}, {readFPLMN, fplmn + "9000"}})

	runScript(t, c, []step{{usim, "9000"}, {"00D68D0003 64F020", "9000"}}) // the image is written before the answer
	r, err := Restore(testConfig(), img)
	if err != nil {
		t.Fatalf("Restore: %v", err)
	}
	r.Reset()
	fplmn2 := "64F020" + fplmn[6:]
	runScript(t, r, []step{{usim, "9000"}, {"00A4000C026F7E", "9000"}, {readLOCI, loci + "9000"}, {readFPLMN, fplmn2 + "9000"}})
	runScript(t, r, switchTo(iccidSFR))
	r.Reset()
	runScript(t, r, []step{{usim, "9000"}, {"00B09E0000", sfrEPS + "9000"}, {readLOCI, "FFFFFFFF 02F801 FFFE 00 01 9000"}})
}

// The USIM serves the files TS 31.102 makes mandatory or a terminal reads
// at start, with the profile's contents; they answered 6A82. cmcc: no SPN
// of its own (the operator's name), IMSI ending 0 (access class 0), home
// 46000.
func TestUSIMFiles(t *testing.T) {
	const usim = "00A4040C07A0000000871002"
	empty := strings.Repeat("FFFFFF0000", 1)
	tests := []struct {
		name  string
		steps []step
	}{
		{"SPN is the operator's name", []step{{usim, "9000"}, {"00A4000C026F46", "9000"},
			{"00B0000011", "01 636D6363 " + strings.Repeat("FF", 12) + "9000"}}},
		{"UST: SMS, SMSP, SPN, PLMNwAcT, MSISDN, 33, OPLMNwAcT, HPLMNwAcT, EPS", []step{{usim, "9000"},
			{"00B0840000", "000A1C0001060000000010000000 9000"}}},
		{"EST, ACC, HPPLMN", []step{{usim, "9000"},
			{"00B0850000", "00 9000"}, {"00B0860000", "0001 9000"}, {"00B0920000", "0A 9000"}}},
		{"HPLMNwAcT lists the home network on E-UTRAN", []step{{usim, "9000"},
			{"00B0930000", "64F000 4000" + strings.Repeat(empty, 3) + "9000"}}},
		{"OPLMNwAcT as the SM-DP+ builds it", []step{{usim, "9000"},
			{"00B0910000", "64F000 4000" + strings.Repeat(empty, 31) + "9000"}}},
		{"ECC: 112 and 911", []step{{usim, "9000"}, {"00A4000C026FB7", "9000"},
			{"00B2010414", "11F2FF" + strings.Repeat("FF", 16) + "00 9000"},
			{"00B20204 14", "19F1FF" + strings.Repeat("FF", 16) + "00 9000"},
			{"00B2030414", "6A83"},
			{"00B0000000", "6981"}, // a USIM's ECC has records; +CRSM=176 gets 105,129
		}},
		// P2 b8-b4 name the EF by short file identifier, which becomes the
		// current EF; only absolute mode (b3-b1 100) is served.
		{"READ RECORD by SFI", []step{{usim, "9000"},
			{"00B2020C14", "19F1FF" + strings.Repeat("FF", 16) + "00 9000"}, // ECC, SFI 01
			{"00B2010414", "11F2FF" + strings.Repeat("FF", 16) + "00 9000"}, // ECC is now current
			{"00B2010C36", "11F2FF" + strings.Repeat("FF", 16) + "00 9000"}, // after 6C14: ECC's records are 20 bytes
			{"00B201F414", "6981"}, // SFI 1E: EPSLOCI is transparent
			{"00B201EC14", "6981"}, // SFI 1D: EHPLMN is transparent
			{"00B201E414", "6A82"}, // SFI 1C: none
			{"00B201FC14", "6A86"}, // SFI 1F: RFU
			{"00B2010D14", "6A86"}, // b3-b1 101: not absolute
		}},
		{"the ADM files refuse updates", []step{{usim, "9000"}, {"00A4000C026F46", "9000"},
			{"00D6000001 00", "6982"},
			{"00D6840001 FF", "6982"},
			{"00A4000C026FB7", "9000"}, {"00DC010414" + strings.Repeat("00", 20), "6982"},
		}},
		{"PLMNwAcT and SMSP take updates", []step{{usim, "9000"},
			{"00B08A0005", empty + "9000"},
			{"00D68A0005 02F8014000", "9000"},
			{"00B08A0005", "02F8014000 9000"},
			{"00A4000C026F42", "9000"},
			{"00DC010428" + strings.Repeat("A5", 40), "9000"},
			{"00B2010428", strings.Repeat("A5", 40) + "9000"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			runScript(t, newTestCard(t, testConfig()), tt.steps)
		})
	}
}

// TestSelectionModes: TS 102 221 §11.1.1's ways to select a file, and the
// application session that outlives selecting the MF (§8.4.1): its ADF
// answers 7FFF from anywhere, and STATUS names it, until the session is
// terminated (P2 b7-b6 10, §8.5.3). A terminal walking 3F00 → 7FFF → 6F07
// got 6A82 at the USIM.
func TestSelectionModes(t *testing.T) {
	const usim = "00A4040C07A0000000871002"
	const usimName = "8410A0000000871002FFFFFFFF8903020000"
	tests := []struct {
		name  string
		steps []step
	}{
		{"7FFF after the MF", []step{{usim, "9000"}, {"00A4000C023F00", "9000"},
			{"00A4000C027FFF", "9000"}, {"00A4000C026F07", "9000"}, {"00B0000009", "08 4906002143658709 9000"}}},
		{"STATUS names the application wherever the current DF is", []step{{usim, "9000"}, {"00A4000C023F00", "9000"},
			{"80F2000112", usimName + "9000"}}},
		{"7FFF before any application", []step{{"00A4000C027FFF", "6A82"}}},
		{"no data selects the MF", []step{{usim, "9000"}, {"00A4000C", "9000"}, {"00A4000C026F07", "6A82"}, {"00A4000C022FE2", "9000"}}},
		{"no data with an FCP asked for", []step{{"00A40004", "6A80"}}},
		{"a child DF", []step{{usim, "9000"}, {"00A4000C023F00", "9000"}, {"00A4010C027FFF", "9000"}, {"00A4000C026F07", "9000"},
			{"00A4010C026F07", "6A82"}}}, // an EF is no child DF
		{"the parent DF", []step{{usim, "9000"}, {"00A4030C", "9000"}, {"00A4000C022FE2", "9000"},
			{"00A4000C023F00", "9000"}, {"00A4030C", "6A82"}}}, // the MF has none
		{"a path from the current DF", []step{{usim, "9000"}, {"00A4090C026F07", "9000"}, {"00B0000009", "08 4906002143658709 9000"},
			{"00A4000C023F00", "9000"}, {"00A4090C047FFF6F07", "9000"}}},
		{"terminating the session", []step{{usim, "9000"}, {"00A4044C07A0000000871002", "9000"},
			{"00A4000C027FFF", "6A82"}, {"80F2000100", "9000"}, {"00A4000C022FE2", "9000"}}},
		{"terminate only by AID", []step{{"00A4004C023F00", "6A86"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			runScript(t, newTestCard(t, testConfig()), tt.steps)
		})
	}
}

// TestRecordModes: READ and UPDATE RECORD in next, previous and current
// mode move and use the record pointer (TS 102 221 §11.1.5, §11.1.6): from
// none set, next reads the first and previous the last; past either end
// 6A83 with the pointer where it was; a SELECT clears it, absolute mode
// leaves it.
func TestRecordModes(t *testing.T) {
	const usim = "00A4040C07A0000000871002"
	ecc1 := "11F2FF" + strings.Repeat("FF", 16) + "00"
	ecc2 := "19F1FF" + strings.Repeat("FF", 16) + "00"
	sms := func(b string) string { return strings.Repeat(b, 40) }
	tests := []struct {
		name  string
		steps []step
	}{
		{"next from none, on to the end", []step{{usim, "9000"}, {"00A4000C026FB7", "9000"},
			{"00B2000414", "6A83"}, // current: none set
			{"00B2000214", ecc1 + "9000"}, {"00B2000214", ecc2 + "9000"}, {"00B2000214", "6A83"},
			{"00B2000414", ecc2 + "9000"}, // still the last
			{"00B2000314", ecc1 + "9000"}, {"00B2000314", "6A83"}}},
		{"previous from none reads the last", []step{{usim, "9000"}, {"00A4000C026FB7", "9000"},
			{"00B2000314", ecc2 + "9000"}, {"00B2010414", ecc1 + "9000"}, {"00B2000414", ecc2 + "9000"}}},
		{"a SELECT clears the pointer", []step{{usim, "9000"}, {"00A4000C026FB7", "9000"},
			{"00B2000214", ecc1 + "9000"}, {"00A4000C026FB7", "9000"}, {"00B2000414", "6A83"}}},
		{"next and previous take no record number", []step{{usim, "9000"}, {"00A4000C026FB7", "9000"}, {"00B2010214", "6A86"}}},
		{"by SFI, another EF starts afresh", []step{{usim, "9000"}, {"00A4000C026F42", "9000"},
			{"00B2000228", "FFFFFFFFFFFFFFFFFFFFFFFFEF" + strings.Repeat("FF", 26) + "A7 9000"}, {"00B2000A14", ecc1 + "9000"}}},
		{"UPDATE RECORD next and current", []step{{usim, "9000"}, {"00A4000C026F42", "9000"},
			{"00DC000228" + sms("A5"), "9000"}, {"00DC000428" + sms("5A"), "9000"},
			{"00B2010428", sms("5A") + "9000"}, {"00DC000228" + sms("A5"), "6A83"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			runScript(t, newTestCard(t, testConfig()), tt.steps)
		})
	}
}

// Every USIM file's FCP states its structure and size, and the size is
// what READ BINARY or READ RECORD returns.
func TestUSIMFileSizes(t *testing.T) {
	c := newTestCard(t, testConfig())
	fids := []uint16{fidIMSI, fidAD, fidUST, fidEST, fidSPN, fidACC, fidHPPLMN, fidPLMNwAcT, fidOPLMNwAcT,
		fidHPLMNwAcT, fidLOCI, fidPSLOCI, fidFPLMN, fidEPSLOCI, fidECC, fidSMSP}
	tx := func(t *testing.T, hexCmd string) apdu.Response {
		t.Helper()
		r, err := apdu.ParseResponse(overT0(c, hexdump.Bytes(t, hexCmd)))
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	for _, fid := range fids {
		t.Run(fmt.Sprintf("%04X", fid), func(t *testing.T) {
			tx(t, "00A4040C07A0000000871002")
			r := tx(t, fmt.Sprintf("00A4000402%04X", fid))
			if r.SW>>8 != 0x61 {
				t.Fatalf("SELECT: SW %04X, want 61xx", r.SW)
			}
			r = tx(t, fmt.Sprintf("00C00000%02X", r.SW&0xFF))
			params, err := fcp.Parse(r.Data)
			if err != nil || r.SW != apdu.SWOK {
				t.Fatalf("GET RESPONSE %X %04X: %v", r.Data, r.SW, err)
			}
			want, got := params.Size, 0
			switch d := params.Descriptor; d.Structure {
			case fcp.Transparent:
				r = tx(t, "00B0000000")
				got = len(r.Data)
			case fcp.LinearFixed:
				for i := 1; i <= d.Records; i++ {
					r = tx(t, fmt.Sprintf("00B2%02X04%02X", i, d.RecLen))
					if r.SW != apdu.SWOK {
						t.Fatalf("record %d: SW %04X", i, r.SW)
					}
					got += len(r.Data)
				}
			default:
				t.Fatalf("FCP %X: a %s", r.Data, d.Structure)
			}
			if got != want {
				t.Errorf("FCP says %d bytes, the file holds %d", want, got)
			}
		})
	}
}

func TestLongResponseChunks(t *testing.T) {
	cfg := testConfig()
	cfg.Profiles = nil
	for i := 0; i < 8; i++ {
		cfg.Profiles = append(cfg.Profiles, ProfileSpec{
			ICCID: mustICCID(t, fmt.Sprintf("893310000000000%04d", i)), Operator: fmt.Sprintf("operator-number-%d", i),
			IMSI: fmt.Sprintf("20810000000%04d", i), Enabled: i == 0,
		})
	}
	c := newTestCard(t, cfg)
	runScript(t, c, []step{{"00A4040C10" + isdrAID, "9000"}})
	r, _ := apdu.ParseResponse(c.Transmit(hexdump.Bytes(t, "80E2910003BF2D00")))
	if r.SW != 0x6100 {
		t.Fatalf("SW %04X, want 6100", r.SW)
	}
	var all []byte
	for chunks := 0; ; chunks++ {
		if chunks > 4 {
			t.Fatal("too many GET RESPONSE rounds")
		}
		r, _ = apdu.ParseResponse(c.Transmit([]byte{0x00, 0xC0, 0x00, 0x00, byte(r.SW)}))
		all = append(all, r.Data...)
		if r.SW == apdu.SWOK {
			break
		}
		if r.SW>>8 != 0x61 {
			t.Fatalf("SW %04X", r.SW)
		}
	}
	if len(all) <= 256 {
		t.Fatalf("response of %d bytes does not exercise chaining", len(all))
	}
	objs, err := tlv.Parse(all)
	if err != nil {
		t.Fatal(err)
	}
	list, _ := objs[0].Find(0xA0)
	infos, _ := list.Children()
	if len(infos) != 8 {
		t.Fatalf("%d profiles, want 8", len(infos))
	}
}

func TestNew(t *testing.T) {
	mut := func(f func(*Config)) Config { c := testConfig(); f(&c); return c }
	tests := []struct {
		name string
		cfg  Config
		ok   bool
	}{
		{"valid", testConfig(), true},
		{"short EID", mut(func(c *Config) { c.EID = "8904" }), false},
		{"two enabled", mut(func(c *Config) { c.Profiles[1].Enabled = true }), false},
		{"none enabled", mut(func(c *Config) { c.Profiles[0].Enabled = false }), false},
		{"ICCID too short", mut(func(c *Config) { c.Profiles[1].ICCID = "8933" }), false},
		{"IMSI letters", mut(func(c *Config) { c.Profiles[1].IMSI = "20810abc" }), false},
		{"duplicate ICCID", mut(func(c *Config) { c.Profiles[1].ICCID = c.Profiles[0].ICCID }), false},
		{"MNC length 4", mut(func(c *Config) { c.Profiles[1].MNCLen = 4 }), false},
		{"IPv6 platform", mut(func(c *Config) { c.PlatformAddr = netip.MustParseAddrPort("[::1]:80") }), false},
		{"check interval default", mut(func(c *Config) { c.CheckInterval = 0 }), true},
		{"check interval longest", mut(func(c *Config) { c.CheckInterval = stk.MaxTimerValue }), true},
		{"check interval negative", mut(func(c *Config) { c.CheckInterval = -time.Minute }), false},
		{"check interval under a second", mut(func(c *Config) { c.CheckInterval = 500 * time.Millisecond }), false},
		{"check interval past a toolkit timer", mut(func(c *Config) { c.CheckInterval = 100 * time.Hour }), false},
		{"attach wait default", mut(func(c *Config) { c.AttachWait = 0 }), true},
		{"attach wait longest", mut(func(c *Config) { c.AttachWait = stk.MaxTimerValue }), true},
		{"attach wait negative", mut(func(c *Config) { c.AttachWait = -time.Minute }), false},
		{"attach wait under a second", mut(func(c *Config) { c.AttachWait = 500 * time.Millisecond }), false},
		{"attach wait past a toolkit timer", mut(func(c *Config) { c.AttachWait = 100 * time.Hour }), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.cfg)
			if (err == nil) != tc.ok {
				t.Fatalf("New error = %v, want ok=%v", err, tc.ok)
			}
		})
	}
}

func TestHomePLMN(t *testing.T) {
	tests := []struct {
		p    ProfileSpec
		want string
	}{
		{ProfileSpec{IMSI: "460001234567890"}, "46000"},
		{ProfileSpec{IMSI: "310260123456789", MNCLen: 3}, "310260"},
	}
	for _, tc := range tests {
		if got := tc.p.HomePLMN(); got != tc.want {
			t.Errorf("HomePLMN(%s) = %s, want %s", tc.p.IMSI, got, tc.want)
		}
	}
}

func TestATRAndPower(t *testing.T) {
	c := newTestCard(t, testConfig())
	atr := c.Reset()
	var x byte
	for _, b := range atr[1:] {
		x ^= b
	}
	if atr[0] != 0x3B || x != 0 {
		t.Fatalf("ATR %X: bad TS or TCK", atr)
	}
	// Walk the interface bytes (ISO 7816-3 §8.2.3): the group after the
	// first TD naming T=15 must hold TB = 82, the eUICC indication.
	euicc, y, i := false, atr[1]>>4, 2
	afterT15 := false
	for y != 0 && i < len(atr) {
		var td byte
		for bit, present := range []bool{y&1 != 0, y&2 != 0, y&4 != 0, y&8 != 0} {
			if !present {
				continue
			}
			if bit == 1 && afterT15 && atr[i] == 0x82 {
				euicc = true
			}
			if bit == 3 {
				td = atr[i]
			}
			i++
		}
		afterT15 = td != 0 && td&0x0F == 0x0F
		y = td >> 4
	}
	if !euicc {
		t.Errorf("ATR %X does not say eUICC (TB 82 after T=15)", atr)
	}
	c.PowerOff()
	runScript(t, c, []step{{"00A4000C023F00", "6F00"}})
	c.Reset()
	runScript(t, c, []step{{"00A4000C023F00", "9000"}})
}

// The ATR's card capabilities (7816-4 third software function table)
// say what MANAGE CHANNEL does: channels assigned by the card (b5) and by
// the terminal (b4), 8 or more of them (b3-b1 111).
func TestATRLogicalChannels(t *testing.T) {
	c := newTestCard(t, testConfig())
	atr := c.Reset()
	// The historical bytes end before TCK; K is T0's low nibble.
	hist := atr[len(atr)-1-int(atr[1]&0x0F) : len(atr)-1]
	if hist[0] != 0x80 {
		t.Fatalf("historical bytes %X: not compact-TLV (category 80)", hist)
	}
	var caps []byte
	for i := 1; i < len(hist); i += 1 + int(hist[i]&0x0F) {
		if hist[i]>>4 == 7 {
			caps = hist[i+1 : i+1+int(hist[i]&0x0F)]
		}
	}
	if len(caps) != 3 {
		t.Fatalf("historical bytes %X: card capabilities %X, want 3 bytes", hist, caps)
	}
	if got := caps[2]; got != 0x1F {
		t.Errorf("card capabilities third byte %02X, want 1F", got)
	}
	if maxChannels-1 < 8 {
		t.Errorf("%d channels beside the basic one, the ATR says 8 or more", maxChannels-1)
	}
	for _, tc := range []struct {
		name  string
		steps []step
	}{
		{"assigned by the card", []step{{"0070000001", "01 9000"}}},
		{"assigned by the terminal", []step{{"00700005", "9000"}, {"00700013", "9000"}, {"00700014", "6A86"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c.Reset()
			runScript(t, c, tc.steps)
		})
	}
}

func mustICCID(t testing.TB, body string) string {
	t.Helper()
	iccid, err := ident.MakeICCID(body)
	if err != nil {
		t.Fatal(err)
	}
	return iccid
}
