// Package atclient is the host side of an AT interface: it sends command
// lines to a modem over a transport.Port (the emulator's pty in CI,
// /dev/ttyUSBn or a ser2net port in the lab), collects each command's
// response up to its final result code, keeps unsolicited result codes in
// arrival order, and reconnects when the port drops and comes back.
package atclient

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/esimhil/esimhil/harness/fieldlog"
	"github.com/esimhil/esimhil/harness/transport"
	"github.com/esimhil/esimhil/internal/codec/at"
	"github.com/esimhil/esimhil/internal/codec/cscs"
	"github.com/esimhil/esimhil/internal/stall"
)

// ErrError is a plain ERROR final result (also NO CARRIER, +CMS ERROR, ...:
// the Response's Final says which).
var ErrError = errors.New("at: ERROR")

// ErrTimeout is wrapped by the error of a command that got no final result.
var ErrTimeout = errors.New("at: timeout")

// ErrClosed is returned once the client is closed or its reader failed.
var ErrClosed = errors.New("at: client closed")

// CMEError is a +CME ERROR final result. Code is -1 when the modem sent a
// text that is not in the TS 27.007 §9.2 table.
type CMEError struct {
	Code int
	Text string
}

func (e *CMEError) Error() string { return fmt.Sprintf("+CME ERROR: %d (%s)", e.Code, e.Text) }

// Response is what a command line got back: information lines (echo and
// URCs removed) and the final result line.
type Response struct {
	Lines []string
	Final string
}

// Option configures a Client.
type Option func(*Client)

// WithTimeout sets the time a command may wait for its final result
// (default 5 s): wall-clock time the process ran, less its stalls
// (WithStalls).
func WithTimeout(d time.Duration) Option { return func(c *Client) { c.timeout = d } }

// WithTrace writes every line both ways: "> AT+CEREG?" and "< +CEREG: ...".
func WithTrace(w io.Writer) Option { return func(c *Client) { c.trace = w } }

// WithStalls sets what tells the client how long the process could not
// run (stall.Default unless given; a test injects its stalls): a
// command's timeout and Close's bound count only the time it ran.
func WithStalls(r stall.Reader) Option { return func(c *Client) { c.stalls = r } }

// WithTimestamps prefixes every trace line with now() in RFC 3339 (ns),
// the at.log format: a lab run's transcript carries wall-clock time.
func WithTimestamps(now func() time.Time) Option { return func(c *Client) { c.now = now } }

// WithReconnect lets the client wait up to d for a port that dropped (a
// modem resetting and re-enumerating, ser2net losing the connection) to
// come back, instead of failing for good. A command in flight when the
// port drops fails at once, naming itself; commands sent while the port is
// down wait for it up to d (a poll, within its own timeout).
func WithReconnect(d time.Duration) Option { return func(c *Client) { c.reconnect = d } }

// WithSetUp has the client run setUp again, before its next command,
// whenever the modem may be back to its defaults (echo on, +CMEE 0, no
// registration URCs): the port came back after a drop (a USB modem
// re-enumerates as it restarts) or the modem sent one of boot as a URC
// (RDY, the personality's first boot URC) after a restart or a power cut.
// setUp sends its commands with do, which runs them as the client's own;
// an error it returns is noted in the trace, not the next command's.
func WithSetUp(setUp func(do func(cmd string) (*Response, error)) error, boot ...string) Option {
	return func(c *Client) { c.setUp, c.boot = setUp, boot }
}

// BootCheck is the read a client sends when a boot URC comes in a live
// session (WithBootCheck): Line goes out as the client's own command,
// and Read tells from its answer whether the settings the set-up left
// are still there (known false: the answer cannot tell; nil Read: only
// the line's echo tells).
type BootCheck struct {
	Line string
	Read func(*Response) (kept, known bool, why string)
}

// WithBootCheck has the client check, before it takes a boot URC (RDY)
// for a restart, that the modem lost its settings, when nothing else
// shows a restart: the port did not drop and come back, and the host
// asked for no reset (AT+CFUN=1,1, ATZ, a vendor's reset). A firmware
// may print RDY again on its own (on a USB re-enumeration, a second one
// after AT+CFUN=1,1) and line noise may make one; a restart also brings
// the factory settings back (echo on, V.250 §6.2.4; +CMEE and +CEREG at
// 0). check gives the read to send at that moment (the set-up may not
// have taken all its settings); the line's echo after ATE0 is evidence
// too. A boot URC whose check shows the settings kept is a URC only,
// noted in the trace. Without this option a check is sent only when the
// echo is known to be off (a bare AT, whose echo tells).
func WithBootCheck(check func() BootCheck) Option { return func(c *Client) { c.bootCheck = check } }

// WithURCs declares lines the modem sends unsolicited with no "+NAME:"
// prefix (a personality's boot and REFRESH URCs, "*ATREADY: 1"): they are
// URCs even when they come inside a command's answer. Prefixed lines are
// told by their name already (a "+CPIN: READY" is AT+CPIN?'s answer while
// it is pending), so they are not taken here.
func WithURCs(lines ...string) Option {
	return func(c *Client) {
		for _, l := range lines {
			if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "+") {
				c.urcLines[l] = true
			}
		}
	}
}

// WithLateGrace sets how long the next command waits, before it is sent,
// for the late answer of one that timed out (default: as long as that
// command was given). Zero: the client's default.
func WithLateGrace(d time.Duration) Option { return func(c *Client) { c.grace = d } }

// WithQuiet makes each command line wait, before it goes out, until the
// modem has sent nothing for d (at most 4·d in all: a URC stream does not
// hold it back). A final result the modem sends twice (OK, then OK again
// in its own write) then comes with no command pending, where it is
// noted and counted (Strays), instead of being taken as the next
// command's and shifting every later answer by one (outside tester
// sw128 F6). Zero (the default): no wait.
func WithQuiet(d time.Duration) Option { return func(c *Client) { c.quiet = d } }

// streamCap bounds how long a command whose answer keeps arriving is
// waited for, in its timeouts: past its timeout each byte gives it the
// timeout again after it, up to this many in all.
const streamCap = 4

// Limits on what a misbehaving modem can make the client hold.
const (
	// MaxURCs is how many unsolicited lines are kept; a flood drops the
	// oldest (counted in Dropped).
	MaxURCs = 1024
	// MaxLines is how many information lines one command collects.
	MaxLines = 4096
	// MaxTimeouts is how many timed-out commands Timeouts keeps.
	MaxTimeouts = 256
)

// Timeout is a command that got no final result within its time, and
// what became of it.
type Timeout struct {
	Command string
	Within  time.Duration // the time it was given
	// Late is when its final result came after all, from its sending;
	// 0: it never came (the client gave up on it). Lines is that late
	// answer's information text.
	Late  time.Duration
	Lines []string
	Final string // the late answer's final result
	taken bool   // handed out by TakeLate
	// NotSent: the command did not go out, the modem having answered
	// nothing since an earlier one timed out, nor the probe (ATS3?) the
	// client sent before it within Within.
	NotSent bool
	// Noise counts the lines of noise (no text: another speed, parity)
	// read while it was awaited: a wrong setting more than a slow modem.
	Noise int
	// Partial is what came for it before it timed out, no final result
	// among it (the first maxPartial lines): what a port that is no
	// modem's says, a GPS receiver's NMEA sentences say.
	Partial []string
}

// maxPartial bounds Timeout.Partial.
const maxPartial = 8

