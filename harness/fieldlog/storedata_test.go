package fieldlog

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/internal/codec/tlv"
	"github.com/esimhil/esimhil/internal/proto/es10"
)

// TestStoreDataBlocks: only block 0 of an ES10 command over STORE DATA
// begins with the function's tag (SGP.22 §5.7.2); a log that begins
// mid-command shows later blocks, which are not named after their first
// data byte, while a chain whose block 0 the log holds names every block.
func TestStoreDataBlocks(t *testing.T) {
	for _, tc := range []struct {
		name, log string
		want      []string // the summaries of the command lines, in order
	}{
		{"a middle block alone", "> AT+CGLA=1,26,\"81E2110308A1A2A3A4A5A6A7A8\"\n< +CGLA: 4,\"9000\"\n< OK\n",
			[]string{"STORE DATA block 3 (no request open on its channel: its block 0 not in the log, or ended before it)"}},
		{"a last block alone, its data a function's tag", "> AT+CGLA=1,26,\"81E2910308BF3E035C015A0000\"\n< +CGLA: 4,\"9000\"\n< OK\n",
			[]string{"STORE DATA block 3 (no request open on its channel: its block 0 not in the log, or ended before it)"}},
		{"a chain from block 0", "> AT+CGLA=1,18,\"81E2110004BF380102\"\n< +CGLA: 4,\"9000\"\n< OK\n" +
			"> AT+CGLA=1,16,\"81E2910103A1A2A3\"\n< +CGLA: 4,\"9000\"\n< OK\n",
			[]string{"STORE DATA AuthenticateServer block 0", "STORE DATA AuthenticateServer block 1 (last)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := commandSummaries(t, tc.log)
			// A last block's summary goes on with what the request is about.
			if len(got) != len(tc.want) {
				t.Fatalf("summaries %q, want %q", got, tc.want)
			}
			for i := range got {
				if !strings.HasPrefix(got[i], tc.want[i]) {
					t.Errorf("summary %d %q, want %q", i, got[i], tc.want[i])
				}
			}
		})
	}
}

// A real card's answer may use BER lengths (long form where the short
// fits, leading zero octets); the log reader takes them, though the
// strict ES10 decoders the card and SM-DP+ use refuse them.
func TestBERLengthAnswer(t *testing.T) {
	const eid = "89049032000001000000000000000171"
	for _, tc := range []struct{ name, answer string }{
		{"DER", "BF3E125A10" + eid},
		{"outer 81 12", "BF3E81125A10" + eid},
		{"outer 82 00 13, inner 81 10", "BF3E820013" + "5A8110" + eid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ans := tc.answer + "9000"
			log := "> AT+CGLA=1,22,\"81E2910006BF3E035C015A\"\n< +CGLA: " +
				fmt.Sprint(len(ans)) + ",\"" + ans + "\"\n< OK\n"
			got := answerSummaries(t, log)
			if len(got) != 1 || !strings.Contains(got[0], "EID "+eid) {
				t.Errorf("answers %q, want one naming EID %s", got, eid)
			}
		})
	}
}

// TestEUICCInfo1Summary: an EUICCInfo1 answer says the card's SGP.22
// version, which the replay compares (a v3 field card is not the emulated
// v2 one), and how many CI keys it trusts, not which (a test card trusts
// the test CI, never the field card's).
func TestEUICCInfo1Summary(t *testing.T) {
	const key = "0414F54172BDF98A95D65CBEB88A38A1C11D800A85C3"
	for _, tc := range []struct{ svn, want string }{
		{"020202", "GetEUICCInfo1: EUICCInfo1 SVN 2.2.2, 1 CI keys to verify, 1 to sign, SW 9000"},
		{"030100", "GetEUICCInfo1: EUICCInfo1 SVN 3.1.0, 1 CI keys to verify, 1 to sign, SW 9000"},
	} {
		ans := "BF2035" + "8203" + tc.svn + "A916" + key + "AA16" + key + "9000"
		log := "> AT+CGLA=1,16,\"81E2910003BF2000\"\n< +CGLA: " + fmt.Sprint(len(ans)) + ",\"" + ans + "\"\n< OK\n"
		if got := answerSummaries(t, log); len(got) != 1 || got[0] != tc.want {
			t.Errorf("SVN %s: answers %q, want %q", tc.svn, got, tc.want)
		}
	}
}

