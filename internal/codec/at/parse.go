package at

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// ErrSyntax is wrapped by every Parse error.
var ErrSyntax = errors.New("at: syntax error")

// Form is the shape of a command (V.250 §5.3-5.4).
type Form int

const (
	Exec Form = iota // AT+CIMI, ATZ
	Read             // AT+CFUN?
	Test             // AT+CFUN=?
	Set              // AT+CFUN=1,1 (basic commands with a number, ATE0, use Set)
)

func (f Form) String() string {
	switch f {
	case Read:
		return "read"
	case Test:
		return "test"
	case Set:
		return "set"
	}
	return "exec"
}

// Arg is one parameter of a command. Raw is the text between the quotes for a
// quoted string; escapes are left as sent (UnescapeString reads them).
type Arg struct {
	Raw    string
	Quoted bool
	Empty  bool // omitted: "AT+CRSM=176,28423,,,9"
}

// Int returns a decimal numeric argument.
func (a Arg) Int() (int, error) {
	if a.Empty || a.Quoted {
		return 0, fmt.Errorf("%w: want a number, got %q", ErrSyntax, a.Raw)
	}
	// V.250 numeric constants are unsigned decimal; the length bound keeps
	// the value inside int on every platform.
	for i := 0; i < len(a.Raw); i++ {
		if !isDigit(a.Raw[i]) || i >= 9 {
			return 0, fmt.Errorf("%w: bad number %q", ErrSyntax, a.Raw)
		}
	}
	n, err := strconv.Atoi(a.Raw)
	if err != nil {
		return 0, fmt.Errorf("%w: bad number %q: %w", ErrSyntax, a.Raw, err)
	}
	return n, nil
}

// Str returns the argument's text.
func (a Arg) Str() string { return a.Raw }

// Command is one command of a line: "AT+CEREG=2;+COPS?" holds two.
type Command struct {
	Name string // upper case: "+CEREG", "E", "&F", "S0"
	Form Form
	Args []Arg
}

// String renders the command as it would appear after "AT".
func (c Command) String() string {
	var b strings.Builder
	b.WriteString(c.Name)
	switch c.Form {
	case Read:
		b.WriteByte('?')
	case Test:
		b.WriteString("=?")
	case Set:
		if c.Name[0] == '+' || c.Name[0] == '$' || c.Name[0] == '!' || c.Name[0] == '%' || c.Name[0] == '#' || c.Name[0] == '^' || c.Name[0] == 'S' {
			b.WriteByte('=')
		}
		for i, a := range c.Args {
			if i > 0 {
				b.WriteByte(',')
			}
			if a.Quoted {
				b.WriteString(`"` + a.Raw + `"`)
			} else {
				b.WriteString(a.Raw)
			}
		}
	}
	return b.String()
}

// extPrefix holds the characters that start an extended command: "+" is
// standard (V.250 §5.4.1), the others are vendor spaces ($, !, %, #, ^).
const extPrefix = "+$!%#^"

// letters name the basic commands: a name sliced from here, where
// string(upper(c)) would allocate one for each of a line's commands (a
// line may hold thousands: "ATE0V1Q0…").
const letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

// isNameChar reports V.250 §5.4.1 extended name characters.
func isNameChar(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' ||
		strings.IndexByte("!%-./:_", c) >= 0
}

// Parse splits a command line into its commands. The line must start with
// "AT" in any case; "AT" alone yields no commands.
func Parse(line string) ([]Command, error) {
	line = strings.TrimSpace(line)
	if len(line) < 2 || !strings.EqualFold(line[:2], "AT") {
		return nil, fmt.Errorf("%w: line does not start with AT", ErrSyntax)
	}
	p := parser{s: line, i: 2}
	var cmds []Command
	for {
		p.skipSpace()
		if p.end() {
			return cmds, nil
		}
		c, err := p.command()
		if err != nil {
			return nil, err
		}
		if len(cmds) == cap(cmds) {
			// Doubled, where append grows a long slice by a quarter and
			// copies a line of thousands of commands many times over.
			cmds = slices.Grow(cmds, max(len(cmds), 1))
		}
		cmds = append(cmds, c)
		p.skipSpace()
		if p.end() {
			return cmds, nil
		}
		if p.peek() == ';' {
			p.i++
			p.skipSpace()
			if !p.end() && p.peek() == ';' {
				return nil, fmt.Errorf("%w: empty command at column %d", ErrSyntax, p.i+1)
			}
			continue
		}
		if c.extended() {
			return nil, fmt.Errorf("%w: want ';' after %s at column %d", ErrSyntax, c.Name, p.i+1)
		}
	}
}

func (c Command) extended() bool { return strings.IndexByte(extPrefix, c.Name[0]) >= 0 }

type parser struct {
	s string
	i int
}

func (p *parser) end() bool  { return p.i >= len(p.s) }
func (p *parser) peek() byte { return p.s[p.i] }
func (p *parser) skipSpace() {
	for !p.end() && p.s[p.i] == ' ' {
		p.i++
	}
}

