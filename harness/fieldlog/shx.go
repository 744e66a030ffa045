package fieldlog

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// A shell's execution trace (sh -x, set -x: BusyBox ash, dash, bash) of a
// script that talks to the modem through a command-line tool, as the bug
// reports of OpenWrt's modem packages (3ginfo-lite, modemband,
// luci-app-modeminfo) paste it. The shell prints each command it runs
// after "+ " ("++ " inside a command substitution, under bash), its words
// quoted as the shell would need them; a value with line ends runs over
// several lines inside its quotes:
//
//	+ sms_tool -D -d /dev/ttyUSB1 at 'AT+CSQ;+CPIN?'
//	+ O='AT+CSQ;+CPIN?
//	+CSQ: 17,99
//
//	+CPIN: READY
//
//	'K
//	+ echo 'AT+CSQ;+CPIN?
//
// The command is the tool's argument: sms_tool's "at" command (obsy's
// sms_tool writes it with CR LF), atinout's standard input (the echo or
// printf traced beside it in the pipeline), or the text an echo writes
// when a cat of a /dev/tty* port reads the answer. The answer is the
// tool's output: the assignment the next traced line makes of it (a
// command substitution, O=$(sms_tool …)) or the echo it makes of it (echo
// "$(sms_tool …)"), or the untraced lines the tool printed when its
// output was not captured. sms_tool prints each line it
// reads up to the final result, which it prints only with -D: without
// it the final result is not in the log (Entry.NoFinal), and never
// invented. A tool's output piped through a filter (| xargs, | awk) is
// the filter's, not the modem's: the command's answer is not in the log
// (Entry.NoAnswer). sms_tool's "No response from modem." (its 5 s alarm,
// on stderr) gives up on the command. Every other traced line (awk, [,
// uci, the script's echo of a value) is a note. The trace has no times.
//
// A terminal copy loses the CR a captured value ends with (the modem's
// "OK\r" under -D): the shell's closing quote, printed after it, lands on
// the line's first column, "'K" for "OK"; the final result is restored
// from the letters left when one character makes it one.

// shxTrace is a traced command line: the "+" of each nesting level, a
// blank, the command.
var shxTrace = regexp.MustCompile(`^(\++) (.*)$`)

