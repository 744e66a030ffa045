// Package fieldlog reads the logs people have of a modem conversation —
// the harness's own at.log, lpac's debug output, ModemManager debug logs,
// socat, strace and jpnevulator traces of the port, Docklight's, SSCOM's
// and QCOM's log files, Android radio logs of a RIL speaking AT, gammu's,
// oFono's and pppd chat's debug logs, terminal
// sessions (PuTTY, Tera Term, minicom, …), mmcli's --command ones and
// shell traces (sh -x) of scripts sending AT through sms_tool, atinout or gcom,
// plain ">"/"<" transcripts with or without timestamps, and the
// management platform's request log — into one normalised transcript:
// who sent each line, when (absolute, relative to the tool's start, or
// not known), the line, what it is (command, echo, information text,
// final result, unsolicited result code) and, for the APDUs carried by
// +CSIM and +CGLA (or printed by the LPA's library), the ES10 function
// they belong to.
//
// It is host-side: it imports codecs and protocol decoders, no emulator,
// so it reads a log from a real modem the same as one from the rig. Every
// reader is bounded (file size, line length, entries) and answers bad input
// — binary data, a record cut off, timestamps going backwards, a file in no
// known format — with an error naming the file and line.
package fieldlog

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Format names a log format (fixtures/field/README.md shows each).
type Format string