// answerSummaries reads log, a plain transcript, and returns the
// summaries of its APDU answers.
func answerSummaries(t *testing.T, log string) []string {
	t.Helper()
	var out []string
	for _, a := range doneAPDUs(t, log) {
		out = append(out, a.Summary)
	}
	return out
}

// commandSummaries reads a plain log and returns the summaries of its
// command APDUs, in order.
func commandSummaries(t *testing.T, log string) []string {
	t.Helper()
	tr, err := Read("lpa.log", []byte(log), Plain)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range tr.Entries {
		if e.Role == Command && e.APDU != nil {
			got = append(got, e.APDU.Summary)
		}
	}
	return got
}

// doneAPDUs reads a plain log and returns its answered APDUs.
func doneAPDUs(t *testing.T, log string) []*APDU {
	t.Helper()
	tr, err := Read("lpa.log", []byte(log), Plain)
	if err != nil {
		t.Fatal(err)
	}
	var got []*APDU
	for _, e := range tr.Entries {
		if e.APDU != nil && e.APDU.Done {
			got = append(got, e.APDU)
		}
	}
	return got
}

// TestEUICCInfo2Summary: EUICCInfo2 is summarised as EUICCInfo1 is; a
// later release's extra fields are skipped, and an answer a strict decoder
// refuses is said but not marked failed (it describes the card; what the
// LPA did next is in the log).
func TestEUICCInfo2Summary(t *testing.T) {
	key := bytes.Repeat([]byte{0xF5}, 20)
	info := es10.EuiccInfo2{ProfileVersion: es10.Version{2, 3, 1}, SVN: es10.Version{2, 2, 2}, FirmwareVer: es10.Version{1, 0, 0},
		CiPKIDVerify: [][]byte{key, key}, CiPKIDSign: [][]byte{key}, Category: -1, PPVersion: es10.Version{1, 0, 0}}
	v2 := fmt.Sprintf("%X", info.Encode())
	info.SVN = es10.Version{3, 1, 0}
	obj, _, err := tlv.ParseOne(info.Encode())
	if err != nil {
		t.Fatal(err)
	}
	cs, _ := obj.Children()
	cs = append(cs, tlv.New(0x93, []byte{3, 1, 0})) // a [19] field only a later release knows
	v3 := fmt.Sprintf("%X", tlv.Constructed(es10.TagGetEUICCInfo2, cs...).Bytes())
	for _, tc := range []struct {
		name, answer, want string
		failed             bool
	}{
		{"v2", v2, "GetEUICCInfo2: EUICCInfo2 SVN 2.2.2, 2 CI keys to verify, 1 to sign, SW 9000", false},
		{"v3 with a field v2 lacks", v3, "GetEUICCInfo2: EUICCInfo2 SVN 3.1.0, 2 CI keys to verify, 1 to sign, SW 9000", false},
		{"no SVN", "BF2203810102", "GetEUICCInfo2: undecodable answer", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ans := tc.answer + "9000"
			log := "> AT+CGLA=1,16,\"81E2910003BF2200\"\n< +CGLA: " + fmt.Sprint(len(ans)) + ",\"" + ans + "\"\n< OK\n"
			got := doneAPDUs(t, log)
			if len(got) != 1 || !strings.HasPrefix(got[0].Summary, tc.want) || got[0].Failed != tc.failed {
				for _, a := range got {
					t.Logf("%q failed=%v", a.Summary, a.Failed)
				}
				t.Errorf("want one answer %q, failed=%v", tc.want, tc.failed)
			}
		})
	}
}

