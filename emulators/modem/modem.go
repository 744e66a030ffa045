// Package modem is the terminal device of the rig: a modem emulator on a real
// pseudo-terminal that speaks the 3GPP TS 27.007 AT command set to the host,
// talks ISO 7816-4 APDUs to the card through the SIM Toolkit terminal
// (package stkterm), and registers on the radio world.
//
// All simulated work (AT command lines, timers, REFRESH) runs serialized on
// the rig's clock.Loop; the pty reader and writer goroutines only move bytes.
package modem

import (
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"sync"
	"time"

	"github.com/esimhil/esimhil/emulators/clock"
	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/emulators/modem/stkterm"
	"github.com/esimhil/esimhil/internal/codec/at"
	"github.com/esimhil/esimhil/internal/ident"
	"github.com/esimhil/esimhil/internal/personality"
	"github.com/esimhil/esimhil/internal/proto/emm"
	"github.com/esimhil/esimhil/internal/stall"
)

// Card is the power and reset side of the card.
type Card interface {
	// Reset powers the card on (or resets it) and returns its ATR; an empty
	// ATR means no card answered.
	Reset() []byte
	// PowerOff deactivates the card.
	PowerOff()
}

// STK is the SIM Toolkit terminal the modem runs; *stkterm.Terminal
// implements it. Every APDU to the card goes through Transmit.
type STK interface {
	// Start runs after every card reset: TERMINAL PROFILE and the first
	// proactive commands.
	Start() error
	// Stop runs before a reset or power off: cancel timers, close channels.
	Stop()
	// Transmit sends one command APDU and returns the response data and SW.
	Transmit(apdu []byte) []byte
	// LocationChanged reports a registration or cell change.
	LocationChanged()
	// AnswerRefresh answers the eUICC Profile State Change REFRESH the
	// terminal handed the modem (Refresh 09) and stops: the card then
	// resets itself, with no ATR. False when none waits.
	AnswerRefresh() bool
}

// Network is the radio world as the modem sees it.
type Network interface {
	// Attach runs automatic network selection and attach for the
	// subscriber whose IMSI digits are given in sel's order (the RPLMN,
	// the HPLMN, the USIM's PLMN selector lists, then the others by
	// signal, TS 23.122 §4.4.3.1), selecting none of the forbidden PLMNs
	// (the USIM's EF FPLMN and the ME's forbidden PLMNs for GPRS service,
	// §3.1); with only those in sight it tries none and camps in limited
	// service (<stat> 2 with the cell).
	Attach(imsi string, sel emm.Selection) Registration
	// AttachTo attaches on plmn alone, the network the host chose
	// (+COPS=1 manual selection); none of its cells visible is no service.
	AttachTo(imsi, plmn string) Registration
	// Detach ends the current registration.
	Detach()
	// Cells returns the visible cells, strongest first.
	Cells() []stkterm.Cell
	// OperatorName returns the long and short alphanumeric names of a PLMN.
	OperatorName(plmn string) (long, short string)
	// PDNAddress returns the IPv4 and IPv6 addresses the network gives
	// the subscriber's PDN connection of context cid as it is
	// established (TS 23.401 §5.3.1: the PDN GW allocates them), each
	// invalid when the network has none for it.
	PDNAddress(imsi string, cid int) (v4, v6 netip.Addr)
}

// Registration is the outcome of an attach (TS 27.007 §7.2, §10.1.22).
type Registration struct {
	Stat   int    // <stat>: 0 not registered, 1 home, 2 searching, 3 denied, 4 unknown, 5 roaming
	PLMN   string // MCC+MNC of the serving network
	TAC    uint16
	CellID uint32
	AcT    int // 7 E-UTRAN, 9 NB-IoT
	RSRP   int // dBm
	Cause  int // EMM reject cause (TS 24.301 §9.9.3.9), 0 if none
	// Timeout reports an ATTACH REQUEST the network never answered: the
	// modem shows searching (<stat> 2) while T3410 runs and not registered
	// (<stat> 0) when it expires.
	Timeout bool
	// Interrupted reports an attach the power was cut in: the modem does
	// nothing more with it (its power goes next).
	Interrupted bool
	// Refused are the networks that refused the attach in this
	// selection, in order (the last one too when denied): each #11 among
	// them forbids its PLMN, not only the outcome's.
	Refused []emm.Reject
}

