package fieldlog

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// ModemManager's serial port debug lines (mm-port-serial.c debug_log):
// "<dbg> [ttyUSB2/at] --> 'AT+CEREG?<CR>'" since 1.14 ("[modem0/ttyUSB2/at]"
// while the port belongs to a modem), "<debug> (ttyUSB2): --> '…'" before;
// "[<s>.<µs>]" after the level with --log-timestamps (wall clock) or
// --log-relative-timestamps; in older releases' debug output (seen from
// modem-manager 0.5 on) the source location and function before the port
// ("[mm-at-serial-port.c:298] debug_log(): (ttyACM0): --> '…'"); and
// whatever syslog, the journal or OpenWrt's logread put in front.
var (
	// mmTimeout is ModemManager giving up on an answer: the error a
	// command's caller logs ("… failed: 'Serial command timed out'"),
	// which names no port, and from the second timeout in a row the
	// port's count ("port ttyUSB2 timed out 2 consecutive times").
	mmTimeout = regexp.MustCompile(`Serial command timed out|port (\S+) timed out \d+ consecutive times`)
	mmIO      = regexp.MustCompile(`<(?:debug|dbg)>\s*(?:\[(\d+)(?:\.(\d+))?\]\s*)?(?:\[[\w.-]+\.c:\d+\]\s*\w+\(\):\s*)?(?:\(([^)\s]+)\):|\[([^\]\s]+)\])\s*(-->|<--) '(.*)$`)
	mmStamp   = regexp.MustCompile(`<(?:debug|dbg|info|inf|msg|message|warn|wrn|err|error|crit)>\s*\[(\d+)(?:\.(\d+))?\]`)
)

// readMM reads a ModemManager debug log. Every serial read is logged as it
// came, so an answer may be split over several "<--" lines and one "<--"
// line may hold an answer and a URC; the bytes of each direction are put
// back together and cut into lines at CR and LF. Other lines (MM's own
// messages, QMI and MBIM traffic) are kept as notes. A log with more than
// one AT port reads into one transcript whose entries name their Port.
func readMM(file string, lines []string, cut bool) (*Transcript, error) {
	clock := NoTime
	recs := make([]record, 0, len(lines)) // about one a line: no doubling series
	partial := serialLines{}
	var years yearless
	// Where MM stamps its lines, a line without a stamp (another daemon's
	// in a journal, a line cut inside its stamp) takes the time of the
	// stamped line before it (the first one's, before any): its prefix's
	// time is in whole seconds and local time, not MM's clock.
	var stamped time.Time
	stampClock := NoTime
	for _, l := range lines {
		if s := mmStamp.FindStringSubmatch(l); s != nil {
			stamped, stampClock = mmClock(s[1], s[2])
			break
		}
	}
	last := len(lines) - 1 // the last line with text
	for last > 0 && strings.TrimSpace(lines[last]) == "" {
		last--
	}
	io := ""                    // the last serial I/O line
	modems := map[string]bool{} // the modem objects the ports are named under
	for i, l := range lines {
		n := i + 1
		if strings.TrimSpace(l) == "" {
			continue
		}
		t, c := mmTime(strings.TrimLeft(l, " \t")) // a prefix pasted indented keeps its time
		m := mmIO.FindStringSubmatch(l)
		if m == nil && i == last && mmCutPrefix(l, io) {
			return nil, errAt(file, n, "the log is cut off inside its last line's prefix, before it says whether the line is a serial read or write: %q", clip(l))
		}
		if m != nil {
			io = l
		}
		if s := mmStamp.FindStringSubmatch(l); s != nil {
			t, c = mmClock(s[1], s[2])
			stamped = t
		} else if stampClock != NoTime {
			t, c = stamped, stampClock
		} else if c == Absolute && t.Year() == 0 {
			t = years.place(t) // a journal's date: over New Year
		}
		if m == nil {
			r := record{line: n, dir: Tool, t: t, text: l}
			if to := mmTimeout.FindStringSubmatch(l); to != nil {
				r.timeout, r.port = true, to[1]
			}
			recs = append(recs, r)
			clock = mergeClock(clock, c)
			continue
		}
		clock = mergeClock(clock, c)
		port := m[3] + m[4]
		port = strings.TrimSuffix(port, "/at")
		if k := strings.LastIndexByte(port, '/'); k >= 0 {
			modems[port[:k]] = true
			port = port[k+1:] // modem0/ttyUSB2 → ttyUSB2
		}
		body := m[6]
		if !strings.HasSuffix(body, "'") {
			if i == len(lines)-1 {
				return nil, errAt(file, n, "the log is cut off inside a serial %s: no closing quote", map[bool]string{true: "write", false: "read"}[m[5] == "-->"])
			}
			return nil, errAt(file, n, "serial data without its closing quote: %q%s", clip(body), mmWrapHint(lines[i+1], n+1))
		}
		data := unescapeMM(body[:len(body)-1])
		dir := Host
		if m[5] == "<--" {
			dir = Modem
		}
		recs = append(recs, partial.feed(port, dir, data, n, t)...)
	}
	t, err := partial.wire(file, clock, recs, cut) // every byte read is logged
	if err != nil {
		return nil, err
	}
	// ModemManager logs every command it writes to a port.
	if err := oneFinalEach(file, t); err != nil {
		return nil, err
	}
	t.Modems = len(modems)
	return t, nil
}

