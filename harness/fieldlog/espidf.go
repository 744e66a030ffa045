package fieldlog

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// ESP-IDF's log (esp_log) of an AT host on an ESP32, esp-modem the
// commonest: each line "<L> (<time>) <tag>: <message>", L one of E W I D
// V, the time milliseconds since boot ("(38120)") or, with
// CONFIG_LOG_TIMESTAMP_SOURCE_SYSTEM, a time of day ("(10:15:03.123)");
// colour codes (CONFIG_LOG_COLORS) are dropped as every line's are. The
// bytes on the modem's UART are ESP_LOG_BUFFER_HEXDUMP rows, up to 16
// bytes each after the buffer's address, the text beside them:
//
//	D (910) esp-modem: writing:
//	D (920) esp-modem: 0x3f404a04   41 54 0d                                          |AT.|
//	D (42990) uart-rx: 0x3ffc962c   0d 0a 52 44 59 0d 0a 0d  0a 2b 43 50 49 4e 3a 20  |..RDY....+CPIN: |
//	V (14177) esp-modem: pattern-detection: 0x3ffb7c94   0d 0a 2b 43 …
//
// The direction is the dump's label (its tag, or a label before the
// address): host for "uart-tx" (esp-protocols issue 789's own tags),
// "Send" (esp_modem's CMUX writes), "CMUX SABM" (esp_modem 0.x, esp-
// protocols issue 140), "writing"; modem for "uart-rx", "CMUX Received"
// and "CMUX Rx before init" (esp_modem), "pattern-detection" (the old
// esp-modem's UART pattern queue, esp-protocols issue 351), "reading". A
// dump labelled by its tag alone ("esp-modem") takes the direction of the
// header before it: the old esp-modem's "writing:" and "reading:" lines
// (esp-idf issue 3697). A direction's rows run on into one stream of
// bytes, cut into AT lines at CR and LF as a sniffer's are (serialLines).
//
// The stream may hold TS 27.010 CMUX frames (basic option: flag F9,
// address with the DLCI, control, length with its EA bit, FCS, F9; a
// modem after AT+CMUX=0) and PPP frames (RFC 1662: 7E … 7E). A CMUX
// frame's information field on a DLCI is read as AT lines of that DLCI
// (port "dlciN") when it is AT text: esp_modem puts its commands on DLCI
// 1 and PPP on DLCI 2, and swaps them when it enters data mode (dte.cpp's
// set_mode), so no DLCI is AT by number; one holding other bytes, or
// any frame after one with PPP on its DLCI until a line of text, is data
// and a note ("data: N bytes PPP"). SABM, UA, DM, DISC and the control
// channel's messages (DLCI 0: MSC, CLD, …) are notes; a frame whose FCS
// is wrong, whose closing flag is not where its length says, or that the
// log ends inside is a note saying so at the line it starts on, its bytes
// not read. A PPP frame outside CMUX is a note too; NUL bytes in an AT
// stream are padding, dropped.
//
// esp-modem's own text of its traffic, "Sending command:AT+CGREG?" and
// "Handling line: >>+CGREG: 0,2" (the old esp-modem), "command_lib:
// generic_command command AT" and "command_lib: Response: AT" with the
// lines it runs on to (esp_modem 1.x, esp-protocols issue 181: logged
// each time the command's callback is given the answer so far, so a
// Response that repeats the last one's text adds only what follows it),
// is read for a direction that no dump in the log shows: where both are there (issue 351's log dumps what it
// reads and prints what it sends) the dump is the bytes and the text
// line the same bytes again, a note. An esp-modem or DCE error that says
// a command timed out is the host giving up on it; the application's
// lines ("E (38120) app: esp_modem_sync failed with -1") are notes.
//
// A chip's reset (the ROM bootloader's "rst:0x…", "ets …" lines) starts
// the time since boot again: the times after it run on from the last
// before it.
//
// A serial logger's CSV (issue 351's: `"5/9/2023 1:39:00 PM",<line>`)
// is read through: the quoted date before the first comma is dropped,
// ESP-IDF's own time being the finer one; so is a serial tool's stamp
// before the line.
var (
	// espLine is one of esp_log's lines: level, time, tag, message.
	espLine = regexp.MustCompile(`^([EWIDV]) \((\d{1,10}|\d\d:\d\d:\d\d\.\d{3})\) ([^:]{1,64}): ?(.*)$`)
	// espRow is a hexdump row in a message: an optional label, the
	// buffer's address, the bytes, the text column (its closing bar may
	// be cut off).
	espRow = regexp.MustCompile(`^(?:(.{1,64}?): )?0x[0-9a-fA-F]{8}  +([^|]*)(?:\|.*)?$`)
	// espBoot is the ROM bootloader's first lines at a chip's reset
	// ("ets Jun  8 2016 00:22:57", "rst:0xc (SW_CPU_RESET),boot:0x13
	// (SPI_FAST_FLASH_BOOT)", the newer chips' "ESP-ROM:esp32s3-20210327"):
	// the time since boot starts again after them.
	espBoot = regexp.MustCompile(`^(?:ets [A-Z][a-z]{2} [ \d]\d \d{4} |rst:0x[0-9a-fA-F]{1,2} \(|ESP-ROM:)`)
	// espCSV is a serial logger's CSV field before the line.
	espCSV = regexp.MustCompile(`^"[^"]{1,64}",`)
)