// Registered reports home or roaming registration.
func (r Registration) Registered() bool { return r.Stat == 1 || r.Stat == 5 }

// camped reports limited service on a cell: denied there, or searching
// with only forbidden networks in sight (automatic selection tried none).
// In limited service the UE stays camped on an acceptable cell (TS 23.122
// §3.5, for emergency calls), so it measures that cell's signal.
func (r Registration) camped() bool { return (r.Stat == 3 || r.Stat == 2) && r.CellID != 0 }

// showsCell reports a registration whose cell +CEREG shows under n>=2 and
// the registration event logs: registered, denied, or camped in limited
// service.
func (r Registration) showsCell() bool {
	return r.PLMN != "" && (r.Registered() || r.Stat == 3 || r.camped())
}

// Options configure a Modem. Loop, Card and Network are required.
type Options struct {
	Loop    *clock.Loop
	Log     *eventlog.Log
	Card    Card
	STK     STK // may be set later with SetSTK
	Network Network
	// Link is an optional stable symlink to the pty slave.
	Link string
	// Wire, if set, replaces the pty with an in-memory link (see Wire).
	Wire Wire
	// ATLog receives every AT line both ways, stamped with simulated time.
	ATLog io.Writer
	// AttachDelay and RestartDelay are simulated; defaults 2 s and the
	// personality's restart delay (11 s generic, DESIGN.md §9).
	AttachDelay, RestartDelay time.Duration
	// Personality is the vendor dialect; the zero value is Generic().
	Personality personality.Personality
	// Sniffer, if set, sees every ATR and APDU at the card's contacts;
	// the toolkit terminal must then reach the card through Contacts.
	Sniffer Sniffer
	// IMEI is the device's IMEI (15 digits with its Luhn digit; +CGSN);
	// "" makes one from the personality's TAC and serial 000001.
	IMEI string
}

// MaxQueuedOutput bounds output waiting for a reader of the pty slave; past
// it the oldest output is dropped and counted.
const MaxQueuedOutput = 1 << 20

// Modem is the emulated terminal. It implements stkterm.Host.
type Modem struct {
	o    Options
	loop *clock.Loop

	mu     sync.Mutex // guards the I/O lifecycle and stk
	stk    STK
	master *os.File
	slave  *os.File
	// masterID is the master's device and inode at open, to tell, when a
	// host finds the tty hung up, whether the descriptor still is it.
	masterID [2]uint64
	lost     error // the master's read failed while the modem ran (PTYState)
	// linked is where Options.Link points (linkTarget), "" without one.
	linked  string
	readEnd chan struct{} // closed when readLoop returns
	path    string
	out     *outQueue
	wg      sync.WaitGroup
	started bool
	closed  bool

	st state // touched only inside loop work

	inMu    sync.Mutex
	linesIn int64         // command lines taken in (LinesIn)
	inCh    chan struct{} // made by a waiter, closed at the next line taken in
}

