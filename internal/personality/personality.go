// Package personality holds the modem dialects (README "Modem personalities") as data:
// fixtures/personalities/<name>.yaml, read through the fixtures embed. The
// modem emulator turns a Personality into behaviour; the host side (dialects,
// lab runs, discovery) reads the same data to know what to send and what to
// expect. It imports no emulator and no host package.
//
// Personalities compose: a file may name a base (`base: generic`) and give
// only the fields that differ, and Override lays further fields over a
// loaded personality (a fixture manifest's quirks of one field device).
package personality

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	yaml "go.yaml.in/yaml/v3"

	"github.com/esimhil/esimhil/fixtures"
	"github.com/esimhil/esimhil/internal/codec/at"
	"github.com/esimhil/esimhil/internal/ident"
	"github.com/esimhil/esimhil/internal/yamlnode"
)

// Personality is a modem vendor's AT dialect. Every difference is data;
// the emulator's interpreter turns the fields into behaviour. The card
// never sees it.
type Personality struct {
	Name  string
	Base  string // the personality this one was composed on, "" if none
	Model string // +CGMM / ATI text, e.g. "EG25-like (esimhil)"
	// Manufacturer is the +CGMI answer, the vendor's own ("Quectel"): a
	// host may pick its vendor code by it where the port has no USB ids
	// (a pty, ser2net), as ModemManager's Quectel and u-blox plugins do
	// (outside testers sw118, sw122).
	// "" is the emulator's, "esimhil".
	Manufacturer string
	Revision     string   // +CGMR; "" is "1.0"
	ICCIDCommand string   // the command the host sends: "+CCID", "+QCCID", "+CICCID", "!ICCID?" (a read form keeps its "?")
	ICCIDPrefix  string   // its answer prefix: "+CCID: ", "+QCCID: ", "+ICCID: ", "!ICCID: "
	CCHOForm     string   // "prefixed" (+CCHO: 1), "bare" (1), "long" (a session id, not the channel)
	NoCCHC       bool     // +CCHC answers ERROR; close with MANAGE CHANNEL over +CSIM
	CSIMOnly     bool     // no +CCHO/+CGLA/+CCHC at all
	NoTestForms  bool     // every "=?" answers ERROR
	BootURCs     []string // after power on and the +CFUN=1,1 restart
	RefreshURCs  []string // after a SIM REFRESH reset the card
	// CardGoneURCs are what the modem says unasked when the card leaves
	// it (pulled out, its contacts lost): SIMCom's "+SIMCARD: NOT
	// AVAILABLE" and "+CPIN: SIM REMOVED", a Quectel's "+CPIN: NOT
	// READY". None: the modem says nothing until asked.
	CardGoneURCs []string
	// CardBackURCs are what it says when a card comes back and is read
	// (an A7600's "+CPIN: READY", "SMS DONE", "PB DONE"). None: the
	// card-state ones of BootURCs (+CPIN:, +QUSIM:).
	CardBackURCs []string
	RestartDelay time.Duration // +CFUN=1,1 until the boot URCs (the emulator's figure)
	// VendorRestarts are the restart commands the modem takes beyond
	// 27.007's AT+CFUN=1,1, as sent ("AT!RESET", "AT+CFUN=16"), each one
	// of the codec's (at.VendorRestarts): a vendor's own, which another
	// vendor's modem refuses as any command it lacks. None: +CFUN=1,1 alone.
	VendorRestarts []string
	// CardKeptRestarts are those of VendorRestarts after which the card
	// keeps its power and its logical channels: the MT resets, the SIM
	// not (u-blox's +CFUN=15, a silent reset "without reset of the SIM
	// card" where 16 resets it too, u-blox AT commands manual
	// UBX-13002752 §5.3). The MT's sessions (+CCHO's ids) end all the
	// same. None: every restart resets the card with the MT.
	CardKeptRestarts []string
	// PowerDowns are the power-down commands the modem takes, as sent
	// ("AT+QPOWD"), each one of the codec's (at.VendorPowerDowns): any
	// form but read and test answers OK and the modem goes off until its
	// power comes back. None: it lacks them all, as any command it lacks.
	PowerDowns []string
	// PowerDownURCs are what the modem says unasked as it goes down,
	// after the OK of a power-down command and of a restart, each one of
	// the codec's (at.IsPowerDownURC): a Quectel's "POWERED DOWN". None:
	// it goes down without a word, as a u-blox after +CPWROFF's OK.
	PowerDownURCs []string
	CMEText       map[int]string // +CMEE=2 wording by code, over the 27.007 text
	// BootURCDelays, when given, is how long after the boot each of
	// BootURCs comes, one for each, in their order: a real module's boot
	// goes on for seconds (an A7670's PB DONE comes well after its
	// *ATREADY: 1), and a host talks to it meanwhile. None: all at once.
	BootURCDelays []time.Duration
	// Identify holds patterns (Go regexps) that a real modem's ATI or
	// +CGMM answer matches when it speaks this dialect; lab discovery
	// proposes the personality from them.
	Identify []string
	// Timeouts bound a host's waits on a real modem of this kind.
	Timeouts Timeouts
	// TAC is the model's Type Allocation Code, the first 8 IMEI digits;
	// "" is the generic personality's.
	TAC string
	// RefreshProfileStateChange: the terminal profile announces REFRESH in
	// "eUICC Profile State Change" mode (TS 102 223 §5.2, byte 34 b6).
	RefreshProfileStateChange bool

	// Quirks: behaviour of particular modems and firmwares that field logs
	// show (README, "Modem quirks"); the zero values are 27.007's.

	// CGLAMaxAPDU refuses an AT+CGLA whose APDU is longer than this many
	// bytes with a bare ERROR, whatever +CMEE says (0: no limit).
	CGLAMaxAPDU int
	// CGLARefused answers every AT+CGLA=… with ERROR while AT+CGLA=? says
	// OK: only the +CSIM path reaches the card.
	CGLARefused bool
	// CCHCBareLine answers AT+CCHC=<n> with a bare "+CCHC" line before OK,
	// for any session id, open or not.
	CCHCBareLine bool
	// TestAnswers are the information lines of "=?" test commands, by
	// command ("+CCHO": "+CCHO: <dfname>"); a command not listed answers
	// a bare OK.
	TestAnswers map[string]string
	// EchoJoinsPrevious ends final result codes with CR and no LF while
	// echo is on, so the echo of the next command line runs on from the
	// last answer: a host splitting at LF reads "OK<CR>AT+CGLA=…".
	EchoJoinsPrevious bool
	// RefreshIgnored leaves the card's REFRESH (reset modes) undone: no
	// detach, no card reset, the old ICCID, IMSI and registration stay
	// until AT+CFUN=1,1 or a power cycle.
	RefreshIgnored bool
	// RefreshDelay is how long after the card's REFRESH was fetched the
	// modem carries it out (the card's reset, its channels gone, the
	// REFRESH URCs): 0, the default, at once. A host that closes its
	// channel right after an EnableProfile then gets OK, as lpac logs
	// show, and the REFRESH's URCs come after (quirk refresh_delay).
	RefreshDelay time.Duration
	// APDUAnswerNoSpace writes the +CGLA and +CSIM answers without the
	// space after the colon ("+CGLA:4,\"611A\""), as a SIMCom A7908E does.
	APDUAnswerNoSpace bool
	// CCHONoSpace writes the +CCHO answer without the space after the
	// colon ("+CCHO:1"), which a recording may show beside +CGLA's
	// (apdu_answer_no_space is the APDU answers' alone: lpac's A7908E
	// report shows its +CGLA, not its +CCHO).
	CCHONoSpace bool
	// CGLAPasses61xx hands the card's 61xx (and 6Cxx) to the host in the
	// +CGLA answer instead of fetching the response itself: the host sends
	// GET RESPONSE in its own +CGLA (an A7908E answered a STORE DATA with
	// "+CGLA:4,\"611A\"").
	CGLAPasses61xx bool
	// CSIMOpenRepeats6Cxx sends a MANAGE CHANNEL open in +CSIM (00 70 00
	// 00, the card choosing the channel) again with P3 xx when the card
	// answers its P3 6Cxx (TS 102 221 §7.3.1.1.4: it sends one byte), and
	// hands the host that answer: the channel's number. Hosts open with
	// P3 00 (AT+CSIM=10,"0070000000", lpac issue 164's DW5821e and an
	// EG25, Qualcomm modems, which own the channels); without it +CSIM is
	// transparent (27.007 §8.17) and the host gets 6C01. Other commands'
	// 6Cxx still go to the host.
	CSIMOpenRepeats6Cxx bool
	// Hides91xx answers a +CGLA or +CSIM whose APDU the card answered
	// with 91xx (a proactive command pending: after an EnableProfile, the
	// REFRESH) with 9000: the modem's own toolkit fetches the command and
	// the host never learns it waited, as lpac logs show
	// ("+CGLA: 16,\"BF31038001009000\"" for an enable with refreshFlag,
	// then the REFRESH's URC).
	Hides91xx bool
	// CGLAClosedError is the +CME ERROR code of a +CGLA on a session
	// that is not open — never opened, closed by +CCHC, or gone with the
	// card's reset at a REFRESH or restart: 0, the default, is 21 (invalid
	// index); Telit's LE910 answers 3 (operation not allowed) (quirk
	// cgla_closed_error).
	CGLAClosedError int
	// LocationHex is the case of the <tac> and <ci> hex digits in
	// +CREG/+CGREG/+CEREG: HexLower (the default) or HexUpper (27.007's
	// own examples, most Quectel and SIMCom firmwares).
	LocationHex string
	// ICCIDFiller is what the ICCID command prints of EF ICCID's F filler
	// (TS 102 221 §13.2: a 19-digit ICCID's tenth octet ends in F):
	// FillerStrip (the default, "") prints the digits alone, FillerKeep
	// the F too ("+CCID: 8937105220100124117F"), as a Fibocom L850/L860
	// and a Quectel EG25 do (quirk iccid_filler).
	ICCIDFiller string
	// RegNoAcT leaves <AcT> out of the +CREG/+CGREG/+CEREG forms that
	// show a location ("+CREG: 2,1,\"0B5A\",\"00C3F21E\""), as modems
	// built to 27.007 before Release 7 (which added it) answer: older
	// 2G/3G modules. With a reject cause after it, the field stays, empty.
	RegNoAcT bool
	// SearchingURC reports <stat> 2 (searching) as soon as the modem
	// scans for a network after a power-on, a restart, a REFRESH or
	// +CFUN=1, before the registration it ends in ("+CEREG: 2", then
	// "+CEREG: 5,…"), as most modules do; without it the emulated modem
	// goes from not registered straight to the outcome.
	SearchingURC bool
	// COPSRejectError is the +CME ERROR code a manual selection
	// (AT+COPS=1) the network denied ends in: 0, the default, the
	// 27.007 §9.2.2.1 error of the EMM reject cause (111 for #11, PLMN
	// not allowed; 32 for a cause without one), as SIMCom's A76xx answer;
	// other modules give one code whatever the cause, e.g. 30 (no network
	// service) (quirk cops_reject_error).
	COPSRejectError int
	// NoServiceStat0 shows an attach that finds no cell — out of
	// coverage, a dead zone — as <stat> 0 (not registered, not
	// searching) instead of 2, as modules that stop scanning between
	// their tries do (quirk no_service_stat: 0; 2, the default, is
	// searching).
	NoServiceStat0 bool
	// RefreshSearching shows a REFRESH that resets the card as the new
	// subscriber's scan: no URC at the detach, "+CEREG: 2" once the card
	// is read again (after the refresh URCs), then the outcome — no
	// "+CEREG: 0" between the old registration and the search (quirk
	// refresh_stat: 2; 0, the default, shows the detach as not registered).
	RefreshSearching bool
	// RestartSearching shows the attach attempt counter's T3411 restart
	// (TS 24.301 §5.5.1.2.6: after an abnormal reject or T3410's expiry,
	// below the fifth attempt) as <stat> 2, trying to attach (27.007
	// §7.2), at T3411's expiry, and its outcome the attach's time later
	// (the restart's scan, as a selection's); without it the restart
	// shows nothing until its outcome, as a field EG25 does after T3410
	// (quirk restart_searching).
	RestartSearching bool
	// AbnormalRejectMovesOn goes on with PLMN selection at an abnormal
	// ATTACH REJECT (emm.Abnormal: #17, #19, #22 …) instead of
	// restarting the attach on the same network at T3411: every abnormal
	// cause sets the attach attempt counter to 5, as §5.5.1.2.6 d has it
	// for #95, #96, #97, #99 and #111 (emm.EndsAttempts) — the fifth
	// attempt's handling at once: EU2 and the location deleted, T3402,
	// the next network (quirk abnormal_reject_moves_on).
	AbnormalRejectMovesOn bool
	// CFUN0KeepsCard leaves the card powered and readable at +CFUN=0, as
	// +CFUN=4 does (the radio off only), as u-blox's SARA-R4 does: +CPIN?
	// answers READY; without it +CFUN=0 powers the card down.
	CFUN0KeepsCard bool
	// CFUNModes are the +CFUN <fun> values a manufacturer adds (TS
	// 27.007 §8.2 leaves 5..127 to it) or gives another meaning (an
	// nRF91's 4 powers its UICC down too), by value: what each does to
	// the radio and the card, and what +CFUN? then reads. None: 0, 1 and
	// 4 as 27.007 has them, any other value refused.
	CFUNModes map[int]CFUNMode
	// NoCFUNReset: +CFUN takes <fun> alone, no <rst> (an nRF91, whose
	// host restarts it with +CFUN=0 then 1, or a system reset, not an AT
	// command): AT+CFUN=1,1 is refused as bad parameters.
	NoCFUNReset bool
	// CFUNResetFuns are the <fun>s with which +CFUN takes <rst> 1 (reset
	// the MT, then go to <fun>): TS 27.007 §8.2 restricts none, so nil
	// means 0, 1 and 4; a manual that allows the reset only before full
	// functionality (Quectel's EC2x: only when <fun> is 1) lists [1], and
	// +CFUN=<fun>,1 with any other <fun> is bad parameters. A
	// manufacturer's <fun> (CFUNModes) never takes it.
	CFUNResetFuns []int
	// Settings are vendor commands whose set form the modem keeps and
	// whose read form shows it ("%XSYSTEMMODE" → "1,0,1,0", the
	// default): a set with another number of parameters than the
	// default has is bad parameters. They configure nothing the
	// emulated world models.
	Settings map[string]string
	// CESQNotifications: AT%CESQ=<n> subscribes (1) or unsubscribes (0)
	// Nordic's signal-quality notifications, "%CESQ: <rsrp>,
	// <rsrp_threshold_index>,<rsrq>,<rsrq_threshold_index>", sent when
	// a threshold index changes (an nRF91's; lte_lc's RSRP events).
	CESQNotifications bool

	// NoTimerManagement leaves TIMER MANAGEMENT and timer expiration out of
	// the terminal profile (TS 102 223 §5.2) and refuses the command with
	// 30 (beyond the terminal's capabilities), as modules that implement
	// little of the toolkit do: the card then bounds its BIP waits by the
	// terminal's STATUS polls (quirk no_timer_management).
	NoTimerManagement bool
}