// espMsg is one of esp_log's lines, read.
type espMsg struct {
	t     time.Time
	c     Clock
	level byte
	tag   string
	msg   string
}

// espUncsv is l without a serial logger's CSV field before it.
func espUncsv(l string) string {
	if strings.HasPrefix(l, `"`) {
		if m := espCSV.FindString(l); m != "" {
			return l[len(m):]
		}
	}
	return l
}

// parseESPIDF reads one of esp_log's lines; ok is false for another.
func parseESPIDF(l string) (espMsg, bool) {
	l = strings.TrimRight(espUncsv(l), "\r")
	if len(l) > 0 && (l[0] == '[' || l[0] >= '0' && l[0] <= '9') {
		// A serial tool's stamp before the line ("[Dec 11
		// 15:34:58.673] "): ESP-IDF's own time is read.
		if _, c, rest := splitStamp(l); c != NoTime {
			l = strings.TrimLeft(rest, " \t")
		}
	}
	if len(l) < 6 || l[1] != ' ' || l[2] != '(' {
		return espMsg{}, false
	}
	m := espLine.FindStringSubmatch(l)
	if m == nil {
		return espMsg{}, false
	}
	e := espMsg{level: m[1][0], tag: m[3], msg: m[4]}
	if strings.Contains(m[2], ":") {
		t, c, rest := splitStamp(m[2] + " ")
		if c == NoTime || strings.TrimSpace(rest) != "" {
			return espMsg{}, false
		}
		e.t, e.c = t, c
	} else {
		ms, err := strconv.ParseInt(m[2], 10, 64)
		if err != nil {
			return espMsg{}, false
		}
		e.t, e.c = RelativeEpoch.Add(time.Duration(ms)*time.Millisecond), Relative
	}
	return e, true
}

// espDir is the direction a dump's label or a header names: Tool for
// none.
func espDir(label string) Dir {
	l := strings.ToLower(label)
	switch {
	case strings.Contains(l, "uart-tx"), strings.Contains(l, "writing"), strings.Contains(l, "cmux sabm"),
		l == "send", strings.HasSuffix(l, ": send"), strings.HasSuffix(l, " send"):
		return Host
	case strings.Contains(l, "uart-rx"), strings.Contains(l, "reading"), strings.Contains(l, "received"),
		strings.Contains(l, "pattern-detection"), strings.Contains(l, "rx before init"):
		return Modem
	}
	return Tool
}

// espHexRow is a message's hexdump row: its label (tag and the label
// before the address) and the hex; ok is false for another message.
func espHexRow(e espMsg) (label, hexText string, ok bool) {
	if !strings.Contains(e.msg, "0x") {
		return "", "", false
	}
	m := espRow.FindStringSubmatch(e.msg)
	if m == nil {
		return "", "", false
	}
	label = e.tag
	if m[1] != "" {
		label += ": " + m[1]
	}
	return label, m[2], true
}

