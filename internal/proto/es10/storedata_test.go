package es10

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/internal/codec/apdu"
)

// sdOp is one step of a trace: a STORE DATA block (ins E2), another
// command (ins), the channel's end ("end") or a reset ("reset").
type sdOp struct {
	ch     int
	op     string // "" for a command; "end", "reset"
	ins    byte
	p1, p2 byte
	data   string // hex
	want   string // what the block says (sdString), for a STORE DATA
}

// sdString is a Block as the table writes it: "fn#n", "fn#n last",
// " repeat", "nosequence#n", "outofsequence#n want m", "=request".
func sdString(b Block) string {
	var s string
	switch b.Break {
	case NoSequence:
		return fmt.Sprintf("nosequence#%d", b.Number)
	case OutOfSequence:
		return fmt.Sprintf("outofsequence#%d want %d", b.Number, b.Expected)
	}
	s = fmt.Sprintf("%s#%d", b.Function, b.Number)
	if b.Last {
		s += " last"
	}
	if b.Repeat {
		s += " repeat"
	}
	if b.Request != nil {
		s += fmt.Sprintf(" =%X", b.Request)
	}
	return s
}

// TestStoreDataSequences: the rules of GlobalPlatform Card Specification
// 2.3 §11.11.2 (P1 b8 the last block, P2 numbering blocks from '00' to
// 'FF') and SGP.22 §5.7.2 (a request's first tag names its function),
// with what a trace can show: blocks out of order, a number past 'FF',
// a sequence never ended, channels interleaved, a channel closed or a
// SELECT between two blocks, a block sent again.
func TestStoreDataSequences(t *testing.T) {
	const (
		auth  = "BF380102" // AuthenticateServer's first bytes
		prep  = "BF210102" // PrepareDownload's
		enab  = "BF3111A00C5A0A"
		enab1 = "983301000000000000928101FF"
	)
	sd := func(ch int, p1, p2 byte, data, want string) sdOp {
		return sdOp{ch: ch, ins: InsStoreData, p1: p1, p2: p2, data: data, want: want}
	}
	for _, tc := range []struct {
		name string
		ops  []sdOp
	}{
		{"one block", []sdOp{sd(1, 0x91, 0, "BF3E035C015A", "GetEID#0 last =BF3E035C015A")}},
		{"three blocks", []sdOp{
			sd(1, 0x11, 0, auth, "AuthenticateServer#0"),
			sd(1, 0x11, 1, "AA", "AuthenticateServer#1"),
			sd(1, 0x91, 2, "BB", "AuthenticateServer#2 last ="+auth+"AABB"),
		}},
		// Outside tester t168 F3: a host's 1-byte blocks named nothing.
		{"a block 0 shorter than its tag: named from the block that completes it", []sdOp{
			sd(1, 0x11, 0, "BF", "#0"),
			sd(1, 0x11, 1, "3E", "GetEID#1"),
			sd(1, 0x91, 2, "035C015A", "GetEID#2 last =BF3E035C015A"),
		}},
		{"a package's segment in 1-byte blocks", []sdOp{
			sd(1, 0x11, 0, "", "#0"),
			sd(1, 0x11, 1, "BF", "#1"),
			sd(1, 0x11, 2, "36", "LoadBoundProfilePackage#2"),
			sd(1, 0x11, 3, "81", "LoadBoundProfilePackage#3"),
		}},
		{"no tag in the first three bytes: never named", []sdOp{
			sd(1, 0x11, 0, "BF", "#0"),
			sd(1, 0x11, 1, "80", "#1"),
			sd(1, 0x11, 2, "01", "#2"),
			sd(1, 0x91, 3, "BF3E", "#3 last =BF8001BF3E"),
		}},
		{"a block skipped", []sdOp{
			sd(1, 0x11, 0, auth, "AuthenticateServer#0"),
			sd(1, 0x11, 2, "AA", "outofsequence#2 want 1"),
			sd(1, 0x91, 3, "BB", "nosequence#3"),
		}},
		{"blocks out of order", []sdOp{
			sd(1, 0x11, 0, auth, "AuthenticateServer#0"),
			sd(1, 0x11, 1, "AA", "AuthenticateServer#1"),
			sd(1, 0x11, 3, "CC", "outofsequence#3 want 2"),
			sd(1, 0x11, 2, "BB", "nosequence#2"),
		}},
		{"an earlier block again, not right after itself", []sdOp{
			sd(1, 0x11, 0, auth, "AuthenticateServer#0"),
			sd(1, 0x11, 1, "AA", "AuthenticateServer#1"),
			sd(1, 0x11, 2, "BB", "AuthenticateServer#2"),
			sd(1, 0x11, 1, "AA", "outofsequence#1 want 3"),
		}},
		{"a middle block in the trace alone", []sdOp{sd(1, 0x11, 3, "A1A2", "nosequence#3")}},
		{"a last block alone, its data a function's tag", []sdOp{sd(1, 0x91, 3, "BF3E035C015A", "nosequence#3")}},
		{"a block after the last", []sdOp{
			sd(1, 0x91, 0, "BF3E035C015A", "GetEID#0 last =BF3E035C015A"),
			sd(1, 0x91, 1, "AA", "nosequence#1"),
		}},
		// The repeat a 6Cxx asks for (TS 102 221 §7.3.1.1.4): the same
		// block, its data once in the request.
		{"the last block again", []sdOp{
			sd(1, 0x11, 0, enab, "EnableProfile#0"),
			sd(1, 0x91, 1, enab1, "EnableProfile#1 last ="+enab+enab1),
			sd(1, 0x91, 1, enab1, "EnableProfile#1 last repeat ="+enab+enab1),
		}},
		{"a middle block again", []sdOp{
			sd(1, 0x11, 0, auth, "AuthenticateServer#0"),
			sd(1, 0x11, 1, "AA", "AuthenticateServer#1"),
			sd(1, 0x11, 1, "AA", "AuthenticateServer#1 repeat"),
			sd(1, 0x91, 2, "BB", "AuthenticateServer#2 last ="+auth+"AABB"),
		}},
		{"the same number, other data", []sdOp{
			sd(1, 0x11, 0, auth, "AuthenticateServer#0"),
			sd(1, 0x11, 1, "AA", "AuthenticateServer#1"),
			sd(1, 0x11, 1, "AB", "outofsequence#1 want 2"),
		}},
		{"block 0 again starts anew", []sdOp{
			sd(1, 0x11, 0, auth, "AuthenticateServer#0"),
			sd(1, 0x11, 1, "AA", "AuthenticateServer#1"),
			sd(1, 0x91, 0, "BF3E035C015A", "GetEID#0 last =BF3E035C015A"),
		}},
		// P2 numbers '00' to 'FF': nothing continues a sequence at 'FF',
		// and the '00' after it is a new request.
		{"a block number past FF", append(func() []sdOp {
			ops := []sdOp{sd(1, 0x11, 0, "BF3606", "LoadBoundProfilePackage#0")}
			for n := 1; n <= 0xFF; n++ {
				ops = append(ops, sd(1, 0x11, byte(n), "00", fmt.Sprintf("LoadBoundProfilePackage#%d", n)))
			}
			return ops
		}(), sd(1, 0x11, 0, "BF2D00", "GetProfilesInfo#0"), sd(1, 0x91, 1, "00", "GetProfilesInfo#1 last =BF2D0000"))},
		{"channels interleaved", []sdOp{
			sd(1, 0x11, 0, auth, "AuthenticateServer#0"),
			sd(2, 0x11, 0, prep, "PrepareDownload#0"),
			sd(1, 0x91, 1, "AA", "AuthenticateServer#1 last ="+auth+"AA"),
			sd(2, 0x91, 1, "BB", "PrepareDownload#1 last ="+prep+"BB"),
		}},
		{"a channel closed between two blocks", []sdOp{
			sd(1, 0x11, 0, auth, "AuthenticateServer#0"),
			sd(2, 0x11, 0, prep, "PrepareDownload#0"),
			{ch: 1, op: "end"},
			sd(1, 0x91, 1, "AA", "nosequence#1"),
			sd(2, 0x91, 1, "BB", "PrepareDownload#1 last ="+prep+"BB"),
		}},
		{"a SELECT between two blocks", []sdOp{
			sd(1, 0x11, 0, auth, "AuthenticateServer#0"),
			{ch: 1, ins: apdu.InsSelect},
			sd(1, 0x91, 1, "AA", "nosequence#1"),
		}},
		{"a SELECT on another channel", []sdOp{
			sd(1, 0x11, 0, auth, "AuthenticateServer#0"),
			{ch: 0, ins: apdu.InsSelect},
			sd(1, 0x91, 1, "AA", "AuthenticateServer#1 last ="+auth+"AA"),
		}},
		// The card goes on with the block in sequence after a command
		// that is no SELECT (GlobalPlatform §11.11 ends a sequence on
		// its last block only).
		{"GET RESPONSE and STATUS between two blocks", []sdOp{
			sd(1, 0x11, 0, auth, "AuthenticateServer#0"),
			{ch: 1, ins: apdu.InsGetResponse},
			{ch: 1, ins: 0xF2},
			sd(1, 0x91, 1, "AA", "AuthenticateServer#1 last ="+auth+"AA"),
		}},
		{"a reset between two blocks", []sdOp{
			sd(1, 0x11, 0, auth, "AuthenticateServer#0"),
			sd(2, 0x11, 0, prep, "PrepareDownload#0"),
			{op: "reset"},
			sd(1, 0x91, 1, "AA", "nosequence#1"),
			sd(2, 0x91, 1, "BB", "nosequence#1"),
		}},
		// A block 0 with no data: the request's tag comes with the
		// next, which is named by it (t168 F3), its later blocks in it.
		{"block 0 without data", []sdOp{
			sd(1, 0x11, 0, "", "#0"),
			sd(1, 0x91, 1, "BF3E", "GetEID#1 last =BF3E"),
		}},
		{"a LoadBoundProfilePackage segment by its part", []sdOp{
			sd(1, 0x11, 0, "A0058703010203", "LoadBoundProfilePackage: firstSequenceOf87#0"),
			sd(1, 0x91, 1, "00", "LoadBoundProfilePackage: firstSequenceOf87#1 last =A005870301020300"),
		}},
		{"an unknown tag", []sdOp{sd(1, 0x91, 0, "BF7F00", "unknown ES10 tag BF7F#0 last =BF7F00")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := StoreData[int]{Keep: true}
			for i, o := range tc.ops {
				switch {
				case o.op == "end":
					s.End(o.ch)
				case o.op == "reset":
					s.Reset()
				case o.ins != InsStoreData:
					s.Command(o.ch, o.ins)
				default:
					data, err := hex.DecodeString(o.data)
					if err != nil {
						t.Fatal(err)
					}
					if got := sdString(s.Add(o.ch, o.p1, o.p2, data)); got != o.want {
						t.Errorf("step %d (block %d on channel %d): %q, want %q", i, o.p2, o.ch, got, o.want)
					}
				}
			}
		})
	}
}