func (t Timeout) String() string {
	if t.NotSent {
		return fmt.Sprintf("%s was not sent: the modem answered nothing since an earlier command timed out, nor %s within %v", t.Command, probeLine, t.Within)
	}
	s := fmt.Sprintf("the modem did not answer %s within %v", t.Command, t.Within)
	if t.Late > 0 {
		s += fmt.Sprintf(" (late answer after %.1fs)", t.Late.Seconds())
	}
	if t.Noise > 0 {
		s += fmt.Sprintf(" (it sent %d line(s) of noise meanwhile, no text: a wrong speed or line settings rather than a slow modem?)", t.Noise)
	}
	return s
}

// TakeLate returns, once each, the timed-out commands whose line starts
// with prefix and whose answer came late after all: what a late answer
// did that its caller never saw (a +CCHO's channel, left open).
func (c *Client) TakeLate(prefix string) []Timeout {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []Timeout
	for i := range c.timeouts {
		t := &c.timeouts[i]
		if !t.taken && t.Late > 0 && strings.HasPrefix(t.Command, prefix) {
			t.taken = true
			out = append(out, *t)
		}
	}
	return out
}

// Timeouts returns the commands that timed out so far, oldest first (the
// first MaxTimeouts).
func (c *Client) Timeouts() []Timeout {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Timeout(nil), c.timeouts...)
}

// ErrPortDown is wrapped by the error of a command whose port dropped.
var ErrPortDown = errors.New("at: port dropped")

// ErrNoLine is wrapped, with ErrTimeout, by the error of a command that
// got bytes which formed no line and no final result: what a host at
// another baud rate or parity than the modem's reads. It is no silence.
var ErrNoLine = errors.New("bytes received but no line or final result")

// ErrGarbled is wrapped, with ErrTimeout, by the error of a command that
// got lines, but bytes that are no text among them and no final result:
// its echo in step, say, then garbage (outside tester t72, F8: read as a
// port that answered nothing). It is no silence either.
var ErrGarbled = errors.New("bytes received that are not text, and no final result")

// Garbled says whether err is a command's that got bytes but nothing a
// modem's answer is made of (ErrNoLine, ErrGarbled): a wrong line speed
// or parity, not a silent port.
func Garbled(err error) bool { return errors.Is(err, ErrNoLine) || errors.Is(err, ErrGarbled) }

// noteUnframed notes in the trace the bytes that came since cmd went out
// when a command can take no answer from them (rawBytes.unframed:
// bounded, in hex), and returns why, as an error wrapping ErrNoLine or
// ErrGarbled, "from" the port when from is set; nil when there were
// none.
func (c *Client) noteUnframed(cmd string, from bool) error {
	u := c.raw.unframed()
	if u.n == 0 {
		return nil
	}
	why := unframedWhy(u.text)
	sentinel, what := ErrNoLine, "formed no line"
	if u.lines > 0 {
		sentinel, what = ErrGarbled, fmt.Sprintf("are not all text (%d line(s) among them)", u.lines)
	}
	c.tracef("#", fmt.Sprintf("%d bytes after %s %s (%s): %s", u.n, cmd, what, why, u.hex))
	src := ""
	if from {
		src = " from " + c.port.Name()
	}
	return fmt.Errorf("%d %w%s (the first: %s): %s", u.n, sentinel, src, u.first, why)
}

// unframedWhy is the likely cause of bytes that formed no line: text
// (printable ASCII) is an answer whose line has not ended yet, arriving
// slowly; anything else, noise at another baud rate or parity.
func unframedWhy(text bool) string {
	if text {
		return "text with no line end yet: an answer still arriving on a slow link? give it more time (--timeout)"
	}
	return "wrong BAUD or parity?"
}

// ErrAnswerCut is wrapped, with ErrPortDown, by the error of a command
// whose answer the port drop cut: part of it came (a line, or part of
// one), its final result did not.
var ErrAnswerCut = errors.New("its answer was cut")

// Client talks to one modem. Commands are sent one at a time.
type Client struct {
	port      transport.Port
	timeout   time.Duration
	stalls    stall.Reader // WithStalls
	reconnect time.Duration
	trace     io.Writer
	now       func() time.Time
	// wallNow is the wall clock the restart windows are read by
	// (time.Now; a test moves it on past one).
	wallNow func() time.Time

	cmdMu sync.Mutex // one command line in flight
	wbuf  []byte     // the line write sends; cmdMu held
	spare *pending   // the last command's, to reuse (recycle); cmdMu held

	mu      sync.Mutex
	pending *pending
	// routed, routedLine: a command whose final result was routed,
	// handed it by deliver once the lines read behind it are routed.
	routed     *pending
	routedLine string
	urcs       []string
	dropped    int
	urcSig     chan struct{} // closed and replaced when a URC arrives
	down       error         // the port dropped and is being reopened
	upSig      chan struct{} // closed and replaced when the port is back
	reopens    int           // times the port came back
	heard      int           // lines read since the port last came back
	notBack    int           // reopens ser2net refused after all (Reopens leaves them out)
	window     stall.Wait    // the reconnect window of the last drop
	backoff    time.Duration // the last wait before a reopen (reader's own)
	err        error         // terminal error
	done       chan struct{}
	// traceMu is held while trace lines are written, traceQMu while
	// traceQ, the lines stamped and in their place but not yet written
	// (queueTrace), changes: a slow trace (a lab's at.log on a busy disk)
	// never holds mu, and so never the reader.
	traceMu  sync.Mutex
	traceQMu sync.Mutex
	traceQ   []string

	// late is the last command that timed out, still awaited: its
	// answer, if it comes, is filed under it (and noted as late), never
	// taken as the next command's. The next command first waits for it
	// (settleLate). silent: the modem answered nothing since a resync
	// went unanswered; a command then goes out only once a probe is
	// answered (probe.go). Guarded by mu.
	late   *pending
	cutOff *pending // the command in flight when the port dropped
	silent bool
	// owed are the commands given up on when the modem went silent (the
	// late one, the resync's AT), oldest first: a modem that was only
	// busy still answers them, in order, before a probe (probe.go).
	// probes counts probes that timed out and may still be answered.
	// collector takes, between commands, the lines a silent modem sends
	// (owed answers, a late probe's).
	owed        []*pending
	probes      int
	collector   *pending
	silentSince string     // the command whose timeout began the silence
	silentAt    time.Time  // when
	silence     stall.Wait // maxSilence from silentAt, of the time the process ran
	owedTaken   int        // final results taken as owed (or earlier probes') since
	answering   int        // probes that timed out after one was
	// numeric: the modem gives result codes as digits (ATV0 took).
	numeric bool
	// profile is the profile AT&W stored, as the client saw it taken
	// (storeAfter): a boot loads its V (V.250 §6.1.1, as ATZ does).
	profile at.Modes
	// lineNote is a note about the line route is taking, written after
	// it (finalResult's).
	lineNote string
	// gsm: +CSCS="GSM" took (27.007 §5.5), so the modem's quoted strings
	// hold TS 23.038 codes a byte each, control bytes among them ('@' is
	// 0x00, 'é' 0x05), which are text there, not line noise. The reader
	// reads it, so it is atomic.
	gsm      atomic.Bool
	grace    time.Duration
	quiet    time.Duration // WithQuiet
	timeouts []Timeout
	strays   int // final results that came with no command pending
	// loose counts those of them no resync explained (Strays); resyncing
	// is set while a resync reads its finals.
	loose     int
	resyncing bool

	// setUp runs again before the next command once the port came back
	// or a boot URC came (WithSetUp); setUpAt are the reopens and boots
	// it last ran after, booted the last boot URC. Guarded by mu.
	urcLines  map[string]bool // bareURCs, the WithURCs and the unprefixed boot lines
	bootSigns []string        // what told each boot: its URC, or the echo back on
	echo      echoState
	setUp     func(do func(string) (*Response, error)) error
	boot      []string
	boots     int
	// A boot URC in a live session waits for its check (WithBootCheck):
	// suspect is that URC, checked is closed once the check decided.
	// asked: the restart window from the reset the host last sent, the
	// zero Wait once a boot sign came after it; back: the window from
	// the port's last coming back, bootSince whether a boot URC came
	// since (the first is that restart's). Both of running time, as the
	// client's other bounds (restartWindow); read by bootURC only.
	bootCheck                func() BootCheck
	suspect                  string
	checked                  chan struct{}
	asked, back              stall.Wait
	bootSince                bool
	booted                   string
	setUpReopens, setUpBoots int
	kicks                    sync.WaitGroup // set-ups started by a boot or a reopen

	ctx      context.Context // ends with Close: stops a reconnect
	cancel   context.CancelFunc
	readDone chan struct{}

	reader
}