const (
	// ATLog is the harness's at.log: "<RFC 3339 time> > line", "< line",
	// "# note" (emulated runs, lab runs, lab recordings).
	ATLog Format = "atlog"
	// LPAC is lpac's debug output: AT_DEBUG lines (old "AT_DEBUG: ", and
	// "AT_DEBUG_TX/RX" with or without the driver's clock), libeuicc's
	// "[DEBUG] [APDU] [TX]/[RX]" and "[DEBUG] [HTTP]" lines, and the JSON
	// lines lpac prints ({"type":"progress",…}).
	LPAC Format = "lpac"
	// MM is a ModemManager debug log: "[ttyUSB2/at] --> 'AT…<CR>'" and
	// "<-- '<CR><LF>…'" (or the older "(ttyUSB2): -->" form, and
	// modem-manager 0.x's "[mm-at-serial-port.c:298] debug_log():
	// (ttyACM0): -->"), with or without MM's own timestamps and a syslog
	// or journal prefix.
	MM Format = "mm"
	// Socat is socat's data dump (-v text, -x hex, or both) of a sniffer
	// between host and modem: "> 2026/12/01 08:41:11.044587  length=5
	// from=0 to=4" and the transfer's bytes.
	Socat Format = "socat"
	// Strace is strace's trace of the program on the modem's port (-e
	// trace=read,write; -f, -t/-tt/-ttt/-r and -y as given): "10:36:22.179697
	// write(3</dev/ttyUSB2>, "ATE1\r", 5) = 5".
	Strace Format = "strace"
	// Jpnevulator is jpnevulator's dump of the lines it reads (--read,
	// with or without --timing-print, --ascii, --byte-count): a header
	// naming the source, then its bytes in hex.
	Jpnevulator Format = "jpnevulator"
	// Docklight is Docklight's log file (plain text) of its HEX or ASCII
	// display: "01/12/2026 10:15:03.123 [TX] - AT<CR>", control
	// characters by name, or "[RX] - 0D 0A 4F 4B 0D 0A".
	Docklight Format = "docklight"
	// EWF is the Embedded Wireless Framework's (Azure RTOS / ThreadX)
	// adapter trace: "[SEND][   3][AT\r]" and "[RECV][   6][\r\nOK\r\n]",
	// each buffer's bytes with C's escapes.
	EWF Format = "ewf"
	// ATParser is an AT parser's trace on a microcontroller (ST's
	// X-CUBE-CELLULAR AT core): "[2024-01-22_11:53:06:302]" stamps, a
	// "*** SEND (size=12) ***" header before the bytes written, the
	// bytes read indented, control characters by name ("OK<CR><LF>").
	ATParser Format = "atparser"
	// Mbed is Mbed OS's cellular framework trace
	// (MBED_CONF_CELLULAR_DEBUG_AT): mbed-trace's "[INFO][CELL]: " tag,
	// then ATHandler's "AT TX ( 8): AT+CPIN?" and "AT RX (24):
	// <cr><ln>+CPIN: READY<cr><ln>…" buffers, CR and LF by name.
	Mbed Format = "mbed"
	// SSCOM is a log of SSCOM (串口调试助手), the Chinese serial
	// assistant, with "show time" on: "[14:34:12.900]发→◇AT+CPIN?" sent,
	// "[14:34:12.904]收←◆" and the lines received, text or HEX, UTF-8 or
	// GBK.
	SSCOM Format = "sscom"
	// QCOM is a log of QCOM, Quectel's serial tool: "[2019-01-31
	// 03:12:05:246_S:] AT+CPIN?" sent, "_R:]" received, a stamp a line,
	// text or hex.
	QCOM Format = "qcom"
	// Logcat is an Android radio log (adb logcat -b radio) of a RIL that
	// speaks AT: its "AT> line" and "AT< line" records, in any of
	// logcat's formats, each AT channel a port.
	Logcat Format = "logcat"
	// Gammu is gammu's debug log of its AT driver (--debug textall or
	// textalldate, gammu-smsd's debuglevel): "SENDING frame type
	// 0x00/length 0x09/9" or "RECEIVED …" and the frame's bytes in hex;
	// or, logged with --debug text, the lines it parsed out of each
	// answer (`2 "+CSQ: 20,99"`).
	Gammu Format = "gammu"
	// Ofono is oFono's AT debug output (ofonod -d, OFONO_AT_DEBUG=1):
	// "ofonod[4140]: Aux: > AT+CGMI\r" and "Aux: < \r\nOK\r\n", each
	// channel a port, to stderr, syslog or the journal.
	Ofono Format = "ofono"
	// Luat is a LuatOS trace (LuatTools; Air720, Air724, Air780
	// modules): the ril's "[I]-[ril.sendat] AT+CSQ" commands and
	// "[I]-[ril.proatc] OK" lines read, the rest notes.
	Luat Format = "luat"
	// Chat is pppd's chat -v log (syslog, or stderr with -s): "send
	// (AT^M)", "expect (OK)", what it received, " -- got it", "alarm".
	Chat Format = "chat"
	// Zephyr is Zephyr RTOS's modem subsystem debug log
	// (CONFIG_MODEM_MODULES_LOG_LEVEL_DBG=y): modem_chat's "sending:
	// AT+CREG?" commands and the lines it parsed
	// ("modem_chat_log_received_command: +CREG:  1 0", rebuilt as
	// "+CREG: 1,0"), times since boot, the rest notes.
	Zephyr Format = "zephyr"
	// ESPIDF is ESP-IDF's log of an AT host on an ESP32 (esp-modem):
	// "D (920) esp-modem: 0x3f404a04   41 54 0d   |AT.|" hexdump rows of
	// the UART's bytes after "writing:"/"reading:" or tagged
	// uart-tx/uart-rx, CMUX and PPP frames de-framed, esp-modem's
	// "Sending command:" text, milliseconds since boot.
	ESPIDF Format = "espidf"
	// MMCLI is a terminal session of mmcli sending AT commands through
	// ModemManager ("$ mmcli -m 0 --command='AT+CSQ'", then mmcli's
	// "response: '+CSQ: 20,99'" or "error: command failed:
	// 'GDBus.Error:…MobileEquipment.SimBusy: SIM busy'"), untimed.
	MMCLI Format = "mmcli"
	// Gsmmodem is python-gsmmodem's debug log through Python's logging:
	// "DEBUG: write: AT+CPIN?", "DEBUG: response: ['+CPIN: READY',
	// 'OK']" (the lines read, as a Python list), "DEBUG: notification:
	// […]" (URCs), the rest notes.
	Gsmmodem Format = "gsmmodem"
	// Shx is a shell's execution trace (sh -x) of a script that sends AT
	// commands through a tool (OpenWrt's 3ginfo-lite, modemband):
	// "+ sms_tool -d /dev/ttyUSB2 at AT+CSQ" and the traced assignment of
	// its output ("+ O='+CSQ: 17,99'"), atinout fed by an echo, gcom
	// sending $COMMAND, or an echo into a port a cat reads; the other
	// traced lines notes, untimed.
	Shx Format = "shx"
	// Plain is a ">"/"<" transcript, optionally timestamped.
	Plain Format = "plain"
	// Terminal is a terminal session with the modem (a minicom, picocom,
	// screen, PuTTY, Tera Term, CoolTerm or RealTerm capture, a copy of
	// the window): typed commands show as the modem's echo, optionally
	// timestamped (Tera Term's "[Tue Dec 01 10:15:03.123 2026] ").
	Terminal Format = "terminal"
	// Platform is the management platform's request log: the pages of
	// GET /v1/inspect/received (docs/platform-api.md), or its entries one
	// JSON object per line.
	Platform Format = "platform"
	// Events is a harness run's events.jsonl (an exploration case's, a
	// lab run's): the card's own decisions, by event kind.
	Events Format = "events"
)