// TestStoreDataNoKeep: without Keep the functions are followed and no
// request is held.
func TestStoreDataNoKeep(t *testing.T) {
	var s StoreData[string]
	s.Add("a", 0x11, 0, []byte{0xBF, 0x38, 0x01})
	b := s.Add("a", 0x91, 1, []byte{0x02})
	if b.Function != "AuthenticateServer" || b.Tag != TagAuthenticateServer || b.Request != nil {
		t.Errorf("%+v", b)
	}
}

// TestStoreDataBounded: a sequence that never sends its last block holds
// at most MaxRequest bytes, said on its last block (Cut); a trace that
// leaves sequences open on ever more channels has the least recently
// used forgotten.
func TestStoreDataBounded(t *testing.T) {
	s := StoreData[int]{Keep: true}
	block := bytes.Repeat([]byte{0xA5}, 255)
	s.Add(1, 0x11, 0, append([]byte{0xBF, 0x36, 0x83, 0x01, 0x00, 0x00}, block[6:]...))
	for n := 1; n < 0xFF; n++ {
		if b := s.Add(1, 0x11, byte(n), block); b.Function != "LoadBoundProfilePackage" {
			t.Fatalf("block %d: %+v", n, b)
		}
	}
	b := s.Add(1, 0x91, 0xFF, block)
	if len(b.Request) != 256*255 || b.Cut {
		t.Errorf("256 blocks: request of %d bytes, cut %v", len(b.Request), b.Cut)
	}
	if 256*255 > MaxRequest {
		t.Errorf("MaxRequest %d holds no whole sequence", MaxRequest)
	}

	// Blocks longer than a short APDU's (a trace's reader may be handed
	// anything): the first MaxRequest bytes, and Cut.
	s = StoreData[int]{Keep: true}
	big := bytes.Repeat([]byte{0x5A}, 4000)
	s.Add(1, 0x11, 0, big)
	for n := 1; n < 40; n++ {
		s.Add(1, 0x11, byte(n), big)
	}
	if b := s.Add(1, 0x91, 40, big); len(b.Request) != MaxRequest || !b.Cut {
		t.Errorf("41 blocks of 4000 bytes: request of %d bytes, cut %v", len(b.Request), b.Cut)
	}

	// The most recently used sequences stay.
	s = StoreData[int]{Keep: true}
	for ch := range 4 * maxSequences {
		s.Add(ch, 0x11, 0, []byte{0xBF, 0x38, 0x01})
		if len(s.seqs) > maxSequences {
			t.Fatalf("%d sequences open", len(s.seqs))
		}
	}
	if b := s.Add(4*maxSequences-1, 0x91, 1, []byte{0xAA}); b.Function != "AuthenticateServer" {
		t.Errorf("the latest channel forgotten: %+v", b)
	}
	if b := s.Add(0, 0x91, 1, []byte{0xAA}); b.Break != NoSequence {
		t.Errorf("the first channel kept: %+v", b)
	}
}