// shxName is a variable assignment's name and "=".
var shxName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*=`)

// shxDevice is a serial port a cat reads the modem's answer from.
var shxDevice = regexp.MustCompile(`^/dev/(?:tty(?:USB|ACM|HS|S|MSM|mxc)\w*|cdc-wdm\d+|wwan\d+at\d+|modem\w*|at\w*)$`)

// shxFilters are the commands a tool's output is piped through in the
// scripts: what they print is not the modem's lines.
var shxFilters = map[string]bool{"xargs": true, "awk": true, "sed": true, "grep": true, "cut": true, "tr": true, "head": true, "tail": true, "sort": true, "uniq": true, "wc": true, "jsonfilter": true}

// smsToolNoFinal is Entry.NoFinal of an sms_tool command run without -D.
const smsToolNoFinal = "sms_tool prints no final result without -D (it stops at OK, ERROR, +CME ERROR or COMMAND NOT SUPPORT, unprinted): the final result is not in the log"

// gcomNoFinal is Entry.NoFinal of a gcom command whose output holds no
// final result: its script prints what came in a fixed time.
const gcomNoFinal = "gcom's script prints what the modem sent within its time (get N \"\" $r), which ended before the final result: the final result is not in the log"

// smsToolPortError is one of sms_tool's messages (on stderr, among the
// trace) that the port did not open: the command never reached a modem.
var smsToolPortError = regexp.MustCompile(`^(?:(?:re)?open|tcgetattr|tcsetattr)\(/dev/[^)]*\)$|^open port failed$`)

// smsToolTimeout is what sms_tool prints on stderr when its alarm (5 s
// for "at") goes off before a final result.
const smsToolTimeout = "No response from modem."

// shxMaxLines bounds the lines one traced command's quoted words run
// over: an AT+CLAC answer is a few hundred.
const shxMaxLines = 4096

// shxLine is a traced line's command, read as words.
type shxLine struct {
	words []string
	last  int // the index of the last line it runs on
	// overwrite is the text a terminal left after the closing quote of
	// the last word, which that quote opened its line with: the value's
	// last line lost its first character to it ("'K": "OK"). "" else.
	overwrite string
}

// shxSplit splits the traced command starting with s (the text after
// the trace's "+ " on lines[i]) into words as the shell quoted them:
// '…' (a ' inside as the quote closed, \' and the quote opened again),
// "…", $'…' with its C escapes, a backslash
// outside quotes. A quote left open at a line end runs on to the next
// line; trace says a line that starts with "+ " ends it (the quote was
// no value's: an interleaved pipeline's trace). err says why it does
// not read.
func shxSplit(lines []string, i int, s string, trace bool) (shxLine, string) {
	var out shxLine
	var w strings.Builder
	in := false
	col0 := false // the last quote closed on a line's first column
	end := func() {
		if in {
			out.words = append(out.words, w.String())
		}
		w.Reset()
		in = false
	}
	line, pos := i, 0 // where s is: lines[line], from pos
	// next moves to the following line for a quote left open; false when
	// there is none to move to.
	next := func() bool {
		if line+1 >= len(lines) || line+1-i >= shxMaxLines {
			return false
		}
		n := strings.TrimRight(lines[line+1], "\r")
		if trace && shxTrace.MatchString(n) {
			return false
		}
		line++
		s, pos = n, 0
		w.WriteByte('\n')
		return true
	}
	// quoted reads a quoted word's text up to its closing quote q (left
	// at pos), running on over line ends; esc, if any, takes a backslash
	// with a character after it on the line.
	quoted := func(q byte, esc func()) string {
		for {
			if pos >= len(s) {
				if !next() {
					return fmt.Sprintf("a quote (%c) not closed: the trace is cut inside a value", q)
				}
				continue
			}
			d := s[pos]
			if d == q {
				return ""
			}
			if esc != nil && d == '\\' && pos+1 < len(s) {
				esc()
				continue
			}
			if d != '\r' {
				w.WriteByte(d)
			}
			pos++
		}
	}
	for pos < len(s) {
		c := s[pos]
		switch {
		case c == ' ' || c == '\t':
			end()
			pos++
			continue
		case c == '\\' && pos+1 < len(s):
			w.WriteByte(s[pos+1])
			pos += 2
		case c == '\'' || c == '$' && pos+1 < len(s) && s[pos+1] == '\'':
			ansi := c == '$'
			if ansi {
				pos++
			}
			pos++
			esc := func() { pos += 1 + shxEscape(s[pos+1:], &w) }
			if !ansi {
				esc = nil
			}
			if err := quoted('\'', esc); err != "" {
				return out, err
			}
			col0 = pos == 0 && line > i
			pos++
			in = true
			if col0 && pos < len(s) && s[pos] != ' ' && s[pos] != '\t' {
				// A terminal's copy: the quote over the first column of
				// the value's last line, whose CR it followed; the rest
				// of the line is that line's.
				out.overwrite = strings.TrimRight(s[pos:], " \t")
				w.WriteString(out.overwrite)
				pos = len(s)
			}
			continue
		case c == '"':
			pos++
			esc := func() {
				// Only \, \", \$ and \` are escapes in "…".
				if strings.IndexByte("\\\"$`", s[pos+1]) >= 0 {
					pos++
				}
				w.WriteByte(s[pos])
				pos++
			}
			if err := quoted('"', esc); err != "" {
				return out, err
			}
			col0 = pos == 0 && line > i
			pos++
			in = true
			continue
		default:
			if c != '\r' {
				w.WriteByte(c)
			}
			pos++
		}
		in = true
	}
	end()
	out.last = line
	return out, ""
}

// shxEscapedLF stands in a value for a line end $'…' wrote as \n: the
// value's line, not the log's, ends there.
const shxEscapedLF = '\x1e'