// Formats lists the formats.
var Formats = []Format{ATLog, LPAC, MM, Socat, Strace, Jpnevulator, Docklight, EWF, ATParser, Mbed, SSCOM, QCOM, Logcat, Gammu, Ofono, Luat, Chat, Zephyr, ESPIDF, MMCLI, Gsmmodem, Shx, Plain, Terminal, Platform, Events}

// FormatNames lists the formats for a message: "atlog, lpac, …".
func FormatNames() string {
	s := make([]string, len(Formats))
	for i, f := range Formats {
		s[i] = string(f)
	}
	return strings.Join(s, ", ")
}

// Dir says who wrote a line.
type Dir byte

const (
	Host  Dir = '>' // host to modem
	Modem Dir = '<' // modem to host
	Tool  Dir = '#' // the logging tool's own line: a note, lpac's JSON, a ModemManager message
)

// Role says what a line is in the conversation.
type Role int

const (
	Note    Role = iota // Tool lines
	Command             // a command line from the host
	Echo                // the modem repeating the command line (ATE1)
	Info                // information text answering the command in progress
	Final               // the final result code: OK, ERROR, +CME ERROR: …
	URC                 // an unsolicited result code
)

var roleNames = [...]string{"note", "command", "echo", "info", "final", "urc"}

func (r Role) String() string {
	if int(r) < len(roleNames) {
		return roleNames[r]
	}
	return fmt.Sprintf("Role(%d)", int(r))
}

// Clock says what the times of a transcript mean.
type Clock int

const (
	// NoTime: the log has no timestamps; only the order is known.
	NoTime Clock = iota
	// Absolute: wall-clock times (a date may be missing: a journal's
	// "Mar 02 10:00:01" or a bare time of day has year 0, and a journal's
	// dates after New Year year 1).
	Absolute
	// Relative: time since the tool started (lpac's driver clock,
	// ModemManager's relative timestamps, "[12.345]").
	Relative
)

var clockNames = [...]string{"none", "absolute", "relative"}

func (c Clock) String() string {
	if int(c) < len(clockNames) {
		return clockNames[c]
	}
	return fmt.Sprintf("Clock(%d)", int(c))
}