// CFUNMode is what a manufacturer's +CFUN <fun> does (CFUNModes): the
// radio (LTE) on or off, the card powered or not, "" for unchanged — the
// radio on powers the card, the card off takes the radio off —, and the
// <fun> +CFUN? reads after it (0: that of the state reached, 0, 1 or 4).
type CFUNMode struct {
	Radio, Card string // "on", "off" or ""
	Read        int
}

// CardStateURC reports a URC that tells the card's state (+CPIN:,
// Quectel's +QUSIM:).
func CardStateURC(u string) bool {
	return strings.HasPrefix(u, "+CPIN:") || strings.HasPrefix(u, "+QUSIM:")
}

// CardBack is what the modem says when a card comes back and is read:
// CardBackURCs, or by default the card-state URCs of BootURCs.
func (p Personality) CardBack() []string {
	if p.CardBackURCs != nil {
		return p.CardBackURCs
	}
	return slices.DeleteFunc(slices.Clone(p.BootURCs), func(u string) bool { return !CardStateURC(u) })
}

// MaxRefreshDelay bounds refresh_delay: a card left waiting longer for
// its reset is a modem that ignores the REFRESH (refresh_ignored).
const MaxRefreshDelay = 5 * time.Minute

// Hex digit cases (LocationHex).
const (
	HexLower = "lower"
	HexUpper = "upper"
)

