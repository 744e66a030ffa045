package modem

import (
	"bytes"
	"cmp"
	"encoding/hex"
	"fmt"
	"net/netip"
	"strings"
	"sync"

	"github.com/esimhil/esimhil/emulators/modem/stkterm"
	"github.com/esimhil/esimhil/internal/proto/emm"
)

// fakeCard is a small ISO 7816-4 card: an MF with EF ICCID, a USIM ADF with
// EF IMSI, an ISD-R to open on a logical channel, and 61xx answers so that
// GET RESPONSE handling is exercised.
type fakeCard struct {
	mu       sync.Mutex
	on       bool
	resets   int
	files    map[uint16][]byte
	records  map[uint16][][]byte // linear fixed EFs in the USIM, records of one length
	cur      [20]uint16          // selected file per channel
	app      [20]string          // selected application per channel
	open     [20]bool
	pendingR []byte // data waiting for GET RESPONSE
	// pendingSW ends pendingR's GET RESPONSE (0: 9000): 910B after an
	// EnableProfile, whose REFRESH is then pending.
	pendingSW uint16
	// proactive: a proactive command is pending (a REFRESH the terminal
	// has yet to fetch): every 9000 is 910B.
	proactive bool
	apdus     []string
	// sized: SELECT of a transparent EF answers its size (80).
	sized bool
}

const (
	usimAID = "A0000000871002FF33FF018900000100"
	isdrAID = "A0000005591010FFFFFFFF8900000100"
)

func newFakeCard() *fakeCard {
	return &fakeCard{files: map[uint16][]byte{
		// ICCID 89330123456789012342 nibble-swapped (TS 102 221 §13.2).
		0x2FE2: mustHex("98331032547698103224"),
		// IMSI 208011234567890: 15 digits, odd → 08 29 80 10 21 43 65 87 09.
		0x6F07: mustHex("082980102143658709"),
	}}
}

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

func (c *fakeCard) Reset() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.on = true
	c.resets++
	c.cur, c.app, c.open = [20]uint16{}, [20]string{}, [20]bool{}
	c.open[0] = true
	return mustHex("3B9F96801FC78031E073FE211B63")
}

func (c *fakeCard) PowerOff() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.on = false
}

func channelOf(cla byte) int {
	if cla&0x40 != 0 {
		return 4 + int(cla&0x0F)
	}
	return int(cla & 0x03)
}

// Transmit answers as transmit, with 91xx for 9000 while a proactive
// command is pending (proactive): a normal ending all the same.
func (c *fakeCard) Transmit(apdu []byte) []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	rsp := c.transmit(apdu)
	if n := len(rsp); c.proactive && n >= 2 && rsp[n-2] == 0x90 && rsp[n-1] == 0x00 {
		rsp[n-2], rsp[n-1] = 0x91, 0x0B
	}
	return rsp
}