// state is what the AT interpreter and the boot sequence own.
type state struct {
	// logLine is at.log's line being built: reused, so that logging a
	// line costs no allocation on the AT path.
	logLine []byte
	// stampAt is the simulated time whose at.log stamp logLine starts
	// with, stampLen bytes long (0: none yet).
	stampAt  time.Time
	stampLen int
	enc      at.Encoder
	echo     bool
	lastLine string // the previous command line, for A/ (V.250 §5.2.4)
	// lastRefused: the previous command line was refused before it was
	// parsed (a control byte, too long); A/ repeats it, so ERROR again.
	lastRefused bool
	// typing is the command line being typed: lost with the power and
	// at a restart, as a module's line buffer is.
	typing at.Splitter
	pieces []typed // takeBytes's, kept for the next read
	echoes []byte  // and their echoes' array (frameTypedIn)
	// answer is the information text or final result code being sent,
	// built in the last one's array: send keeps no part of it (the
	// batch, the queue and at.log copy it, a direct write is done
	// when send returns).
	answer []byte
	// urcHold: a command line runs, and the URCs it causes wait in
	// heldURCs for its final result code (or its answer going pending).
	urcHold    bool
	heldURCs   []string
	parsedText string       // the last command line parsed (parse)
	parsed     []at.Command // and its commands
	fun        int
	// funShown is the <fun> +CFUN? reads when a manufacturer's mode
	// says (personality cfun_modes' read: an nRF91's 41); 0, that of fun.
	funShown int
	// settings are the values of the personality's settings the host set.
	settings map[string]string
	// cesq: the host subscribed %CESQ notifications (cesq_notifications);
	// cesqShown, the threshold indices the last one (or the subscription)
	// stood at.
	cesq       bool
	cesqShown  [2]int
	restarting bool
	// hung is an AT port whose firmware task has stopped (SetATHung): the
	// radio, the toolkit and the card go on, the host hears nothing.
	hung bool
	// absent is a card the modem cannot detect (SetCardPresent): no
	// answer to a reset, as an empty holder gives.
	absent bool
	cardOn bool
	iccid  string
	// iccidFiller is how many F nibbles follow the ICCID's digits in EF
	// ICCID (1 for a 19-digit ICCID), printed under iccid_filler: keep.
	iccidFiller int
	imsi        string
	// pin is the card's PIN1 state as +CPIN? reports it (READY, SIM PIN,
	// SIM PUK), "" without a card: the USIM is read only once READY.
	pin        string
	tries      pinTries // the card's attempts left, as its last PIN commands said
	reg        Registration
	regN       map[string]int // "+CREG", "+CGREG", "+CEREG" → <n>
	copsOff    bool           // AT+COPS=2 or +CGATT=0: deregistered until +COPS=0|1|4, +CGATT=1 or +CGACT=1
	copsMode   int            // +COPS <mode> of selection: 0 automatic, 1 manual, 2 deregistered (+COPS=2), 4 manual then automatic
	copsPLMN   string         // the network of manual selection
	copsFormat int            // <format> of +COPS? (AT+COPS=3,<format>): 0 long, 1 short, 2 numeric
	// forbidden is the enabled profile's forbidden PLMN list, EF FPLMN
	// (TS 31.102 §4.2.16), as read with the IMSI and kept as the modem
	// writes it: automatic selection skips these networks.
	forbidden map[string]bool
	// rplmn is the registered PLMN (TS 23.122 §4.4.3.1), automatic
	// selection's first: read from EF EPSLOCI with the IMSI, then the
	// PLMN of each registration (trackRPLMN); "" none. userPLMNs and
	// operatorPLMNs are EF PLMNwAcT's and EF OPLMNwAcT's E-UTRAN PLMNs in
	// priority order, read with the IMSI (loadSelection).
	rplmn                    string
	userPLMNs, operatorPLMNs []string
	// ehplmns are EF EHPLMN's PLMNs in priority order, read only when EF
	// UST announces the service (n°71).
	ehplmns []string
	// hpplmn is T, the period of the search for a higher priority PLMN
	// on a VPLMN (EF HPPLMN, TS 23.122 §4.4.3.3.1; 0: none); searchT its
	// timer (followVPLMN), searching true while the search's selection
	// runs.
	hpplmn    time.Duration
	searchT   clock.Timer
	searching bool
	// me are the ME's forbidden lists (meLists): the forbidden PLMNs for
	// GPRS service (#14) and the forbidden tracking areas (#12, #13,
	// #15), which automatic selection skips, the HPLMN's too.
	me meLists
	// taT is the timer of the tracking-area lists' periodic deletion,
	// due at taDue (armTAErase); nil while they hold nothing.
	taT   clock.Timer
	taDue time.Time
	// usimInvalid is the denial that made the USIM invalid
	// (emm.InvalidatesUSIM), nil while it is valid: cleared when the card is
	// read again (a power cycle, a reset, a REFRESH).
	usimInvalid *Registration
	// mnc is the MNC length EF AD gave for the IMSI mncOf (mncLength).
	mncOf string
	mnc   int
	// guti is the GUTI the serving network assigned at the last attach
	// (nil: none), as EF EPSLOCI stores it; gutis counts the attaches.
	guti  []byte
	gutis uint32
	// epsloci is EF EPSLOCI as the modem last read or wrote it (nil:
	// unknown), so that a deletion already stored is not written again.
	epsloci  []byte
	channels map[int]bool   // open logical channels (+CCHO)
	pdp      pdpState       // +CGDCONT contexts and +CGACT activations
	rtc      rtc            // +CCLK
	v250     map[string]int // X, &C, &D and the S-registers set (V.250)
	stored   *userProfile   // AT&W: loaded by ATZ, a restart and power on
	saving   powerSaving    // +CPSMS, +CEDRXS: kept through restarts
	charset  string         // +CSCS
	attachT  clock.Timer
	restartT clock.Timer
	// refreshT is a REFRESH waiting out refresh_delay; a reset of the
	// card before it (a restart, +CFUN=0) makes it moot.
	refreshT clock.Timer
	refreshQ byte // refreshT's qualifier
	// quietFrom is the registration a refresh_stat 2 module's silent
	// detach left unsaid; refreshScan shows the scan after that REFRESH
	// as searching, whatever searching_urc says — or, with no scan to
	// show, the detach after all.
	refreshScan bool
	quietFrom   Registration
	// cardBackDue are the card-back URCs of a card read at +CFUN=1 or 4
	// after +CFUN=0, due after that command's OK (flushCardBack);
	// cardGen counts the card's boots and resets, so that a post of an
	// earlier one does nothing.
	cardBackDue func()
	cardGen     uint64
	// pending is the command line whose running command answers later
	// (errPending); selecting is that command when it is a manual
	// network selection, answered as its attempt ends (selectionEnded).
	pending   *pendingLine
	selecting *selection
	t3410     clock.Timer
	// run is the attach attempt counter and its selection (attachRun).
	run attachRun
	// off is set by PowerOff. epoch counts the lives of the protocol
	// stack: bumped where one ends (a power cut, a restart) and where the
	// next begins (power on, a restart's boot), so that work queued in an
	// earlier one (a timer through afterFunc, a posted REFRESH or URC)
	// finds it stale.
	off   bool
	epoch uint64
	// boots counts the boots after power on and restarts (bootWithURCs),
	// each with the settings back to their defaults.
	boots int
}