// What the ICCID command prints of EF ICCID's F filler (ICCIDFiller).
const (
	FillerStrip = "strip"
	FillerKeep  = "keep"
)

// FillerShown is the ICCIDFiller an ICCID answer shows, from its digits
// and the F nibbles after them: keep when Fs follow, strip when fewer
// than 20 digits come without one (TS 102 221 §13.2: EF ICCID's 10
// octets hold F after them); "" for a 20-digit ICCID, which has none to
// show.
func FillerShown(digits, fs string) string {
	switch {
	case fs != "":
		return FillerKeep
	case len(digits) < 20:
		return FillerStrip
	}
	return ""
}

// Timeouts are how long a host waits for a modem of this personality in a
// lab run, from real-hardware figures (DefaultTimeouts) unless the file says
// otherwise.
type Timeouts struct {
	Command  time.Duration // one AT command line to its final result
	Restart  time.Duration // +CFUN=1,1 until the modem answers again
	Reattach time.Duration // a REFRESH (profile switch) until registered again
	Download time.Duration // a whole profile download
}

// DefaultTimeouts are real modules' upper figures: a command answers in
// milliseconds (5 s leaves room for a slow card), a reset takes up to 40 s,
// data is back 4–10 s after a switch, a download over AT takes 26–89 s.
var DefaultTimeouts = Timeouts{Command: 5 * time.Second, Restart: 40 * time.Second, Reattach: 10 * time.Second, Download: 90 * time.Second}

// CCHO answer forms.
const (
	CCHOPrefixed = "prefixed"
	CCHOBare     = "bare"
	CCHOLong     = "long"
)

// LongSessionBase maps channel n to session id LongSessionBase+n under the
// "long" +CCHO form, printed as 16 hex digits as Sierra Wireless modems
// print theirs (an MC7455 answered "+CCHO: 000000000385a7cf"): a handle,
// not a channel number, which +CGLA and +CCHC take back as printed. Here
// channel 1 is 000000000385a7cf.
const LongSessionBase = 0x0385a7ce

// Generic is the pure 27.007 personality, and what a zero Personality
// means to the emulator; fixtures/personalities/generic.yaml says the same.
func Generic() Personality {
	return Personality{
		Name: "generic", Model: "esimhil modem emulator",
		ICCIDCommand: "+CCID", ICCIDPrefix: "+CCID: ", CCHOForm: CCHOPrefixed,
		BootURCs: []string{"RDY"}, RestartDelay: 11 * time.Second,
		TAC: "00100101", RefreshProfileStateChange: true,
		Timeouts: DefaultTimeouts,
	}
}

// ICCIDCommands are the commands modules read the ICCID with (the
// personalities' and other makers': Huawei's ^ICCID, Telit's #CCID,
// Cinterion's ^SCID, Sequans' +SQNCCID, Nordic nRF91's %XICCID…),
// by name: what a recording or a log shows reading the card's identity.
var ICCIDCommands = []string{"+CCID", "+QCCID", "+CICCID", "!ICCID", "+ICCID", "^ICCID", "%CCID", "#CCID", "^SCID", "+SQNCCID", "%XICCID"}

// ICCIDName is the ICCID command's name, without the "?" of a read form
// ("!ICCID?" is sent, "!ICCID" is the command).
func (p Personality) ICCIDName() string { return strings.TrimSuffix(p.ICCIDCommand, "?") }

// Names returns the names of the known personalities, sorted.
func Names() []string { return fixtures.PersonalityNames() }

// Builtin are the known personalities that load, in Names' order, read
// once: for what the log readers and the draft take from them (boot URCs,
// markers). Shared: the caller must not change them.
var Builtin = sync.OnceValue(func() []Personality {
	var out []Personality
	for _, n := range Names() {
		if p, err := Load(n); err == nil {
			out = append(out, p)
		}
	}
	return out
})