// echoState is what the client knows of the modem's echo (V.250 §6.2.4):
// once ATE0 took and a later command came back without its echo, an echo
// again means the modem is back to its defaults — a reboot that kept its
// port and sent no boot URC (a UART behind ser2net, a Telit or a Sierra).
type echoState int

const (
	echoUnknown  echoState = iota
	echoOffAsked           // ATE0 answered OK; the next command confirms it
	echoOff                // a command after ATE0 came back without its echo
	echoIgnored            // the modem echoes in spite of ATE0: no sign then
)

type pending struct {
	line   string // the command line as sent, for echo detection
	text   string // the line as given, untrimmed: what commands parses
	echoed bool   // its echo came
	reset  bool   // its echo came after echo was off: the modem reset
	// setUpFirst: a command's line (not a set-up's, a boot check's, a
	// resync's or a probe's): the set-up goes before it if the port came
	// back since it last ran (errSetUpFirst).
	setUpFirst bool
	names      map[string]bool // command names of the line: "+CEREG", "+CSIM" (nil: none)
	echoOK     bool            // the echo may still come
	// echoPart is the echo's first piece(s) when a URC split it
	// (echoLine).
	echoPart string
	lines    []string
	answer   *lineResponse // the Response lines' first came in (addLine)
	final    chan string
	// truncated counts lines past MaxLines, overlong those past
	// at.MaxResponseLine (dropped); err is set when the port dropped
	// under the command.
	truncated, overlong int
	err                 error
	cut                 string // a line of its answer the port drop cut
	// sent is when the line went out and timeout what it was given;
	// late marks it timed out and still awaited (Client.late).
	sent    time.Time
	timeout time.Duration
	late    bool
	poll    bool // Poll's: not waited for once late, nor resynced after
	noise   int  // lines of noise read while it was awaited (denoise)
	probe   bool // a probe (ATS3?) sent while the modem was silent
	setsV   bool // the line sets V (ATV0, ATV1, ATZ, AT&F): its result may come in either form
	bare    bool // a bare AT: no information text, so a lone digit is a V0 result
	// nmea: an NMEA sentence came while it was awaited (NMEASentence):
	// a GPS receiver's stream, never a modem's answer, so it gives the
	// command no more time (streamCap).
	nmea bool
	// dropped is the command a port drop cut, when this stands for it
	// on the port back (its late answer may still come there).
	dropped *pending
	// timeout is p's index in Client.timeouts once it timed out; -1
	// before, or when it is not kept.
	timeoutAt int
	// strays is Client.strays when p was sent: a resync counts the
	// final results that come after its AT's with nothing pending.
	strays int
	// cmds is text parsed (parseOK: without error), once parsed is set
	// (commands).
	cmds            []at.Command
	parsed, parseOK bool
}

// Open opens the tty at path shared (the emulator's pty, which people and
// tools open beside the rig), raw, and starts a client on it.
func Open(path string, opts ...Option) (*Client, error) {
	p, err := transport.Open(context.Background(), path, transport.Config{Shared: true})
	if err != nil {
		return nil, fmt.Errorf("atclient: %w", err)
	}
	return New(p, opts...), nil
}

// New starts a client on a port. Close closes the port.
func New(p transport.Port, opts ...Option) *Client {
	c := &Client{
		port: p, timeout: 5 * time.Second, stalls: stall.Default(), wallNow: time.Now, urcSig: make(chan struct{}), upSig: make(chan struct{}),
		done: make(chan struct{}), readDone: make(chan struct{}), urcLines: maps.Clone(bareURCs),
	}
	c.reader = newReader(p)
	for _, o := range opts {
		o(c)
	}
	// A boot line is a URC wherever it comes (RDY inside an answer).
	WithURCs(c.boot...)(c)
	c.ctx, c.cancel = context.WithCancel(context.Background())
	go c.readLoop()
	return c
}

// Port names the port the client talks to.
func (c *Client) Port() string { return c.port.Name() }

// Numeric reports whether the modem gives its result codes as digits
// (ATV0 took, or an aborted session left it so), as its last answers
// showed: the client reads them, a recording would keep them.
func (c *Client) Numeric() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.numeric
}

// Close stops the client, closes the port and waits for the reader
// goroutine to return (up to readerStop), so none outlives the client.
func (c *Client) Close() error {
	c.cancel()
	err := c.port.Close()
	c.fail(ErrClosed)
	// The bound is of running time: a stopped process is no blocked reader.
	t := stall.Begin(c.stalls, readerStop).NewTimer()
	for done := false; !done; {
		select {
		case <-c.readDone:
			done = true
		case now := <-t.C:
			if !t.Out(now) {
				continue
			}
			err = errors.Join(err, fmt.Errorf("reader still blocked %v after closing %s", readerStop, c.port.Name()))
			done = true
		}
	}
	t.Stop()
	c.kicks.Wait() // each fails at once on the closed client
	if err != nil {
		return fmt.Errorf("atclient close: %w", err)
	}
	return nil
}

// lastLook is how long a command that ran out of time still reads what
// the port already holds before it gives up.
const lastLook = 10 * time.Millisecond

// readerStop bounds how long Close waits for the reader: a stream whose
// Close does not interrupt a blocked Read would otherwise hang it.
const readerStop = 5 * time.Second

// tracef writes a line to the trace, after those queued before it.
func (c *Client) tracef(dir, line string) {
	c.queueTrace(dir, line)
	c.flushTrace()
}

// queueTrace stamps a trace line and puts it in its place after those
// before it, unwritten: what route does under mu; flushTrace writes it.
func (c *Client) queueTrace(dir, line string) {
	if c.trace == nil {
		return
	}
	s := dir + " " + line + "\n"
	if c.now != nil {
		s = c.now().Format(time.RFC3339Nano) + " " + s
	}
	c.traceQMu.Lock()
	c.traceQ = append(c.traceQ, s)
	c.traceQMu.Unlock()
}

// flushTrace writes the queued trace lines, in order, one Write each.
// They leave the queue only under traceMu: once it returns, every line
// queued before the call is written, by it or by the flush it waited
// for. Call without mu.
func (c *Client) flushTrace() {
	if c.trace == nil {
		return
	}
	c.traceMu.Lock()
	defer c.traceMu.Unlock()
	for {
		c.traceQMu.Lock()
		q := c.traceQ
		c.traceQ = nil
		c.traceQMu.Unlock()
		if len(q) == 0 {
			return
		}
		for _, s := range q {
			io.WriteString(c.trace, s)
		}
	}
}