// TestStoreDataRequestNotRewritten: a request handed out on its last block
// is not written to by what follows on the channel.
func TestStoreDataRequestNotRewritten(t *testing.T) {
	s := StoreData[int]{Keep: true}
	s.Add(1, 0x11, 0, []byte{0xBF, 0x38, 0x02})
	req := s.Add(1, 0x91, 1, []byte{0xAA, 0xBB}).Request
	want := strings.ToUpper(hex.EncodeToString(req))
	s.Add(1, 0x91, 1, []byte{0xAA, 0xBB}) // its repeat
	s.Add(1, 0x11, 0, []byte{0xBF, 0x21, 0x02})
	s.Add(1, 0x91, 1, []byte{0xCC, 0xDD})
	if got := fmt.Sprintf("%X", req); got != want || got != "BF3802AABB" {
		t.Errorf("request %s, want BF3802AABB", got)
	}
}

// FuzzStoreData: any trace, however hostile, never panics, keeps every
// request within MaxRequest and follows at most maxSequences.
func FuzzStoreData(f *testing.F) {
	f.Add([]byte{0, 1, 0x11, 0, 3, 0xBF, 0x38, 0x01, 0, 1, 0x91, 1, 1, 0xAA})
	f.Add([]byte{0, 1, 0x11, 0, 0, 1, 1, apdu.InsSelect, 2, 1, 3, 0, 0, 1, 0x91, 0xFF, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		s := StoreData[byte]{Keep: len(b)%2 == 0}
		for len(b) >= 2 {
			op, ch := b[0]%4, b[1]%64
			b = b[2:]
			switch op {
			case 0:
				if len(b) < 3 {
					return
				}
				p1, p2, n := b[0], b[1], int(b[2])
				b = b[3:]
				n = min(n, len(b))
				data := b[:n]
				b = b[n:]
				// Long blocks too, to reach MaxRequest in a few steps.
				if n > 0 && data[0] == 0xFF {
					data = bytes.Repeat(data, 4096/n+1)
				}
				blk := s.Add(ch, p1, p2, data)
				if blk.Number != int(p2) || blk.Last != (p1&0x80 != 0) || len(blk.Request) > MaxRequest {
					t.Fatalf("block %+v for P1 %02X P2 %02X", blk, p1, p2)
				}
				if blk.Break != InSequence && (blk.Function != "" || blk.Request != nil || blk.Repeat) {
					t.Fatalf("a block of no sequence: %+v", blk)
				}
				if p2 == 0 && (blk.Break != InSequence || blk.Repeat) {
					t.Fatalf("block 0 did not start a sequence: %+v", blk)
				}
			case 1:
				if len(b) < 1 {
					return
				}
				s.Command(ch, b[0])
				b = b[1:]
			case 2:
				s.End(ch)
			case 3:
				s.Reset()
			}
			if len(s.seqs) > maxSequences {
				t.Fatalf("%d sequences open", len(s.seqs))
			}
		}
	})
}