// Entry is one line of the normalised transcript.
type Entry struct {
	File string // the log it came from
	Line int    // 1-based line in File
	// End is the last line of File the text runs on to, when it is not
	// Line: a modem line split over reads or over a dump's rows is on
	// the line its first byte is on (Line), as every reader places it,
	// and a person may name the line where it ends (gammu's "RROR" under
	// its "E"). 0 else.
	End  int
	Dir  Dir
	Role Role
	// Time is when the line was logged: a wall-clock time (Absolute) or
	// RelativeEpoch plus the offset (Relative); zero under NoTime.
	Time time.Time
	// Text is the AT line without its line ending (Host, Modem), or the
	// tool's text (Tool).
	Text string
	// Joined marks a modem line that ran on from the previous one without
	// a line break (the echo of a command written right after the last
	// answer's final result, as some modems do).
	Joined bool
	// Cmd is the index in the transcript of the command this line answers
	// or echoes; -1 for commands themselves, URCs and notes.
	Cmd int
	// Sub is, on an information line answering a command line that holds
	// several commands (AT+CSQ;+CPIN?: V.250 §5.2.1), which of them it
	// answers (from 0, in at.Parse's order); 0 else. CommandOf reads it.
	Sub int
	// Unsure marks such a line that carries no name when the log cannot
	// tell which of two of the line's commands gave it (the text of an
	// ATI, or of a text-mode SMS, runs over lines with no length: V.250
	// §5.7.1): Sub is the likelier, Or the other. A replay does not
	// compare such lines as they stand.
	Unsure bool
	Or     int
	// Queued marks a command line the host sent while the command before
	// it still ran, as the emulated modem's at.log marks it
	// (at.QueuedMark, taken off Text): its Time is when it came, and its
	// answer follows that command's final result.
	Queued bool
	// Port is the AT port a ModemManager log names ("ttyUSB2"); "" else.
	Port string
	// APDU is set on +CSIM/+CGLA commands and their answers, and on the
	// APDU lines an LPA's library printed itself.
	APDU *APDU
	// Event is set on lpac's JSON lines.
	Event *Event
	// Result is the verbose form of a result code the modem sent in
	// numeric form (ATV0): "OK" for a final 0, "RING" for a 2 nobody
	// asked for; "" else.
	Result string
	// StoredV0 marks a final result sent in digits (Result set) where
	// a boot or an ATZ the log shows loaded a profile it does not show
	// (no AT&W in it), no final result having shown the form since: the modem's
	// stored profile answers in digits, an ATV0&W from before the log
	// began (at.ResultForm.BootedUnknown).
	StoredV0 bool
	// OpenAnswer marks a modem line of an answer the log begins inside
	// (its command cut off before the log): a Note now, not the
	// conversation's.
	OpenAnswer bool
	// DataMode is, on a note of a line that went while the modem was in
	// data mode (after a data call's CONNECT, or PPP's frames), what
	// says so: "data mode since line 21", "PPP frames: the modem is in
	// data mode"; "" else. Such a line is no AT.
	DataMode string
	// Late is, on a final result no command awaits that the log's writer
	// shows the modem sent unasked (python-gsmmodem's notification: some
	// modems end a USSD session so, after its command's own result),
	// what says so: the replay pairs it with no command and does not
	// compare it. "" else.
	Late string
	// NoFinal is, on a command whose answer the log shows without its
	// final result because the log's writer does not print it (sms_tool
	// without -D), what says so: the final result is not known, and a
	// replay does not compare it. "" else.
	NoFinal string
	// NoAnswer is, on a command whose answer the log's writer does not
	// show at all (a shell trace of a tool whose output a filter took,
	// | xargs), what says so: the exchange is not compared. "" else.
	NoAnswer string
	// GaveUpOn is, on a note of the log's writer giving up waiting for an
	// answer (gammu's "[Retrying 1 type 0x00]", ModemManager's "Serial
	// command timed out", the harness's "# no answer: AT+CSQ"), the line
	// of the command it gave up on, which the modem left unanswered; 0
	// else.
	GaveUpOn int
}

// FinalUnknown reports a command whose final result the log's writer
// does not show (NoFinal, NoAnswer): neither answered nor left unanswered
// as far as the log says.
func (e Entry) FinalUnknown() bool { return e.NoFinal != "" || e.NoAnswer != "" }

// Holds reports whether line is one the entry's text is on: its Line,
// or one up to its End.
func (e Entry) Holds(line int) bool { return line == e.Line || e.Line < line && line <= e.End }

// Verbose is the line's text, a result code the modem sent in numeric
// form (ATV0) as its words: "OK" for a final 0.
func (e Entry) Verbose() string {
	if e.Result != "" {
		return e.Result
	}
	return e.Text
}

// Event is one of lpac's JSON output lines ({"type":…,"payload":{…}}).
type Event struct {
	Type    string // progress, lpa, driver
	Code    int
	Message string // the step: es10b_load_bound_profile_package, euicc_init, …
	Data    string // payload.data as text ("" for null)
}

// RelativeEpoch is the zero of Relative times.
var RelativeEpoch = time.Unix(0, 0).UTC()

// Transcript is one log, read and normalised.
type Transcript struct {
	File   string
	Format Format
	Clock  Clock
	// ShowsEcho is false for a log that never shows the modem's echo (the
	// harness's emulated at.log is the modem's side: it logs the command
	// it received, not the echo it sent).
	ShowsEcho bool
	// Carried marks the AT conversation OverCGLA made of a log of APDUs
	// alone: its AT lines are the replay's, not a modem's.
	Carried bool
	// Page says the log was an HTML page (a ticket saved from a
	// browser), read as the text of its <pre> blocks (LogText).
	Page bool
	// Invisible says how many characters a screen does not show the
	// reader took out of the lines (InvisibleNote), and where the first
	// was; "" when there were none.
	Invisible string
	// Modems counts the modem objects a ModemManager log names its ports
	// under ("[modem0/ttyUSB2/at]"): 0 when it names none (older
	// releases, "(ttyUSB2)").
	Modems  int
	Entries []Entry
	// Requests holds the platform log's requests (Format Platform).
	Requests []Request
	// RunEvents holds a harness run's events (Format Events).
	RunEvents []RunEvent
	first     time.Time // the first entry's time, once looked up
	firstSeen bool
}