// All loads every built-in personality, in Names' order.
func All() ([]Personality, error) {
	var out []Personality
	for _, name := range Names() {
		p, err := Load(name)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// maxBaseDepth bounds a chain of bases (and so a cycle).
const maxBaseDepth = 8

// Load reads fixtures/personalities/<name>.yaml and the bases it names. An
// unknown name lists the known ones; a bad file is reported as file:line.
// The files are built in, so each is parsed once a process (a rig loads
// its modem's: a parse was 0.4 % of an exploration case); every caller
// gets a copy of its own (clone).
func Load(name string) (Personality, error) {
	if p, ok := loaded.Load(name); ok {
		return p.(Personality).clone(), nil
	}
	p, err := load(name, 0)
	if err != nil {
		return p, err
	}
	loaded.Store(name, p)
	return p.clone(), nil
}

// loaded holds the built-in personalities Load parsed, by name; never
// changed once stored (Load hands out clones).
var loaded sync.Map

// IsField reports whether name is a personality field (a quirk or a
// dialect field), as a file or a fixture's device.quirks gives it.
func IsField(name string) bool {
	root := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{
		{Kind: yaml.ScalarNode, Value: name}, {Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}}}
	q := Generic()
	_, err := apply(&q, &yamlnode.Decoder{File: "field"}, root)
	var e *Error
	return !(errors.As(err, &e) && e.Msg == "unknown field")
}

// IsFile says whether a personality is given as a file (a .yaml path:
// quirks over a built-in one, one `esimhil lab personality` wrote) rather
// than by a built-in name.
func IsFile(nameOrPath string) bool {
	return strings.HasSuffix(nameOrPath, ".yaml") || strings.HasSuffix(nameOrPath, ".yml") || strings.ContainsRune(nameOrPath, '/')
}

// LoadNameOrFile is Load for a built-in name and Parse of the file for a
// path (IsFile): every command that takes a personality takes both.
func LoadNameOrFile(nameOrPath string) (Personality, error) {
	p, _, err := ReadNameOrFile(nameOrPath)
	return p, err
}

// ReadNameOrFile is LoadNameOrFile with the file's bytes as it read them
// (nil for a built-in name), for a caller that keeps the file it ran.
func ReadNameOrFile(nameOrPath string) (Personality, []byte, error) {
	if !IsFile(nameOrPath) {
		p, err := Load(nameOrPath)
		return p, nil, err
	}
	b, err := os.ReadFile(nameOrPath)
	if err != nil {
		return Personality{}, nil, fmt.Errorf("personality file: %w", err)
	}
	p, err := Parse(nameOrPath, b)
	return p, b, err
}

func load(name string, depth int) (Personality, error) {
	if depth > maxBaseDepth {
		return Personality{}, fmt.Errorf("personality %q: bases nest deeper than %d (a cycle?)", name, maxBaseDepth)
	}
	if !slices.Contains(Names(), name) {
		return Personality{}, fmt.Errorf("modem personality %q unknown; known: %s", name, strings.Join(Names(), ", "))
	}
	file := "personalities/" + name + ".yaml"
	data, err := fixtures.Personalities.ReadFile(file)
	if err != nil {
		return Personality{}, fmt.Errorf("modem personality %q: %w", name, err)
	}
	p, err := parse("fixtures/"+file, data, depth)
	if err != nil {
		return Personality{}, err
	}
	if p.Name != name {
		return Personality{}, fmt.Errorf("fixtures/%s: name %q, want %q", file, p.Name, name)
	}
	return p, nil
}

// Parse decodes one personality file; file names it in errors. A `base:`
// is loaded from fixtures/personalities and the file's fields laid over it.
func Parse(file string, data []byte) (Personality, error) { return parse(file, data, 0) }

func parse(file string, data []byte, depth int) (Personality, error) {
	root, err := mapping(file, data)
	if err != nil {
		return Personality{}, err
	}
	d := &yamlnode.Decoder{File: file}
	p := Personality{Timeouts: DefaultTimeouts}
	if b, ok := field(root, "base"); ok {
		name, err := d.Scalar(b, "base", "a personality's name")
		if err != nil {
			return Personality{}, err
		}
		if p, err = load(name, depth+1); err != nil {
			return Personality{}, d.ErrAt(b, "base", "%v", err)
		}
		p.Base = name
	}
	seen, err := apply(&p, d, root)
	if err != nil {
		return Personality{}, err
	}
	required := []string{"name"}
	if p.Base == "" {
		required = append(required, "model", "iccid_command", "iccid_prefix", "ccho_form", "restart_delay")
	}
	for _, f := range required {
		if !seen[f] {
			return Personality{}, d.ErrAt(root, f, "required field missing")
		}
	}
	return p, p.check(d, root)
}

// Override returns p with the fields of a YAML mapping laid over it, as a
// fixture manifest states the quirks of one device on top of its dialect.
// Lists replace, cme_text merges by code; name and base cannot change.
func (p Personality) Override(file string, data []byte) (Personality, error) {
	root, err := mapping(file, data)
	if err != nil {
		return Personality{}, err
	}
	return p.OverrideNode(file, root)
}

// OverrideNode is Override of a mapping already decoded (a fixture
// manifest's device.quirks): errors are *Error at its own lines.
func (p Personality) OverrideNode(file string, root *yaml.Node) (Personality, error) {
	d := &yamlnode.Decoder{File: file}
	if root.Kind != yaml.MappingNode {
		return Personality{}, d.ErrAt(root, "", "want a mapping of personality fields")
	}
	for _, k := range []string{"name", "base"} {
		if n, ok := field(root, k); ok {
			return Personality{}, d.ErrAt(n, k, "an override cannot change it")
		}
	}
	q := p.clone()
	if _, err := apply(&q, d, root); err != nil {
		return Personality{}, err
	}
	return q, q.check(d, root)
}

// clone is p with slices and maps of its own: nothing a caller changes
// in it reaches p.
func (p Personality) clone() Personality {
	q := p
	q.BootURCs = slices.Clone(p.BootURCs)
	q.BootURCDelays = slices.Clone(p.BootURCDelays)
	q.RefreshURCs = slices.Clone(p.RefreshURCs)
	q.CardGoneURCs = slices.Clone(p.CardGoneURCs)
	q.CardBackURCs = slices.Clone(p.CardBackURCs)
	q.Identify = slices.Clone(p.Identify)
	q.VendorRestarts = slices.Clone(p.VendorRestarts)
	q.CFUNResetFuns = slices.Clone(p.CFUNResetFuns)
	q.CardKeptRestarts = slices.Clone(p.CardKeptRestarts)
	q.PowerDowns = slices.Clone(p.PowerDowns)
	q.PowerDownURCs = slices.Clone(p.PowerDownURCs)
	q.CMEText = maps.Clone(p.CMEText)
	q.TestAnswers = maps.Clone(p.TestAnswers)
	q.CFUNModes = maps.Clone(p.CFUNModes) // CFUNMode holds scalars only
	q.Settings = maps.Clone(p.Settings)
	return q
}

func mapping(file string, data []byte) (*yaml.Node, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s:1: want a mapping of personality fields", file)
	}
	return doc.Content[0], nil
}

func field(root *yaml.Node, key string) (*yaml.Node, bool) {
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == key {
			return root.Content[i+1], true
		}
	}
	return nil, false
}