// mmWrapHint names the next line (next, its number line) as the rest of
// a serial line a paste wrapped, when it starts as none of the log's
// own do: no time before it, no MM level, stamp or arrow in it ("").
func mmWrapHint(next string, line int) string {
	if _, c, _ := syslogPrefix(next); c != NoTime || strings.TrimSpace(next) == "" || mmIO.MatchString(next) || mmLevel.MatchString(next) || mmStamp.MatchString(next) {
		return ""
	}
	return fmt.Sprintf("; line %d, which starts as no line of the log does, is probably its rest, a paste's wrap: join them", line)
}

// mmCutPrefix reports a line l that ends inside the prefix a serial I/O
// line (io) has before its arrow: a journal cut at "Nov 21", or in MM's
// own stamp. Runs of digits and of blanks compare as one: times, pids and
// ports differ from line to line.
func mmCutPrefix(l, io string) bool {
	m := mmIO.FindStringSubmatchIndex(io)
	if m == nil {
		return false
	}
	p := digitsBlanks(strings.TrimRight(l, " \t"))
	for _, arrow := range []string{"--> '", "<-- '"} {
		if h := digitsBlanks(io[:m[10]] + arrow); len(p) < len(h) && strings.HasPrefix(h, p) {
			return true
		}
	}
	return false
}