// TestGetResponseSummaries: a 61xx says there is more to fetch and a 6Cxx
// that the host's Le was wrong (TS 102 221 §7.3.1.1.4), without the
// counts, which are the card's own (a replay compares by the summary:
// outside tester t166 F1); neither is the function's answer, which the GET RESPONSE
// that follows brings.
func TestGetResponseSummaries(t *testing.T) {
	log := "> AT+CGLA=1,16,\"81E2910003BF2000\"\n< +CGLA: 4,\"6164\"\n< OK\n" +
		"> AT+CGLA=1,10,\"81C0000064\"\n< +CGLA: 4,\"6C05\"\n< OK\n" +
		"> AT+CGLA=1,10,\"81C0000005\"\n< +CGLA: 14,\"BF20038201029000\"\n< OK\n"
	tr, err := Read("lpa.log", []byte(log), Plain)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range tr.Entries {
		if e.APDU != nil && e.APDU.Response {
			got = append(got, e.APDU.Summary)
			// Steps of the exchange, not its outcome: no failure to draft
			// (outside tester sw115: a 6C15 drafted as one).
			if sw1 := e.APDU.SW >> 8; (sw1 == 0x61 || sw1 == 0x6C) && e.APDU.Failed {
				t.Errorf("%q marked failed", e.APDU.Summary)
			}
		}
	}
	want := []string{"GetEUICCInfo1: more to fetch, SW 61xx", "GetEUICCInfo1: wrong Le, to repeat, SW 6Cxx", "GetEUICCInfo1: "}
	if len(got) != len(want) {
		t.Fatalf("summaries %q, want %q", got, want)
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("summary %d %q, want %q", i, got[i], want[i])
		}
	}
}