// Command sends one command line (with its "AT") and waits for the final
// result. On ERROR it returns ErrError, on +CME ERROR a *CMEError, on
// silence an error wrapping ErrTimeout that names the command; the Response
// is returned in every case that got a final line.
func (c *Client) Command(cmd string) (*Response, error) { return c.CommandAnswer(cmd) }

// NoteUnanswered ends the trace of a run whose last command line timed
// out: it waits for that command's late answer as the next command would
// (settleLate, without resynchronising: nothing follows), and if none
// comes notes that the modem never answered it (fieldlog.NoAnswerNote),
// as a replay's host log ends: the transcript then reads as whole, the
// command unanswered, not as one cut off. A run calls it as it ends; it
// returns the command ("" when it was answered, late or not).
func (c *Client) NoteUnanswered() string {
	c.cmdMu.Lock()
	defer c.cmdMu.Unlock()
	return c.settleLate(false)
}

// answerNames are the information responses modems give under another
// name than the command's; while such a command is pending, lines of
// these names are its answer, not URCs.
var answerNames = map[string][]string{
	"+CICCID": {"+ICCID"}, // SIMCom: AT+CICCID → +ICCID: <iccid>
}

// CommandAnswer is Command for a command whose information responses
// carry other names than its own ("+ICCID" for a vendor's AT+CICCID):
// lines of those names are its answer while it is pending, where a
// generic client would take them for URCs.
func (c *Client) CommandAnswer(cmd string, answers ...string) (*Response, error) {
	return c.command(cmd, c.timeout, answers, false)
}

// CommandWithin is Command with its own timeout instead of the client's
// (WithTimeout): a poll of a restarting modem gives up sooner than a
// command that must be answered.
func (c *Client) CommandWithin(cmd string, timeout time.Duration) (*Response, error) {
	return c.command(cmd, timeout, nil, false)
}

// Poll is CommandWithin for a poll of a modem expected to be silent for a
// while (restarting): if it times out, the next command line goes out
// without waiting for its late answer and without a resync, since the
// polls are their own (AT until OK). An answer that comes before the next
// line is still filed under it.
func (c *Client) Poll(cmd string, timeout time.Duration) (*Response, error) {
	return c.command(cmd, timeout, nil, true)
}

func (c *Client) command(cmd string, timeout time.Duration, answers []string, poll bool) (*Response, error) {
	c.cmdMu.Lock()
	defer c.cmdMu.Unlock()
	c.setUpAgain(c.upWait(timeout, poll))
	return c.doSetUp(cmd, timeout, answers, poll, true)
}

// setUpAgain runs the set-up (WithSetUp) when the port came back or the
// modem booted since it last ran, so that the command after it finds the
// modem as the host left it. A port on its way back is waited for first.
func (c *Client) setUpAgain(timeout time.Duration) {
	if c.setUp == nil {
		return
	}
	if c.awaitUpWithin(timeout) != nil {
		return // the command's own send says why
	}
	c.checkBoot()
	c.mu.Lock()
	why := ""
	switch {
	case c.reopens != c.setUpReopens:
		why = "the port came back"
	case c.boots != c.setUpBoots:
		why = "the modem booted (" + c.booted + ")"
	}
	c.setUpReopens, c.setUpBoots = c.reopens, c.boots
	c.mu.Unlock()
	if why == "" {
		return
	}
	c.tracef("#", why+": its settings may be the defaults again; setting it up again")
	if err := c.setUp(func(line string) (*Response, error) { return c.do(line, c.timeout, nil, false) }); err != nil {
		c.tracef("#", fmt.Sprintf("setting up again: %v", err))
	}
}

// bootURC takes a boot line the modem sent as a URC: a restart at once
// when something else shows one (the port came back and this is the
// first boot line since, the host asked for a reset) or when nothing can
// check it; otherwise a suspect that checkBoot decides on before the next
// command, and a note for the trace. Call with c.mu held.
func (c *Client) bootURC(line string) (note string) {
	now := c.wallNow()
	portBack := c.reopens > 0 && !c.bootSince && c.back.Left(now) >= 0
	asked := c.asked.Left(now) >= 0 // the zero Wait: none asked
	c.bootSince, c.asked = true, stall.Wait{}
	switch {
	case c.suspect != "":
		return "" // one check answers for both
	case !needsBootCheck(portBack, asked, c.echo == echoOff, c.bootCheck != nil):
		c.bootedBy(line)
		return ""
	}
	c.suspect, c.checked = line, make(chan struct{})
	c.kickSetUp()
	return fmt.Sprintf("%s with the port up and no restart asked: checking that the modem lost its settings before taking it for a restart", line)
}

// restartWindow starts, now, the time within which a restart's boot URC
// comes after what started it (a reset asked, the port back): the
// reconnect window or the command timeout, of the running time.
func (c *Client) restartWindow() stall.Wait {
	return stall.BeginAt(c.stalls, c.wallNow(), max(c.reconnect, c.timeout))
}

// needsBootCheck says whether a boot URC needs a check of the modem's
// settings before it counts as a restart: not when the port came back
// just before it (that restart's own), nor after a reset the host asked
// for, nor when no check can tell (no echo known off, no BootCheck).
func needsBootCheck(portBack, asked, echoOff, check bool) bool {
	return !portBack && !asked && (echoOff || check)
}

// checkBoot sends the check of a boot URC that came in a live session
// (bootURC) and decides: a restart (bootedBy) when the settings are lost
// or the answer cannot tell, a lone URC, noted, when they are kept;
// cmdMu held.
func (c *Client) checkBoot() {
	c.mu.Lock()
	sign, echoWas, boots0 := c.suspect, c.echo, c.boots
	c.mu.Unlock()
	if sign == "" {
		return
	}
	ck := BootCheck{Line: "AT"}
	if c.bootCheck != nil {
		ck = c.bootCheck()
	}
	rsp, err := c.do(ck.Line, c.timeout, nil, false)
	answered := rsp != nil && rsp.Final != ""
	kept, known, why := false, false, ""
	switch {
	case !answered:
		why = fmt.Sprintf("%s got no answer (%v)", ck.Line, err)
	case ck.Read != nil:
		kept, known, why = ck.Read(rsp)
	}
	note := ""
	c.mu.Lock()
	c.suspect = ""
	if c.boots == boots0 { // else echoCame counted it: the echo back on
		stillOff := echoWas == echoOff && c.echo == echoOff && answered
		switch bootVerdict(stillOff, answered, kept, known) {
		case lone:
			note = fmt.Sprintf("%s was no restart: %s; kept as a URC", sign, keptWhy(ck.Line, why, known, stillOff))
		case restarted:
			c.bootedBy(sign + ", " + why)
		default:
			c.bootedBy(sign)
			note = fmt.Sprintf("%s taken for a restart: %s", sign, cmp.Or(why, "the check cannot tell"))
		}
	}
	checked := c.checked
	c.mu.Unlock()
	// The note goes in the trace before the check counts as done: whoever
	// waited for it (BootSigns) reads a trace that says what it decided.
	if note != "" {
		c.tracef("#", note)
	}
	close(checked)
}

// bootVerdicts: what a boot URC's check showed.
const (
	unsure    = iota // nothing tells: taken for a restart, as before the check
	lone             // the settings kept: a lone URC
	restarted        // the settings lost
)