// shxEscape writes the character the $'…' escape at s (after its
// backslash) stands for; it returns the bytes it took.
func shxEscape(s string, w *strings.Builder) int {
	switch s[0] {
	case 'n':
		w.WriteByte(shxEscapedLF)
	case 'r':
		// A line's CR, as the modem ended it: the line end is the LF.
	case 't':
		w.WriteByte('\t')
	case 'a':
		w.WriteByte(7)
	case 'b':
		w.WriteByte(8)
	case 'e', 'E':
		w.WriteByte(27)
	case 'f':
		w.WriteByte(12)
	case 'v':
		w.WriteByte(11)
	case 'x':
		n := 1
		for n < 3 && n < len(s) && isHex(s[n]) {
			n++
		}
		if n == 1 {
			w.WriteString(`\x`)
			return 1
		}
		v, _ := strconv.ParseUint(s[1:n], 16, 8)
		if v != '\r' {
			w.WriteByte(byte(v))
		}
		return n
	case '0', '1', '2', '3', '4', '5', '6', '7':
		n := 0
		for n < 3 && n < len(s) && s[n] >= '0' && s[n] <= '7' {
			n++
		}
		v, _ := strconv.ParseUint(s[:n], 8, 16)
		if v != '\r' {
			w.WriteByte(byte(v))
		}
		return n
	default:
		w.WriteByte(s[0]) // \\ \' \"
	}
	return 1
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// shxInvocation is a traced line that sends the modem a command.
type shxInvocation struct {
	tool, command string
	// noFinal is why the tool's output lacks the final result ("" when
	// it shows it).
	noFinal string
	// stdin: the command is the tool's standard input, which a traced
	// echo or printf beside it gives (atinout).
	stdin bool
}

// parseShxTool reads words as a modem tool's invocation; ok is false for
// any other command. bad says why one cannot be read.
func parseShxTool(words []string) (inv shxInvocation, ok bool, bad string) {
	env := ""
	for len(words) > 0 && shxName.MatchString(words[0]) {
		if v, ok := strings.CutPrefix(words[0], "COMMAND="); ok {
			env = v
		}
		words = words[1:] // VAR=value before the command: its environment
	}
	if len(words) > 0 && (words[0] == "timeout" || words[0] == "sudo") {
		words = words[1:]
		for len(words) > 0 && (strings.HasPrefix(words[0], "-") || words[0] != "" && words[0][0] >= '0' && words[0][0] <= '9') {
			words = words[1:]
		}
	}
	if len(words) == 0 {
		return inv, false, ""
	}
	switch inv.tool = path.Base(words[0]); inv.tool {
	case "sms_tool":
		debug := false
		args := words[1:]
		for len(args) > 0 && strings.HasPrefix(args[0], "-") && len(args[0]) > 1 {
			a := args[0]
			args = args[1:]
			for k := 1; k < len(a); k++ {
				if strings.IndexByte("bdsf", a[k]) >= 0 {
					if k == len(a)-1 && len(args) > 0 {
						args = args[1:] // the option's argument
					}
					break
				}
				if a[k] == 'D' {
					debug = true
				}
			}
		}
		if len(args) == 0 || args[0] != "at" {
			return inv, false, "" // send, recv, ussd: no AT command of the log's
		}
		if len(args) < 2 {
			return inv, true, "sms_tool's at with no command after it"
		}
		inv.command = args[1]
		if !debug {
			inv.noFinal = smsToolNoFinal
		}
		return inv, true, ""
	case "gcom", "comgt":
		// COMMAND=AT… gcom -d PORT -s SCRIPT: the scripts OpenWrt's
		// users write for it (run-at.gcom) send $env("COMMAND") and a
		// CR, then print what the modem sent for a few seconds. Another
		// script's commands are in its file, which the trace does not
		// show: a note.
		if env == "" || !slices.Contains(words, "-s") {
			return inv, false, ""
		}
		inv.command, inv.noFinal = env, gcomNoFinal
		return inv, true, ""
	case "atinout":
		// atinout INPUT DEVICE OUTPUT: the commands from INPUT, "-" its
		// standard input.
		if len(words) < 3 {
			return inv, true, "atinout without its input and device (atinout - /dev/ttyUSB2 -)"
		}
		if words[1] != "-" {
			return inv, true, fmt.Sprintf("atinout reads its commands from the file %s, which the trace does not show", words[1])
		}
		inv.stdin = true
		return inv, true, ""
	}
	return inv, false, ""
}

// shxEchoed is the text a traced echo or printf writes: the command line
// it sends, without the CR or LF that ends it ("" when it is not one
// AT command line).
func shxEchoed(words []string) string {
	if len(words) < 2 || words[0] != "echo" && words[0] != "printf" {
		return ""
	}
	args := words[1:]
	for len(args) > 1 && words[0] == "echo" && (args[0] == "-e" || args[0] == "-n" || args[0] == "-ne" || args[0] == "-en") {
		args = args[1:]
	}
	if len(args) != 1 {
		return ""
	}
	s := args[0]
	for _, end := range []string{`\r\n`, `\n`, `\r`, "\n", "\r"} {
		s = strings.TrimSuffix(s, end)
	}
	s = strings.TrimSuffix(s, `\r`)
	if strings.ContainsAny(s, "\n\r") {
		return ""
	}
	if ok, _ := bareCommandLine(s); !ok {
		return ""
	}
	return s
}

// shxReadsPort reports a traced cat (timeout's too) of a serial port:
// what reads the modem's answer to an echo into it.
func shxReadsPort(words []string) bool {
	if len(words) > 0 && words[0] == "timeout" {
		words = words[1:]
		for len(words) > 0 && (strings.HasPrefix(words[0], "-") || words[0] != "" && words[0][0] >= '0' && words[0][0] <= '9') {
			words = words[1:]
		}
	}
	return len(words) >= 2 && path.Base(words[0]) == "cat" && shxDevice.MatchString(words[len(words)-1])
}

// looksLikeShx reports a shell trace that runs a modem tool.
func looksLikeShx(lines []string) bool {
	for i, l := range lines {
		if i >= sniffLines {
			break
		}
		m := shxTrace.FindStringSubmatch(strings.TrimRight(l, "\r"))
		if m == nil || !strings.Contains(m[2], "sms_tool") && !strings.Contains(m[2], "atinout") && !strings.Contains(m[2], "gcom") && !strings.Contains(m[2], "cat ") {
			continue
		}
		sl, err := shxSplit(lines, i, m[2], true)
		if err != "" {
			continue
		}
		if _, ok, _ := parseShxTool(sl.words); ok || shxReadsPort(sl.words) {
			return true
		}
	}
	return false
}

// shxValue is a traced assignment's value read as the modem's lines:
// each with its log line, blank ones left out.
func shxValue(value string, first int, overwrite string) []record {
	var out []record
	ls := strings.Split(value, "\n")
	for k, l := range ls {
		parts := strings.Split(l, string(shxEscapedLF))
		for m, p := range parts {
			if overwrite != "" && k == len(ls)-1 && m == len(parts)-1 {
				p = shxRestore(overwrite)
			}
			if p = strings.TrimRight(p, " \t"); strings.TrimSpace(p) != "" {
				out = append(out, record{line: first + k, dir: Modem, text: p})
			}
		}
	}
	return out
}

// shxRestore is the line a terminal showed as the closing quote and
// rest: the final result one first character makes of rest ("K": "OK",
// "RROR": "ERROR", "CME ERROR: 10": "+CME ERROR: 10"), else rest as it
// stands behind a "?" for the character lost.
func shxRestore(rest string) string {
	for _, c := range "OE+CNB" {
		if s := string(c) + rest; isFinal(s) || s == "COMMAND NOT SUPPORT" {
			return s
		}
	}
	return "?" + rest
}

// shxAssignment reads a traced line's words as one assignment: its value.
func shxAssignment(words []string) (string, bool) {
	if len(words) != 1 {
		return "", false
	}
	loc := shxName.FindStringIndex(words[0])
	if loc == nil {
		return "", false
	}
	return words[0][loc[1]:], true
}

// shxEchoArg reads a traced line's words as an echo of one argument
// (echo "$(tool …)" traced after the tool): the argument.
func shxEchoArg(words []string) (string, bool) {
	if len(words) == 3 && words[0] == "echo" && (words[1] == "-e" || words[1] == "-n") {
		words = []string{words[0], words[2]}
	}
	if len(words) != 2 || words[0] != "echo" {
		return "", false
	}
	return words[1], true
}

// shxBlankAssignment is a terminal's copy of "+ O='\r'" (an answer of one
// blank line, sms_tool's without -D for a bare OK): the closing quote,
// after the CR, over the line's "+".
var shxBlankAssignment = regexp.MustCompile(`^' [A-Za-z_][A-Za-z0-9_]*='$`)

// readShx reads a shell's trace of a script's modem tool.
func readShx(file string, lines []string) (*Transcript, error) {
	var recs []record
	note := func(n int, text string) {
		if strings.TrimSpace(text) != "" { // a blank line of a value, as blank lines anywhere
			recs = append(recs, record{line: n, dir: Tool, text: text})
		}
	}
	sent := 0
	portRead := false // a cat of a port ran: an echo of a command line is written to it
	// readAt reads the traced line at i as words; one that does not
	// split stays a note, unless it names a modem tool.
	type traced struct {
		ok    bool
		words []string
		sl    shxLine
		err   string // why its words do not read
		tool  bool   // it names a modem tool
	}
	readAt := func(i int) traced {
		m := shxTrace.FindStringSubmatch(strings.TrimRight(lines[i], "\r"))
		if m == nil {
			return traced{}
		}
		sl, err := shxSplit(lines, i, m[2], true)
		if err != "" {
			tool := strings.Contains(m[2], "sms_tool") || strings.Contains(m[2], "atinout") || strings.Contains(m[2], "gcom")
			return traced{ok: true, sl: shxLine{last: i}, err: err, tool: tool}
		}
		return traced{ok: true, words: sl.words, sl: sl}
	}
	for i := 0; i < len(lines); i++ {
		n, l := i+1, strings.TrimRight(lines[i], "\r")
		if strings.TrimSpace(l) == "" {
			continue
		}
		tr := readAt(i)
		if !tr.ok {
			note(n, l) // the script's own output, a prompt
			continue
		}
		if tr.tool {
			return nil, errAt(file, n, "a modem tool's command line that does not read: %s", tr.err)
		}
		inv, isTool, bad := parseShxTool(tr.words)
		command := inv.command
		if !isTool && shxReadsPort(tr.words) {
			portRead = true
		}
		catAt := -1 // the traced cat of the port that reads the answer
		if !isTool {
			// A command line echoed into the port a cat reads: one that
			// ran before it (in the background), or one of the next
			// traced lines.
			if command = shxEchoed(tr.words); command != "" {
				inv.tool = "echo"
				for k, seen := tr.sl.last+1, 0; !portRead && k < len(lines) && seen < 3; k++ {
					p := readAt(k)
					if !p.ok {
						continue
					}
					if seen++; shxReadsPort(p.words) {
						catAt = k
						break
					}
					k = p.sl.last
				}
				if !portRead && catAt < 0 {
					command = ""
				}
			}
		}
		if isTool && inv.stdin {
			// The echo that feeds atinout, traced before or after it.
			if i > 0 {
				if p := readAt(i - 1); p.ok {
					command = shxEchoed(p.words)
				}
			}
			if command == "" && tr.sl.last+1 < len(lines) {
				if p := readAt(tr.sl.last + 1); p.ok {
					if command = shxEchoed(p.words); command != "" {
						for k := i; k <= tr.sl.last; k++ {
							note(k+1, strings.TrimRight(lines[k], "\r"))
						}
						i, n, tr.sl = tr.sl.last+1, tr.sl.last+2, p.sl
					}
				}
			}
			if command == "" {
				bad = "atinout's standard input is not an echo or printf of one AT command line traced beside it"
			}
		}
		if bad != "" {
			return nil, errAt(file, n, "%s", bad)
		}
		if command == "" {
			for k := i; k <= tr.sl.last; k++ {
				note(k+1, strings.TrimRight(lines[k], "\r"))
			}
			i = tr.sl.last
			continue
		}
		recs = append(recs, record{line: n, dir: Host, text: command, noFinal: inv.noFinal})
		hostAt := len(recs) - 1
		unshown := func(why string) { recs[hostAt].noFinal, recs[hostAt].noAnswer = "", why }
		if sent++; sent > MaxEntries {
			return nil, errAt(file, n, "more than %d commands", MaxEntries)
		}
		for k := i + 1; k <= tr.sl.last; k++ {
			note(k+1, strings.TrimRight(lines[k], "\r"))
		}
		i = tr.sl.last
		if catAt >= 0 {
			// The lines up to the cat's, which prints the answer.
			for k := i + 1; k <= catAt; k++ {
				note(k+1, strings.TrimRight(lines[k], "\r"))
			}
			i = catAt
		}
		// The answer: the untraced lines the tool printed, or the
		// assignment the next traced line makes of its output.
		j := i + 1
		printed, gaveUp := false, false
		for ; j < len(lines); j++ {
			o := strings.TrimRight(lines[j], "\r")
			if shxTrace.MatchString(o) {
				break
			}
			switch {
			case inv.tool == "sms_tool" && smsToolPortError.MatchString(strings.TrimSpace(o)):
				// Not sent: the invocation is a note, and so is what
				// follows it.
				if recs[hostAt].dir == Host {
					recs[hostAt] = record{line: recs[hostAt].line, dir: Tool, text: strings.TrimRight(lines[recs[hostAt].line-1], "\r")}
					sent--
				}
				note(j+1, o)
			case recs[hostAt].dir == Tool:
				if strings.TrimSpace(o) != "" {
					note(j+1, o)
				}
			case strings.TrimSpace(o) == smsToolTimeout:
				recs = append(recs, record{line: j + 1, dir: Tool, text: o, timeout: true, gaveUpOn: command})
				recs[hostAt].noFinal, gaveUp = "", true
			case shxBlankAssignment.MatchString(o):
				note(j+1, o) // the value of one blank line
				printed = true
			case strings.TrimSpace(o) != "":
				recs = append(recs, record{line: j + 1, dir: Modem, text: strings.TrimRight(o, " \t")})
				printed = true
			}
		}
		i = j - 1
		if printed || j == len(lines) || recs[hostAt].dir == Tool {
			continue
		}
		nx := readAt(j)
		if m := shxTrace.FindStringSubmatch(strings.TrimRight(lines[j], "\r")); nx.err != "" && shxName.MatchString(m[2]) {
			return nil, errAt(file, j+1, "the assignment of %s's output (line %d) does not read: %s", inv.tool, n, nx.err)
		}
		value, ok := shxAssignment(nx.words)
		if !ok {
			// echo "$(sms_tool …)": the output as echo's argument.
			value, ok = shxEchoArg(nx.words)
		}
		switch {
		case gaveUp && !ok:
			// Nothing captured: the tool's alarm went off first.
		case ok:
			// The value runs from the assignment's line.
			recs = append(recs, record{line: j + 1, dir: Tool, text: strings.TrimRight(lines[j], "\r")})
			recs = append(recs, shxValue(value, j+1, nx.sl.overwrite)...)
			i = nx.sl.last
			if value == "" && !gaveUp {
				// Nothing printed: not even the blank line before a
				// final result.
				unshown(fmt.Sprintf("the tool printed nothing (line %d): no answer is in the log", j+1))
			}
		case len(nx.words) > 0 && shxFilters[path.Base(nx.words[0])]:
			unshown(fmt.Sprintf("its output went through %s (line %d), whose output is not the modem's lines: the answer is not in the log", path.Base(nx.words[0]), j+1))
		default:
			unshown(fmt.Sprintf("its output is not in the trace (the next traced line, %d, is no assignment of it): the answer is not in the log", j+1))
		}
	}
	if sent == 0 {
		return nil, errAt(file, firstLine(lines), "a shell trace (sh -x), but no modem command in it: no sms_tool … at, atinout fed by an echo, COMMAND=… gcom -s, or echo into a port a cat reads (\"+ sms_tool -d /dev/ttyUSB2 at AT+CSQ\"): nothing to replay")
	}
	t, err := finish(file, NoTime, recs, false)
	if err != nil {
		return nil, err
	}
	for k, e := range t.Entries {
		if e.NoFinal != "" && FinalAfter(t, k) != "" {
			t.Entries[k].NoFinal = "" // a +CMS ERROR, which sms_tool prints
		}
	}
	return t, nil
}

// FinalAfter is the final result answering command k of t, "" for none.
func FinalAfter(t *Transcript, k int) string {
	for _, e := range t.Answer(k) {
		if e.Role == Final {
			return e.Verbose()
		}
	}
	return ""
}