// Error is a problem with a personality at a line and column of its
// file, in a field when Path names one (timeouts.restart, boot_urcs[1]).
type Error = yamlnode.Error

// apply sets the fields of a mapping on p and returns the keys it saw.
func apply(p *Personality, d *yamlnode.Decoder, root *yaml.Node) (map[string]bool, error) {
	seen := map[string]bool{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if seen[k.Value] {
			return nil, d.ErrAt(k, k.Value, "given twice")
		}
		seen[k.Value] = true
		str := func(dst *string) error { return d.Str(dst)(v, k.Value) }
		var err error
		switch k.Value {
		case "base": // resolved by parse
		case "name":
			err = str(&p.Name)
		case "model":
			err = str(&p.Model)
		case "manufacturer":
			err = str(&p.Manufacturer)
		case "revision":
			err = str(&p.Revision)
		case "iccid_command":
			err = str(&p.ICCIDCommand)
		case "iccid_prefix":
			err = str(&p.ICCIDPrefix)
		case "ccho_form":
			err = str(&p.CCHOForm)
		case "no_cchc":
			p.NoCCHC, err = boolValue(v)
		case "csim_only":
			p.CSIMOnly, err = boolValue(v)
		case "no_test_forms":
			p.NoTestForms, err = boolValue(v)
		case "boot_urcs":
			p.BootURCs, err = strList(d, v, k.Value)
		case "boot_urc_delays":
			p.BootURCDelays, err = delays(d, v, k.Value)
		case "refresh_urcs":
			p.RefreshURCs, err = strList(d, v, k.Value)
		case "card_gone_urcs":
			p.CardGoneURCs, err = strList(d, v, k.Value)
		case "card_back_urcs":
			p.CardBackURCs, err = strList(d, v, k.Value)
		case "identify":
			p.Identify, err = patterns(d, v, k.Value)
		case "vendor_restarts":
			p.VendorRestarts, err = vendorRestarts(d, v, k.Value)
		case "card_kept_restarts":
			p.CardKeptRestarts, err = vendorRestarts(d, v, k.Value)
		case "power_downs":
			p.PowerDowns, err = powerDowns(d, v, k.Value)
		case "power_down_urcs":
			p.PowerDownURCs, err = powerDownURCs(d, v, k.Value)
		case "restart_delay":
			p.RestartDelay, err = duration(v)
		case "timeouts":
			err = timeouts(d, v, k.Value, &p.Timeouts)
		case "cme_text":
			err = cmeTexts(d, v, k.Value, &p.CMEText)
		case "tac":
			if err = str(&p.TAC); err == nil && !ident.Digits(p.TAC, 8, 8) {
				err = errors.New("want 8 digits")
			}
		case "refresh_profile_state_change":
			p.RefreshProfileStateChange, err = boolValue(v)
		case "cgla_max_apdu":
			if p.CGLAMaxAPDU, err = intValue(v); err == nil && (p.CGLAMaxAPDU < 5 || p.CGLAMaxAPDU > 261) {
				err = errors.New("want 5..261 bytes (a short APDU's header up to 255 data bytes and Le)")
			}
		case "cgla_refused":
			p.CGLARefused, err = boolValue(v)
		case "cchc_bare_line":
			p.CCHCBareLine, err = boolValue(v)
		case "test_answers":
			err = testAnswers(d, v, k.Value, &p.TestAnswers)
		case "echo_joins_previous":
			p.EchoJoinsPrevious, err = boolValue(v)
		case "refresh_ignored":
			p.RefreshIgnored, err = boolValue(v)
		case "refresh_delay":
			if p.RefreshDelay, err = yamlnode.Duration(v); err == nil && (p.RefreshDelay < 0 || p.RefreshDelay > MaxRefreshDelay) {
				err = fmt.Errorf("%q: want 0 to %v", v.Value, MaxRefreshDelay)
			}
		case "apdu_answer_no_space":
			p.APDUAnswerNoSpace, err = boolValue(v)
		case "ccho_no_space":
			p.CCHONoSpace, err = boolValue(v)
		case "cgla_passes_61xx":
			p.CGLAPasses61xx, err = boolValue(v)
		case "hides_91xx":
			p.Hides91xx, err = boolValue(v)
		case "csim_open_repeats_6cxx":
			p.CSIMOpenRepeats6Cxx, err = boolValue(v)
		case "cgla_closed_error":
			if p.CGLAClosedError, err = intValue(v); err == nil && (p.CGLAClosedError < 0 || p.CGLAClosedError > 999) {
				err = fmt.Errorf("%d: want a +CME ERROR code (0: 21, invalid index)", p.CGLAClosedError)
			}
		case "reg_no_act":
			p.RegNoAcT, err = boolValue(v)
		case "searching_urc":
			p.SearchingURC, err = boolValue(v)
		case "cops_reject_error":
			if p.COPSRejectError, err = intValue(v); err == nil && (p.COPSRejectError < 0 || p.COPSRejectError > 999) {
				err = fmt.Errorf("%d: want a +CME ERROR code (0: the reject cause's own)", p.COPSRejectError)
			}
		case "no_service_stat":
			var n int
			if n, err = intValue(v); err == nil && n != 0 && n != 2 {
				err = fmt.Errorf("%d: want 0 (not registered) or 2 (searching)", n)
			}
			p.NoServiceStat0 = n == 0
		case "refresh_stat":
			var n int
			if n, err = intValue(v); err == nil && n != 0 && n != 2 {
				err = fmt.Errorf("%d: want 0 (not registered) or 2 (searching)", n)
			}
			p.RefreshSearching = n == 2
		case "restart_searching":
			p.RestartSearching, err = boolValue(v)
		case "abnormal_reject_moves_on":
			p.AbnormalRejectMovesOn, err = boolValue(v)
		case "cfun0_keeps_card":
			p.CFUN0KeepsCard, err = boolValue(v)
		case "cfun_modes":
			err = cfunModes(d, v, k.Value, &p.CFUNModes)
		case "no_cfun_reset":
			p.NoCFUNReset, err = boolValue(v)
		case "cfun_reset_funs":
			p.CFUNResetFuns, err = cfunResetFuns(d, v, k.Value)
		case "settings":
			err = settings(d, v, k.Value, &p.Settings)
		case "cesq_notifications":
			p.CESQNotifications, err = boolValue(v)
		case "no_timer_management":
			p.NoTimerManagement, err = boolValue(v)
		case "iccid_filler":
			if err = str(&p.ICCIDFiller); err == nil && p.ICCIDFiller != FillerStrip && p.ICCIDFiller != FillerKeep {
				err = fmt.Errorf("%q: want keep or strip", p.ICCIDFiller)
			}
		case "location_hex":
			if err = str(&p.LocationHex); err == nil && p.LocationHex != HexLower && p.LocationHex != HexUpper {
				err = fmt.Errorf("%q: want lower or upper", p.LocationHex)
			}
		default:
			return nil, d.ErrAt(k, k.Value, "unknown field")
		}
		var located *yamlnode.Error
		switch {
		case errors.As(err, &located):
			return nil, err // at the value inside that is wrong
		case err != nil:
			return nil, d.ErrAt(v, k.Value, "%v", err)
		}
	}
	if seen["boot_urcs"] && !seen["boot_urc_delays"] {
		p.BootURCDelays = nil // the old delays were another list's
	}
	return seen, nil
}

