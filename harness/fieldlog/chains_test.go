package fieldlog

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/internal/codec/apdu"
)

// cgla writes one +CGLA exchange of a plain transcript.
func cgla(session int, cmd, answer string) string {
	return fmt.Sprintf("> AT+CGLA=%d,%d,\"%s\"\n< +CGLA: %d,\"%s\"\n< OK\n", session, len(cmd), cmd, len(answer), answer)
}

// TestHostileChains: the answer of an ES10 function is put together as
// TS 102 221 §7.3.1.1.4 has a card give it (apdu.Chains), whatever the
// log shows: a GET RESPONSE that nothing waits for, a session closed
// mid-chain, sessions interleaved, a chain that never ends. Each case
// lists the summaries of the answers that complete a function (Done).
func TestHostileChains(t *testing.T) {
	const (
		info1      = "BF2003820102"           // EUICCInfo1, SVN 1.2 short: undecodable, but an answer
		getInfo1   = "81E2910003BF2000"       // GetEUICCInfo1
		getEID     = "81E2910006BF3E035C015A" // GetEID
		eid        = "89049032000001000000000000000171"
		eidAnswer  = "BF3E125A10" + eid   // its answer
		authBlock0 = "81E2110004BF380102" // AuthenticateServer's block 0 of 2
		open1      = "> AT+CCHO=\"A0000005591010FFFFFFFF8900000100\"\n< +CCHO: 1\n< OK\n"
		close1     = "> AT+CCHC=1\n< OK\n"
	)
	for _, tc := range []struct {
		name, log string
		done      []string // prefixes of the Done answers' summaries
		notes     []string // what the command lines' summaries hold, in order ("" skips one)
	}{
		{"61xx, then GET RESPONSE", cgla(1, getInfo1, "6106") + cgla(1, "81C0000006", info1+"9000"),
			[]string{"GetEUICCInfo1: "}, []string{"", "GET RESPONSE for GetEUICCInfo1"}},
		// A middle block's 9000 leaves nothing for GET RESPONSE: what it
		// fetches is no answer of the function, whose last block is to
		// come.
		{"GET RESPONSE with no 61xx before it", cgla(1, authBlock0, "9000") + cgla(1, "81C0000006", info1+"9000"),
			nil, []string{"STORE DATA AuthenticateServer block 0", "GET RESPONSE"}},
		{"GET RESPONSE after the answer", cgla(1, getInfo1, info1+"9000") + cgla(1, "81C0000006", info1+"9000"),
			[]string{"GetEUICCInfo1: "}, []string{"", "GET RESPONSE"}},
		// Closing the session ends what waited on its channel (TS 27.007
		// §8.46), though the next session gets the same number.
		{"a chain across a +CGLA session close", open1 + cgla(1, getInfo1, "6106") + close1 + open1 + cgla(1, "81C0000006", info1+"9000"),
			nil, []string{"", "", "", "", "GET RESPONSE"}},
		{"a chain on another session than the one closed", open1 + cgla(2, getInfo1, "6106") + close1 + cgla(2, "81C0000006", info1+"9000"),
			[]string{"GetEUICCInfo1: "}, nil},
		{"sessions interleaved", cgla(1, getInfo1, "6106") + cgla(2, getEID, "6114") + cgla(2, "81C0000014", eidAnswer+"9000") + cgla(1, "81C0000006", info1+"9000"),
			[]string{"GetEID: EID " + eid, "GetEUICCInfo1: "}, nil},
		{"parts interleaved", cgla(1, getEID, eidAnswer[:10]+"6110") + cgla(2, getInfo1, info1[:4]+"6104") +
			cgla(1, "81C0000010", eidAnswer[10:]+"9000") + cgla(2, "81C0000004", info1[4:]+"9000"),
			[]string{"GetEID: EID " + eid, "GetEUICCInfo1: "}, nil},
		// Another command on the channel drops the answer, its own
		// answer in the log or not (a modem's +CME ERROR).
		{"another command between", cgla(1, getInfo1, "6106") + "> AT+CGLA=1,10,\"81F2000000\"\n< +CME ERROR: 4\n" + cgla(1, "81C0000006", info1+"9000"),
			nil, []string{"", "STATUS", "GET RESPONSE"}},
		// A GET RESPONSE the modem refused leaves the chain as it was.
		{"a GET RESPONSE without its answer", cgla(1, getInfo1, "6106") + "> AT+CGLA=1,10,\"81C0000006\"\n< +CME ERROR: 4\n" + cgla(1, "81C0000006", info1+"9000"),
			[]string{"GetEUICCInfo1: "}, nil},
		// A malformed line in the chain: the answer is lost.
		{"a malformed GET RESPONSE", cgla(1, getInfo1, "6106") + "> AT+CGLA=1,9,\"81C000000\"\n< +CME ERROR: 4\n" + cgla(1, "81C0000006", info1+"9000"),
			nil, nil},
		{"a malformed part", cgla(1, getInfo1, "6106") + "> AT+CGLA=1,10,\"81C0000006\"\n< +CGLA: 5,\"BF200\"\n< OK\n" +
			cgla(1, "81C0000006", info1+"9000"),
			nil, nil},
		// +CSIM's channel is the CLA's; MANAGE CHANNEL closing it from
		// channel 0 ends what waited there.
		{"+CSIM: a channel closed from channel 0", "> AT+CSIM=16,\"81E2910003BF2000\"\n< +CSIM: 4,\"6106\"\n< OK\n" +
			"> AT+CSIM=10,\"0070800100\"\n< +CSIM: 4,\"9000\"\n< OK\n> AT+CSIM=10,\"0070000001\"\n< +CSIM: 6,\"019000\"\n< OK\n" +
			"> AT+CSIM=10,\"81C0000006\"\n< +CSIM: 16,\"" + info1 + "9000\"\n< OK\n",
			nil, []string{"", "MANAGE CHANNEL close 1", "MANAGE CHANNEL open", "GET RESPONSE"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := Read("lpa.log", []byte(tc.log), Plain)
			if err != nil {
				t.Fatal(err)
			}
			var done, notes []string
			for _, e := range tr.Entries {
				switch {
				case e.APDU != nil && e.APDU.Done:
					done = append(done, e.APDU.Summary)
				case e.Role == Command:
					s := ""
					if e.APDU != nil {
						s = e.APDU.Summary
					}
					notes = append(notes, s)
				}
			}
			if len(done) != len(tc.done) {
				t.Fatalf("answers %q, want %q", done, tc.done)
			}
			for i := range done {
				if !strings.HasPrefix(done[i], tc.done[i]) {
					t.Errorf("answer %d %q, want %q", i, done[i], tc.done[i])
				}
			}
			for i, want := range tc.notes {
				if want != "" && (i >= len(notes) || notes[i] != want) {
					t.Errorf("commands %q, want %q", notes, tc.notes)
					break
				}
			}
		})
	}
}