// bootVerdict decides on a boot URC from its check: echoStillOff (the
// echo was off and the check's line came back without it), whether the
// check was answered, and what its read said.
func bootVerdict(echoStillOff, answered, kept, known bool) int {
	switch {
	case known && !kept:
		return restarted
	case known && kept, answered && echoStillOff:
		return lone
	}
	return unsure
}

// keptWhy says what showed a boot URC's modem kept its settings.
func keptWhy(line, why string, known, stillOff bool) string {
	var out []string
	if known {
		out = append(out, why)
	}
	if stillOff {
		out = append(out, line+" came back without its echo (ATE0 still holds)")
	}
	return strings.Join(out, "; ")
}

// awaitBootCheck waits, bounded, for the check of a boot URC in flight,
// so that the boots counted include its verdict.
func (c *Client) awaitBootCheck() {
	c.mu.Lock()
	ch := c.checked
	c.mu.Unlock()
	if ch == nil {
		return
	}
	// Running time, as every other bound of the client's.
	t := stall.Begin(c.stalls, 2*c.timeout).NewTimer()
	defer t.Stop()
	for {
		select {
		case <-ch:
			return
		case <-c.done:
			return
		case now := <-t.C:
			if t.Out(now) {
				return
			}
		}
	}
}

// kickSetUp sets the modem up again at once, on a goroutine of its own,
// after a boot URC or a reopen: a host that only awaits URCs (the
// re-attach after a switch) sends no command that would.
func (c *Client) kickSetUp() {
	if c.setUp == nil {
		return
	}
	c.kicks.Add(1)
	go func() {
		defer c.kicks.Done()
		c.cmdMu.Lock()
		defer c.cmdMu.Unlock()
		select {
		case <-c.done:
		default:
			c.setUpAgain(c.timeout)
		}
	}()
}

// do sends one command line and waits for its answer; cmdMu held.
func (c *Client) do(cmd string, timeout time.Duration, answers []string, poll bool) (*Response, error) {
	return c.doSetUp(cmd, timeout, answers, poll, false)
}

// errSetUpFirst is send's answer when the port came back after the
// command's set-up check (setUpAgain) and before its line went out.
var errSetUpFirst = errors.New("the port came back: the set-up goes first")

// doSetUp is do; with setUp, a port that comes back between the set-up
// check and the line going out (ser2net restarted while the client waits
// for a late answer or for the line to go quiet) gets the set-up before
// the line, as one that came back before the command began does.
func (c *Client) doSetUp(cmd string, timeout time.Duration, answers []string, poll, setUp bool) (*Response, error) {
	// A port on its way back is waited for before the late answer is:
	// the command its drop cut may still be answered there. It is given
	// the reconnect window, not only the command's time (a ser2net back
	// in a second must not fail the steps sent meanwhile); a poll, which
	// expects a restarting modem, only its own.
	if err := c.awaitUpWithin(c.upWait(timeout, poll)); err != nil {
		return nil, fmt.Errorf("%s: %w", cmd, err)
	}
	c.settleLate(true)
	if err := c.probe(cmd, timeout); err != nil {
		return nil, err
	}
	c.awaitQuiet()
	p := c.reusePending(cmd)
	p.poll, p.setUpFirst = poll, setUp && c.setUp != nil
	if cmds, ok := p.commands(); ok {
		for _, x := range cmds {
			p.addName(x.Name)
			for _, a := range answerNames[x.Name] {
				p.addName(a)
			}
		}
	}
	for _, a := range answers {
		p.addName(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(a), ":")))
	}
	now := time.Now()
	lim := limit{from: now, deadline: now.Add(timeout)}
	// Time the process could not run (stopped, starved) is not the
	// modem's: the timeout is of the client's running time (t179 F1).
	wait := stall.BeginAt(c.stalls, now, timeout)
	defer func() { lim.stop() }() // the last lim: the loop below replaces it
	err := c.send(p, cmd, timeout, &lim)
	for errors.Is(err, errSetUpFirst) {
		c.setUpAgain(c.timeout)
		// As before any line: a set-up line that timed out is owed its
		// late answer, which must not be taken for this command's.
		c.settleLate(true)
		if err := c.probe(cmd, timeout); err != nil {
			return nil, err
		}
		c.awaitQuiet()
		now = time.Now()
		lim.stop()
		lim = limit{from: now, deadline: now.Add(timeout)}
		wait = stall.BeginAt(c.stalls, now, timeout)
		err = c.send(p, cmd, timeout, &lim)
	}
	if err != nil {
		return nil, err
	}
	final, how := c.await(p, &lim)
	for how == timedOut {
		now := time.Now()
		until := now.Add(wait.Left(now))
		// A modem still sending its answer is not silent: the wait goes
		// on while bytes keep coming, each giving it the timeout again
		// after the last, up to streamCap times the timeout in all.
		// (A port streaming NMEA never stops: outside tester t136 F4, a
		// GPS port refused after 4× the timeout.)
		c.mu.Lock()
		nmea := p.nmea
		c.mu.Unlock()
		if last := c.clock.at(c.lastByte.Load()); !p.poll && !nmea && last.After(p.sent) {
			more := last.Add(timeout)
			if limit := p.sent.Add(streamCap*timeout + wait.Stalled()); more.After(limit) {
				more = limit
			}
			if more.After(until) {
				until = more
			}
		}
		if !now.Before(until) {
			break
		}
		lim.stop()
		lim = limit{deadline: until}
		final, how = c.await(p, &lim)
	}
	if how == timedOut {
		// A last look at what is already buffered (a real modem's answer
		// sits in the kernel's buffer after a pause): a deadline in the
		// past would not even read it.
		lim.stop()
		lim = limit{deadline: time.Now().Add(lastLook)}
		final, how = c.await(p, &lim)
	}
	if how == timedOut {
		c.mu.Lock()
		if c.pending == p {
			// Its answer may still come: it stays p's (settleLate).
			p.late, c.late = true, p
			if len(c.timeouts) < MaxTimeouts {
				p.timeoutAt = len(c.timeouts)
				c.timeouts = append(c.timeouts, Timeout{Command: p.line, Within: timeout, Partial: slices.Clone(p.lines[:min(len(p.lines), maxPartial)]), Noise: p.noise})
			}
			c.mu.Unlock()
			if uerr := c.noteUnframed(cmd, true); uerr != nil {
				return nil, fmt.Errorf("%s: %w after %v: %w", cmd, ErrTimeout, timeout, uerr)
			}
			return nil, fmt.Errorf("%s: %w after %v: no final result from %s", cmd, ErrTimeout, timeout, c.port.Name())
		}
		c.mu.Unlock()
		// The final came as the timer fired.
		final, how = <-p.final, answered
	}
	switch how {
	case answered:
		c.mu.Lock()
		c.echoAfter(p, final)
		c.charsetAfter(p, final)
		rsp := p.response(final)
		perr, trunc, long := p.err, p.truncated, p.overlong
		if perr == nil {
			c.silent = false
		}
		c.recycle(p)
		c.mu.Unlock()
		switch {
		case perr != nil:
			return nil, fmt.Errorf("%s: no final result: %w", cmd, perr)
		case long > 0:
			return rsp, fmt.Errorf("%s: %d answer line(s) over %d bytes dropped: %w", cmd, long, at.MaxResponseLine, at.ErrResponseTooLong)
		case trunc > 0:
			return rsp, fmt.Errorf("%s: %d information lines past the %d kept (a flood?)", cmd, trunc, MaxLines)
		}
		return rsp, finalErr(final)
	default:
		c.clearPending(p)
		c.mu.Lock()
		err := c.err
		c.mu.Unlock()
		return nil, fmt.Errorf("%s: %w", cmd, err)
	}
}