// check holds the rules that span fields.
// An error is at the field's own value when this file gives it, else at
// the file's start (the value came from the base).
func (p Personality) check(d *yamlnode.Decoder, root *yaml.Node) error {
	at := func(key string) *yaml.Node {
		if v, ok := field(root, key); ok {
			return v
		}
		return root
	}
	if !slices.Contains([]string{CCHOPrefixed, CCHOBare, CCHOLong}, p.CCHOForm) {
		return d.ErrAt(at("ccho_form"), "", "ccho_form %q: want prefixed, bare or long", p.CCHOForm)
	}
	if n := len(p.BootURCDelays); n > 0 && n != len(p.BootURCs) {
		return d.ErrAt(at("boot_urc_delays"), "boot_urc_delays", "%d delay(s) for %d boot_urcs: want one for each", n, len(p.BootURCs))
	}
	if c := p.ICCIDCommand; len(c) < 2 || !strings.ContainsRune("+!$%#^", rune(c[0])) || strings.ToUpper(c) != c {
		return d.ErrAt(at("iccid_command"), "", "iccid_command %q: want an upper-case extended command such as +CCID", c)
	}
	for _, r := range p.CardKeptRestarts {
		if !slices.Contains(p.VendorRestarts, r) {
			return d.ErrAt(at("card_kept_restarts"), "card_kept_restarts", "%s: not one of vendor_restarts %q: want a restart the modem takes", r, p.VendorRestarts)
		}
	}
	if p.NoCFUNReset && p.CFUNResetFuns != nil {
		return d.ErrAt(at("cfun_reset_funs"), "cfun_reset_funs", "%v with no_cfun_reset: a +CFUN without <rst> resets before none", p.CFUNResetFuns)
	}
	return nil
}

// cfunResetFuns reads cfun_reset_funs: 27.007's <fun> 0, 1 and 4, each
// once, 1 among them (the reset to full functionality every modem with
// <rst> takes).
func cfunResetFuns(d *yamlnode.Decoder, n *yaml.Node, path string) ([]int, error) {
	if err := d.Kind(n, path, yaml.SequenceNode, "a list of <fun>s"); err != nil {
		return nil, err
	}
	out := []int{}
	for i, c := range n.Content {
		f, err := intValue(c)
		switch {
		case err != nil:
			return nil, d.ErrAt(c, yamlnode.Index(path, i), "%v", err)
		case f != 0 && f != 1 && f != 4:
			return nil, d.ErrAt(c, yamlnode.Index(path, i), "%d: want 0, 1 or 4 (27.007's <fun>s a reset goes to)", f)
		case slices.Contains(out, f):
			return nil, d.ErrAt(c, yamlnode.Index(path, i), "%d twice", f)
		}
		out = append(out, f)
	}
	if !slices.Contains(out, 1) {
		return nil, d.ErrAt(n, path, "%v: want 1 among them (AT+CFUN=1,1, the restart)", out)
	}
	slices.Sort(out)
	return out, nil
}

// ResetsTo reports whether AT+CFUN=<fun>,1 resets the MT and brings it
// up at fun (CFUNResetFuns): a 27.007 <fun> the personality takes <rst>
// 1 with.
func (p Personality) ResetsTo(fun int) bool {
	if p.NoCFUNReset {
		return false
	}
	if _, vendor := p.CFUNModes[fun]; vendor {
		return false
	}
	if p.CFUNResetFuns == nil {
		return fun == 0 || fun == 1 || fun == 4
	}
	return slices.Contains(p.CFUNResetFuns, fun)
}

// intValue and boolValue read a scalar as YAML does, with an error that
// says what was wanted and what was there (not the YAML library's text).
func intValue(n *yaml.Node) (int, error) {
	var v int
	if n.Kind != yaml.ScalarNode || n.Decode(&v) != nil {
		return 0, fmt.Errorf("want a number, got %s", yamlnode.Describe(n))
	}
	return v, nil
}

func boolValue(n *yaml.Node) (bool, error) {
	var v bool
	if n.Kind != yaml.ScalarNode || n.Decode(&v) != nil {
		return false, fmt.Errorf("want true or false, got %s", yamlnode.Describe(n))
	}
	return v, nil
}

// duration reads a wait of the modem: more than 0.
func duration(n *yaml.Node) (time.Duration, error) {
	d, err := yamlnode.Duration(n)
	if err == nil && d <= 0 {
		err = fmt.Errorf("want a duration of more than 0, got %q", n.Value)
	}
	return d, err
}

// oneLine reads the scalar n at path as a non-empty line of text; what
// names it for the message.
func oneLine(d *yamlnode.Decoder, n *yaml.Node, path, what string) (string, error) {
	s, err := d.Scalar(n, path, what)
	if err == nil && (s == "" || strings.ContainsAny(s, "\r\n")) {
		err = d.ErrAt(n, path, "want %s, got %q", what, s)
	}
	return s, err
}