func (c *fakeCard) transmit(apdu []byte) []byte {
	c.apdus = append(c.apdus, strings.ToUpper(hex.EncodeToString(apdu)))
	if !c.on {
		return []byte{0x6F, 0x00}
	}
	if len(apdu) < 4 {
		return []byte{0x67, 0x00}
	}
	ch := channelOf(apdu[0])
	if !c.open[ch] {
		return []byte{0x68, 0x81}
	}
	ins, p1, p2 := apdu[1], apdu[2], apdu[3]
	var data []byte
	if len(apdu) > 5 {
		data = apdu[5:min(len(apdu), 5+int(apdu[4]))]
	}
	switch ins {
	case 0x70: // MANAGE CHANNEL
		if p1 == 0x80 {
			if p2 == 0 || p2 > 19 || !c.open[p2] {
				return []byte{0x68, 0x81}
			}
			c.open[p2] = false
			return []byte{0x90, 0x00}
		}
		for i := 1; i < 20; i++ {
			if !c.open[i] {
				c.open[i], c.app[i], c.cur[i] = true, "", 0
				return []byte{byte(i), 0x90, 0x00}
			}
		}
		return []byte{0x6A, 0x81}
	case 0xA4: // SELECT
		fcp := []byte{0x62, 0x03, 0x82, 0x01, 0x21}
		if p1 == 0x04 {
			aid := strings.ToUpper(hex.EncodeToString(data))
			for _, a := range []string{usimAID, isdrAID} {
				if len(aid) >= 10 && strings.HasPrefix(a, aid) {
					c.app[ch] = a
					c.pendingR = fcp
					return []byte{0x61, byte(len(fcp))}
				}
			}
			return []byte{0x6A, 0x82}
		}
		byPath := p1 == 0x08 && len(data) > 2 && len(data)%2 == 0
		if byPath {
			// By path from the MF through the current application (7FFF),
			// the EF the path ends on; P2 0C asks for no FCP.
			if data[0] != 0x7F || data[1] != 0xFF || c.app[ch] != usimAID {
				return []byte{0x6A, 0x82}
			}
			data = data[len(data)-2:]
		}
		if len(data) != 2 {
			return []byte{0x6A, 0x86}
		}
		id := uint16(data[0])<<8 | uint16(data[1])
		if recs, ok := c.records[id]; ok && c.app[ch] == usimAID {
			c.cur[ch] = id
			c.pendingR = []byte{0x62, 0x07, 0x82, 0x05, 0x42, 0x21, 0x00, byte(len(recs[0])), byte(len(recs))}
			return []byte{0x61, byte(len(c.pendingR))}
		}
		if _, ok := c.files[id]; !ok && id != 0x3F00 {
			return []byte{0x6A, 0x82}
		}
		if id>>8 == 0x6F && c.app[ch] != usimAID {
			return []byte{0x6A, 0x82}
		}
		c.cur[ch] = id
		if byPath && p2 == 0x0C {
			return []byte{0x90, 0x00}
		}
		if f, ok := c.files[id]; ok && c.sized {
			// A transparent EF with its size (80), as editFPLMN wants it.
			fcp = []byte{0x62, 0x08, 0x82, 0x02, 0x41, 0x21, 0x80, 0x02, byte(len(f) >> 8), byte(len(f))}
		}
		c.pendingR = fcp
		return []byte{0x61, byte(len(fcp))}
	case 0xC0: // GET RESPONSE
		r, sw := c.pendingR, cmp.Or(c.pendingSW, 0x9000)
		c.pendingR, c.pendingSW = nil, 0
		if r == nil {
			return []byte{0x69, 0x85}
		}
		return append(append([]byte(nil), r...), byte(sw>>8), byte(sw))
	case 0xB0: // READ BINARY
		f, ok := c.files[c.cur[ch]]
		if !ok {
			return []byte{0x69, 0x86}
		}
		off := int(p1)<<8 | int(p2)
		le := int(apdu[4])
		if off+le > len(f) {
			return []byte{0x6B, 0x00}
		}
		return append(append([]byte(nil), f[off:off+le]...), 0x90, 0x00)
	case 0xB2: // READ RECORD, absolute mode
		recs, ok := c.records[c.cur[ch]]
		switch {
		case !ok:
			return []byte{0x69, 0x81}
		case p2 != 0x04 || p1 == 0 || int(p1) > len(recs):
			return []byte{0x6A, 0x83}
		case int(apdu[4]) != len(recs[p1-1]):
			return []byte{0x6C, byte(len(recs[p1-1]))}
		}
		return append(append([]byte(nil), recs[p1-1]...), 0x90, 0x00)
	case 0xD6: // UPDATE BINARY
		f, ok := c.files[c.cur[ch]]
		off := int(p1)<<8 | int(p2)
		if !ok || off+len(data) > len(f) {
			return []byte{0x6B, 0x00}
		}
		copy(f[off:], data)
		return []byte{0x90, 0x00}
	case 0x10: // TERMINAL PROFILE
		return []byte{0x90, 0x00}
	case 0xF2: // STATUS
		return []byte{0x90, 0x00}
	case 0xE2: // STORE DATA: the ISD-R answers through GET RESPONSE
		if c.app[ch] != isdrAID {
			return []byte{0x6D, 0x00}
		}
		c.pendingR = mustHex("BF3E125A1089049032000001000000000000000123")
		if bytes.HasPrefix(data, []byte{0xBF, 0x31}) { // EnableProfile: ok, REFRESH pending
			c.pendingR, c.pendingSW = mustHex("BF3103800100"), 0x910B
		}
		return []byte{0x61, byte(len(c.pendingR))}
	}
	return []byte{0x6D, 0x00}
}

// fakeSTK passes APDUs through and counts the terminal's lifecycle calls.
type fakeSTK struct {
	card                        *fakeCard
	starts, stops, locationChgs int
	// held: an eUICC Profile State Change REFRESH waits for its answer;
	// calls: the order of LocationChanged ("location") and the answer.
	held  bool
	calls []string
}