// New checks the options and returns a modem that is not yet started.
func New(o Options) (*Modem, error) {
	switch {
	case o.Loop == nil:
		return nil, errors.New("modem: Options.Loop is required")
	case o.Card == nil:
		return nil, errors.New("modem: Options.Card is required")
	case o.Network == nil:
		return nil, errors.New("modem: Options.Network is required")
	}
	if o.AttachDelay == 0 {
		o.AttachDelay = 2 * time.Second
	}
	if o.Personality.Name == "" {
		o.Personality = personality.Generic()
	}
	if o.RestartDelay == 0 {
		o.RestartDelay = o.Personality.RestartDelay
	}
	if o.RestartDelay <= 0 {
		o.RestartDelay = 11 * time.Second
	}
	if o.IMEI == "" {
		tac := o.Personality.TAC
		if tac == "" {
			tac = personality.Generic().TAC
		}
		o.IMEI, _ = ident.MakeIMEI(tac + "000001")
	}
	if !ident.IsIMEI(o.IMEI) {
		return nil, fmt.Errorf("modem: IMEI %q: want 15 digits with a Luhn check digit", o.IMEI)
	}
	m := &Modem{o: o, loop: o.Loop, stk: o.STK, out: newOutQueue(MaxQueuedOutput)}
	m.resetSettings()
	m.st.pdp.reset()
	m.st.forbidden = map[string]bool{}
	m.st.me.forget()
	m.st.channels = map[int]bool{}
	return m, nil
}