// espText is esp-modem's text line of its traffic: the host's command
// ("Sending command:") or a line it handled ("Handling line: >>").
func espText(e espMsg) (Dir, string) {
	if cmd, ok := strings.CutPrefix(e.msg, "Sending command:"); ok {
		return Host, strings.TrimSpace(cmd)
	}
	if cmd, ok := strings.CutPrefix(e.msg, "generic_command command "); ok && e.tag == "command_lib" {
		return Host, strings.TrimSpace(cmd)
	}
	if l, ok := strings.CutPrefix(e.msg, "Handling line: >>"); ok {
		return Modem, strings.TrimRight(strings.TrimSuffix(strings.TrimRight(l, "\r\n"), "<<"), "\r\n")
	}
	return Tool, ""
}

// looksLikeESPIDF reports an esp_log line of an AT host's traffic: a
// hexdump row whose label names a direction, esp-modem's "writing:" or
// "reading:" header, or its text of a command it sends.
func looksLikeESPIDF(l string) bool {
	if !strings.Contains(l, ") ") {
		return false
	}
	e, ok := parseESPIDF(l)
	if !ok {
		return false
	}
	if label, _, ok := espHexRow(e); ok {
		return espDir(label) != Tool
	}
	if e.msg == "writing:" || e.msg == "reading:" {
		return true
	}
	d, _ := espText(e)
	return d == Host
}

// readESPIDF reads an ESP-IDF log's AT traffic.
func readESPIDF(file string, lines []string) (*Transcript, error) {
	// Which directions the log dumps: esp-modem's text of the same
	// bytes is then a note.
	dumped := map[Dir]bool{}
	for _, l := range lines {
		if e, ok := parseESPIDF(l); ok {
			if label, _, ok := espHexRow(e); ok {
				d := espDir(label)
				if d == Tool {
					d = Host // a header's dump: either way, the log dumps
					dumped[Modem] = true
				}
				dumped[d] = true
			}
		}
	}
	var (
		recs    []record
		k       logClock
		streams = serialLines{}
		wires   = map[Dir]*espWire{Host: {dir: Host}, Modem: {dir: Modem}}
		header  = Tool // the direction the last "writing:"/"reading:" named
		seen    bool
		resp    espResponse
		base    time.Duration // the times before the last reset
		reset   bool          // a reset since the last stamp
	)
	for n, l := range textRows(lines) {
		e, ok := parseESPIDF(l)
		if !ok {
			if resp.open {
				resp.add(n, espUncsv(l))
				continue
			}
			// The line a message ran on to (esp-modem's "<<" after the
			// line it handled), a boot ROM's line, a CSV's empty field.
			if text := strings.TrimSpace(espUncsv(l)); espBoot.MatchString(text) && k.c == Relative && !reset {
				base, reset = k.last.Sub(RelativeEpoch), true
			}
			if text := strings.TrimSpace(espUncsv(l)); text != "" {
				recs = append(recs, record{line: n, dir: Tool, t: k.last, text: text})
			}
			continue
		}
		recs = append(recs, resp.close(streams)...)
		if e.c == Relative {
			e.t = e.t.Add(base) // the times run on over a reset
		}
		reset = false
		t, err := k.take(file, n, e.t, e.c)
		if err != nil {
			return nil, err
		}
		if r, ok := strings.CutPrefix(e.msg, "Response: "); ok && e.tag == "command_lib" && !dumped[Modem] {
			seen = true
			resp.open, resp.t = true, t
			resp.add(n, r)
			continue
		}
		if label, hx, ok := espHexRow(e); ok {
			d := espDir(label)
			if d == Tool {
				d = header
			}
			if d == Tool {
				return nil, errAt(file, n, "an ESP-IDF hexdump row of %q with no direction: its label names none (uart-tx, uart-rx, Send, CMUX Received, pattern-detection) and no \"writing:\" or \"reading:\" line comes before it", e.tag)
			}
			b, err := spacedHex(hx)
			if err != nil {
				return nil, errAt(file, n, "an ESP-IDF hexdump row cut off or malformed: %v (want \"0x3ffb9be4   4f 4b 0d 0a   |OK..|\")", err)
			}
			if len(b) > 16 {
				return nil, errAt(file, n, "an ESP-IDF hexdump row of %d bytes: ESP_LOG_BUFFER_HEXDUMP shows 16 a row at most, so its rows were joined or edited", len(b))
			}
			seen = true
			recs = append(recs, wires[d].feed(streams, b, n, t)...)
			continue
		}
		switch e.msg {
		case "writing:":
			header = Host
		case "reading:":
			header = Modem
		}
		if d, text := espText(e); d != Tool && !dumped[d] && text != "" {
			if d == Host {
				resp.prev = "" // a new command's answer
			}
			seen = true
			recs = append(recs, record{line: n, dir: d, t: t, text: text})
			continue
		}
		r := record{line: n, dir: Tool, t: t, text: e.tag + ": " + e.msg}
		if e.level == 'E' && (strings.Contains(e.tag, "modem") || strings.Contains(e.tag, "dce")) {
			if low := strings.ToLower(e.msg); strings.Contains(low, "timeout") || strings.Contains(low, "timed out") {
				r.timeout = true
			}
		}
		recs = append(recs, r)
	}
	if !seen {
		return nil, errAt(file, firstLine(lines), "ESP-IDF log lines, but none of the modem's UART traffic (hexdump rows \"D (920) esp-modem: 0x3f404a04   41 54 0d   |AT.|\" after \"writing:\"/\"reading:\", or tagged uart-tx/uart-rx; esp-modem's \"Sending command:\"): nothing to replay; log the UART with ESP_LOG_BUFFER_HEXDUMP at a level the build shows (esp-modem's debug logs, CONFIG_ESP_MODEM_ADD_DEBUG_LOGS)")
	}
	recs = append(recs, resp.close(streams)...)
	for _, w := range []*espWire{wires[Host], wires[Modem]} {
		recs = append(recs, w.end()...)
	}
	return streams.wire(file, k.c, recs, false)
}