// digitsBlanks is s with each run of digits made "0" and each run of
// blanks one space.
func digitsBlanks(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			if i == 0 || s[i-1] < '0' || s[i-1] > '9' {
				b.WriteByte('0')
			}
		case c == ' ' || c == '\t':
			if i == 0 || s[i-1] != ' ' && s[i-1] != '\t' {
				b.WriteByte(' ')
			}
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// mmClock reads ModemManager's own "[<s>.<µs>]": an epoch time
// (--log-timestamps) or, below 10^9 s, time since it started
// (--log-relative-timestamps).
func mmClock(secs, frac string) (time.Time, Clock) {
	s, err := strconv.ParseInt(secs, 10, 64)
	if err != nil || s > 1<<40 {
		return time.Time{}, NoTime
	}
	clock := Relative
	if s >= 1e9 {
		clock = Absolute
	}
	ns, _ := fracNanos(frac) // digits or none: mmStamp's
	return secondsTime(s, ns, clock), clock
}

// mergeClock keeps the first kind of time a log shows.
func mergeClock(have, c Clock) Clock {
	if have == NoTime {
		return c
	}
	return have
}

// mmTime reads the time a syslog, journal or logread prefix gives.
func mmTime(l string) (time.Time, Clock) {
	t, c, _ := syslogPrefix(l)
	return t, c
}

// unescapeMM undoes debug_log's escapes: <CR>, <LF>, and \<decimal> for
// other unprintable bytes (signed in ModemManager before 1.0).
func unescapeMM(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case strings.HasPrefix(s[i:], "<CR>"):
			b.WriteByte('\r')
			i += 3
		case strings.HasPrefix(s[i:], "<LF>"):
			b.WriteByte('\n')
			i += 3
		case s[i] == '\\':
			j := i + 1
			if j < len(s) && s[j] == '-' {
				j++
			}
			k := j
			for k < len(s) && k-j < 3 && s[k] >= '0' && s[k] <= '9' {
				k++
			}
			if n, err := strconv.Atoi(s[i+1 : k]); err == nil && k > j && n >= -128 && n <= 255 {
				b.WriteByte(byte(n))
				i = k - 1
				continue
			}
			b.WriteByte(s[i])
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// serialLines cuts the bytes a log shows of each port and direction into
// lines at CR and LF (a ModemManager log's reads, a socat dump's
// transfers): a read may end inside a line, or hold several. The host's
// bytes are cut after a Ctrl-Z or ESC too (lineCutter.feed).
type serialLines map[string]*lineCutter // by port and direction

// feed adds data read at line (time t) and returns the lines it completed.
func (sl serialLines) feed(port string, dir Dir, data string, line int, t time.Time) []record {
	key := port + string(dir)
	c := sl[key]
	if c == nil {
		c = &lineCutter{port: port, dir: dir}
		sl[key] = c
	}
	var out []record
	for _, ln := range c.feed(data, line, t) {
		out = append(out, record{line: ln.line, end: ln.end, dir: dir, t: ln.t, text: ln.text, port: port})
	}
	return out
}

// rest is the lines the log ends inside of; it empties the cutters.
func (sl serialLines) rest() []record {
	var out []record
	for _, c := range sl {
		if len(c.buf) > 0 {
			out = append(out, record{line: c.line, end: c.end, dir: c.dir, t: c.t, text: string(c.buf), port: c.port})
			c.buf, c.echo = c.buf[:0], false
		}
	}
	return out
}

// flush ends the line port's direction dir is inside of, as a line of
// its own: what a writer sent in one go that no CR ended (chat's "+++"
// between its pauses).
func (sl serialLines) flush(port string, dir Dir) []record {
	c := sl[port+string(dir)]
	if c == nil || len(c.buf) == 0 {
		return nil
	}
	r := record{line: c.line, end: c.end, dir: c.dir, t: c.t, text: string(c.buf), port: c.port}
	c.buf, c.echo = c.buf[:0], false
	return []record{r}
}

// wire ends a log of the bytes on the wire, both ways (a ModemManager
// log's serial I/O, a sniffer's dump, a trace of the host's calls): recs
// and the lines the log ends inside of, in line order, normalised. Such a
// log shows the echo whenever there is one: no echo means echo off.
func (sl serialLines) wire(file string, clock Clock, recs []record, cut bool) (*Transcript, error) {
	recs = append(recs, sl.rest()...)
	sortByLine(recs)
	t, err := finish(file, clock, recs, cut)
	if err == nil {
		t.ShowsEcho = true
	}
	return t, err
}

// lineCutter cuts one port's direction into lines.
type lineCutter struct {
	port string
	dir  Dir
	buf  []byte
	line int // where buf started
	end  int // where its last byte was
	t    time.Time
	echo bool // a modem's line that is the echo of a command
}

type cutLine struct {
	line int
	end  int // the line its last byte was read on
	t    time.Time
	text string
}

// ctrlZ and esc end what a host types after the modem's "> " prompt (the
// text or PDU of AT+CMGS, AT+CMGW, …; TS 27.005): Ctrl-Z sends it, ESC
// cancels it. No CR follows either, so the next command line starts
// right after.
const (
	ctrlZ = 0x1a
	esc   = 0x1b
)

func (s *lineCutter) feed(data string, line int, t time.Time) []cutLine {
	var out []cutLine
	for _, c := range []byte(data) {
		if c == '\r' || c == '\n' {
			s.echo = false
			if len(s.buf) > 0 {
				out = append(out, cutLine{s.line, s.end, s.t, string(s.buf)})
				s.buf = s.buf[:0]
			}
			continue
		}
		if s.dir == Host || s.echo {
			// A sniffer's bytes hold the backspace itself (socat's "\b"
			// or hex 7f, strace's "\10" or "\177"): the line is what
			// the modem took, and what its echo showed ("X\b \b" erases
			// the X). The modem's other bytes (answers, data after
			// CONNECT) are no command line, and keep theirs.
			if b, ok := edit(s.buf, c); ok {
				s.buf = b
				continue
			}
		}
		if len(s.buf) == 0 {
			s.line, s.t = line, t
			// A modem's line that starts as a command line does is its
			// echo (V.250 §5.2.1: "AT", or "A/"), until the line ends,
			// even when its edits take it back to nothing.
			s.echo = s.echo || s.dir == Modem && (c == 'A' || c == 'a')
		}
		if len(s.buf) < MaxLine {
			s.buf = append(s.buf, c)
		}
		s.end = line
		if s.dir == Host && (c == ctrlZ || c == esc) {
			// The line keeps its Ctrl-Z or ESC: sent or cancelled.
			out = append(out, cutLine{s.line, s.end, s.t, string(s.buf)})
			s.buf = s.buf[:0]
		}
	}
	return out
}

// sortByLine orders records by the line they started on (stable: the
// pieces of one line keep their order).
func sortByLine(recs []record) {
	sort.SliceStable(recs, func(i, j int) bool { return recs[i].line < recs[j].line })
}