// SetSTK installs the SIM Toolkit terminal; stkterm needs the modem as its
// Host, so it is usually built after the modem.
func (m *Modem) SetSTK(s STK) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.stk = s
}

func (m *Modem) getSTK() STK {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.stk
}

// IMEI implements stkterm.Host: the IMEI of Options, the one +CGSN
// answers. It is fixed at New, so any goroutine may call it.
func (m *Modem) IMEI() string { return m.o.IMEI }

// Start opens the pty, publishes the link and powers the modem on. The
// attach follows AttachDelay later on the loop's clock. Call it from outside
// loop work (it runs the boot sequence with Loop.Do).
func (m *Modem) Start() error {
	m.mu.Lock()
	if m.started {
		m.mu.Unlock()
		return errors.New("modem: already started")
	}
	m.started = true
	m.mu.Unlock()
	open := m.openPTY
	if m.o.Wire != nil {
		open = m.startWire
	}
	if err := open(); err != nil {
		return fmt.Errorf("modem start: %w", err)
	}
	m.loop.Do(func() {
		m.st.fun, m.st.funShown = 1, 0
		m.boot()
	})
	return nil
}

// Path is where a host opens the modem: Link if set, else the pty slave.
func (m *Modem) Path() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.o.Link != "" {
		return m.o.Link
	}
	return m.path
}

// Written reports how many bytes the modem has queued for the host since
// it started (echo, answers, URCs): a host that has read as many has seen
// everything said so far. Replay synchronises on it.
func (m *Modem) Written() int64 { return m.out.totalBytes() }

// Listening reports whether the modem answers command lines: neither
// restarting, nor powered off, nor its AT port hung. Call it from inside
// loop work.
func (m *Modem) Listening() bool { return !m.st.off && !m.st.restarting && !m.st.hung }

// Answering reports whether a command line the modem took in is still to
// be answered: its command runs on the loop's clock (a manual network
// selection answers as its attempt ends), and the lines typed meanwhile
// wait for it. Whoever drives the clock for a host awaiting that answer
// lets simulated time run until then. Call it from inside loop work.
func (m *Modem) Answering() bool { return m.st.pending != nil }

// SetATHung hangs the AT port (true) or brings it back (false), as a
// module's AT task that stops answering does while the rest of the
// firmware runs: lines typed are taken in but neither echoed nor
// answered (at.log marks them "(ignored: AT port hung)"), and nothing
// else reaches the host — URCs, a late answer — until it is back. The
// radio, the SIM Toolkit terminal and the card go on. A power cut does
// not end it: whoever hangs it brings it back. Call it from inside loop
// work.
func (m *Modem) SetATHung(hung bool) { m.st.hung = hung }

// Hung reports whether the AT port is hung (SetATHung). Call it from
// inside loop work.
func (m *Modem) Hung() bool { return m.st.hung }

// Boots reports how many times the modem has booted since Start, after a
// power cut or a restart (+CFUN=1,1), its settings back to their defaults
// (echo on, +CMEE=0, no registration URCs) and its boot URCs sent: a host
// that saw RDY sets the modem up again. Call it from inside loop work.
func (m *Modem) Boots() int { return m.st.boots }

// CardOn reports whether the modem has a card it reads (present, powered,
// answering its reset): +CPIN? answers no SIM not inserted. Call it from
// inside loop work.
func (m *Modem) CardOn() bool { return m.st.cardOn }

