package modem

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	yaml "go.yaml.in/yaml/v3"

	"github.com/esimhil/esimhil/fixtures"
	"github.com/esimhil/esimhil/internal/ident"
)

// Personality is a modem vendor's AT dialect (DESIGN.md §8). Every
// difference is data read from fixtures/personalities/<name>.yaml; the
// interpreter turns the fields into behaviour. The card never sees it.
type Personality struct {
	Name         string
	Model        string         // +CGMM / ATI text, e.g. "EG25-like (esimhil)"
	ICCIDCommand string         // the command the host sends: "+CCID", "+QCCID", "+CICCID", "!ICCID"
	ICCIDPrefix  string         // its answer prefix: "+CCID: ", "+QCCID: ", "+ICCID: ", "!ICCID: "
	CCHOForm     string         // "prefixed" (+CCHO: 1), "bare" (1), "long" (a session id, not the channel)
	NoCCHC       bool           // +CCHC answers ERROR; close with MANAGE CHANNEL over +CSIM
	CSIMOnly     bool           // no +CCHO/+CGLA/+CCHC at all
	NoTestForms  bool           // every "=?" answers ERROR
	BootURCs     []string       // after power on and the +CFUN=1,1 restart
	RefreshURCs  []string       // after a SIM REFRESH reset the card
	RestartDelay time.Duration  // +CFUN=1,1 until the boot URCs
	CMEText      map[int]string // +CMEE=2 wording by code, over the 27.007 text
	// TAC is the model's Type Allocation Code, the first 8 IMEI digits;
	// "" is the generic personality's.
	TAC string
	// RefreshProfileStateChange: the terminal profile announces REFRESH in
	// "eUICC Profile State Change" mode (TS 102 223 §5.2, byte 34 b6).
	RefreshProfileStateChange bool
}

// CCHO answer forms.
const (
	CCHOPrefixed = "prefixed"
	CCHOBare     = "bare"
	CCHOLong     = "long"
)

// longSessionBase maps channel n to session id longSessionBase+n under the
// "long" +CCHO form (channel 1 is 1234567).
const longSessionBase = 1234566

// Generic is the pure 27.007 personality, and what a zero Personality in
// Options means; fixtures/personalities/generic.yaml says the same.
func Generic() Personality {
	return Personality{
		Name: "generic", Model: "esimhil modem emulator",
		ICCIDCommand: "+CCID", ICCIDPrefix: "+CCID: ", CCHOForm: CCHOPrefixed,
		BootURCs: []string{"RDY"}, RestartDelay: 11 * time.Second,
		TAC: "00100101", RefreshProfileStateChange: true,
	}
}

// Personalities returns the names of the known personalities, sorted.
func Personalities() []string {
	files, _ := fs.Glob(fixtures.Personalities, "personalities/*.yaml")
	names := make([]string, 0, len(files))
	for _, f := range files {
		names = append(names, strings.TrimSuffix(path.Base(f), ".yaml"))
	}
	slices.Sort(names)
	return names
}

// LoadPersonality reads fixtures/personalities/<name>.yaml. An unknown
// name lists the known ones; a bad file is reported as file:line.
func LoadPersonality(name string) (Personality, error) {
	if !slices.Contains(Personalities(), name) {
		return Personality{}, fmt.Errorf("modem personality %q unknown; known: %s", name, strings.Join(Personalities(), ", "))
	}
	file := "personalities/" + name + ".yaml"
	data, err := fixtures.Personalities.ReadFile(file)
	if err != nil {
		return Personality{}, fmt.Errorf("modem personality %q: %w", name, err)
	}
	p, err := ParsePersonality("fixtures/"+file, data)
	if err != nil {
		return Personality{}, err
	}
	if p.Name != name {
		return Personality{}, fmt.Errorf("fixtures/%s: name %q, want %q", file, p.Name, name)
	}
	return p, nil
}