func (s *fakeSTK) Start() error                { s.starts++; return nil }
func (s *fakeSTK) Stop()                       { s.stops++ }
func (s *fakeSTK) Transmit(apdu []byte) []byte { return s.card.Transmit(apdu) }
func (s *fakeSTK) LocationChanged() {
	s.locationChgs++
	s.calls = append(s.calls, "location")
}

func (s *fakeSTK) AnswerRefresh() bool {
	if !s.held {
		return false
	}
	s.held = false
	s.calls = append(s.calls, "answer")
	return true
}

// fakeNet is a world with two French operators; the subscriber roams.
type fakeNet struct {
	reg Registration
	// fallback, when set, is Attach's answer (automatic selection) in
	// place of reg.
	fallback Registration
	// pick, when set, is Attach's answer from the lists it is given, in
	// place of both: a world that tries no forbidden area.
	pick func(emm.Forbidden) Registration
	// choose, when set, is Attach's answer from the whole selection it
	// is given, in place of all three.
	choose func(emm.Selection) Registration
	// silentTo, when set, says whether AttachTo's attempt goes
	// unanswered (T3410), in place of its answer.
	silentTo func() bool
	attaches []string
	detaches int
	// forbidden is the forbidden list (EF FPLMN) each automatic attach
	// was given, forbiddenEPS the ME's list for GPRS service.
	forbidden    [][]string
	forbiddenEPS [][]string
	// forbiddenTAs are the ME's lists of forbidden tracking areas each
	// automatic attach was given, regional then roaming, as "PLMN/TAC".
	forbiddenTAs [][2][]string
	// sels are the selections each automatic attach was given.
	sels  []emm.Selection
	cells []stkterm.Cell // nil: the default cells below
	// names, when set, are the long and short names of the PLMNs it
	// holds in place of the defaults below.
	names map[string][2]string
}

func (n *fakeNet) Attach(imsi string, sel emm.Selection) Registration {
	forbidden := sel.Forbidden
	n.sels = append(n.sels, sel)
	n.attaches = append(n.attaches, imsi)
	n.forbidden = append(n.forbidden, forbidden.PLMNs)
	n.forbiddenEPS = append(n.forbiddenEPS, forbidden.EPS)
	n.forbiddenTAs = append(n.forbiddenTAs, [2][]string{taNames(forbidden.Regional), taNames(forbidden.Roaming)})
	if n.choose != nil {
		return n.choose(sel)
	}
	if n.pick != nil {
		return n.pick(forbidden)
	}
	if n.fallback.Stat != 0 {
		return n.fallback
	}
	return n.reg
}

// taNames writes tracking areas as "PLMN/TAC", the TAC in hex.
func taNames(l []emm.TAI) []string {
	out := []string{}
	for _, t := range l {
		out = append(out, fmt.Sprintf("%s/%04x", t.PLMN, t.TAC))
	}
	return out
}

// AttachTo answers as Attach on the network the fake registers on, and
// finds no cell of any other.
func (n *fakeNet) AttachTo(imsi, plmn string) Registration {
	n.attaches = append(n.attaches, imsi+"@"+plmn)
	if n.silentTo != nil && n.silentTo() {
		return Registration{Stat: 2, PLMN: plmn, Timeout: true}
	}
	if n.reg.PLMN == plmn {
		return n.reg
	}
	return Registration{}
}
func (n *fakeNet) Detach() { n.detaches++ }

// PDNAddress gives each connection its own addresses, from the IMSI's
// last digit and the cid, as a network's pool would.
func (n *fakeNet) PDNAddress(imsi string, cid int) (v4, v6 netip.Addr) {
	d := imsi[len(imsi)-1] - '0'
	return netip.AddrFrom4([4]byte{100, 64, d, byte(cid)}),
		netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 15: byte(cid), 14: d})
}
func (n *fakeNet) Cells() []stkterm.Cell {
	if n.cells != nil {
		return n.cells
	}
	return []stkterm.Cell{
		{PLMN: "20801", TAC: 0x3a9b, CellID: 0xc33d, RSRP: -85},
		{PLMN: "20810", TAC: 0x0101, CellID: 0x0202, RSRP: -101},
		{PLMN: "20801", TAC: 0x3a9c, CellID: 0xc33e, RSRP: -110},
	}
}
func (n *fakeNet) OperatorName(plmn string) (string, string) {
	if nm, ok := n.names[plmn]; ok {
		return nm[0], nm[1]
	}
	switch plmn {
	case "20801":
		return "Orange F", "Orange"
	case "20810":
		return "SFR", "SFR"
	}
	return plmn, plmn
}

// syncBuf is a goroutine-safe buffer for logs.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