// Restarting reports whether the modem is rebooting (+CFUN=1,1) and not
// back yet. Call it from inside loop work.
func (m *Modem) Restarting() bool { return m.st.restarting }

// LinesIn reports how many command lines the modem has taken in,
// answered or not (ignored while restarting or off).
func (m *Modem) LinesIn() int64 {
	m.inMu.Lock()
	defer m.inMu.Unlock()
	return m.linesIn
}

// AwaitLinesIn waits, at most d of the time the process ran (the loop's
// stall meter), until the modem has taken in more than n command lines
// (its pty reader is a real goroutine), and reports whether it has.
func (m *Modem) AwaitLinesIn(n int64, d time.Duration) bool {
	t := stall.Begin(m.loop.Stalls, d).NewTimer()
	defer t.Stop()
	for {
		m.inMu.Lock()
		got := m.linesIn
		if m.inCh == nil {
			m.inCh = make(chan struct{})
		}
		ch := m.inCh
		m.inMu.Unlock()
		if got > n {
			return true
		}
		select {
		case <-ch:
		case now := <-t.C:
			if t.Out(now) {
				return false
			}
		}
	}
}

// tookLine counts a command line taken in and wakes AwaitLinesIn.
func (m *Modem) tookLine() {
	m.inMu.Lock()
	defer m.inMu.Unlock()
	m.linesIn++
	if m.inCh != nil {
		// Only when someone waits: the fleet's devices take in millions
		// of lines nobody awaits.
		close(m.inCh)
		m.inCh = nil
	}
}

// DroppedOutput reports how many output bytes were dropped because nobody
// read the pty slave.
func (m *Modem) DroppedOutput() int64 { return m.out.droppedBytes() }

// Close stops the I/O goroutines, closes the pty and removes the link.
// Pending timers stay on the clock; their output is discarded.
func (m *Modem) Close() error {
	m.mu.Lock()
	if m.closed || m.master == nil {
		m.closed = true
		m.mu.Unlock()
		m.out.close()
		return nil
	}
	m.closed = true
	m.mu.Unlock()
	m.out.close()
	errM := m.master.Close()
	m.wg.Wait()
	errS := m.slave.Close()
	var errL error
	// The link goes only if it is still this modem's (not replaced since).
	if m.o.Link != "" {
		if target, err := os.Readlink(m.o.Link); err == nil && target == m.linked {
			if err := os.Remove(m.o.Link); err != nil && !errors.Is(err, os.ErrNotExist) {
				errL = err
			}
		}
	}
	if err := errors.Join(errM, errS, errL); err != nil {
		return fmt.Errorf("modem close: %w", err)
	}
	return nil
}

// resetSettings restores the ATZ / AT&F defaults: echo on, verbose results,
// +CMEE=0, registration URCs off.
func (m *Modem) resetSettings() {
	m.factorySettings()
	if p := m.st.stored; p != nil {
		p.load(m)
	}
	m.lineChars()
}

// factorySettings are the settings AT&F restores; resetSettings (ATZ, a
// restart, power on) then loads what AT&W stored over them.
func (m *Modem) factorySettings() {
	m.st.enc = at.Encoder{Verbose: true}
	m.st.echo = true
	m.st.regN = map[string]int{"+CREG": 0, "+CGREG": 0, "+CEREG": 0}
	m.st.cesq = false
	// Numeric, so +COPS? names the PLMN hosts compare against; hosts that
	// care set it with AT+COPS=3,<format> first (27.007 leaves the
	// default to the manufacturer).
	m.st.copsFormat = 2
	m.st.v250 = nil // every setting at its default (setV250)
	m.st.charset = "IRA"
	m.lineChars()
}

func (m *Modem) emit(kind eventlog.Kind, f eventlog.F) { m.o.Log.Emit(eventlog.Modem, kind, f) }
