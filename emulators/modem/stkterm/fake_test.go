package stkterm

import (
	"bytes"
	"testing"
	"time"

	"github.com/esimhil/esimhil/emulators/clock"
	"github.com/esimhil/esimhil/internal/codec/stk"
)

// fakeCard is a scripted proactive UICC: it serves queued proactive
// commands (91xx / FETCH), records terminal responses and envelopes, and
// lets a test react to them by queueing more commands.
type fakeCard struct {
	t        *testing.T
	now      func() time.Time
	queue    [][]byte
	apdus    [][]byte
	profile  []byte
	trs      []stk.TerminalResponse
	envs     []stk.Envelope
	envTimes []time.Time
	busy     int // answer 9300 to this many envelopes
	// misstated: 91xx names one byte more than the pending command, and
	// a FETCH of the wrong length is answered 6Cxx with the right one.
	misstated bool
	onTR      func(stk.TerminalResponse)
	onEnv     func(stk.Envelope)
}

func (c *fakeCard) push(cmds ...stk.Command) {
	c.t.Helper()
	for _, cmd := range cmds {
		b, err := cmd.Encode()
		if err != nil {
			c.t.Fatalf("encode %+v: %v", cmd, err)
		}
		c.queue = append(c.queue, b)
	}
}

func (c *fakeCard) pushRaw(b []byte) { c.queue = append(c.queue, b) }

func (c *fakeCard) status() []byte {
	if len(c.queue) > 0 {
		if c.misstated {
			return []byte{0x91, byte(len(c.queue[0]) + 1)}
		}
		return []byte{0x91, byte(len(c.queue[0]))}
	}
	return []byte{0x90, 0x00}
}

func (c *fakeCard) Transmit(apdu []byte) []byte {
	c.apdus = append(c.apdus, bytes.Clone(apdu))
	if len(apdu) < 5 {
		return []byte{0x67, 0x00}
	}
	body := apdu[5:]
	if apdu[1] != stk.InsFetch && int(apdu[4]) != len(body) {
		c.t.Errorf("APDU % X: Lc %d, data %d bytes", apdu, apdu[4], len(body))
	}
	switch apdu[1] {
	case stk.InsTerminalProfile:
		c.profile = bytes.Clone(body)
	case stk.InsFetch:
		if len(c.queue) == 0 {
			c.t.Errorf("FETCH with nothing pending")
			return []byte{0x6F, 0x00}
		}
		cmd := c.queue[0]
		if int(apdu[4]) != len(cmd) && c.misstated {
			return []byte{0x6C, byte(len(cmd))}
		}
		if int(apdu[4]) != len(cmd) {
			c.t.Errorf("FETCH Le %d, pending %d bytes", apdu[4], len(cmd))
		}
		c.queue = c.queue[1:]
		return append(bytes.Clone(cmd), 0x90, 0x00)
	case stk.InsTerminalResponse:
		tr, err := stk.ParseTerminalResponse(body)
		if err != nil {
			c.t.Errorf("terminal response % X: %v", body, err)
			return []byte{0x6A, 0x80}
		}
		c.trs = append(c.trs, tr)
		if c.onTR != nil {
			c.onTR(tr)
		}
	case stk.InsEnvelope:
		if c.busy > 0 {
			c.busy--
			return []byte{0x93, 0x00}
		}
		env, err := stk.ParseEnvelope(body)
		if err != nil {
			c.t.Errorf("envelope % X: %v", body, err)
			return []byte{0x6A, 0x80}
		}
		c.envs = append(c.envs, env)
		c.envTimes = append(c.envTimes, c.now())
		if c.onEnv != nil {
			c.onEnv(env)
		}
	}
	return c.status()
}

// lastTR returns the last terminal response, failing if there is none.
func (c *fakeCard) lastTR() stk.TerminalResponse {
	c.t.Helper()
	if len(c.trs) == 0 {
		c.t.Fatal("no terminal response")
	}
	return c.trs[len(c.trs)-1]
}

type fakeHost struct {
	loc       Location
	imei      string
	dataReady bool
	refreshes []byte
	onRefresh func(byte)
}

func (h *fakeHost) Location() Location { return h.loc }
func (h *fakeHost) IMEI() string       { return h.imei }
func (h *fakeHost) DataReady() bool    { return h.dataReady }
func (h *fakeHost) Refresh(q byte) {
	h.refreshes = append(h.refreshes, q)
	if h.onRefresh != nil {
		h.onRefresh(q)
	}
}

var paris = Location{
	Service: NormalService,
	Serving: Cell{PLMN: "20801", TAC: 0x3A9B, CellID: 0xC33D, RSRP: -85},
	Visible: []Cell{{PLMN: "20801", TAC: 0x3A9B, CellID: 0xC33D, RSRP: -85}, {PLMN: "20810", TAC: 0x3A9C, CellID: 0x1234, RSRP: -101}},
}

type rig struct {
	loop *clock.Loop
	card *fakeCard
	host *fakeHost
	term *Terminal
}

func newRig(t *testing.T) *rig {
	t.Helper()
	loop := clock.NewLoop(clock.NewVirtual(clock.Epoch))
	loop.Stall = 5 * time.Second
	card := &fakeCard{t: t, now: loop.Now}
	host := &fakeHost{loc: paris, imei: "490154203237518", dataReady: true}
	r := &rig{loop: loop, card: card, host: host, term: New(card, host, loop, nil)}
	t.Cleanup(func() { loop.Do(r.term.Stop) })
	return r
}

// start runs Start in the loop and settles posted work.
func (r *rig) start(t *testing.T) {
	t.Helper()
	var err error
	r.loop.Do(func() { err = r.term.Start() })
	if err != nil {
		t.Fatal(err)
	}
	r.settle(t)
}

func (r *rig) settle(t *testing.T) {
	t.Helper()
	if err := r.loop.Settle(); err != nil {
		t.Fatal(err)
	}
}

// poke sends the card an ordinary APDU through the terminal, as the modem
// does, so a pending proactive command is fetched.
func (r *rig) poke(t *testing.T) {
	t.Helper()
	r.loop.Do(func() { r.term.Transmit([]byte{0x80, 0xF2, 0x00, 0x00, 0x00}) })
	r.settle(t)
}

func (r *rig) advance(t *testing.T, d time.Duration) {
	t.Helper()
	if err := r.loop.Advance(d); err != nil {
		t.Fatal(err)
	}
}