// espResponse gathers esp_modem 1.x's "Response: " message, the bytes
// the command's callback was given, over the lines it runs on to. The
// callback is called each time a line more came, with all of them from
// the answer's start: a message that starts with the last one's text
// adds only what follows it.
type espResponse struct {
	open bool
	t    time.Time
	segs []espSeg
	prev string // the command's answer so far, as the last message showed it
}

type espSeg struct {
	line int
	text string
}

// add takes line n of the message.
func (r *espResponse) add(n int, text string) {
	r.segs = append(r.segs, espSeg{n, strings.TrimRight(text, "\r")})
}

// close ends the message: its new lines, cut by the line cutter.
func (r *espResponse) close(sl serialLines) []record {
	if !r.open {
		return nil
	}
	r.open = false
	var all strings.Builder
	for _, s := range r.segs {
		all.WriteString(s.text + "\n")
	}
	skip := 0
	if full := all.String(); r.prev != "" && strings.HasPrefix(full, r.prev) {
		skip = len(r.prev)
	}
	r.prev = all.String()
	var out []record
	for _, s := range r.segs {
		text := s.text + "\n"
		if skip >= len(text) {
			skip -= len(text)
			continue
		}
		out = append(out, sl.feed("", Modem, text[skip:], s.line, r.t)...)
		skip = 0
	}
	out = append(out, sl.flush("", Modem)...)
	r.segs = r.segs[:0]
	return out
}

// espWire follows one direction's bytes through CMUX and PPP framing:
// what is neither is AT text, fed to the line cutter.
type espWire struct {
	dir   Dir
	frame []byte // a CMUX frame from its opening flag, nil outside one
	fLine int    // where it started
	fT    time.Time
	ppp   int // bytes of a PPP frame outside CMUX from its flag, 0 outside one
	pLine int
	pT    time.Time
	data  map[byte]bool // DLCIs that carry PPP
}