// resets reports a command after which the modem may be back to its
// defaults, echo on: V.250's Z and &F, which load a profile, and what
// restarts or switches it off (at.GoesDown: +CFUN, the vendors' restarts
// and power-downs, the codec's one list of them).
func resets(x at.Command) bool {
	return (x.Name == "Z" || x.Name == "&F") && x.Form != at.Read && x.Form != at.Test || at.GoesDown(x)
}

// echoBefore forgets what the client knew of the echo when cmd may turn
// it on or restart the modem (the host asked for it: no sign of a
// reset); call with c.mu held.
func (c *Client) echoBefore(p *pending) {
	cmds, ok := p.commands()
	if !ok {
		return
	}
	p.bare = len(cmds) == 0
	for _, x := range cmds {
		if x.Name == "E" || resets(x) {
			c.echo = echoUnknown
			if x.Name != "E" {
				c.asked = c.restartWindow()
			}
		}
		// V, and Z and &F that load a profile with it (at.Modes.After),
		// from the line already parsed: at.SetsVerbose would parse it
		// twice more for every command.
		if (x.Name == "V" || x.Name == "Z" || x.Name == "&F") && x.Form != at.Read && x.Form != at.Test {
			p.setsV = true
		}
	}
}

// storeAfter follows the profile AT&W stores once p, a line with &W, got
// its OK: V as the line leaves it at the &W, from the form the modem
// answered in before the line (a V0 an earlier session left, found by a
// probe, is stored too, and AT&F then &W stores the factory's V1). Not
// at.ResultForm, whose V comes from the lines alone, a log's view: the
// client knows the modem's form from its answers. Call with c.mu held,
// before p's result updates numeric.
func (c *Client) storeAfter(p *pending) {
	cmds, ok := p.commands()
	if !ok || !slices.ContainsFunc(cmds, func(x at.Command) bool { return x.Name == "&W" }) {
		return
	}
	m := c.profile
	m.Verbose = !c.numeric
	c.profile = m.After(p.line)
}

// echoAfter follows the modem's echo once p got its final result; call
// with c.mu held.
func (c *Client) echoAfter(p *pending, final string) {
	cmds, ok := p.commands()
	if !ok {
		return
	}
	for _, x := range cmds {
		switch {
		case x.Name == "E" && final == "OK" && len(x.Args) == 1 && x.Args[0].Raw == "0":
			c.echo = echoOffAsked
			return
		case x.Name == "E" || resets(x):
			return // echoBefore forgot it
		}
	}
	switch {
	case c.echo == echoOffAsked && !p.echoed:
		c.echo = echoOff
	case c.echo == echoOffAsked && p.echoed:
		c.echo = echoIgnored
	}
}

// charsetAfter follows the TE character set (+CSCS, 27.007 §5.5) once p
// got its final result: a set that took, or ATZ and AT&F, which return
// the modem to its default (IRA); call with c.mu held.
func (c *Client) charsetAfter(p *pending, final string) {
	cmds, ok := p.commands()
	if !ok || final != "OK" {
		return
	}
	for _, x := range cmds {
		switch {
		case x.Name == "+CSCS" && x.Form == at.Set && len(x.Args) == 1:
			c.gsm.Store(strings.EqualFold(x.Args[0].Raw, cscs.GSM))
		case (x.Name == "Z" || x.Name == "&F") && x.Form != at.Read && x.Form != at.Test:
			c.gsm.Store(false)
		}
	}
}

// BootSigns says what told each boot of the modem since the client
// opened, oldest first: its boot URC ("RDY"), or its echo back on after
// ATE0. Boots is how many.
func (c *Client) BootSigns() []string {
	c.awaitBootCheck()
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.bootSigns...)
}

// booted counts a boot told by sign and has the modem set up again; call
// with c.mu held.
func (c *Client) bootedBy(sign string) {
	c.boots, c.booted = c.boots+1, sign
	c.bootSigns = append(c.bootSigns, sign)
	c.owed = nil // a modem that restarted answers nothing it owed
	c.numeric = !c.profile.After("ATZ").Verbose
	c.gsm.Store(false)
	c.echo = echoUnknown // back to the modem's default
	c.kickSetUp()
}

func newPending(line string) *pending {
	return &pending{line: strings.TrimSpace(line), text: line, echoOK: true, final: make(chan string, 1), timeoutAt: -1}
}

// reusePending is newPending for do, on the pending of the last command
// when it could be kept (recycle): a fresh one is memory the cache has
// not seen, which costs a command more than all its other allocations.
func (c *Client) reusePending(line string) *pending {
	p := c.spare
	if p == nil {
		return newPending(line)
	}
	c.spare = nil
	final, names := p.final, p.names
	select {
	case <-final: // never there (recycle), but a stale final must not answer
	default:
	}
	clear(names)
	same := p.parsed && p.text == line
	cmds, parseOK := p.cmds, p.parseOK
	*p = pending{line: strings.TrimSpace(line), text: line, names: names, echoOK: true, final: final, timeoutAt: -1}
	if same {
		// The line sent again (a poll, a loop of GetEID): its parse is
		// the same, and parsing is most of what a command costs here.
		p.cmds, p.parseOK, p.parsed = cmds, parseOK, true
	}
	return p
}

// recycle keeps p, whose final result do has taken, for the next command
// when nothing else holds it: not pending, not awaited late, not the
// command a port drop cut (its lines went out in the Response, and
// reusePending starts it anew). Call with c.mu and cmdMu held.
func (c *Client) recycle(p *pending) {
	if p.err == nil && !p.late && p.dropped == nil && c.pending != p && c.late != p && c.cutOff != p {
		c.spare = p
	}
}

// commands parses p's command line, once: its answer names, echoBefore
// and echoAfter all need it. ok is false when it does not parse. Only
// the goroutine that sends p (cmdMu held) calls it.
func (p *pending) commands() (cmds []at.Command, ok bool) {
	if !p.parsed {
		cmds, err := at.Parse(p.text)
		p.cmds, p.parseOK, p.parsed = cmds, err == nil, true
	}
	return p.cmds, p.parseOK
}

// lineResponse is a Response with room for one line: most commands
// answer one information line at most, which then comes with its
// Response in one allocation (addLine).
type lineResponse struct {
	Response
	one [1]string
}

// addLine adds an information line to p's answer: the first in a new
// lineResponse, which do returns.
func (p *pending) addLine(line string) {
	if p.lines != nil {
		p.lines = append(p.lines, line)
		return
	}
	a := &lineResponse{}
	a.one[0] = line
	p.answer, p.lines = a, a.one[:1:1]
}

// response is p's answer with its final result: in the lineResponse of
// its first line if it had one.
func (p *pending) response(final string) *Response {
	if p.answer == nil {
		return &Response{Lines: p.lines, Final: final}
	}
	rsp := &p.answer.Response
	rsp.Lines, rsp.Final = p.lines, final
	return rsp
}

// addName adds a command name whose lines are p's answer; names stays
// nil (no map made) for a line without any, as AT.
func (p *pending) addName(name string) {
	if p.names == nil {
		p.names = map[string]bool{}
	}
	p.names[name] = true
}