func strList(d *yamlnode.Decoder, n *yaml.Node, path string) ([]string, error) {
	if err := d.Kind(n, path, yaml.SequenceNode, "a list of strings"); err != nil {
		return nil, err
	}
	var out []string
	for i, c := range n.Content {
		s, err := oneLine(d, c, yamlnode.Index(path, i), "a one-line string")
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// knownList reads a list whose every entry must be one the AT codec
// knows: canon gives an entry's kept spelling, "" for one it does not
// know, and known lists what it knows for the error.
func knownList(d *yamlnode.Decoder, n *yaml.Node, path, what, known string, canon func(string) string) ([]string, error) {
	lines, err := strList(d, n, path)
	if err != nil {
		return nil, err
	}
	for i, l := range lines {
		if lines[i] = canon(l); lines[i] == "" {
			return nil, d.ErrAt(n.Content[i], yamlnode.Index(path, i), "%q: want one of the %s the AT codec knows (%s)", l, what, known)
		}
	}
	return lines, nil
}

// vendorRestarts reads vendor_restarts (and card_kept_restarts): command
// lines, each one of the codec's vendor restarts (at.VendorRestarts),
// kept as "AT" and the entry.
func vendorRestarts(d *yamlnode.Decoder, n *yaml.Node, path string) ([]string, error) {
	return knownList(d, n, path, "restarts", "AT"+strings.Join(at.VendorRestarts[:], ", AT"), func(l string) string {
		v := at.VendorRestartLine(l)
		if v == "" || !strings.EqualFold(strings.TrimSpace(l)[:2], "AT") {
			return ""
		}
		return "AT" + v
	})
}

// powerDowns reads power_downs: command lines "AT" and the name of one of
// the codec's power-downs (at.VendorPowerDowns), any case, kept as
// "AT+QPOWD".
func powerDowns(d *yamlnode.Decoder, n *yaml.Node, path string) ([]string, error) {
	return knownList(d, n, path, "power-downs", "AT"+strings.Join(at.VendorPowerDowns[:], ", AT"), func(l string) string {
		name, ok := strings.CutPrefix(strings.ToUpper(strings.TrimSpace(l)), "AT")
		if !ok || !slices.Contains(at.VendorPowerDowns[:], name) {
			return ""
		}
		return "AT" + name
	})
}

// powerDownURCs reads power_down_urcs: each one the codec knows for a
// modem going down (at.IsPowerDownURC), which a host's AT client then
// tells from an answer's lines.
func powerDownURCs(d *yamlnode.Decoder, n *yaml.Node, path string) ([]string, error) {
	return knownList(d, n, path, "power-down URCs", strings.Join(at.PowerDownURCs(), ", "), func(u string) string {
		if !at.IsPowerDownURC(u) {
			return ""
		}
		return u
	})
}

// KeepsCard reports a parsed command the modem takes as a restart that
// leaves the card powered, its channels open (card_kept_restarts).
func (p Personality) KeepsCard(c at.Command) bool {
	v := at.VendorRestart(c)
	return v != "" && slices.Contains(p.CardKeptRestarts, "AT"+v)
}

// PowersDown reports whether the modem takes a parsed command as a
// power-down: one of its power_downs, any form but read and test.
func (p Personality) PowersDown(c at.Command) bool {
	return c.Form != at.Read && c.Form != at.Test && slices.Contains(p.PowerDowns, "AT"+c.Name)
}

// Restarts reports whether the modem takes a restart command, a parsed
// one of at.VendorRestarts: its personality lists it.
func (p Personality) Restarts(c at.Command) bool {
	v := at.VendorRestart(c)
	return v != "" && slices.Contains(p.VendorRestarts, "AT"+v)
}

// delays reads boot_urc_delays: durations of 0 or more, none before the
// one before it.
func delays(d *yamlnode.Decoder, n *yaml.Node, path string) ([]time.Duration, error) {
	if err := d.Kind(n, path, yaml.SequenceNode, "a list of durations"); err != nil {
		return nil, err
	}
	var out []time.Duration
	for i, c := range n.Content {
		at := yamlnode.Index(path, i)
		w, err := yamlnode.Duration(c)
		switch {
		case err != nil:
			return nil, d.ErrAt(c, at, "%v", err)
		case w < 0:
			return nil, d.ErrAt(c, at, "want a duration of 0 or more, got %q", c.Value)
		case i > 0 && w < out[i-1]:
			return nil, d.ErrAt(c, at, "%v, before the one before it (%v): want them in the order of boot_urcs", w, out[i-1])
		}
		out = append(out, w)
	}
	return out, nil
}

func patterns(d *yamlnode.Decoder, n *yaml.Node, path string) ([]string, error) {
	list, err := strList(d, n, path)
	if err != nil {
		return nil, err
	}
	for i, s := range list {
		if _, err := regexp.Compile(s); err != nil {
			return nil, d.ErrAt(n.Content[i], yamlnode.Index(path, i), "pattern %q: %v", s, err)
		}
	}
	return list, nil
}

func timeouts(d *yamlnode.Decoder, n *yaml.Node, path string, t *Timeouts) error {
	if err := d.Kind(n, path, yaml.MappingNode, "a mapping of command, restart, reattach, download"); err != nil {
		return err
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		at := yamlnode.Join(path, k.Value)
		var dst *time.Duration
		switch k.Value {
		case "command":
			dst = &t.Command
		case "restart":
			dst = &t.Restart
		case "reattach":
			dst = &t.Reattach
		case "download":
			dst = &t.Download
		default:
			return d.ErrAt(k, at, "unknown timeout; want command, restart, reattach or download")
		}
		w, err := duration(v)
		if err != nil {
			return d.ErrAt(v, at, "%v", err)
		}
		*dst = w
	}
	return nil
}

func cmeTexts(d *yamlnode.Decoder, n *yaml.Node, path string, dst *map[int]string) error {
	if err := d.Kind(n, path, yaml.MappingNode, "a mapping of CME code to text"); err != nil {
		return err
	}
	if *dst == nil {
		*dst = map[int]string{}
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		at := yamlnode.Join(path, k.Value)
		code, err := strconv.Atoi(k.Value)
		if err != nil || code < 0 || code > 999 {
			return d.ErrAt(k, at, "want a code 0-999")
		}
		s, err := oneLine(d, n.Content[i+1], at, "a one-line text")
		if err != nil {
			return err
		}
		(*dst)[code] = s
	}
	return nil
}

// testAnswers reads {"+CCHO": "+CCHO: <dfname>", …}: extended command
// names in upper case and one-line answers, merged over the base's.
func testAnswers(d *yamlnode.Decoder, n *yaml.Node, path string, dst *map[string]string) error {
	return commandLines(d, n, path, dst, "a mapping of command to answer line", "+CCHO", "a one-line answer")
}

// commandLines reads a mapping of extended command names in upper case
// (such as example) to one-line texts (what), merged over a copy of the
// base's; kind names the mapping in an error.
func commandLines(d *yamlnode.Decoder, n *yaml.Node, path string, dst *map[string]string, kind, example, what string) error {
	if err := d.Kind(n, path, yaml.MappingNode, kind); err != nil {
		return err
	}
	*dst = maps.Clone(*dst)
	if *dst == nil {
		*dst = map[string]string{}
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i].Value
		at := yamlnode.Join(path, k)
		if len(k) < 2 || !strings.ContainsRune("+!$%#^", rune(k[0])) || strings.ToUpper(k) != k || strings.ContainsAny(k, "=?;\r\n ") {
			return d.ErrAt(n.Content[i], at, "want an upper-case extended command name such as %s", example)
		}
		s, err := oneLine(d, n.Content[i+1], at, what)
		if err != nil {
			return err
		}
		(*dst)[k] = s
	}
	return nil
}

// cfunModes reads {41: {card: on, read: 41}, …}: <fun> 0-127, each a
// mapping of radio, card (on or off) and read (0-127), merged over the
// base's.
func cfunModes(d *yamlnode.Decoder, n *yaml.Node, path string, dst *map[int]CFUNMode) error {
	if err := d.Kind(n, path, yaml.MappingNode, "a mapping of <fun> to {radio, card, read}"); err != nil {
		return err
	}
	*dst = maps.Clone(*dst)
	if *dst == nil {
		*dst = map[int]CFUNMode{}
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		at := yamlnode.Join(path, k.Value)
		fun, err := strconv.Atoi(k.Value)
		if err != nil || fun < 0 || fun > 127 {
			return d.ErrAt(k, at, "want a <fun> 0-127 (TS 27.007 §8.2)")
		}
		if err := d.Kind(v, at, yaml.MappingNode, "a mapping of radio, card and read"); err != nil {
			return err
		}
		var m CFUNMode
		for j := 0; j+1 < len(v.Content); j += 2 {
			fk, fv := v.Content[j], v.Content[j+1]
			fat := yamlnode.Join(at, fk.Value)
			switch fk.Value {
			case "radio", "card":
				s, err := d.Scalar(fv, fat, "on or off")
				if err == nil && s != "on" && s != "off" {
					err = d.ErrAt(fv, fat, "%q: want on or off", s)
				}
				if err != nil {
					return err
				}
				if fk.Value == "radio" {
					m.Radio = s
				} else {
					m.Card = s
				}
			case "read":
				r, err := intValue(fv)
				if err == nil && (r < 0 || r > 127) {
					err = fmt.Errorf("%d: want a <fun> 0-127", r)
				}
				if err != nil {
					return d.ErrAt(fv, fat, "%v", err)
				}
				m.Read = r
			default:
				return d.ErrAt(fk, fat, "unknown field; want radio, card or read")
			}
		}
		if m.Radio == "on" && m.Card == "off" {
			return d.ErrAt(v, at, "radio on with the card off: the radio needs the card")
		}
		(*dst)[fun] = m
	}
	return nil
}

// settings reads {"%XSYSTEMMODE": "1,0,1,0", …}: extended command names
// in upper case and their one-line default values, merged over the base's.
func settings(d *yamlnode.Decoder, n *yaml.Node, path string, dst *map[string]string) error {
	return commandLines(d, n, path, dst, "a mapping of command to its default value", "%XSYSTEMMODE", "a one-line value")
}

// CFUNTest is the +CFUN=? answer: the <fun> values taken (0, 1, 4, the
// manufacturer's modes and the reset <fun>s of vendor_restarts, u-blox's
// 16, Fibocom's 15: TS 27.007 §8.2's test form lists every <fun> the set
// form takes), and <rst> 0-1 unless NoCFUNReset.
func (p Personality) CFUNTest() string {
	funs := []int{0, 1, 4}
	for f := range p.CFUNModes {
		if !slices.Contains(funs, f) {
			funs = append(funs, f)
		}
	}
	for _, r := range p.VendorRestarts {
		f, err := strconv.Atoi(strings.TrimPrefix(r, "AT+CFUN="))
		if err == nil && !slices.Contains(funs, f) {
			funs = append(funs, f)
		}
	}
	slices.Sort(funs)
	var b strings.Builder
	b.WriteString("+CFUN: (")
	for i, f := range funs {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(f))
	}
	b.WriteByte(')')
	if !p.NoCFUNReset {
		b.WriteString(",(0,1)")
	}
	return b.String()
}

