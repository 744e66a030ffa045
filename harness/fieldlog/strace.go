package fieldlog

import (
	"errors"
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// strace's trace of the program that talks to the modem (strace -f -tt -y
// -s 4096 -e trace=openat,read,write,close -o trace.txt lpac chip info),
// one system call a line:
//
//	13954 10:36:22.179697 write(3</dev/ttyUSB2>, "ATE1\r", 5) = 5
//	13954 10:36:22.180151 read(3</dev/ttyUSB2>, "ATE1\r\r\nOK\r\n", 64) = 11
//
// with the process id when -f traced several ("[pid 13954] " on the
// terminal, "13954 " in an -o file), the time as -t, -tt, -ttt or -r print
// it, the descriptor's path with -y, and a call another thread interrupted
// split into "read(3,  <unfinished ...>" and "<... read resumed>"OK\r\n",
// 64) = 4". What the host wrote is the host's; what it read, the modem's.
var (
	// straceHead is what comes before the call: process id and time.
	straceHead = regexp.MustCompile(`^(?:\[pid +(\d+)\] +|(\d+) +)?(?:(\d\d:\d\d:\d\d(?:\.\d+)?|\d+\.\d+) +)?(.*)$`)
	// straceIO is a read or write a tool shows: "read(3</dev/pts/0>, "…
	straceIO = regexp.MustCompile(`^(read|write)\((\d+)(?:<([^>]*)>)?, (.*)$`)
	// straceResumed continues an unfinished call: `<... read resumed>`.
	straceResumed = regexp.MustCompile(`^<\.\.\. (\w+) resumed>(.*)$`)
	// straceOpen is an open of a device: its descriptor names the port
	// when -y is not given.
	straceOpen  = regexp.MustCompile(`^open(?:at)?\((?:[A-Z_]+(?:<[^>]*>)?, )?"([^"]*)", [^)]*\) = (\d+)`)
	straceClose = regexp.MustCompile(`^close\((\d+)(?:<[^>]*>)?\) = 0`)
	// straceTTY is a descriptor path that is a serial port or a pty.
	straceTTY = regexp.MustCompile(`^/dev/(tty|pts/|cu\.|serial/|rfcomm|wwan|modem)`)
)

// straceCall is a read or write of a descriptor, once complete.
type straceCall struct {
	line   int
	t      time.Time
	write  bool
	fd     string
	path   string
	data   []byte
	result int  // bytes moved; -1: none (an error, "= ?")
	cut    bool // strace showed fewer bytes than the call moved (-s)
	// gen counts the opens and closes of fd the trace showed before the
	// call: a descriptor number reused for another file is another port.
	gen int
}

// key names the open file a call used.
func (c *straceCall) key() string { return fmt.Sprintf("%s\x00%d\x00%s", c.fd, c.gen, c.path) }

// straceClock reads a trace's times; -r gives each call's time since the
// one before.
type straceClock struct {
	clock Clock
	seen  bool // a call was read: clock is the trace's
	rel   time.Duration
}

func (c *straceClock) read(file string, line int, s string) (time.Time, error) {
	var t time.Time
	clock := NoTime
	switch secs, frac, ok := strings.Cut(s, "."); {
	case s == "":
	case ok && !strings.Contains(s, ":"):
		n, err := strconv.ParseInt(secs, 10, 64)
		ns, ferr := fracNanos(frac)
		if err != nil || ferr != nil || n > 1<<40 {
			return time.Time{}, errAt(file, line, "strace time %q", s)
		}
		if n >= 1e9 { // -ttt: seconds since the epoch
			t, clock = secondsTime(n, ns, Absolute), Absolute
		} else { // -r: since the call before
			c.rel += time.Duration(n)*time.Second + ns
			t, clock = RelativeEpoch.Add(c.rel), Relative
		}
	default: // -t, -tt: the time of day
		if t, _, ok = parseStamp(s); !ok {
			return time.Time{}, errAt(file, line, "strace time %q", s)
		}
		clock = Absolute
	}
	if c.seen && c.clock != clock {
		return time.Time{}, errAt(file, line, "strace time %q is not of the kind the trace's first call has (%v)", s, c.clock)
	}
	c.clock, c.seen = clock, true
	return t, nil
}

// straceCallLine recognises a trace for Detect: a read or write of a
// descriptor, with its string or left unfinished, or one resumed.
func straceCallLine(l string) bool {
	if !strings.Contains(l, "read") && !strings.Contains(l, "write") { // the calls, found cheaply
		return false
	}
	body := straceHead.FindStringSubmatch(strings.TrimLeft(l, " "))[4]
	if m := straceResumed.FindStringSubmatch(body); m != nil {
		return m[1] == "read" || m[1] == "write"
	}
	m := straceIO.FindStringSubmatch(body)
	return m != nil && (strings.HasPrefix(m[4], `"`) || strings.HasPrefix(strings.TrimLeft(m[4], " "), "<unfinished"))
}

// readStrace reads an strace trace: every read and write of the
// descriptors the program wrote AT commands to, put back into lines per
// descriptor and direction. Other descriptors (files, sockets, the
// terminal) and other calls are left out.
func readStrace(file string, lines []string) (*Transcript, error) {
	var calls []straceCall
	pending := map[string]straceCall{} // by process: a call left unfinished
	opened := map[string]string{}      // descriptor → device path, from open calls
	gen := map[string]int{}            // descriptor → opens and closes seen
	var clk straceClock
	for n, l := range textRows(lines) {
		h := straceHead.FindStringSubmatch(strings.TrimLeft(l, " "))
		pid, body := h[1]+h[2], h[4]
		if strings.HasPrefix(body, "---") || strings.HasPrefix(body, "+++") || strings.HasPrefix(body, "strace: ") {
			continue // a signal, an exit, strace's own message
		}
		if m := straceOpen.FindStringSubmatch(body); m != nil {
			gen[m[2]]++
			delete(opened, m[2])
			if straceTTY.MatchString(m[1]) {
				opened[m[2]] = m[1]
			}
			continue
		}
		if m := straceClose.FindStringSubmatch(body); m != nil {
			gen[m[1]]++
			delete(opened, m[1])
			continue
		}
		resumed, io := straceResumed.FindStringSubmatch(body), straceIO.FindStringSubmatch(body)
		if resumed != nil && resumed[1] != "read" && resumed[1] != "write" || resumed == nil && io == nil {
			continue // another call
		}
		t, err := clk.read(file, n, h[3])
		if err != nil {
			return nil, err
		}
		var c straceCall
		rest := ""
		if resumed != nil {
			p, ok := pending[pid]
			if !ok || (resumed[1] == "write") != p.write {
				return nil, errAt(file, n, "%s resumed with no unfinished %s of process %q before it", resumed[1], resumed[1], pid)
			}
			delete(pending, pid)
			c, rest = p, resumed[2]
			if !c.write {
				c.line, c.t = n, t // a read's data is on the line it ends
			}
		} else {
			c = straceCall{line: n, t: t, write: io[1] == "write", fd: io[2], path: io[3], gen: gen[io[2]]}
			rest = io[4]
		}
		if c.path == "" {
			c.path = opened[c.fd]
		}
		done, err := c.parse(file, n, rest)
		if err != nil {
			return nil, err
		}
		if !done {
			if _, ok := pending[pid]; ok {
				return nil, errAt(file, n, "a second unfinished call of process %q", pid)
			}
			pending[pid] = c
			continue
		}
		calls = append(calls, c)
		if len(calls) > MaxEntries {
			return nil, errAt(file, n, "more than %d calls", MaxEntries)
		}
	}
	ports := straceModemPorts(calls)
	if len(ports) == 0 {
		return nil, errAt(file, 0, "no AT command written to any descriptor in the trace (strace -e trace=read,write shows them; -s 4096 keeps them whole)")
	}
	var recs []record
	streams := serialLines{}
	for _, c := range calls {
		p, ok := ports[c.key()]
		if !ok || c.result <= 0 || c.line < p.from {
			continue
		}
		port := p.name
		if c.cut {
			return nil, errAt(file, c.line, "strace showed %d of the %d bytes the call moved on %s (\"...\" after the string): record with -s 4096 so that every byte is in the trace", len(c.data), c.result, port)
		}
		dir := Modem
		if c.write {
			dir = Host
		}
		recs = append(recs, streams.feed(port, dir, string(c.data), c.line, c.t)...)
	}
	return streams.wire(file, clk.clock, recs, false)
}

// parse reads what follows a call's descriptor (or its resumption): the
// string, the count and the result. It reports false when the call is
// unfinished.
func (c *straceCall) parse(file string, line int, s string) (bool, error) {
	s = strings.TrimLeft(s, " ")
	if rest, ok := strings.CutPrefix(s, "<unfinished ...>"); ok {
		if strings.HasPrefix(strings.TrimSpace(rest), ") = ?") {
			c.result = -1 // the process ended inside the call
			return true, nil
		}
		return false, nil // a read shows its data when it resumes
	}
	if c.write && c.data != nil && strings.HasPrefix(s, ")") {
		return true, c.setResult(file, line, s[1:]) // a write's resumption: its result
	}
	if !c.write && (strings.HasPrefix(s, "0x") || strings.HasPrefix(s, "NULL")) {
		// A read that failed shows its buffer's address, not data.
		if _, res, ok := strings.Cut(s, ")"); ok {
			if err := c.setResult(file, line, res); err != nil || c.result < 0 {
				return err == nil, err
			}
		}
		return false, errAt(file, line, "strace call: a read that moved bytes shows its buffer's address, not its data")
	}
	data, rest, cut, err := straceString(s)
	if err != nil {
		return false, errAt(file, line, "%v", err)
	}
	rest = strings.TrimPrefix(rest, ", ")
	count, rest, _ := strings.Cut(rest, ")")
	if strings.HasSuffix(count, "<unfinished ...>") {
		if !c.write {
			return false, errAt(file, line, "a read left unfinished after its data")
		}
		c.data = data
		return false, nil
	}
	if _, err := strconv.Atoi(strings.TrimSpace(count)); err != nil {
		return false, errAt(file, line, "strace call: expected the byte count after the string, found %q", clip(count))
	}
	c.data = data
	if err := c.setResult(file, line, rest); err != nil {
		return false, err
	}
	c.cut = cut && c.result > len(data)
	return true, nil
}

// setResult reads " = 11", " = -1 EAGAIN (…)" or " = ?".
func (c *straceCall) setResult(file string, line int, s string) error {
	r, ok := strings.CutPrefix(strings.TrimSpace(s), "= ")
	if !ok {
		return errAt(file, line, "strace call: expected \"= <result>\", found %q", clip(s))
	}
	r, _, _ = strings.Cut(r, " ")
	if r == "?" || strings.HasPrefix(r, "-") {
		c.result = -1
		return nil
	}
	n, err := strconv.Atoi(r)
	if err != nil {
		return errAt(file, line, "strace call result %q", r)
	}
	c.result = n
	if c.write && n < len(c.data) {
		c.data = c.data[:n] // a short write: the rest was not sent
	}
	return nil
}

// straceString decodes a C string as strace prints it — "\r", "\n", "\t",
// "\v", "\f", "\"", "\\", octal "\33" and hex "\x1b" (-x, -xx) — and
// returns what follows it; cut reports strace's "..." after the closing
// quote (the data was longer than -s).
func straceString(s string) (data []byte, rest string, cut bool, err error) {
	if !strings.HasPrefix(s, `"`) {
		return nil, "", false, fmt.Errorf("strace call: expected a quoted string, found %q", clip(s))
	}
	data = []byte{}
	for i := 1; i < len(s); i++ {
		switch b := s[i]; b {
		case '"':
			rest = s[i+1:]
			if strings.HasPrefix(rest, "...") {
				return data, rest[3:], true, nil
			}
			return data, rest, false, nil
		case '\\':
			if i+1 >= len(s) {
				return nil, "", false, errors.New("strace call: the string ends inside an escape")
			}
			i++
			switch e := s[i]; e {
			case 'n':
				data = append(data, '\n')
			case 'r':
				data = append(data, '\r')
			case 't':
				data = append(data, '\t')
			case 'v':
				data = append(data, '\v')
			case 'f':
				data = append(data, '\f')
			case 'x':
				if i+2 >= len(s) {
					return nil, "", false, errors.New("strace call: a \\x escape without two hex digits")
				}
				v, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
				if err != nil {
					return nil, "", false, fmt.Errorf("strace call: escape \\x%s", s[i+1:i+3])
				}
				data = append(data, byte(v))
				i += 2
			case '0', '1', '2', '3', '4', '5', '6', '7':
				j := i
				for j < len(s) && j < i+3 && s[j] >= '0' && s[j] <= '7' {
					j++
				}
				v, err := strconv.ParseUint(s[i:j], 8, 16)
				if err != nil || v > 0xFF {
					return nil, "", false, fmt.Errorf("strace call: escape \\%s", s[i:j])
				}
				data = append(data, byte(v))
				i = j - 1
			default:
				data = append(data, e) // \" \\ and the like
			}
		default:
			data = append(data, b)
		}
	}
	return nil, "", false, errors.New("strace call: the string has no closing quote")
}

// stracePort is an open file the program wrote AT commands to.
type stracePort struct {
	name string
	// from is the line its conversation starts on: its open when the
	// trace shows it, else the first AT command written to it (what the
	// descriptor read before may have been another file's).
	from int
}

// straceModemPorts picks the open files the program wrote AT commands to
// and names each as a port: its device ("ttyUSB2", "pts/0") when -y or an
// open call said, else "fd 3".
func straceModemPorts(calls []straceCall) map[string]stracePort {
	ports := map[string]stracePort{}
	for _, c := range calls {
		key := c.key()
		if _, ok := ports[key]; ok || !c.write || c.result <= 0 {
			continue
		}
		if some, _ := commandLines(c.data); !some {
			continue
		}
		if c.path != "" && !strings.HasPrefix(c.path, "/dev/") {
			continue // a file or socket that happens to carry AT commands
		}
		p := stracePort{name: "fd " + c.fd, from: c.line}
		if c.path != "" {
			p.name = strings.TrimPrefix(path.Clean(c.path), "/dev/")
		}
		if c.gen > 0 {
			p.from = 0 // opened within the trace: every call of it counts
		}
		ports[key] = p
	}
	return ports
}