// limit is a wait's wall-clock deadline, with a timer that fires at it
// made only when a wait needs a channel: a command that reads its answer
// itself waits under a read deadline, and a port that is up is not
// waited for, so most commands never make one.
type limit struct {
	from     time.Time // when the wait began (zero: not given): a line sent without waiting for the port counts as sent then
	deadline time.Time
	t        *time.Timer
}

// C is the channel that receives when the deadline passes.
func (l *limit) C() <-chan time.Time {
	if l.t == nil {
		l.t = time.NewTimer(time.Until(l.deadline))
	}
	return l.t.C
}

func (l *limit) stop() {
	if l.t != nil {
		l.t.Stop()
	}
}

// awaitQuiet waits, with WithQuiet, until no byte has come for c.quiet,
// or 4·c.quiet have passed: what the modem still sends for the command
// before (a doubled final result) comes before the next line goes out.
// The timer fires when the port would have been quiet long enough; a
// byte since then moves that time on.
func (c *Client) awaitQuiet() {
	if c.quiet <= 0 {
		return
	}
	start := time.Now()
	var t *time.Timer
	defer func() {
		if t != nil {
			t.Stop()
		}
	}()
	for {
		now := time.Now()
		until := c.clock.at(c.lastByte.Load()).Add(c.quiet)
		if cap := start.Add(4 * c.quiet); until.After(cap) {
			until = cap
		}
		if !until.After(now) {
			return
		}
		if t == nil {
			t = time.NewTimer(until.Sub(now))
		} else {
			t.Reset(until.Sub(now))
		}
		select {
		case <-t.C:
		case <-c.done:
			return
		}
	}
}

// Strays is how many final results came with nothing pending: answers
// the modem sent twice, or unasked, which the client took for no
// command's (route notes each in the trace).
func (c *Client) Strays() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.loose
}

// send makes p the pending command and writes its line, once the port is
// up (within lim).
func (c *Client) send(p *pending, cmd string, timeout time.Duration, lim *limit) error {
	c.mu.Lock()
	down := c.err == nil && c.down != nil
	c.mu.Unlock()
	if down {
		// The port dropped since the command began (while a late answer
		// or a probe was awaited): it is given the reconnect window to
		// come back, as a command that found it down is (upWait), and
		// its own time from then.
		if err := c.awaitUpWithin(c.upWait(timeout, p.poll)); err != nil {
			return fmt.Errorf("%s: %w", cmd, err)
		}
		lim.stop()
		now := time.Now()
		*lim = limit{from: now, deadline: now.Add(timeout)}
	}
	waited, err := c.awaitUp(lim, timeout)
	if err != nil {
		return fmt.Errorf("%s: %w", cmd, err)
	}
	// Sent as its wait began (one clock read less), unless it waited for
	// the port.
	sent := lim.from
	if waited || sent.IsZero() {
		sent = time.Now()
	}
	c.mu.Lock()
	if p.setUpFirst && c.reopens != c.setUpReopens {
		c.mu.Unlock()
		return errSetUpFirst
	}
	c.pending = p
	if col := c.collector; col != nil && len(col.lines) > 0 {
		// An answer the modem owed was under way (a probe's "013", its
		// OK still to come): its lines go with the final that follows.
		p.lines, col.lines = append(p.lines, col.lines...), nil
	}
	c.echoBefore(p)
	p.sent, p.timeout, p.strays = sent, timeout, c.strays
	reopens := c.reopens
	c.mu.Unlock()
	c.raw.mark()
	c.tracef(">", cmd)
	if err := c.write(cmd, p, reopens, lim); err != nil {
		c.clearPending(p)
		return fmt.Errorf("%s: write to %s: %w", cmd, c.port.Name(), err)
	}
	return nil
}

// A late answer is waited for as long again as its command was given
// (the grace), and a resync's AT the client's timeout, at most
// resyncWait (a command given less, a poll, may come from a host that
// expects the modem to be busy for longer); a lone OK to it is
// then watched resyncQuiet for a second final result, which would show
// the first was the late answer (a lone OK too) and this one the AT's.
const (
	resyncWait  = 5 * time.Second
	resyncQuiet = 300 * time.Millisecond
)

// settleLate runs before a command line goes out while the last one that
// timed out is still awaited, so that its late answer is never taken for
// the next command's: modems answer in order, and many finish a slow
// command (+CCHO on a busy card) before reading the next line. It waits
// for that answer up to the late command's own timeout again; the answer
// is filed under it and noted as late (route). When none comes, the trace
// notes that the modem did not answer (fieldlog.NoAnswerNote) and, with
// resync, the client sends AT until a lone OK shows the modem's answers
// and the client's commands in step again (resync). It returns the
// command left unanswered, "" if none.
func (c *Client) settleLate(resync bool) string {
	c.mu.Lock()
	lp, silent, failed := c.late, c.silent, c.err != nil
	c.late = nil
	c.mu.Unlock()
	if lp == nil {
		return ""
	}
	grace := lp.timeout
	if c.grace > 0 {
		grace = c.grace
	}
	if silent || failed || lp.poll || lp.dropped != nil {
		// A silent modem's commands go out at once, as a poll's next;
		// after a drop the resync reads what comes meanwhile.
		grace = 0
	}
	if c.awaitLate(lp, grace) {
		return ""
	}
	resyncing := resync && !silent && !failed && !lp.poll
	if !resyncing {
		c.clearPending(lp)
	}
	// Resyncing, lp stays the command pending until the AT replaces it
	// (send): its answer arriving meanwhile — on a port just back, as
	// the next command starts — is still its late answer, not a stray.
	if lp.dropped != nil {
		c.tracef("#", fmt.Sprintf("the port is back; %s, which the drop cut, is not answered yet", lp.line))
	} else {
		c.tracef("#", fieldlog.NoAnswerNote(lp.line))
	}
	if resyncing {
		c.resync(lp)
		c.clearPending(lp) // the AT's send replaced it, unless that failed
	}
	return lp.line
}