func upper(c byte) byte {
	if c >= 'a' && c <= 'z' {
		return c - 'a' + 'A'
	}
	return c
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isAlpha(c byte) bool { return upper(c) >= 'A' && upper(c) <= 'Z' }

func (p *parser) command() (Command, error) {
	c := p.peek()
	switch {
	case strings.IndexByte(extPrefix, c) >= 0:
		return p.extendedCmd()
	case c == '&' || c == '\\':
		if p.i+1 >= len(p.s) || !isAlpha(p.s[p.i+1]) {
			return Command{}, fmt.Errorf("%w: %q must be followed by a letter at column %d", ErrSyntax, c, p.i+1)
		}
		name := p.s[p.i : p.i+2]
		if l := p.s[p.i+1]; upper(l) != l {
			name = string([]byte{c, upper(l)}) // not as typed: no slice of the line
		}
		p.i += 2
		return p.basicTail(name), nil
	case upper(c) == 'S':
		return p.sRegister()
	case upper(c) == 'D':
		// Dial takes the rest of the command up to ';' (V.250 §6.3.1).
		p.i++
		start := p.i
		for !p.end() && p.peek() != ';' {
			p.i++
		}
		return Command{Name: "D", Form: Set, Args: []Arg{{Raw: p.s[start:p.i]}}}, nil
	case isAlpha(c):
		p.i++
		u := upper(c) - 'A'
		return p.basicTail(letters[u : u+1]), nil
	case c == ';':
		return Command{}, fmt.Errorf("%w: empty command at column %d", ErrSyntax, p.i+1)
	}
	return Command{}, fmt.Errorf("%w: unexpected %q at column %d", ErrSyntax, c, p.i+1)
}

// basicTail reads the optional number of a basic command (V.250 §5.3.1).
func (p *parser) basicTail(name string) Command {
	p.skipSpace() // "ATE 0" is ATE0 (V.250 §5.2.1)
	if !p.end() && p.peek() == '?' {
		p.i++
		return Command{Name: name, Form: Read}
	}
	start := p.i
	for !p.end() && isDigit(p.peek()) {
		p.i++
	}
	if p.i == start {
		return Command{Name: name, Form: Exec}
	}
	return Command{Name: name, Form: Set, Args: []Arg{{Raw: p.s[start:p.i]}}}
}

// sRegister reads S<n>?, S<n>=? and S<n>=<v> (V.250 §5.3.2).
func (p *parser) sRegister() (Command, error) {
	p.i++
	start := p.i
	for !p.end() && isDigit(p.peek()) {
		p.i++
	}
	if p.i == start {
		return Command{}, fmt.Errorf("%w: S without register number at column %d", ErrSyntax, p.i+1)
	}
	name := "S" + p.s[start:p.i]
	p.skipSpace()
	switch {
	case !p.end() && p.peek() == '?':
		p.i++
		return Command{Name: name, Form: Read}, nil
	case !p.end() && p.peek() == '=':
		p.i++
		p.skipSpace()
		if !p.end() && p.peek() == '?' {
			p.i++
			return Command{Name: name, Form: Test}, nil
		}
		vs := p.i
		for !p.end() && isDigit(p.peek()) {
			p.i++
		}
		return Command{Name: name, Form: Set, Args: []Arg{{Raw: p.s[vs:p.i], Empty: p.i == vs}}}, nil
	}
	return Command{}, fmt.Errorf("%w: want '?' or '=' after %s", ErrSyntax, name)
}

// extendedCmd reads +NAME, +NAME?, +NAME=? and +NAME=<args>. Spaces
// between the prefix, the name, '=' and '?' are skipped: V.250 §5.2.1
// ignores spaces outside numeric and string constants, so "AT+CMEE = 2"
// and "AT+CEREG ?" are the commands without them.
func (p *parser) extendedCmd() (Command, error) {
	prefix, pos := p.peek(), p.i
	p.i++
	p.skipSpace()
	start := p.i
	for !p.end() && isNameChar(p.peek()) {
		p.i++
	}
	if p.i == start {
		return Command{}, fmt.Errorf("%w: missing command name at column %d", ErrSyntax, start)
	}
	c := Command{Name: p.s[pos:p.i], Form: Exec}
	if up := strings.ToUpper(p.s[start:p.i]); start != pos+1 || up != p.s[start:p.i] {
		c.Name = string(prefix) + up // not as typed: no slice of the line
	}
	p.skipSpace()
	switch {
	case !p.end() && p.peek() == '?':
		p.i++
		c.Form = Read
	case !p.end() && p.peek() == '=':
		p.i++
		p.skipSpace()
		if !p.end() && p.peek() == '?' {
			p.i++
			c.Form = Test
			break
		}
		c.Form = Set
		args, err := p.args()
		if err != nil {
			return Command{}, fmt.Errorf("%s: %w", c.Name, err)
		}
		c.Args = args
	}
	return c, nil
}

// args reads comma-separated parameters up to ';' or the end of the line.
func (p *parser) args() ([]Arg, error) {
	// Sized once for the commas ahead (an upper bound: some may be
	// quoted, or another command's), where appends would grow it twice
	// for three arguments.
	out := make([]Arg, 0, min(1+strings.Count(p.s[p.i:], ","), 8))
	for {
		p.skipSpace()
		var a Arg
		switch {
		case !p.end() && p.peek() == '"':
			open := p.i
			p.i++
			s := p.i
			for !p.end() && p.peek() != '"' {
				p.i++
			}
			if p.end() {
				return nil, fmt.Errorf("%w: missing closing quote for string at column %d", ErrSyntax, open+1)
			}
			a = Arg{Raw: p.s[s:p.i], Quoted: true}
			p.i++
			p.skipSpace()
		default:
			s := p.i
			for !p.end() && p.peek() != ',' && p.peek() != ';' {
				if p.peek() == '"' {
					return nil, fmt.Errorf("%w: stray quote at column %d", ErrSyntax, p.i+1)
				}
				p.i++
			}
			raw := strings.TrimRight(p.s[s:p.i], " ")
			a = Arg{Raw: raw, Empty: raw == ""}
		}
		out = append(out, a)
		if p.end() || p.peek() == ';' {
			return out, nil
		}
		if p.peek() != ',' {
			return nil, fmt.Errorf("%w: want ',' at column %d", ErrSyntax, p.i+1)
		}
		p.i++
	}
}