// ParsePersonality decodes one personality file; file names it in errors.
func ParsePersonality(file string, data []byte) (Personality, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return Personality{}, fmt.Errorf("%s: %w", file, err)
	}
	errAt := func(n *yaml.Node, format string, args ...any) error {
		return fmt.Errorf("%s:%d:%d: %s", file, n.Line, n.Column, fmt.Sprintf(format, args...))
	}
	if len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return Personality{}, fmt.Errorf("%s:1: want a mapping of personality fields", file)
	}
	root := doc.Content[0]
	var p Personality
	seen := map[string]bool{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if seen[k.Value] {
			return Personality{}, errAt(k, "%s: given twice", k.Value)
		}
		seen[k.Value] = true
		var err error
		switch k.Value {
		case "name":
			p.Name, err = scalarStr(v)
		case "model":
			p.Model, err = scalarStr(v)
		case "iccid_command":
			p.ICCIDCommand, err = scalarStr(v)
		case "iccid_prefix":
			p.ICCIDPrefix, err = scalarStr(v)
		case "ccho_form":
			p.CCHOForm, err = scalarStr(v)
		case "no_cchc":
			err = v.Decode(&p.NoCCHC)
		case "csim_only":
			err = v.Decode(&p.CSIMOnly)
		case "no_test_forms":
			err = v.Decode(&p.NoTestForms)
		case "boot_urcs":
			err = strList(v, &p.BootURCs)
		case "refresh_urcs":
			err = strList(v, &p.RefreshURCs)
		case "restart_delay":
			var s string
			if s, err = scalarStr(v); err == nil {
				p.RestartDelay, err = time.ParseDuration(s)
				if err == nil && p.RestartDelay <= 0 {
					err = errors.New("want a positive duration")
				}
			}
		case "cme_text":
			err = cmeTexts(v, &p.CMEText)
		case "tac":
			if p.TAC, err = scalarStr(v); err == nil && !ident.Digits(p.TAC, 8, 8) {
				err = errors.New("want 8 digits")
			}
		case "refresh_profile_state_change":
			err = v.Decode(&p.RefreshProfileStateChange)
		default:
			return Personality{}, errAt(k, "unknown field %q", k.Value)
		}
		if err != nil {
			return Personality{}, errAt(v, "%s: %v", k.Value, err)
		}
	}
	for _, f := range []string{"name", "model", "iccid_command", "iccid_prefix", "ccho_form", "restart_delay"} {
		if !seen[f] {
			return Personality{}, errAt(root, "%s: required field missing", f)
		}
	}
	if !slices.Contains([]string{CCHOPrefixed, CCHOBare, CCHOLong}, p.CCHOForm) {
		return Personality{}, errAt(root, "ccho_form %q: want prefixed, bare or long", p.CCHOForm)
	}
	if c := p.ICCIDCommand; len(c) < 2 || !strings.ContainsRune("+!$%#^", rune(c[0])) || strings.ToUpper(c) != c {
		return Personality{}, errAt(root, "iccid_command %q: want an upper-case extended command such as +CCID", c)
	}
	return p, nil
}

func scalarStr(n *yaml.Node) (string, error) {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return "", errors.New("want a string")
	}
	return n.Value, nil
}

func strList(n *yaml.Node, dst *[]string) error {
	if n.Kind != yaml.SequenceNode {
		return errors.New("want a list of strings")
	}
	for _, c := range n.Content {
		s, err := scalarStr(c)
		if err != nil || s == "" || strings.ContainsAny(s, "\r\n") {
			return fmt.Errorf("line %d: want a one-line string", c.Line)
		}
		*dst = append(*dst, s)
	}
	return nil
}

func cmeTexts(n *yaml.Node, dst *map[int]string) error {
	if n.Kind != yaml.MappingNode {
		return errors.New("want a mapping of CME code to text")
	}
	*dst = map[int]string{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		code, err := strconv.Atoi(n.Content[i].Value)
		if err != nil || code < 0 || code > 999 {
			return fmt.Errorf("line %d: code %q: want 0-999", n.Content[i].Line, n.Content[i].Value)
		}
		s, err := scalarStr(n.Content[i+1])
		if err != nil || s == "" || strings.ContainsAny(s, "\r\n") {
			return fmt.Errorf("line %d: want a one-line text", n.Content[i+1].Line)
		}
		(*dst)[code] = s
	}
	return nil
}

// sessionID is the <sessionid> the host sees for a logical channel.
func (p Personality) sessionID(ch int) int {
	if p.CCHOForm == CCHOLong {
		return longSessionBase + ch
	}
	return ch
}

// channel maps a host's <sessionid> back to the logical channel.
func (p Personality) channel(session int) int {
	if p.CCHOForm == CCHOLong {
		return session - longSessionBase
	}
	return session
}

// cchoLine is the +CCHO answer for a session id.
func (p Personality) cchoLine(session int) string {
	if p.CCHOForm == CCHOBare {
		return strconv.Itoa(session)
	}
	return "+CCHO: " + strconv.Itoa(session)
}

// supports reports whether the personality has a command at all; a missing
// one answers plain ERROR like an unknown command.
func (p Personality) supports(c string) bool {
	switch c {
	case "+CCHO", "+CGLA":
		return !p.CSIMOnly
	case "+CCHC":
		return !p.CSIMOnly && !p.NoCCHC
	}
	return true
}