// awaitLate waits up to grace for the final result of p, a command that
// timed out: true when it came (false when the port dropped under it).
func (c *Client) awaitLate(p *pending, grace time.Duration) bool {
	final, ok := "", false
	select {
	case final = <-p.final:
		ok = true
	default:
	}
	if !ok && grace > 0 {
		lim := limit{deadline: time.Now().Add(grace)}
		defer lim.stop()
		var how int
		final, how = c.await(p, &lim)
		ok = how == answered
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return ok && p.err == nil && final != ""
}

// resync sends AT after the client gave up on lp, and reads final results
// until a lone OK: the AT's. One that comes with information lines, or is
// not OK, is lp's answer after all (noted late). A lone OK followed by
// another within resyncQuiet was lp's answer too. If AT gets no answer the
// modem is taken as silent: commands go out only once it answers a probe
// (probe.go).
func (c *Client) resync(lp *pending) {
	wait := min(c.timeout, resyncWait)
	c.tracef("#", fmt.Sprintf("resynchronising after %s: AT until a lone OK", lp.line))
	c.mu.Lock()
	c.resyncing = true
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.resyncing = false
		c.mu.Unlock()
	}()
	p := newPending("AT")
	for n := range lp.names {
		p.addName(n) // lp's late lines are its answer, not URCs
	}
	lim := limit{deadline: time.Now().Add(wait)}
	defer lim.stop()
	if err := c.send(p, "AT", wait, &lim); err != nil {
		c.tracef("#", fmt.Sprintf("resync: %v", err))
		return
	}
	for {
		final, how := c.await(p, &lim)
		if how == timedOut {
			final, how = c.expire(p, final)
		}
		c.mu.Lock()
		lines, perr := len(p.lines), p.err
		c.mu.Unlock()
		switch {
		case how == timedOut:
			c.mu.Lock()
			c.goSilent(lp, p)
			c.mu.Unlock()
			if uerr := c.noteUnframed("AT", false); uerr != nil {
				c.tracef("#", fmt.Sprintf("resync: no final result to AT within %v either, only %v: the modem is taken as silent: a command goes out only once it answers %s", wait, uerr, probeLine))
				return
			}
			c.tracef("#", fmt.Sprintf("resync: no answer to AT within %v either; the modem is silent: a command goes out only once it answers %s", wait, probeLine))
			return
		case how != answered || perr != nil:
			return // the port dropped or the client closed: the next command says so
		case lines > 0 || final != "OK":
			c.mu.Lock()
			note := c.lateAnswer(lp, p.lines, final, time.Now()) // the AT's pending gathered them
			if c.late != nil && c.late.dropped == lp {
				c.late = nil // the port dropped during the wait: its stand-in is answered too
			}
			c.mu.Unlock()
			c.tracef("#", note)
			if c.rearm(p) {
				continue
			}
			c.mu.Lock()
			c.silent = false
			c.mu.Unlock()
			return
		}
		// A lone OK: the AT's, unless another follows at once.
		first := time.Now()
		q := newPending("AT")
		q.names = p.names
		c.mu.Lock()
		another := c.strays > p.strays // it came right behind, before q
		if !another {
			c.pending = q
		}
		c.mu.Unlock()
		if !another {
			quiet := limit{deadline: time.Now().Add(resyncQuiet)}
			_, how = c.await(q, &quiet)
			quiet.stop()
			c.clearPending(q)
			another = how == answered
		}
		c.mu.Lock()
		note := ""
		if another {
			note = c.lateAnswer(lp, nil, "OK", first) + " (a lone final result: the AT's came after it)"
		}
		c.silent = false
		c.mu.Unlock()
		if note != "" {
			c.tracef("#", note)
		}
		return
	}
}

// expire ends the wait of p (a resync's AT, a probe) once its timer fired:
// under one lock it takes p off as unanswered, or finds the final result
// routed to it in that instant, an answer, not silence.
func (c *Client) expire(p *pending, final string) (string, int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pending == p {
		c.pending = nil
		return final, timedOut
	}
	select {
	case f := <-p.final:
		return f, answered
	default:
		return final, timedOut
	}
}

// rearm makes p pending again, without sending it, for its next final;
// false when that came meanwhile, with nothing pending (a stray).
func (c *Client) rearm(p *pending) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.strays > p.strays {
		return false
	}
	p.lines, p.truncated, p.overlong, p.echoOK = nil, 0, 0, false
	c.pending = p
	return true
}

// lateAnswer records that the final result of p, which timed out, came
// at now with lines, and returns the trace's note on it. Call with c.mu
// held.
func (c *Client) lateAnswer(p *pending, lines []string, final string, now time.Time) string {
	d := now.Sub(p.sent)
	if p.timeoutAt >= 0 {
		t := &c.timeouts[p.timeoutAt]
		t.Late, t.Lines, t.Final = d, append([]string(nil), lines...), final
	}
	return fmt.Sprintf("late answer to %s after %.1fs", p.line, d.Seconds())
}

// write sends the command line of p. A write that fails before sending a byte,
// on a port the client reopens, is sent once more when the port is back:
// the line never reached the modem. That happens when a lab host's ser2net
// restarts: the reconnect can reach the old server's listening socket as
// it exits, and the first write meets the reset. reopens is the count
// when p was sent; the reader notices the failed connection and reopens.
func (c *Client) write(cmd string, p *pending, reopens int, lim *limit) error {
	// Built in a buffer kept for the next line: a string written through
	// an io.Writer would be copied to the heap each time.
	line := append(append(c.wbuf[:0], cmd...), '\r')
	c.wbuf = line
	n, err := c.port.Write(line)
	if err == nil || n > 0 || c.reconnect <= 0 || errors.Is(err, transport.ErrClosed) {
		return err
	}
	c.clearPending(p)
	c.tracef("#", fmt.Sprintf("write failed (%v); sending again when the port is back", err))
	if !c.awaitReopen(reopens, lim) {
		return err
	}
	c.mu.Lock()
	// reopen may have failed p before it was withdrawn: sent again, p
	// is not a cut command whose late answer the next one must wait for.
	p.err, p.lines, p.truncated, p.echoOK, p.cut = nil, nil, 0, true, ""
	if c.late != nil && c.late.dropped == p {
		c.late = nil
	}
	if c.cutOff == p {
		c.cutOff = nil
	}
	select {
	case <-p.final:
	default:
	}
	c.pending = p
	c.mu.Unlock()
	_, err = c.port.Write(line)
	return err
}

// awaitReopen waits until the port has come back since the count reopens:
// false when the client fails or lim passes first.
func (c *Client) awaitReopen(reopens int, lim *limit) bool {
	for {
		c.mu.Lock()
		err, down, n, up := c.err, c.down, c.reopens, c.upSig
		c.mu.Unlock()
		switch {
		case err != nil:
			return false
		case n != reopens && down == nil:
			return true
		}
		select {
		case <-up:
		case <-c.done:
			return false
		case <-lim.C():
			return false
		}
	}
}

// upWait is how long a command given timeout waits for a port on its way
// back before it goes out: the reconnect window, unless a poll.
func (c *Client) upWait(timeout time.Duration, poll bool) time.Duration {
	if poll {
		return timeout
	}
	return max(timeout, c.reconnect)
}

// awaitUpWithin is awaitUp within timeout.
func (c *Client) awaitUpWithin(timeout time.Duration) error {
	c.mu.Lock()
	up := c.err == nil && c.down == nil
	c.mu.Unlock()
	if up {
		return nil // not even a clock read
	}
	lim := limit{deadline: time.Now().Add(timeout)}
	defer lim.stop()
	_, err := c.awaitUp(&lim, timeout)
	return err
}

// awaitUp waits while the port is being reopened; waited says it did.
func (c *Client) awaitUp(lim *limit, timeout time.Duration) (waited bool, _ error) {
	for ; ; waited = true {
		c.mu.Lock()
		err, down, up := c.err, c.down, c.upSig
		c.mu.Unlock()
		switch {
		case err != nil:
			return waited, err
		case down == nil:
			return waited, nil
		}
		select {
		case <-up:
		case <-c.done:
		case <-lim.C():
			return waited, fmt.Errorf("%w after %v: %s is down (%v) and did not come back", ErrTimeout, timeout, c.port.Name(), down)
		}
	}
}

func (c *Client) clearPending(p *pending) {
	c.mu.Lock()
	if c.pending == p {
		c.pending = nil
	}
	c.mu.Unlock()
}

func finalErr(final string) error {
	r := at.Classify(final)
	switch r.Kind {
	case at.FinalOK:
		return nil
	case at.FinalCME:
		return &CMEError{Code: r.Code, Text: r.Text}
	}
	if final == "ERROR" {
		return ErrError // not "at: ERROR: ERROR"
	}
	return finalError(final)
}

// finalError is a final result other than OK, ERROR and +CME ERROR (NO
// CARRIER, +CMS ERROR, a module's own wording): "at: NO CARRIER", and
// ErrError to errors.Is.
type finalError string

func (e finalError) Error() string        { return "at: " + string(e) }
func (e finalError) Is(target error) bool { return target == ErrError }