// feed takes a row's bytes, read at line n (time t).
func (w *espWire) feed(sl serialLines, b []byte, n int, t time.Time) []record {
	var out []record
	var text []byte
	flush := func() {
		if len(text) > 0 {
			out = append(out, sl.feed("", w.dir, string(text), n, t)...)
			text = text[:0]
		}
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case w.frame != nil:
			if c == 0xF9 && len(w.frame) == 1 {
				continue // flags between frames
			}
			w.frame = append(w.frame, c)
			if done, ok := cmuxComplete(w.frame); ok && done == len(w.frame) {
				recs, again := w.cmux(sl, w.frame)
				out = append(out, recs...)
				w.frame = nil
				if len(again) > 0 {
					// Bytes the frame's length took past its closing
					// flag: read again, from that flag.
					b = append(append([]byte{}, again...), b[i+1:]...)
					i = -1
				}
			}
		case w.ppp > 0:
			if c == 0x7E && w.ppp > 1 {
				out = append(out, record{line: w.pLine, dir: Tool, t: w.pT, text: fmt.Sprintf("%s data: %d bytes PPP (RFC 1662 frame), not AT", w.side(), w.ppp+1)})
				w.ppp = 0
			} else if c != 0x7E {
				w.ppp++
			}
		case c == 0xF9:
			flush()
			w.frame, w.fLine, w.fT = []byte{c}, n, t
		case c == 0x7E:
			flush()
			w.ppp, w.pLine, w.pT = 1, n, t
		case c == 0:
			// padding
		default:
			text = append(text, c)
		}
	}
	flush()
	return out
}

// side names the direction in a note.
func (w *espWire) side() string {
	if w.dir == Host {
		return "host"
	}
	return "modem"
}

// end is the notes for the frames the log ends inside.
func (w *espWire) end() []record {
	var out []record
	if len(w.frame) > 1 {
		out = append(out, record{line: w.fLine, dir: Tool, t: w.fT, text: fmt.Sprintf("%s CMUX frame cut: the log ends %d bytes into it (% x), not read", w.side(), len(w.frame), w.frame)})
	}
	if w.ppp > 1 {
		out = append(out, record{line: w.pLine, dir: Tool, t: w.pT, text: fmt.Sprintf("%s PPP frame cut: the log ends %d bytes into it, not read", w.side(), w.ppp)})
	}
	w.frame, w.ppp = nil, 0
	return out
}

// cmuxComplete reports, for the bytes of a frame from its opening flag,
// the length of the frame when they hold all of it (TS 27.010 §5.2.1:
// flag, address, control, length of one octet or two by its EA bit,
// information, FCS, flag).
func cmuxComplete(f []byte) (int, bool) {
	if len(f) < 4 {
		return 0, false
	}
	hdr, n := 4, int(f[3]>>1)
	if f[3]&1 == 0 {
		if len(f) < 5 {
			return 0, false
		}
		hdr, n = 5, n|int(f[4])<<7
	}
	total := hdr + n + 2
	return total, len(f) >= total
}