// TestStoreDataSequenceRules: the reader follows an ES10 request's STORE
// DATA blocks as the timeline's lanes do (es10.StoreData; GlobalPlatform
// Card Specification 2.3 §11.11.2, SGP.22 §5.7.2). A command between two
// blocks that is no SELECT and closes no channel leaves the request on
// its way (the card takes the next block in sequence); a block out of
// sequence, or after the last, is no function's; a request's first tag
// names it as the timeline names it, a LoadBoundProfilePackage segment by
// its part; a block 0 with no tag begins a request of no name.
func TestStoreDataSequenceRules(t *testing.T) {
	const noRequest = "(no request open on its channel: its block 0 not in the log, or ended before it)"
	const (
		block0 = "> AT+CGLA=1,18,\"81E2110004BF380102\"\n< +CGLA: 4,\"9000\"\n< OK\n"
		block1 = "> AT+CGLA=1,16,\"81E2910103A1A2A3\"\n< +CGLA: 4,\"9000\"\n< OK\n"
	)
	for _, tc := range []struct {
		name, log string
		want      []string // the summaries of the command lines, in order
	}{
		{"a STATUS between two blocks", block0 + "> AT+CGLA=1,10,\"81F2000000\"\n< +CGLA: 4,\"9000\"\n< OK\n" + block1,
			[]string{"STORE DATA AuthenticateServer block 0", "STATUS", "STORE DATA AuthenticateServer block 1 (last)"}},
		{"MANAGE CHANNEL open from the channel between two blocks", block0 + "> AT+CGLA=1,10,\"0170000001\"\n< +CGLA: 6,\"029000\"\n< OK\n" + block1,
			[]string{"STORE DATA AuthenticateServer block 0", "MANAGE CHANNEL open", "STORE DATA AuthenticateServer block 1 (last)"}},
		{"a block out of sequence", block0 + "> AT+CGLA=1,16,\"81E2910203A1A2A3\"\n< +CGLA: 4,\"9000\"\n< OK\n",
			[]string{"STORE DATA AuthenticateServer block 0", "STORE DATA block 2 (out of sequence: block 1 expected)"}},
		{"a block after the last, its answer lost", block0 + "> AT+CGLA=1,16,\"81E2910103A1A2A3\"\n< +CME ERROR: 4\n" +
			"> AT+CGLA=1,16,\"81E2910203A1A2A3\"\n< +CGLA: 4,\"9000\"\n< OK\n",
			[]string{"STORE DATA AuthenticateServer block 0", "STORE DATA AuthenticateServer block 1 (last)", "STORE DATA block 2 (no request open on its channel: its block 0 not in the log, or ended before it)"}},
		{"a LoadBoundProfilePackage segment", "> AT+CGLA=1,24,\"81E2910007A0058703010203\"\n< +CGLA: 4,\"9000\"\n< OK\n",
			[]string{"STORE DATA LoadBoundProfilePackage: firstSequenceOf87 block 0 (last)"}},
		{"an unknown tag", "> AT+CGLA=1,16,\"81E2910003BF7F00\"\n< +CGLA: 4,\"6A88\"\n< OK\n",
			[]string{"STORE DATA unknown ES10 tag BF7F block 0 (last)"}},
		// The card resets with its modem: what was on its way on every
		// channel ends (outside tester t66 #3: the blocks after an
		// AT+CFUN=1,1 and RDY joined the request before it).
		{"a block that lost bytes", block0 + "> AT+CGLA=1,20,\"81E2910107A1A2A3A4A5A6\"\n< +CGLA: 4,\"6700\"\n< OK\n" + block1,
			[]string{"STORE DATA AuthenticateServer block 0", "malformed APDU 81E2910107A1A2A3A4A5A6: apdu: Lc 7 with 6 byte(s) after it: want 7, or 8 with an Le (SW 6700)", "STORE DATA block 1 " + noRequest}},
		{"a reset between two blocks", block0 + "> AT+CFUN=1,1\n< OK\n< RDY\n" + block1,
			[]string{"STORE DATA AuthenticateServer block 0", "STORE DATA block 1 " + noRequest}},
		{"a power-down between two blocks", block0 + "> AT+CFUN=0\n< OK\n> AT+CFUN=1\n< OK\n" + block1,
			[]string{"STORE DATA AuthenticateServer block 0", "STORE DATA block 1 " + noRequest}},
		{"a boot URC alone between two blocks", block0 + "< RDY\n" + block1,
			[]string{"STORE DATA AuthenticateServer block 0", "STORE DATA block 1 " + noRequest}},
		// A reset the modem refused reset nothing (outside tester t67 B).
		{"a refused reset between two blocks", block0 + "> AT+CFUN=1,1\n< ERROR\n" + block1,
			[]string{"STORE DATA AuthenticateServer block 0", "STORE DATA AuthenticateServer block 1 (last)"}},
		{"radio off between two blocks", block0 + "> AT+CFUN=4\n< OK\n" + block1,
			[]string{"STORE DATA AuthenticateServer block 0", "STORE DATA AuthenticateServer block 1 (last)"}},
		// A close sent on session 1 naming channel 2 ends session 2's
		// request, not its own, as the AT lane takes it (t66 #2).
		{"a close of another channel sent on a session", block0 +
			"> AT+CGLA=2,18,\"81E2110004BF380102\"\n< +CGLA: 4,\"9000\"\n< OK\n" +
			"> AT+CGLA=1,10,\"0170800200\"\n< +CGLA: 4,\"9000\"\n< OK\n" + block1 +
			"> AT+CGLA=2,16,\"81E2910103A1A2A3\"\n< +CGLA: 4,\"9000\"\n< OK\n",
			[]string{"STORE DATA AuthenticateServer block 0", "STORE DATA AuthenticateServer block 0", "MANAGE CHANNEL close 2",
				"STORE DATA AuthenticateServer block 1 (last)", "STORE DATA block 1 " + noRequest}},
		// Its tag comes with block 1, which is named by it (outside
		// tester t168 F3: a request's tag split over blocks).
		{"a block 0 with no data", "> AT+CGLA=1,10,\"81E2110000\"\n< +CGLA: 4,\"9000\"\n< OK\n" + block1,
			[]string{"STORE DATA block 0", "STORE DATA LoadBoundProfilePackage: sequenceOf88 block 1 (last)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := commandSummaries(t, tc.log)
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("summaries %q, want %q", got, tc.want)
			}
		})
	}
}