// TestStepOutcome: an answer Chains ended is none to decode when partial
// or cut (cut failing the call), an ES10 answer's when it is STORE
// DATA's, and nothing for any other command or an answer not ended.
func TestStepOutcome(t *testing.T) {
	refused, _ := hex.DecodeString("BF32038001039000")
	refused = refused[:len(refused)-2]
	for _, tc := range []struct {
		name   string
		ins    byte
		step   apdu.Step[int]
		want   string
		failed bool
	}{
		{"not ended", InsStoreData, apdu.Step[int]{Data: refused}, "", false},
		{"partial", InsStoreData, apdu.Step[int]{Whole: true, Partial: true, Cut: true, Data: refused}, apdu.PartialAnswer, false},
		{"cut", apdu.InsSelect, apdu.Step[int]{Whole: true, Cut: true}, apdu.CutAnswer, true},
		{"an ES10 refusal", InsStoreData, apdu.Step[int]{Whole: true, Data: refused}, "disableResult 3 disallowedByPolicy", true},
		{"another command", apdu.InsSelect, apdu.Step[int]{Whole: true, Data: refused}, "", false},
	} {
		if s, failed := StepOutcome(tc.ins, tc.step); s != tc.want || failed != tc.failed {
			t.Errorf("%s: %q %v, want %q %v", tc.name, s, failed, tc.want, tc.failed)
		}
	}
}