// TestEndlessChain: a 61xx chain that never ends in a log keeps the first
// apdu.MaxAnswer bytes of the answer, says so, and holds no more.
func TestEndlessChain(t *testing.T) {
	part := strings.Repeat("A5", 255)
	var b strings.Builder
	b.WriteString(cgla(1, "81E2910003BF2000", "61FF"))
	for range 2 * apdu.MaxAnswer / 255 {
		b.WriteString(cgla(1, "81C00000FF", part+"61FF"))
	}
	b.WriteString(cgla(1, "81C00000FF", part+"9000"))
	got := doneAPDUs(t, b.String())
	if len(got) != 1 {
		t.Fatalf("%d answers, want 1", len(got))
	}
	a := got[0]
	if len(a.Answer) != apdu.MaxAnswer || !bytes.Equal(a.Answer[:4], []byte{0xA5, 0xA5, 0xA5, 0xA5}) || !a.Failed ||
		!strings.Contains(a.Summary, fmt.Sprintf("more than %d bytes", apdu.MaxAnswer)) {
		t.Errorf("answer of %d bytes, failed %v, summary %q", len(a.Answer), a.Failed, a.Summary)
	}
}

// TestWrongLeRepeat: a 6Cxx asks for the command again with Le = xx (TS
// 102 221 §7.3.1.1.4, ISO/IEC 7816-4 §5.6): the repeat of a request's
// last block is that block again, not one more, so the request is the
// same as the function's summary says, and the repeat's answer is the
// function's.
func TestWrongLeRepeat(t *testing.T) {
	const (
		req   = "BF3111A00C5A0A983301000000000000928101FF" // EnableProfile 89331000000000000029
		block = "81E291010D983301000000000000928101FF"
	)
	log := cgla(1, "81E2110007"+req[:14], "9000") + cgla(1, block, "6C05") + cgla(1, block+"05", "BF31038001009000")
	tr, err := Read("lpa.log", []byte(log), Plain)
	if err != nil {
		t.Fatal(err)
	}
	var cmds []string
	var done []*APDU
	for _, e := range tr.Entries {
		switch {
		case e.APDU == nil:
		case e.APDU.Done:
			done = append(done, e.APDU)
		case e.Role == Command:
			cmds = append(cmds, e.APDU.Summary)
		}
	}
	const last = "STORE DATA EnableProfile block 1 (last): 89331000000000000029"
	if len(cmds) != 3 || cmds[1] != last || cmds[2] != last {
		t.Errorf("commands %q, want the last block and its repeat %q", cmds, last)
	}
	if len(done) != 1 || fmt.Sprintf("%X", done[0].Request) != req || !strings.HasPrefix(done[0].Summary, "EnableProfile: enableResult 0 ok") {
		for _, a := range done {
			t.Logf("%q request %X", a.Summary, a.Request)
		}
		t.Errorf("want one answer to the request %s", req)
	}
}