// Offset is e's time since the first timed entry of t; ok is false when
// the transcript has no times.
func (t *Transcript) Offset(e Entry) (time.Duration, bool) {
	if t.Clock == NoTime || e.Time.IsZero() {
		return 0, false
	}
	if !t.firstSeen {
		for _, f := range t.Entries {
			if !f.Time.IsZero() {
				t.first = f.Time
				break
			}
		}
		t.firstSeen = true
	}
	return e.Time.Sub(t.first), true
}

// OpenAnswerLines returns the lines of the answers the log begins inside,
// in order, once each; none when it begins with a command or a URC.
func (t *Transcript) OpenAnswerLines() []int {
	var out []int
	for _, e := range t.Entries {
		if e.OpenAnswer && (len(out) == 0 || out[len(out)-1] != e.Line) {
			out = append(out, e.Line) // a line may hold several entries
		}
	}
	return out
}

// At returns the index of the entry a person names by line: the first
// whose text is on it (Entry.Holds, the end of a line split over a
// dump's rows among them), else the first after it (a dump's header
// holds none, its text under it); -1 when none is.
func (t *Transcript) At(line int) int {
	return slices.IndexFunc(t.Entries, func(e Entry) bool { return e.Holds(line) || e.Line >= line })
}

// Commands returns the indexes of the command entries, in order.
func (t *Transcript) Commands() []int {
	var out []int
	for i, e := range t.Entries {
		if e.Role == Command {
			out = append(out, i)
		}
	}
	return out
}

// Answer returns the lines answering the command at index i (echo, info,
// final), in order.
func (t *Transcript) Answer(i int) []Entry {
	var out []Entry
	later := 0 // commands on i's port since i
	for _, e := range t.Entries[i+1:] {
		if e.Cmd == i {
			out = append(out, e)
			if e.Role == Final {
				break // nothing answers a command after its final result
			}
			continue
		}
		// Without a final result, nothing past the command after next on
		// the port can be i's (the last command's final may run into the
		// next one's echo, no further): stopping there keeps reading a
		// long log's answers linear.
		// A line sent while another ran (Queued) is answered after it:
		// no sign that the command went unanswered.
		if e.Role == Command && !e.Queued && e.Port == t.Entries[i].Port {
			if later++; later == 2 {
				break
			}
		}
	}
	return out
}

// CommandOf is the command the answer line e answers, as a line of its
// own: "AT+CPIN?" for the +CPIN: READY of AT+CSQ;+CPIN? (e.Sub), the
// command line itself when it holds one command; "" for a line that
// answers none.
func (t *Transcript) CommandOf(e Entry) string {
	if e.Cmd < 0 || e.Cmd >= len(t.Entries) {
		return ""
	}
	line := t.Entries[e.Cmd].Text
	if e.Role != Info {
		return line
	}
	return subCommand(line, e.Sub)
}

// OtherCommandOf is, for an Unsure answer line, the other command of its
// line it may answer (e.Or), as a line of its own; "" else.
func (t *Transcript) OtherCommandOf(e Entry) string {
	if !e.Unsure || e.Cmd < 0 || e.Cmd >= len(t.Entries) {
		return ""
	}
	return subCommand(t.Entries[e.Cmd].Text, e.Or)
}

// subCommand is command sub of a command line, as a line of its own; the
// line itself when it holds one command.
func subCommand(line string, sub int) string {
	cmds := lineCommands(line)
	if sub >= len(cmds) {
		return line
	}
	return line[:2] + cmds[sub].String()
}

// Error is a problem with a log, at a line (0: the file as a whole).
type Error struct {
	File string
	Line int
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

func errAt(file string, line int, format string, args ...any) *Error {
	return &Error{File: file, Line: line, Msg: fmt.Sprintf(format, args...)}
}

// ControlOnly reports a line of control characters alone (gammu's ESC
// before its first command): no command line, which a modem outside a
// "> " prompt leaves unanswered.
func ControlOnly(line string) bool {
	for i := range len(line) {
		if line[i] >= 0x20 && line[i] != 0x7F {
			return false
		}
	}
	return line != ""
}