// SessionID is the <sessionid> a host sees for logical channel ch.
func (p Personality) SessionID(ch int) string {
	if p.CCHOForm == CCHOLong {
		return fmt.Sprintf("%016x", LongSessionBase+ch)
	}
	return strconv.Itoa(ch)
}

// Channel maps a host's <sessionid> back to the logical channel; ok is
// false when session is not one in the personality's form (the channel
// may still be out of range, or not open).
func (p Personality) Channel(session string) (ch int, ok bool) {
	if p.CCHOForm == CCHOLong {
		n, err := strconv.ParseUint(session, 16, 64)
		if err != nil || len(session) > 16 {
			return 0, false
		}
		if n < LongSessionBase || n-LongSessionBase > 0xFF {
			return -1, true
		}
		return int(n - LongSessionBase), true
	}
	if session == "" || len(session) > 9 || strings.Trim(session, "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.Atoi(session)
	return n, err == nil
}

// CCHOLine is the +CCHO answer line for a session id.
func (p Personality) CCHOLine(session string) string {
	switch {
	case p.CCHOForm == CCHOBare:
		return session
	case p.CCHONoSpace:
		return "+CCHO:" + session
	}
	return "+CCHO: " + session
}

// cchoAnswer is a +CCHO answer line: "+CCHO: <sessionid>" (a space after
// the colon or not; TS 27.007 §8.45), or the bare number some modems give.
var cchoAnswer = regexp.MustCompile(`^(\+CCHO: ?"?([0-9A-Fa-f]{1,16})"?|([0-9]{1,9}))$`)

// ParseCCHO reads one line of a +CCHO answer: the session id as the modem
// printed it (to be sent back as is in +CGLA and +CCHC) and the form it
// shows — long when it is not a channel number 1..19 (a handle).
func ParseCCHO(line string) (session, form string, ok bool) {
	m := cchoAnswer.FindStringSubmatch(strings.TrimSpace(line))
	if m == nil {
		return "", "", false
	}
	session, form = m[2], CCHOPrefixed
	if m[3] != "" {
		session, form = m[3], CCHOBare
	}
	if n, err := strconv.Atoi(session); err != nil || n < 1 || n > 19 || session[0] == '0' {
		form = CCHOLong
	}
	return session, form, true
}

// CCHONoSpaceOf reads what a +CCHO answer line shows of ccho_no_space:
// noSpace when no space follows "+CCHO:" ("+CCHO:1"); ok is false for a
// line that is no "+CCHO:" answer (a bare id shows nothing of it). Field
// facts, fixture drafts and lab personality drafts read it so, the first
// answer speaking.
func CCHONoSpaceOf(line string) (noSpace, ok bool) {
	line = strings.TrimSpace(line)
	rest, prefixed := strings.CutPrefix(line, "+CCHO:")
	if _, _, isAnswer := ParseCCHO(line); !isAnswer || !prefixed {
		return false, false
	}
	return !strings.HasPrefix(rest, " "), true
}

// Owns reports whether a command is the personality's own, beside the
// standard set every emulated modem has: its ICCID command, its settings
// and, for an nRF91, %CESQ. The emulated modem answers these, and a
// field log's replay plays them, under this personality alone.
func (p Personality) Owns(c string) bool {
	return c == p.ICCIDName() || p.Settings[c] != "" || c == "%CESQ" && p.CESQNotifications
}

// Supports reports whether the dialect has a command at all; a missing one
// answers plain ERROR like an unknown command.
func (p Personality) Supports(c string) bool {
	switch c {
	case "+CCHO", "+CGLA":
		return !p.CSIMOnly
	case "+CCHC":
		return !p.CSIMOnly && !p.NoCCHC
	}
	return true
}

// Identifies reports whether a modem's identification text (ATI, +CGMM)
// matches one of the personality's patterns.
func (p Personality) Identifies(text string) bool {
	for _, s := range p.Identify {
		if re := compiled(s); re != nil && re.MatchString(text) {
			return true
		}
	}
	return false
}

// identifyRes holds the identify patterns compiled once: a fixture draft
// matches them against every line of a log.
var identifyRes sync.Map // pattern → *regexp.Regexp, nil when it does not compile

func compiled(s string) *regexp.Regexp {
	if re, ok := identifyRes.Load(s); ok {
		return re.(*regexp.Regexp)
	}
	re, _ := regexp.Compile(s) // patterns() refused a bad one when it was loaded
	identifyRes.Store(s, re)
	return re
}