// TestWrongLeNeverFailed: a 6Cxx is a step of T=0's exchange for every
// command (apdu.Failed; ISO/IEC 7816-4 §5.6, TS 102 221 §7.3.1.1.4), as
// the timeline's lanes draw it: a READ BINARY's, or an ES10 request's
// middle block's, is not marked failed (only an ES10 function's last
// block was); an error still is.
func TestWrongLeNeverFailed(t *testing.T) {
	log := "> AT+CSIM=10,\"00B0000000\"\n< +CSIM: 4,\"6C0A\"\n< OK\n" +
		"> AT+CSIM=10,\"00B000000A\"\n< +CSIM: 24,\"001122334455667788999000\"\n< OK\n" +
		cgla(1, "81E2110004BF380102", "6C00") +
		"> AT+CSIM=10,\"00B0000000\"\n< +CSIM: 4,\"6B00\"\n< OK\n"
	tr, err := Read("lpa.log", []byte(log), Plain)
	if err != nil {
		t.Fatal(err)
	}
	var got []bool
	for _, e := range tr.Entries {
		if e.APDU != nil && e.APDU.Response {
			got = append(got, e.APDU.Failed)
		}
	}
	if want := []bool{false, false, false, true}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("failed %v, want %v", got, want)
	}
}

// A bound profile package's loading ends with the card's
// ProfileInstallationResult answered to the segment it stopped at — an
// 86 of sequenceOf86 (SGP.22 §5.7.6) —: a failed install there is the
// log's failure, named as the timeline names it (outside tester t66 #4:
// "an 86 of sequenceOf86: answered", and no failure in the draft).
func TestInstallResultAnsweredToASegment(t *testing.T) {
	const pir = "BF377CBF2736801000000000000000000000000000000000BF2F12800101810207800C09736D64702E7465737406032B0601A208A10680010381010F5F374000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
	for _, tc := range []struct {
		name, answer, want string
		failed             bool
	}{
		{"failed", pir, "LoadBoundProfilePackage: an 86 of sequenceOf86: errorReason 15 pprNotAllowed, bppCommandId 3 storeMetadata2", true},
		{"nothing to say yet", "", "LoadBoundProfilePackage: an 86 of sequenceOf86: no data", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			log := cgla(1, "81E2910005860300000000", tc.answer+"9000")
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