// cmux reads one whole CMUX frame (cmuxComplete): an AT DLCI's
// information is text, anything else a note. again is the bytes to read
// again when its closing flag is not where its length says: from the
// first flag after its header.
func (w *espWire) cmux(sl serialLines, f []byte) (_ []record, again []byte) {
	note := func(format string, args ...any) []record {
		return []record{{line: w.fLine, dir: Tool, t: w.fT, text: w.side() + " CMUX " + fmt.Sprintf(format, args...)}}
	}
	addr, ctrl := f[1], f[2]
	dlci := addr >> 2
	hdr := 4
	if f[3]&1 == 0 {
		hdr = 5
	}
	info := f[hdr : len(f)-2]
	fcs, closing := f[len(f)-2], f[len(f)-1]
	kind := cmuxKind(ctrl)
	if closing != 0xF9 {
		for j := hdr; j < len(f); j++ {
			if f[j] == 0xF9 {
				again = f[j:]
				break
			}
		}
		return note("frame (DLCI %d, %s) with no closing flag where its length (%d) ends it (%#02x there): its length runs past the frame; not read", dlci, kind, len(info), closing), again
	}
	if addr&1 == 0 {
		return note("frame with a two-octet address (EA bit 0 in %#02x): not the basic option's; not read", addr), nil
	}
	over := f[1:hdr] // UIH, SABM, UA, DM, DISC: address, control, length
	if ctrl&^0x10 == 0x03 {
		over = f[1 : len(f)-2] // UI: the information too (§5.2.1.6)
	}
	if want := cmuxFCS(over); fcs != want {
		return note("frame (DLCI %d, %s) with a bad FCS %#02x, want %#02x: not read", dlci, kind, fcs, want), nil
	}
	switch {
	case kind != "UIH" && kind != "UI":
		return note("%s on DLCI %d", kind, dlci), nil
	case dlci == 0:
		return note("control channel: %s", cmuxControl(info)), nil
	}
	if w.data == nil {
		w.data = map[byte]bool{}
	}
	if isPPP(info) || !atText(info) || w.data[dlci] && !strings.ContainsAny(string(info), "\r\n") {
		w.data[dlci] = w.data[dlci] || isPPP(info)
		what := "bytes"
		if w.data[dlci] {
			what = "bytes PPP"
		}
		return note("DLCI %d data: %d %s, not AT", dlci, len(info), what), nil
	}
	w.data[dlci] = false
	var text []byte
	for _, c := range info {
		if c != 0 {
			text = append(text, c)
		}
	}
	return sl.feed(fmt.Sprintf("dlci%d", dlci), w.dir, string(text), w.fLine, w.fT), nil
}

// isPPP reports bytes that hold a PPP frame's flag (RFC 1662).
func isPPP(b []byte) bool { return bytes.IndexByte(b, 0x7E) >= 0 }

// atText reports bytes that are AT text: printable ASCII, CR, LF, tab,
// and the Ctrl-Z and ESC that end an SMS's text.
func atText(b []byte) bool {
	for _, c := range b {
		if !(c >= 0x20 && c < 0x7F || c == '\r' || c == '\n' || c == '\t' || c == ctrlZ || c == esc || c == 0) {
			return false
		}
	}
	return true
}

// cmuxKind names a frame's type by its control field, the P/F bit
// aside (TS 27.010 §5.2.1.3).
func cmuxKind(ctrl byte) string {
	switch ctrl &^ 0x10 {
	case 0x2F:
		return "SABM"
	case 0x63:
		return "UA"
	case 0x0F:
		return "DM"
	case 0x43:
		return "DISC"
	case 0xEF:
		return "UIH"
	case 0x03:
		return "UI"
	}
	return fmt.Sprintf("frame of control %#02x", ctrl)
}

// cmuxControl names a control channel message (TS 27.010 §5.4.6.3): its
// type octet's type bits, and whether it is a command or a response.
func cmuxControl(info []byte) string {
	if len(info) == 0 {
		return "empty message"
	}
	names := map[byte]string{0x80: "PN", 0xC0: "CLD (close down)", 0x20: "Test", 0xA0: "FCon", 0x60: "FCoff", 0xE0: "MSC", 0x10: "NSC", 0x90: "RPN", 0x50: "RLS", 0xD0: "SNC", 0x40: "PSC"}
	name, ok := names[info[0]&0xFC]
	if !ok {
		name = fmt.Sprintf("type %#02x", info[0])
	}
	if info[0]&0x02 != 0 {
		return name + " command"
	}
	return name + " response"
}

// cmuxFCS is TS 27.010's frame check sequence (§5.2.1.6, Annex B): the
// ones' complement of a reflected CRC-8 (polynomial x^8+x^2+x+1) over
// the bytes, from all ones.
func cmuxFCS(b []byte) byte {
	crc := byte(0xFF)
	for _, c := range b {
		crc ^= c
		for range 8 {
			if crc&1 != 0 {
				crc = crc>>1 ^ 0xE0
			} else {
				crc >>= 1
			}
		}
	}
	return 0xFF - crc
}
