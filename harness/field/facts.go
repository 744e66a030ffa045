package field

import (
	"cmp"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/esimhil/esimhil/harness/dialect"
	"github.com/esimhil/esimhil/harness/fieldlog"
	"github.com/esimhil/esimhil/internal/codec/apdu"
	atcodec "github.com/esimhil/esimhil/internal/codec/at"
	"github.com/esimhil/esimhil/internal/codec/tlv"
	"github.com/esimhil/esimhil/internal/ident"
	"github.com/esimhil/esimhil/internal/personality"
	"github.com/esimhil/esimhil/internal/proto/emm"
	"github.com/esimhil/esimhil/internal/proto/es10"
	"github.com/esimhil/esimhil/internal/proto/saip"
	yaml "go.yaml.in/yaml/v3"
)

// Src names a line of a log.
type Src struct {
	File string
	Line int
}

func (s Src) String() string { return fmt.Sprintf("%s:%d", s.File, s.Line) }

// Facts is what the logs show, each fact with the line it comes from and
// its time on the fixture's timeline.
type Facts struct {
	EID    string
	EIDSrc Src
	// Lost are ES10 answers the logs hold malformed (fieldlog.APDU's
	// Malformed): what they said (an EID, a profile list) is not known,
	// and whoever asks for it is told why.
	Lost []LostAnswer
	// ceregShown: the logs show +CEREG lines, so +CREG's and +CGREG's
	// are not read as registrations (showsCEREG).
	ceregShown bool
	// Profiles seen in GetProfilesInfo answers, in order of first sight;
	// Enabled is the state at the first sight.
	Profiles []ProfileFact
	// Identities are the ICCID and IMSI answers, in time order.
	Identities []Identity
	// Notifications are the pending notifications the card held when
	// the logs begin: those the first ListNotification answer lists,
	// less any the logs show the card making before that answer (Made).
	// A card numbers each notification above the last, so of those an
	// EnableProfile, DisableProfile or DeleteProfile answered ok may
	// have made, the one of that operation with the highest seq is the
	// operation's; an install result names its seq outright.
	Notifications []NotificationFact
	// Made are the notifications of the first ListNotification answer
	// that the logs show the card making before it (left out of
	// Notifications).
	Made []NotificationFact
	// notifListed: the first ListNotification answer is read; made are
	// what the card did before it that makes a notification.
	notifListed bool
	made        []madeNotification
	// OddLocation is the first registration line whose location is in
	// a form no personality gives (not quoted hex: gammu shows modems
	// answering "+CREG: 2,1, 550014, 676"): its stat and <n> are read,
	// and the replay compares registration lines without the location.
	OddLocation *Evidence
	// UnreadStats are registration lines whose <stat> no release of
	// 27.007 gives their command: left out of Regs.
	UnreadStats []Reg
	// Regs are the registration states the modem reported (+CEREG URCs
	// and read answers), in time order; PLMN is filled from +COPS?.
	Regs []Reg
	// Signal holds RSRP readings (+CESQ, +CSQ).
	Signal []SignalFact
	// Names are the operators' alphanumeric names +COPS? answers show
	// (format 0 long, 1 short), in time order.
	Names []OperName
	// Refreshes are the personality's refresh URCs (+QUSIM: 1 …).
	Refreshes []Obs
	// refreshAsked are the enables and disables the card answered with a
	// REFRESH pending.
	refreshAsked []Obs
	// RefreshSigns are the lines of a log without times that show the
	// card's reset after the host's channel command answered OK
	// (refresh_delay), one an enable: the replay plays the commands from
	// each on once the reset is done.
	RefreshSigns []Src
	// refreshAskedAt are the times of the commands refreshAsked answer:
	// the emulated modem answers at once, so its REFRESH's delay counts
	// from there (outside tester sw84: a manifest's 0.1 s, shorter than
	// the field's +CGLA to +CCHC, was taken).
	refreshAskedAt []time.Duration
	// RefreshBounds bound refresh_delay as the logs' times show it: more
	// than Min (the host's channel still open then), at most Max (the
	// reset's sign; 0: none shown).
	RefreshBounds struct{ Min, Max time.Duration }
	// channelOK are the +CGLA and +CCHC commands answered OK: after an
	// enable with a REFRESH due, one says the card was not reset yet.
	channelOK []channelCmd
	// Enables are the EnableProfile answers the logs show, with the
	// profile the request named.
	Enables []EnableFact
	// copsPLMNs are the numeric +COPS? answers, applied to the
	// registrations once all are read (setPLMN).
	copsPLMNs []plmnAt
	// Operated are the +COPS? answers that name an operator (TS 27.007
	// §7.3: <oper> is given while the MT is registered) at a time no
	// registration line of the logs shows the device registered, nor
	// one soon after (setPLMN): a registration the answer alone shows,
	// on its network until the next registration line.
	Operated []COPSReg
	// copsNames are the +COPS? answers naming the operator by name,
	// kept as Operated when no registration line is in force.
	copsNames []COPSReg
	// copsBare are the +COPS? answers that name no operator ("+COPS:
	// 0"): TS 27.007 §7.3 gives <format>,<oper> only while registered.
	copsBare []Obs
	// ceers are the EMM causes +CEER answers gave, for the denials
	// that carry none (ceerCauses).
	ceers []causeAt
	// Restarts are restart commands answered OK (AT+CFUN=1,1, any
	// <fun> with <rst> 1: at.Restarts); Boots are boot URCs
	// (RDY) no restart command asked for: the power was cut; Rebooted
	// are the boot URCs after a restart.
	Restarts, Boots, Rebooted []Obs
	// Selections are the host's network selections answered (+COPS=0,
	// 1 and 4), in time order: a registration while a manual one is in
	// force is on the network the host chose.
	Selections []Selection
	// SlotSwitches are the host's commands that put the modem on another
	// SIM slot (Fibocom's +GTDUALSIM, Quectel's +QUIMSLOT and +QDSIM,
	// Huawei's ^SIMSWITCH) answered OK: another card, which the emulated
	// device, one card, does not have.
	SlotSwitches []Obs
	// hostDetaches are the host's commands that end the registration
	// (+COPS=2, +CFUN=0 or 4, +CGATT=0) answered OK.
	hostDetaches []Obs
	// radioBacks are the +CFUN=1 or 4 answered OK after a +CFUN=0 that
	// took the card's power (one that kept it answering is no such): the
	// card is read again, and its URCs (+QUSIM: 1) are its return, no
	// REFRESH (outside tester sw124).
	radioBacks []Obs
	// PowerOn is the boot URC a log opens with (RDY, or the personality's
	// first boot URC, before any command the modem answered): the logs
	// begin at power-on. PreBoot are the commands the modem left
	// unanswered before it was up (before its boot, or within it before
	// it answered one).
	PowerOn *Obs
	PreBoot []entryAt
	// OpenBoot are the URCs of the boot PowerOn opens, in order (the
	// registration's aside): those within bootURCWindow of it or, in a
	// log without times, those before the host's first answered command
	// and then the personality's boot URCs that follow in their order —
	// a real module's boot goes on for seconds, the host's commands
	// answered meanwhile (TinyGSM's AT, OK, then an A7670's +CPIN: READY,
	// SMS DONE, PB DONE).
	OpenBoot []BootURC
	// Unready are the commands a log opens with that the modem left
	// unanswered, when it shows no boot but answers later (ubxlib's AT,
	// AT, … while it powers the module on): not a hang, as no host gave
	// up on them.
	Unready []entryAt
	// Redacted is the first ICCID or IMSI answer whose digits are
	// partly hidden ("23210xxxxxxxxxx"), as logs pasted in public are.
	Redacted *Src
	// PIN is what the logs show of the card's PIN1: nil when nothing.
	PIN *PINFact
	// Card is what the logs show of the card being there or not, in
	// time order: a card command answered (or refused for a PIN), +CPIN:
	// READY; SIM not inserted (+CME ERROR: 10), +CPIN: NOT INSERTED or
	// SIM REMOVED.
	Card []CardFact
	// Dialect is the modem behaviour the conversation shows.
	Dialect []Evidence
	// Host is the state the host had put the modem in before the logs
	// begin, as the answers show it.
	Host HostState
	// Requests are the card's requests in the platform's log.
	Requests []Request
	// Events are a run's events (an exploration case's events.jsonl).
	Events     []fieldlog.RunEvent
	EventsFile string
}

// Selection is a host's +COPS=<mode>[,<format>,"<oper>"[,<AcT>]]: mode 0
// automatic, 1 manual, 4 manual then automatic (TS 27.007 §7.3).
type Selection struct {
	Obs
	Mode   int
	Format int    // <format> of <oper>: 0 long name, 1 short, 2 numeric; -1 none
	Oper   string // as the host gave it ("20810", "SFR")
	AcT    int    // -1 none
	Final  string // the modem's final result
	// FinalAt is when the final result came, FinalSrc where: a manual
	// selection's comes once its registration attempt ends.
	FinalAt  time.Duration
	FinalSrc Src
	// ran is when the selection ran: its line's own time, or for a line
	// sent while the command before it ran (the queued mark) that
	// command's final result, after which the modem took it (t185 F5:
	// a queued selection read as standing before the one it waited on).
	ran Obs
}

// during reports whether o comes while the selection's attempt runs:
// after its command and not after its final result. Within one log the
// lines order what the times do not (t185 F5: a retry sent the instant
// the first attempt's +CME ERROR came read that denial as its own, and
// its own went unread).
func (s Selection) during(o Obs) bool {
	if o.Src.File != s.Src.File {
		return o.At >= s.ran.At && o.At <= s.FinalAt
	}
	return o.After(s.ran) && !o.After(Obs{At: s.FinalAt, Src: s.FinalSrc})
}

// ranAt is when the queued command k of log li ran: at the final result
// of the command on its port before it (the modem takes a line sent
// while a command runs once that command is done); its own time when no
// final result shows.
func ranAt(f *Fixture, li, k int) Obs {
	t := f.Logs[li]
	e := t.Entries[k]
	for j := k - 1; j >= 0; j-- {
		c := t.Entries[j]
		if c.Role != fieldlog.Command || c.Port != e.Port {
			continue
		}
		if ans := t.Answer(j); len(ans) > 0 && ans[len(ans)-1].Role == fieldlog.Final {
			last := ans[len(ans)-1].Line
			for i := j + 1; i < len(t.Entries); i++ {
				if t.Entries[i].Line == last {
					return Obs{At: f.EntryTime(li, i), Src: Src{t.File, last}}
				}
			}
		}
		break
	}
	return Obs{At: f.EntryTime(li, k), Src: Src{t.File, e.Line}}
}

// copsSelect is a selection command line (mode 0, 1 or 4).
var copsSelect = regexp.MustCompile(`(?i)^AT\+COPS=([014])(?:,(\d)?(?:,"([^"]*)"(?:,(\d+))?)?)?\s*$`)

// copsSelection is copsSelect's match for the selection a command line
// makes, alone or among others on it ("AT+CGMR;+COPS=1,2,\"20801\"",
// "AT+COPS=1,2,\"20810\";+CGMI": t185 F5, where the second of two
// rejects went unread and a later OK selection unnamed); nil for none.
// An error that ends a line with more than the selection on it is the
// selection's only if it comes first or the error is a network one (27.007
// §9.2.2: 30-32, 100 + an EMM cause): a command before it may have failed
// and stopped the line (V.250 §5.2.1) before the selection ran.
func copsSelection(line, final string) []string {
	if m := copsSelect.FindStringSubmatch(line); m != nil {
		return m
	}
	cmds, err := atcodec.Parse(line)
	if err != nil || len(cmds) < 2 {
		return nil
	}
	for i, c := range cmds {
		if c.Name != "+COPS" || c.Form != atcodec.Set {
			continue
		}
		m := copsSelect.FindStringSubmatch("AT" + c.String())
		if m == nil {
			return nil
		}
		if i > 0 && final != "OK" {
			if code, ok := atcodec.Classify(final).CME(); !ok || code < 30 || code > 32 && code <= 100 {
				return nil
			}
		}
		return m
	}
	return nil
}

// BootURC is a URC of the boot a log opens with, and its entry there.
type BootURC struct {
	Obs
	Text  string
	Entry int
}

// Obs is something seen at a time.
type Obs struct {
	At  time.Duration
	Src Src
}

// After says whether o comes after b in the logs: later, or at the same
// time further down the same file (logs stamped to the second hold many
// lines a second, e.g. an IMSI read, the REFRESH after it and the ICCID
// read after that).
func (o Obs) After(b Obs) bool {
	return o.At > b.At || o.At == b.At && o.Src.File == b.Src.File && o.Src.Line > b.Src.Line
}

// ProfileFact is a profile a GetProfilesInfo answer lists.
type ProfileFact struct {
	ICCID, OwnerPLMN string
	Enabled          bool
	Src              Src
}

// NotificationFact is a pending notification a ListNotification answer
// lists, and where.
type NotificationFact struct {
	es10.NotificationMetadata
	Src Src
}

// madeNotification is something the logs show the card doing that makes a
// notification: an install result (its seq known) or a profile operation
// answered ok (seq 0: the operation's own is its newest of that event).
type madeNotification struct {
	Event es10.NotificationEvent
	Seq   int
	Src   Src
}

// Identity is an ICCID or IMSI answer.
type Identity struct {
	Obs
	ICCID, IMSI string
}

// EnableFact is an EnableProfile the card answered: the profile the
// request named (its ICCID; "" for one named by its ISD-P AID), whether
// the result was ok, and whether the card asked for a REFRESH (SW 91xx).
type EnableFact struct {
	Obs
	ICCID       string
	OK, Refresh bool
}

// Reg is a registration state.
type Reg struct {
	Obs
	Stat int // 27.007 <stat>, one the emulated modem models (0..5)
	// Shown is the <stat> as the log shows it: Stat but for the ones the
	// emulated modem does not model (unmodelledStat), read as Stat.
	Shown    int
	Name     string // +CEREG, +CREG or +CGREG
	TAC, CI  string
	PLMN     string // from +COPS?, "" unknown
	Cause    int    // reject cause (<cause_type>,<reject_cause> of +CEREG n=3), 0 none
	URC      bool
	HasCells bool // the form with <tac>,<ci>
}

// OperName is an operator's name as a +COPS? answer gives it.
type OperName struct {
	Obs
	Format int // +COPS <format>: 0 long, 1 short
	Name   string
}

// SignalFact is an RSRP reading.
type SignalFact struct {
	Obs
	RSRP int
}

// Request is a card request in the platform's log.
type Request struct {
	Obs
	fieldlog.Request
}

// Evidence is one thing the modem did that a personality field decides:
// Field is the personality's YAML key, Value its value as YAML.
type Evidence struct {
	Field, Value string
	Src          Src
	Why          string
	// Below, for cgla_max_apdu, is the smallest size refused: the limit
	// lies from Value up to Below-1.
	Below int
}

// PINFact is what the logs show of the card's PIN1 (TS 27.007 §8.3,
// §7.4): that the card wanted it — "+CPIN: SIM PIN", "+CME ERROR: 11"
// (or its text), "+CLCK: 1" to AT+CLCK="SC",2 — and the code a host's
// AT+CPIN="<pin>" unlocked it with.
type PINFact struct {
	Wanted  *Obs // the first sign; nil when only a code was entered
	Code    string
	CodeSrc Src
	// Refused are the codes the card refused (AT+CPIN answered an error).
	Refused []string
}

// HostState is the host's settings in force when the logs begin.
type HostState struct {
	Echo *bool // nil: the logs cannot tell
	// StoredNoEcho is the first command after a restart or an RDY that
	// was not echoed though the host had not sent ATE: the module had
	// echo off stored (AT&W). Nil when the logs show no such command.
	StoredNoEcho *Src
	// StoredCEREG is a registration URC after a restart or an ATZ the
	// host did not ask for with +CEREG=: the module had the URCs stored
	// (AT&W).
	StoredCEREG *Src
	// Numeric is the first numeric result code (ATV0) of a log that sets
	// no V before it: the host had set it before the log began. Nil when
	// the logs show none.
	Numeric *Src
	// StoredNumeric is the first numeric result code after a boot (or
	// an ATZ) the log stored no profile before (fieldlog.Entry.StoredV0): the
	// module's stored profile answers in digits, ATV0&W from before the
	// log began.
	StoredNumeric *Src
	// CMEE is the +CMEE <n> in force when the logs begin, from a read
	// (CMEERead) or the form of an error; -1 unknown.
	CMEE     int
	CMEERead bool
	// Fun is +CFUN?'s <fun> when the logs begin (4: the radio off, 0:
	// the minimum), read before the host sets it; -1 unknown.
	Fun    int
	FunSrc Src
	CEREG  int // -1: unknown
	// COPS is +COPS?'s <format> (0 long, 1 short, 2 numeric); -1 unknown.
	COPS     int
	EchoSrc  Src
	CMEESrc  Src
	CEREGSrc Src
	COPSSrc  Src
	// RegN is the <n> of +CREG and +CGREG (by command name) the logs show
	// in force before the host sets it, and where.
	RegN map[string]RegSetting
}

// RegSetting is a registration command's <n> and the line that shows it.
type RegSetting struct {
	N   int
	Src Src
	// Stored: the form comes after an ATZ or a restart the host did not
	// set it again after, so the module had it stored (AT&W).
	Stored bool
}

var (
	cfunRead = regexp.MustCompile(`^\+CFUN: ?(\d)$`)
	// radioOn is +CFUN=1 or 4 (with <rst> 0), upper-cased: the radio,
	// or the card alone, on again.
	radioOn  = regexp.MustCompile(`^AT\+CFUN=[14](?:,0)?$`)
	cmeeRead = regexp.MustCompile(`^\+CMEE: ?([012])$`)
	// copsFormatSet is a +COPS= that gives a <format> (+COPS=3,0 and the
	// manual modes): the host chose it, the log's start did not.
	copsFormatSet = regexp.MustCompile(`\+COPS=\d,\d`)
	csqRead       = regexp.MustCompile(`^\+CSQ: (\d+),(\d+)$`)
	cscsRead      = regexp.MustCompile(`^\+CSCS: ?"([^"]+)"$`)
	cesqRead      = regexp.MustCompile(`^\+CESQ: \d+,\d+,\d+,\d+,(\d+),(\d+)$`)
	// iccidLine is an ICCID answer: the digits, then EF ICCID's F
	// filler if the modem prints it (iccid_filler).
	iccidLine = regexp.MustCompile(`^(?:[+!^%#$]?[A-Z]*(?:CCID|SCID): )?"?(89\d{16,18})([Ff]{0,2})"?(?:,"[^"]*")?$`)
	// redactedID is an identity answer with digits hidden by x or *,
	// quoted or not, after its command's prefix (+CIMI:, +QCCID:, +CRSM's
	// status words).
	redactedID = regexp.MustCompile(`(?:^|[ ,"])\d{2,}[\dxX*]*[xX*]{3,}[\dxX*]*"?$`)
	// READ BINARY of EF ICCID (2FE2 = 12258) through +CRSM, how
	// ModemManager reads the ICCID of a modem it has no vendor command for.
	crsmICCIDCmd = regexp.MustCompile(`^AT\+CRSM=176,12258(?:,|$)`)
	crsmICCID    = regexp.MustCompile(`^\+CRSM: 144,0,"?([0-9A-Fa-f]{20})"?$`)
)

// psmTimers reads the PSM timers a +CEREG line shows, URC or read form
// (anyReg), <Active-Time> and <Periodic-TAU>; ok false when it shows
// none.
func psmTimers(text string) (active, tau string, ok bool) {
	r, ok := anyReg(text)
	return r.Active, r.TAU, ok && r.PSM
}

// iccidFiller is what an ICCID answer shows of iccid_filler
// (personality.FillerShown); false for a 20-digit ICCID.
func iccidFiller(digits, fs, text string, src Src) (Evidence, bool) {
	switch personality.FillerShown(digits, fs) {
	case personality.FillerKeep:
		return Evidence{"iccid_filler", personality.FillerKeep, src, fmt.Sprintf("the ICCID answer %q ends in EF ICCID's F filler", text), 0}, true
	case personality.FillerStrip:
		return Evidence{"iccid_filler", personality.FillerStrip, src, fmt.Sprintf("the ICCID answer %q: %d digits, without EF ICCID's F filler", text, len(digits)), 0}, true
	}
	return Evidence{}, false
}

// ICCIDFiller is what an ICCID answer ("+CCID: 8937…117F") shows of
// iccid_filler: keep, strip, or nothing (ok false: a 20-digit ICCID, or
// no ICCID answer).
func ICCIDFiller(text string) (value string, ok bool) {
	m := iccidLine.FindStringSubmatch(text)
	if m == nil {
		return "", false
	}
	ev, ok := iccidFiller(m[1], m[2], text, Src{})
	return ev.Value, ok
}

// swappedICCID reads EF ICCID's content (digits in swapped nibbles, F
// padding, TS 102 221 §13.2) as an ICCID, or "".
func swappedICCID(hex string) string {
	var b strings.Builder
	for i := 0; i+1 < len(hex); i += 2 {
		b.WriteByte(hex[i+1])
		b.WriteByte(hex[i])
	}
	if m := iccidLine.FindStringSubmatch(strings.ToUpper(b.String())); m != nil {
		return m[1]
	}
	return ""
}

// Extract reads the facts out of a fixture's logs. refreshURCs are the
// personality's (a REFRESH's trace on the AT port).
func Extract(f *Fixture, refreshURCs, bootURCs []string) *Facts {
	fs := &Facts{Host: HostState{CMEE: -1, CEREG: -1, COPS: -1, Fun: -1}}
	fs.ceregShown = showsCEREG(f)
	testForms, conv := testFormVerdicts(f)
	for i, t := range f.Logs {
		switch t.Format {
		case fieldlog.Platform:
			for _, r := range t.Requests {
				fs.Requests = append(fs.Requests, Request{Obs{f.Time(i, r.Time), Src{t.File, r.Line}}, r})
			}
			continue
		case fieldlog.Events:
			fs.Events, fs.EventsFile = t.RunEvents, t.File
			continue
		}
		fs.extractAT(f, i, refreshURCs, bootURCs, testForms)
	}
	fs.refusedTestForms(f, conv) // after what the logs show outright, which speaks first
	slices.SortStableFunc(fs.Regs, func(a, b Reg) int { return int(a.At - b.At) })
	for _, c := range fs.copsPLMNs {
		if !fs.setPLMN(c) {
			fs.Operated = append(fs.Operated, COPSReg{Obs: c.Obs, PLMN: c.PLMN, Format: 2})
		}
	}
	for _, c := range fs.copsNames {
		if fs.regNamed(c.Obs) == nil {
			fs.Operated = append(fs.Operated, c)
		}
	}
	slices.SortStableFunc(fs.Operated, func(a, b COPSReg) int { return int(a.At - b.At) })
	fs.ceerCauses()
	fs.selectionDenials()
	fs.unregisteredCOPS()
	fs.fillPLMNs()
	fs.searching()
	fs.lossStat()
	fs.refreshStat()
	fs.restartShown()
	fs.rejectMovesOn()
	slices.SortStableFunc(fs.Selections, func(a, b Selection) int { return int(a.At - b.At) })
	fs.copsRejectError()
	slices.SortStableFunc(fs.Identities, func(a, b Identity) int { return int(a.At - b.At) })
	untimed := func(s Src) bool {
		i := slices.IndexFunc(f.Logs, func(t *fieldlog.Transcript) bool { return t.File == s.File })
		return i >= 0 && f.Logs[i].Clock == fieldlog.NoTime
	}
	fs.refreshIgnored(untimed)
	fs.refreshDelay(untimed, f.End(), ownerPLMNs(f.Manifest, fs.Profiles))
	slices.SortStableFunc(fs.Card, func(a, b CardFact) int { return int(a.At - b.At) })
	slices.SortStableFunc(fs.Signal, func(a, b SignalFact) int { return int(a.At - b.At) })
	slices.SortStableFunc(fs.Names, func(a, b OperName) int { return int(a.At - b.At) })
	return fs
}

// unexplainedLoss reports whether registration i is a registered device
// going unregistered — stat 0, 2 or 4, a URC or a read (a poller with its
// URCs off sees it only so), right after a registered state — that
// nothing the replay does by itself explains: a restart,
// boot or REFRESH (the modem deregisters for those, and their URCs may
// trail its stat by a second or two), the card gone, or the host's detach.
// Such a loss is the device's radio losing its cell.
func (fs *Facts) unexplainedLoss(i int) bool {
	if i < 1 || i >= len(fs.Regs) {
		return false
	}
	r, prev := fs.Regs[i], fs.Regs[i-1]
	if r.Stat != 0 && r.Stat != 2 && r.Stat != 4 || prev.Stat != 1 && prev.Stat != 5 {
		return false
	}
	from, to := prev.At, r.At+2*time.Second
	near := func(obs []Obs) bool {
		return slices.ContainsFunc(obs, func(o Obs) bool { return o.At >= from && o.At <= to })
	}
	gone := slices.ContainsFunc(fs.Card, func(c CardFact) bool { return !c.Present && c.At >= from && c.At <= to })
	if fs.SelectedAt(r.Obs) != nil && !fs.SelectedAt(prev.Obs).Same(fs.SelectedAt(r.Obs)) {
		return false // the host chose another network: the modem left its own for it
	}
	return !near(fs.Restarts) && !near(fs.Boots) && !near(fs.Rebooted) && !near(fs.Refreshes) && !near(fs.hostDetaches) && !gone && !fs.switchedAfter(r.At)
}

// deniedAfter is the denial the search after Regs[i] ends in, within a
// minute and before any registration: the network dropped the device
// and refused it again (nil for none).
func (fs *Facts) deniedAfter(i int) *Reg {
	r := fs.Regs[i]
	for j := i + 1; j < len(fs.Regs); j++ {
		n := &fs.Regs[j]
		if n.At > r.At+time.Minute || n.Stat == 1 || n.Stat == 5 {
			return nil
		}
		if n.Stat == 3 {
			return n
		}
	}
	return nil
}

// ICCIDAnswer reads an answer to an ICCID command ("#CCID: 8939…",
// "+QCCID: 8986…", a bare "8944…"): the prefix before the ICCID.
func ICCIDAnswer(text string) (prefix string, ok bool) {
	m := iccidLine.FindStringSubmatch(text)
	if m == nil {
		return "", false
	}
	return strings.TrimSuffix(text[:strings.Index(text, m[1])], `"`), true
}

// mmRegState is ModemManager's own line for a change of the 3GPP
// registration state it follows (by +CEREG URCs, its polls, or QMI).
var mmRegState = regexp.MustCompile(`3GPP registration state changed \(\S+ -> (\S+)\)`)

// mmStats are ModemManager's registration states as 27.007 <stat>s.
var mmStats = map[string]int{"idle": 0, "home": 1, "searching": 2, "denied": 3, "roaming": 5}

// mmRegistration takes ModemManager's registration state change at o as
// a registration when no AT line shows one there: a journal whose modem
// reports it by QMI, or whose URCs are on a port not logged, still says
// the device registered (outside tester sw107: "never registered").
func (fs *Facts) mmRegistration(state string, o Obs) {
	stat, ok := mmStats[state]
	if !ok || slices.ContainsFunc(fs.Regs, func(r Reg) bool { return absDur(r.At-o.At) <= time.Second }) {
		return
	}
	fs.Regs = append(fs.Regs, Reg{Obs: o, Stat: stat, Shown: stat, Name: "ModemManager's state", URC: true})
}

// slotSwitch is a command that sets the modem's SIM slot.
var slotSwitch = regexp.MustCompile(`(?i)^AT(?:\+GTDUALSIM|\+QUIMSLOT|\+QDSIM|\^SIMSWITCH)=\d`)

// slotSwitchedBefore reports a slot switch of the host's at or before o.
func (fs *Facts) slotSwitchedBefore(o Obs) bool {
	return slices.ContainsFunc(fs.SlotSwitches, func(s Obs) bool { return !s.After(o) })
}

// detachedBefore reports a host command that ended the registration
// (+CFUN=4, +COPS=2, …) at or before o: the attach after it, its search
// and its registration, the replay shows as the logs do.
func (fs *Facts) detachedBefore(o Obs) bool {
	return slices.ContainsFunc(fs.hostDetaches, func(d Obs) bool { return !d.After(o) })
}

// PowerOnMark reports a modem line that says it came up, as a log that
// opens at power-on shows it: a power-on URC of the codec's one list
// (at.IsPowerOnURC: RDY, *ATREADY: 1, Cinterion's ^SYSSTART, whatever
// the personality), or the first of a personality's boot URCs
// (bootURCs), whatever it is — a u-blox's +CPIN: READY too, which
// before the host's first answer is no PIN entry's.
func PowerOnMark(text string, bootURCs []string) bool {
	return atcodec.IsPowerOnURC(text) || len(bootURCs) > 0 && text == bootURCs[0]
}

// BootMark reports a modem line that marks its boot anywhere in a log:
// a PowerOnMark that is not the card's state (personality.CardStateURC:
// a u-blox's +CPIN: READY is also a PIN entry's). A power-down URC
// (^SHUTDOWN, POWERED DOWN) is none: the boot it ends in is counted at
// its own URC.
func BootMark(text string, bootURCs []string) bool {
	return PowerOnMark(text, bootURCs) && !personality.CardStateURC(text)
}

// switchWindow bounds how soon after a lost registration the card's new
// identity must be read for the loss to be the switch's detach.
const switchWindow = time.Minute

// switchedAfter reports a profile switch the modem did not announce (a
// Sierra shows no REFRESH URC): the first identity read within
// switchWindow after at names another ICCID or IMSI than the last read
// before it, so the registration lost at at was the switch's detach, not
// a lost cell.
func (fs *Facts) switchedAfter(at time.Duration) bool {
	// A read may give one identity or both: each is compared with its
	// own last value.
	changed := func(get func(Identity) string) bool {
		before, after := "", ""
		for _, id := range fs.Identities {
			v := get(id)
			switch {
			case v == "":
			case id.At <= at:
				before = v
			case after == "" && id.At <= at+switchWindow:
				after = v
			}
		}
		return before != "" && after != "" && before != after
	}
	return changed(func(id Identity) string { return id.ICCID }) || changed(func(id Identity) string { return id.IMSI })
}

// refreshStat notes a modem that shows a switch's detach as searching
// (refresh_stat 2): a registration URC of stat 2 straight after a
// registered state, a REFRESH (its URC, or the new identity read) between
// them, with no stat 0 to show the detach (outside tester sw115: an EG25
// went "+CEREG: 5,…", "+QUSIM: 1", "+CEREG: 2", "+CEREG: 5,…").
func (fs *Facts) refreshStat() {
	for i, r := range fs.Regs {
		if fs.refreshScanAt(i) {
			fs.Dialect = append(fs.Dialect, Evidence{"refresh_stat", "2", r.Src,
				fmt.Sprintf("searching (stat 2) straight after the registration at %s, the card reset between them: the modem shows the switch's detach as the new subscriber's scan, with no stat 0", fs.Regs[i-1].Src), 0})
			return
		}
	}
}

// refreshScanAt says whether Regs[i] is refresh_stat 2's sign: a stat 2
// URC straight after a registered state, a REFRESH (its URC, or the new
// identity read) between them.
func (fs *Facts) refreshScanAt(i int) bool {
	if i < 1 || i >= len(fs.Regs) || !fs.Regs[i].URC || fs.Regs[i].Stat != 2 {
		return false
	}
	r, prev := fs.Regs[i], fs.Regs[i-1]
	if prev.Stat != 1 && prev.Stat != 5 {
		return false
	}
	from, to := prev.At, r.At+2*time.Second
	return slices.ContainsFunc(fs.Refreshes, func(o Obs) bool { return o.At >= from && o.At <= to }) || fs.switchedAfter(r.At)
}

// lossStat notes a modem that shows a lost cell as not registered (stat
// 0, no_service_stat 0) rather than searching.
func (fs *Facts) lossStat() {
	for i, r := range fs.Regs {
		if r.Stat == 0 && fs.unexplainedLoss(i) {
			fs.Dialect = append(fs.Dialect, Evidence{"no_service_stat", "0", r.Src, fmt.Sprintf("not registered (stat 0) as the registration before it (%s) was lost, with no restart, REFRESH or detach", fs.Regs[i-1].Src), 0})
			return
		}
	}
}

// searching notes a modem that reports searching before a registration
// it ends in (searching_urc): a stat 2 URC whose next registration URC is
// home, roaming or denied (the scan found a network, which refused it).
// One followed by not registered is an attach no network answered, and
// one after a registered state a lost cell searched for, which every
// modem shows.
func (fs *Facts) searching() {
	var prev *Reg
	for i, r := range fs.Regs {
		if !r.URC {
			continue
		}
		if _, restart := fs.restartScanAt(i); fs.unexplainedLoss(i) || fs.refreshScanAt(i) || restart {
			// A lost cell searched for: every modem shows that; a
			// switch shown as a scan is refresh_stat 2's (outside
			// tester sw122), and a T3411 restart shown so
			// restart_searching's: no evidence of searching_urc.
			prev = nil
			continue
		}
		if prev != nil && prev.Stat == 2 && (r.Stat == 1 || r.Stat == 5 || r.Stat == 3) {
			fs.Dialect = append(fs.Dialect, Evidence{"searching_urc", "true", prev.Src, fmt.Sprintf("searching before the registration at %s", r.Src), 0})
			return
		}
		prev = &fs.Regs[i]
	}
	// A read shows the scan too: searching within a boot's attach time,
	// before the registration it ends in.
	starts := slices.Concat(fs.Boots, fs.Rebooted, fs.Restarts)
	if fs.PowerOn != nil {
		starts = append(starts, *fs.PowerOn)
	}
	for i, r := range fs.Regs {
		if r.URC || r.Stat != 2 || !slices.ContainsFunc(starts, func(o Obs) bool { return o.At <= r.At && r.At-o.At < 30*time.Second }) {
			continue
		}
		if j := slices.IndexFunc(fs.Regs[i+1:], func(n Reg) bool { return n.Stat != 2 }); j >= 0 {
			if n := fs.Regs[i+1+j]; n.Stat == 1 || n.Stat == 5 {
				fs.Dialect = append(fs.Dialect, Evidence{"searching_urc", "true", r.Src, fmt.Sprintf("searching, read within the boot's attach, before the registration at %s", n.Src), 0})
				return
			}
		}
	}
}

// restartWindow is how far a log's searching URC may be from T3411's
// expiry after the failure it follows and still be the restart's: the
// failure's URC may trail the network's answer by a second, the restart's
// scan shows a little after the timer (a field log: 10.5 s).
var restartWindow = [2]time.Duration{emm.T3411 - time.Second, emm.T3411 + 3*time.Second}

// abnormalReject says r is an ATTACH REJECT the attach attempt counter
// counts one by one (TS 24.301 §5.5.1.2.6 d): a denial with a cause
// emm.Abnormal, not one that sets the counter to 5 (emm.EndsAttempts).
func abnormalReject(r Reg) bool {
	return r.Stat == 3 && emm.Abnormal(r.Cause) && !emm.EndsAttempts(r.Cause)
}

// restartShown notes a modem that shows the attach attempt counter's
// T3411 restart as searching (restart_searching): restartScanAt. An
// EG25 shows none after T3410 (fixtures/field/reattach-slower-than-wait):
// only a stat 2 the logs show says so.
//
// A reject URC of a run's restart (AttemptOf 2 or more) straight after
// the one before, no searching between, is a restart the modem showed
// nothing of: restart_searching false, which a manifest stating it
// contradicts.
func (fs *Facts) restartShown() {
	for i, r := range fs.Regs {
		if why, ok := fs.restartScanAt(i); ok {
			fs.Dialect = append(fs.Dialect, Evidence{"restart_searching", "true", r.Src, why, 0})
			return
		}
		if k := fs.attemptBefore(i); k >= 0 && k == i-1 && r.URC && fs.Regs[k].URC {
			fs.Dialect = append(fs.Dialect, Evidence{"restart_searching", "false", r.Src,
				fmt.Sprintf("the abnormal reject of the T3411 restart after %s, with no searching URC between: the restart shown by nothing until its outcome", fs.Regs[k].Src), 0})
			return
		}
	}
}

// restartScanAt says whether Regs[i] is a T3411 restart shown as
// searching, and why: a stat 2 URC T3411 (restartWindow) after the URC of
// an abnormal reject (abnormalReject), or after the not registered URC of
// a T3410 expiry (15 s after a searching one), nothing between.
func (fs *Facts) restartScanAt(i int) (string, bool) {
	if i < 1 || i >= len(fs.Regs) || !fs.Regs[i].URC || fs.Regs[i].Stat != 2 {
		return "", false
	}
	r, prev := fs.Regs[i], fs.Regs[i-1]
	gap := r.At - prev.At
	if !prev.URC || gap < restartWindow[0] || gap > restartWindow[1] {
		return "", false
	}
	switch {
	case abnormalReject(prev):
		return fmt.Sprintf("searching (stat 2) %v after the abnormal reject at %s (EMM cause #%d): the attach's T3411 restart on the same network (TS 24.301 §5.5.1.2.6 d) shown as trying to attach", gap, prev.Src, prev.Cause), true
	case prev.Stat == 0 && i >= 2:
		s := fs.Regs[i-2]
		if d := prev.At - s.At; s.URC && s.Stat == 2 && d >= emm.T3410-time.Second && d <= emm.T3410+time.Second {
			return fmt.Sprintf("searching (stat 2) %v after T3410's expiry shown at %s (not registered, 15 s after searching at %s): the attach's T3411 restart (TS 24.301 §5.5.1.2.6 c) shown as trying to attach", gap, prev.Src, s.Src), true
		}
	}
	return "", false
}

// rejectMovesOn notes a modem that leaves a network at its abnormal
// reject (abnormal_reject_moves_on): movedOnAt.
// A reject of a run's restart (AttemptOf 2 or more) says the modem
// restarted on the same network: abnormal_reject_moves_on false, which a
// manifest stating it contradicts.
func (fs *Facts) rejectMovesOn() {
	for i := range fs.Regs {
		if j, ok := fs.movedOnAt(i); ok {
			r, n := fs.Regs[i], fs.Regs[j]
			fs.Dialect = append(fs.Dialect, Evidence{"abnormal_reject_moves_on", "true", n.Src,
				fmt.Sprintf("registered on another network %v after the abnormal reject at %s (EMM cause #%d), sooner than T3411's restart on the rejecting one (TS 24.301 §5.5.1.2.6 d, 10 s): the modem went on with PLMN selection at once", n.At-r.At, r.Src, r.Cause), 0})
			return
		}
		if k := fs.attemptBefore(i); k >= 0 {
			r := fs.Regs[i]
			fs.Dialect = append(fs.Dialect, Evidence{"abnormal_reject_moves_on", "false", r.Src,
				fmt.Sprintf("rejected again (EMM cause #%d) %v after the abnormal reject at %s: the modem restarted on the same network at T3411", r.Cause, r.At-fs.Regs[k].At, fs.Regs[k].Src), 0})
			return
		}
	}
}

// regAfter is the index of the first registration line after Regs[i]
// that is not searching, -1 for none.
func (fs *Facts) regAfter(i int) int {
	for j := i + 1; j < len(fs.Regs); j++ {
		if fs.Regs[j].Stat != 2 {
			return j
		}
	}
	return -1
}

// earlyAfterReject is the registration (its index) that follows the
// abnormal reject Regs[i] sooner than its T3411 restart could have
// registered, nothing but searching between; -1 for none. (After the
// fifth attempt selection goes on at once: AttemptOf says which.)
func (fs *Facts) earlyAfterReject(i int) int {
	if i >= len(fs.Regs) || !abnormalReject(fs.Regs[i]) {
		return -1
	}
	j := fs.regAfter(i)
	if j < 0 {
		return -1
	}
	if n := fs.Regs[j]; (n.Stat == 1 || n.Stat == 5) && n.At-fs.Regs[i].At < restartWindow[0] {
		return j
	}
	return -1
}

// restartAttach bounds how long after T3411's expiry a log shows the
// outcome of the restart's attach (its scan and the network's answer).
const restartAttach = 5 * time.Second

// AttemptOf is the attach attempt counter's attempt (TS 24.301
// §5.5.1.2.6 d) the abnormal reject Regs[i] answered, as the logs show
// it: 1, plus one for each abnormal reject of the same network before it
// in a run, each T3411 and the restart's attach (restartAttach) after
// the one before, nothing but searching between. 0: Regs[i] is no
// abnormal reject.
func (fs *Facts) AttemptOf(i int) int {
	if i < 0 || i >= len(fs.Regs) || !abnormalReject(fs.Regs[i]) {
		return 0
	}
	n := 1
	for k := fs.attemptBefore(i); k >= 0; k = fs.attemptBefore(k) {
		n++
	}
	return n
}

// attemptBefore is the abnormal reject (its index) of the attempt before
// the abnormal reject Regs[i] in its run (AttemptOf), -1 for none.
func (fs *Facts) attemptBefore(i int) int {
	p := i - 1
	for p >= 0 && fs.Regs[p].Stat == 2 {
		p--
	}
	if p < 0 || !abnormalReject(fs.Regs[p]) || fs.Regs[p].PLMN != fs.Regs[i].PLMN {
		return -1
	}
	if gap := fs.Regs[i].At - fs.Regs[p].At; gap < restartWindow[0] || gap > emm.T3411+restartAttach {
		return -1
	}
	return p
}

// movedOnAt reports whether the abnormal reject Regs[i] is followed,
// sooner than T3411 (earlyAfterReject), by a registration on another
// network, and its index: both networks named and different, or a
// roaming one after a reject of a network the logs do not name (the
// draft's world puts that reject on the subscriber's own network).
func (fs *Facts) movedOnAt(i int) (int, bool) {
	j := fs.earlyAfterReject(i)
	if j < 0 {
		return -1, false
	}
	// At the fifth attempt every UE goes on with PLMN selection.
	return j, otherNetwork(fs.Regs[i], fs.Regs[j]) && fs.AttemptOf(i) < emm.MaxAttachAttempts
}

// otherNetwork says registration n is on another network than the
// denial r: both named and different, or roaming after a denial by a
// network the logs do not name (the draft's world puts that one on the
// subscriber's own network).
func otherNetwork(r, n Reg) bool {
	return r.PLMN != "" && n.PLMN != "" && r.PLMN != n.PLMN || r.PLMN == "" && n.Stat == 5
}

// RestartsRefused is how many of the T3411 restarts after the abnormal
// reject Regs[i] the logs show refused as well, though they show no URC
// for them (the same denial again: 27.007's URC comes at a change): those
// before the registration on the same network that ends them (the
// restart it answers, T3411 k times after the reject, accepted), those
// before the last read of the same denial, and all of them when the next
// registration is on another network (the fifth attempt's selection). -1
// when the logs say nothing of them (another state next, or nothing). The
// caller bounds it by the attempts left (AttemptOf).
func (fs *Facts) RestartsRefused(i int) int {
	r := fs.Regs[i]
	refused := -1
	for _, n := range fs.Regs[i+1:] {
		switch {
		case n.Stat == 2:
		case n.Stat == 3 && n.Cause == r.Cause && n.PLMN == r.PLMN:
			refused = int((n.At - r.At) / emm.T3411)
		case n.Stat == 1 || n.Stat == 5:
			if otherNetwork(r, n) {
				return emm.MaxAttachAttempts
			}
			return max(0, int((n.At-r.At+time.Second)/emm.T3411)-1)
		default:
			return refused
		}
	}
	return refused
}

// showsCEREG reports whether the fixture's AT logs show any +CEREG line:
// then the EPS registrations are the log's, and +CREG's and +CGREG's
// (the same registration in other domains) are left aside.
func showsCEREG(f *Fixture) bool {
	for _, t := range f.Logs {
		for _, e := range t.Entries {
			if e.Dir == fieldlog.Modem && strings.HasPrefix(e.Text, "+CEREG: ") {
				return true
			}
		}
	}
	return false
}

// entryAt names an entry of a fixture's logs: the log's and the entry's
// index.
type entryAt struct{ log, entry int }

// testFormVerdicts reads the test forms of the fixture's AT logs, all of
// one modem, together: a test form refused in one log is the modem's lack
// of test forms when its command works in another.
func testFormVerdicts(f *Fixture) (map[entryAt]personality.TestFormVerdict, conversation) {
	var c conversation
	for li, t := range f.Logs {
		if t.Format == fieldlog.Platform || t.Format == fieldlog.Events {
			continue
		}
		for k, e := range t.Entries {
			if e.Role == fieldlog.Command {
				c.exchanges = append(c.exchanges, personality.Exchange{Command: e.Text, Final: FinalOf(t, k)})
				c.places = append(c.places, entryAt{li, k})
			}
		}
	}
	out := map[entryAt]personality.TestFormVerdict{}
	for _, v := range personality.TestFormVerdicts(c.exchanges) {
		out[c.places[v.Index]] = v
	}
	return out, c
}

// conversation is the fixture's AT commands with their final results,
// and where each is.
type conversation struct {
	exchanges []personality.Exchange
	places    []entryAt
}

// CardFact is one sight of the card, or of its absence.
type CardFact struct {
	Obs
	Present bool
	// URC: the modem said it unasked, as the card came or went.
	URC bool
	// Went: the URC says the card was removed (+CPIN: SIM REMOVED), so
	// it was there until then, whatever the logs showed before.
	Went bool
}

// cardCommands reach the card: their answers show it there or not.
var cardCommands = append([]string{"+CPIN", "+CIMI", "+CRSM", "+CSIM", "+CGLA", "+CCHO", "+CNUM"}, personality.ICCIDCommands...)

// cardAnswers reads whether a command's answer shows the card: a card
// command's answer, or a PIN it wants, does; SIM not inserted (+CME
// ERROR: 10) to any command does not.
func (fs *Facts) cardAnswers(cmds []atcodec.Command, answer []fieldlog.Entry, final string, o Obs) {
	if len(cmds) == 0 || len(answer) == 0 {
		return
	}
	o.Src.Line = answer[len(answer)-1].Line // the final result says it
	r := atcodec.Classify(final)            // a code whatever the +CMEE form
	cme := func(codes ...atcodec.CMEError) bool {
		return r.Kind == atcodec.FinalCME && slices.Contains(codes, atcodec.CMEError(r.Code))
	}
	if cme(atcodec.CMESIMNotInserted) {
		// Whatever the command (+CGATT, +COPS too): the modem found no card.
		fs.Card = append(fs.Card, CardFact{Obs: o})
		return
	}
	// A line of several commands (AT+CSQ;+CPIN?) answered OK ran them
	// all; one that failed stopped at a command the log does not name
	// (V.250 §5.2.1), but a PIN the card wants is the card's whichever.
	if !slices.ContainsFunc(cmds, func(c atcodec.Command) bool {
		return c.Form != atcodec.Test && slices.Contains(cardCommands, c.Name)
	}) {
		return
	}
	if r.Kind == atcodec.FinalOK || cme(atcodec.CMESIMPINRequired, atcodec.CMESIMPUKRequired) {
		fs.Card = append(fs.Card, CardFact{Obs: o, Present: true})
	}
}

// cardReturns are the sights of the card that follow one of its absence:
// the modem reads it again as at boot, and its boot URCs (an EG25's
// +QUSIM: 1) are no REFRESH's.
func (fs *Facts) cardReturns() []Obs {
	var out []Obs
	for i, c := range fs.Card {
		if c.Present && i > 0 && !fs.Card[i-1].Present {
			out = append(out, c.Obs)
		}
	}
	return out
}

// vendorCardStates are vendors' URCs of the card's state: which field
// says it (from 0), its values for the card gone and for the card there;
// went: a gone value says the card was there until then (removed), not
// that it never was. The values not listed say neither.
var vendorCardStates = map[string]struct {
	field       int
	gone, there []string
	went        bool
}{
	// u-blox (AT+USIMSTAT): 0 SIM card not present; 1 to 3 it wants a
	// PIN or PUK, 5 to 8 it is in use; 4 (not operational) and 9 to 11
	// (a REFRESH's outcome) say neither.
	"+UUSIMSTAT": {0, []string{"0"}, []string{"1", "2", "3", "5", "6", "7", "8"}, false},
	// Quectel (AT+QSIMSTAT=1): <enable>,<inserted_status>: 0 removed, 1
	// inserted (2 unknown).
	"+QSIMSTAT": {1, []string{"0"}, []string{"1"}, true},
	// Huawei: <sim_state>[,<lock_state>]: 255 USIM not present, 1 valid;
	// 0 and 2 to 4 (the card there, refused) say no more.
	"^SIMST": {0, []string{"255"}, []string{"1"}, true},
	// Telit (AT#QSS=1 or 2): 0 not inserted; 1 inserted, 2 unlocked, 3
	// ready.
	"#QSS": {0, []string{"0"}, []string{"1", "2", "3"}, true},
}

// cardURC reads a URC that says the card's state: +CPIN's, the card
// ready or wanting a PIN, or gone; or a vendor's SIM state report, so that
// a card pulled and put back is the card's absence and not a dead zone.
func (fs *Facts) cardURC(text string, o Obs) {
	present, absent := CardFact{Obs: o, Present: true, URC: true}, CardFact{Obs: o, URC: true}
	if name, v, ok := strings.Cut(text, ":"); ok {
		v = strings.ToUpper(strings.TrimSpace(v))
		switch name {
		case "+CPIN":
			switch v {
			case "READY", "SIM PIN", "SIM PUK":
				fs.Card = append(fs.Card, present)
			case "NOT INSERTED", "SIM NOT INSERTED":
				fs.Card = append(fs.Card, absent)
			case "SIM REMOVED":
				absent.Went = true
				fs.Card = append(fs.Card, absent)
			}
			// NOT READY is no 27.007 code: modems send it as the card
			// starts, as +CFUN powers it down and as it goes alike.
		case "+SIMCARD":
			// SIMCom's report of the card pulled out.
			if v == "NOT AVAILABLE" {
				absent.Went = true
				fs.Card = append(fs.Card, absent)
			}
		default:
			st, ok := vendorCardStates[name]
			f := strings.Split(v, ",")
			if !ok || st.field >= len(f) {
				break
			}
			switch val := strings.TrimSpace(f[st.field]); {
			case slices.Contains(st.gone, val):
				absent.Went = st.went
				fs.Card = append(fs.Card, absent)
			case slices.Contains(st.there, val):
				fs.Card = append(fs.Card, present)
			}
		}
	}
}

// pinAnswers reads what a command and its answer show of PIN1.
func (fs *Facts) pinAnswers(cmds []atcodec.Command, answer []fieldlog.Entry, final string, o Obs, src Src) {
	pin := func() *PINFact {
		if fs.PIN == nil {
			fs.PIN = &PINFact{}
		}
		return fs.PIN
	}
	wanted := func(line int) { // the answer's line that shows it
		if p := pin(); p.Wanted == nil {
			p.Wanted = &Obs{o.At, Src{src.File, line}}
		}
	}
	// Each information line by the command it answers (Sub: one of a
	// line's several).
	for _, a := range answer {
		if a.Role != fieldlog.Info || a.Sub >= len(cmds) {
			continue
		}
		switch c := cmds[a.Sub]; {
		case c.Name == "+CPIN" && c.Form == atcodec.Read && strings.TrimSpace(strings.TrimPrefix(a.Text, "+CPIN:")) == "SIM PIN",
			c.Name == "+CLCK" && len(c.Args) >= 2 && strings.EqualFold(strings.Trim(c.Args[0].Raw, `"`), "SC") && c.Args[1].Raw == "2" &&
				strings.TrimSpace(strings.TrimPrefix(a.Text, "+CLCK:")) == "1":
			wanted(a.Line)
		}
	}
	if r := atcodec.Classify(final); r.Kind == atcodec.FinalCME && r.Code == int(atcodec.CMESIMPINRequired) && len(answer) > 0 {
		wanted(answer[len(answer)-1].Line)
	}
	if len(cmds) != 1 {
		return // which of a line's commands a final result is, the log does not say
	}
	c := cmds[0]
	switch {
	case c.Name == "+CPIN" && c.Form == atcodec.Set && len(c.Args) == 1 && ident.Digits(c.Args[0].Raw, 4, 8):
		// One argument: the PIN (two would be the PUK and a new PIN).
		switch kind := atcodec.Classify(final).Kind; {
		case kind == atcodec.FinalOK && pin().Code == "":
			fs.PIN.Code, fs.PIN.CodeSrc = c.Args[0].Raw, src
		case kind.IsFinal() && kind != atcodec.FinalOK:
			pin().Refused = append(fs.PIN.Refused, c.Args[0].Raw)
		}
	}
}

// refusedTestForms reads the test forms the logs show refused, of
// commands they show no otherwise (personality.UnseenRefusals):
// TestFormVerdicts gives those no verdict (the modem may lack the
// command, or its test forms), but a replay has to answer them as the
// field modem did. When no
// test form in the logs is answered, the modem is taken to have none
// (no_test_forms); when one is, it has test forms, so it lacks the
// command: for the logical channel commands, csim_only. The assumption
// says which, and what else the logs allow.
func (fs *Facts) refusedTestForms(f *Fixture, c conversation) {
	refusals, answered, works := personality.UnseenRefusals(c.exchanges)
	for _, r := range refusals {
		at := c.places[r.Index]
		t := f.Logs[at.log]
		ans := t.Answer(at.entry)
		src, line := Src{t.File, ans[len(ans)-1].Line}, t.Entries[at.entry].Text
		switch {
		case !answered:
			fs.Dialect = append(fs.Dialect, Evidence{"no_test_forms." + r.Name, "true", src,
				line + " is refused, and the logs show neither " + r.Name + " otherwise nor any test form answered: taken for a modem without test forms; if it lacks " + r.Name + " instead, say so in the manifest (csim_only: true for the logical channel commands)", 0})
		case (r.Name == "+CCHO" || r.Name == "+CGLA" || r.Name == "+CCHC") && !works["+CCHO"] && !works["+CGLA"] && !works["+CCHC"]:
			fs.Dialect = append(fs.Dialect, Evidence{"csim_only", "true", src,
				line + " is refused where other test forms are answered, and the logs show " + r.Name + " no otherwise: the modem lacks the logical channel commands", 0})
		}
	}
}

func (fs *Facts) extractAT(f *Fixture, li int, refreshURCs, bootURCs []string, testForms map[entryAt]personality.TestFormVerdict) {
	t := f.Logs[li]
	src := func(e fieldlog.Entry) Src { return Src{t.File, e.Line} }
	var cceregSet, cmeeSet, echoSet, copsSet, vSet, funSet bool
	// charset is the TE character set (+CSCS, 27.007 §5.5) the log's
	// host set, or a +CSCS? showed, so far: +COPS? names are read in it
	// (dialect.OperText). "": not known, IRA as the modems' default.
	charset := ""
	regSet := map[string]bool{} // the host set +CREG= or +CGREG= in this log
	// regN notes a registration command's <n> the logs show before the
	// host sets it: a read's, or what a camped URC's form tells.
	// reset: an ATZ (the stored profile) or a restart came before, and
	// regSinceReset says which of +CREG and +CGREG the host set after it.
	reset, regSinceReset := false, map[string]bool{}
	regN := func(name string, n int, o Obs) {
		if regSet[name] && !(reset && !regSinceReset[name]) {
			return
		}
		if _, ok := fs.Host.RegN[name]; !ok {
			if fs.Host.RegN == nil {
				fs.Host.RegN = map[string]RegSetting{}
			}
			fs.Host.RegN[name] = RegSetting{n, o.Src, reset && !regSinceReset[name]}
		}
	}
	ceregSinceRestart := false // the host set +CEREG= after the last restart or ATZ
	var fun0 *Src              // the +CFUN=0 in force, while the card has not answered under it
	afterBoot := false         // a restart or an RDY since the last command
	storedHere := false        // the log showed an AT&W (OK): the profile a restart loads is its
	// bootList is what the modem sent after the log's first restart, the
	// registration's URCs aside: its boot URCs (a boot_urcs quirk).
	var bootList []string
	var bootSrc Src
	goingDown := false // a power-down URC came in the restart, and no power-on one since
	var selfBoot *Obs  // the first boot no command asked for, before any restart
	// openList is what the modem sent in the boot the log opens with
	// (OpenBoot); bootAt is the last of bootURCs it matched, and
	// openEnds says what ends that boot in a log without times: a
	// restart, a REFRESH the card asked for, a boot again.
	var openList []string
	var openSrc Src
	bootAt := -1
	openEnds := func() int { return len(fs.Restarts) + len(fs.refreshAsked) }
	openEnded := -1
	opened := false // a command answered, or an answer, seen: no opening boot now
	// quiet are the commands before that, which the modem left
	// unanswered: sent while it was off or booting, when a boot follows.
	var quiet []entryAt
	accepted, refused := 0, 1<<30 // +CGLA APDU sizes
	var acceptedSrc, refusedSrc Src
	cglaSeen, cglaWorks := false, false
	// sessions are the +CCHO sessions of this log, as the error limits
	// read them too: a +CGLA on one that is gone shows the modem's error
	// for it (cgla_closed_error). cgla is the session the line's +CGLA
	// names, as it was when sent.
	sessions := newSessions(t)
	obsAt := func(k int) Obs { return Obs{f.EntryTime(li, k), src(t.Entries[k])} }
	for k, e := range t.Entries {
		at := f.EntryTime(li, k)
		obs := Obs{at, src(e)}
		var cgla *session
		sessions.entry(k, func(j int, c atcodec.Command, s session) {
			if c.Name == "+CGLA" && cgla == nil {
				cgla = &s
			}
		})
		// A command the modem gave no answer to does not open the log: a
		// host polling a module still off or booting (TinyGSM's AT, AT,
		// AT…; a terminal shows the echo of what was typed, which a
		// booting module may give before it answers) before its boot
		// URCs.
		// Answered is a final result: a module that is up ends every
		// command with one, and what a terminal shows before it may be
		// the host program's own print (TinyGSM's "Running modem's
		// begin function ..." between two unanswered ATs), which the
		// reader gives the command as information text.
		switch e.Role {
		case fieldlog.URC, fieldlog.Note, fieldlog.Echo:
		case fieldlog.Command:
			answered := hasFinal(t, k)
			if !opened && !answered {
				quiet = append(quiet, entryAt{li, k})
			}
			opened = opened || answered
		case fieldlog.Info:
			opened = opened || e.Cmd < 0 || hasFinal(t, e.Cmd)
		default:
			opened = true
		}
		switch e.Role {
		case fieldlog.Command:
			u := strings.ToUpper(e.Text)
			// An ATE line is echoed, or not, as the echo was before it
			// (the modem echoes the line as it comes, then runs it).
			echoKnown := echoSet
			switch {
			case strings.HasPrefix(u, "ATE"):
				echoSet = true
			case strings.Contains(u, "+CMEE="):
				cmeeSet = true
			case strings.Contains(u, "+CEREG="):
				cceregSet = true
				ceregSinceRestart = true
			case strings.Contains(u, "+CFUN="):
				funSet = true
			}
			for _, name := range []string{"+CREG", "+CGREG"} {
				if strings.Contains(u, name+"=") { // "AT+CREG=2;+CGREG=2" sets both
					regSet[name], regSinceReset[name] = true, true
				}
			}
			// ATZ loads the stored profile (V.250 §6.1.1): what the
			// module shows after it that the host does not set again
			// was stored. (The host's settings on the line after the Z
			// were set above.)
			cmds, _ := atcodec.Parse(e.Text) // none: a line the modem refused
			if FinalOf(t, k) == "OK" {
				charset = charsetAfter(charset, cmds)
			}
			if slices.ContainsFunc(cmds, func(c atcodec.Command) bool { return c.Name == "&W" }) && FinalOf(t, k) == "OK" {
				storedHere = true
			}
			if slices.ContainsFunc(cmds, func(c atcodec.Command) bool { return c.Name == "Z" }) && FinalOf(t, k) == "OK" {
				reset = true
				if !strings.Contains(u, "+CEREG=") {
					ceregSinceRestart = false
				}
				for _, name := range []string{"+CREG", "+CGREG"} {
					regSinceReset[name] = strings.Contains(u, name+"=")
				}
			}
			if copsFormatSet.MatchString(u) {
				copsSet = true
			}
			if _, ok := atcodec.SetsVerbose(u); ok {
				vSet = true
			}
			echoed := false
			for _, a := range t.Answer(k) {
				echoed = echoed || a.Role == fieldlog.Echo
			}
			// Only a command line tells: what a host sends outside one
			// (gammu's ESC to leave an SMS prompt) no modem echoes.
			if fieldlog.ControlOnly(e.Text) {
				continue
			}
			if fs.Host.Echo == nil && !echoKnown && t.ShowsEcho && len(t.Answer(k)) > 0 {
				// (A command the modem did not answer at all — not up
				// yet, hung — says nothing of its echo: sw103.)
				fs.Host.Echo, fs.Host.EchoSrc = &echoed, obs.Src
			}
			// After a restart the module echoes as its stored profile
			// says: one the log stored itself (AT&W) is no setting from
			// before the log.
			// A command the restarting modem never answered says nothing
			// of its echo (a host's AT every 300 ms until RDY, outside
			// tester t208): the first one answered tells.
			unanswered := len(t.Answer(k)) == 0
			if afterBoot && t.ShowsEcho && !echoed && !unanswered && !strings.HasPrefix(u, "ATE") && !storedHere && fs.Host.StoredNoEcho == nil {
				fs.Host.StoredNoEcho = &obs.Src
			}
			if !unanswered {
				afterBoot = false
			}
			answer := t.Answer(k)
			final := FinalOf(t, k)
			fs.pinAnswers(cmds, answer, final, obs, Src{t.File, e.Line})
			seen := len(fs.Card)
			fs.cardAnswers(cmds, answer, final, obs)
			if fun0 != nil && len(fs.Card) > seen && fs.Card[seen].Present {
				fs.Dialect = append(fs.Dialect, Evidence{"cfun0_keeps_card", "true", fs.Card[seen].Src,
					fmt.Sprintf("the card answers %s at +CFUN=0 (set at %s)", e.Text, *fun0), 0})
				fun0 = nil // said once
			}
			switch {
			case u == "AT+CFUN=0" && final == "OK":
				fun0 = &obs.Src
			case strings.HasPrefix(u, "AT+CFUN="):
				if fun0 != nil && final == "OK" && radioOn.MatchString(u) {
					fs.radioBacks = append(fs.radioBacks, obs)
				}
				fun0 = nil
			}
			switch {
			case atcodec.Restarts(e.Text) && final == "OK":
				fs.Restarts = append(fs.Restarts, obs)
				afterBoot, ceregSinceRestart = true, false
				reset, regSinceReset = true, map[string]bool{}
			case slotSwitch.MatchString(e.Text) && final == "OK":
				fs.SlotSwitches = append(fs.SlotSwitches, obs)
			case hostDetach.MatchString(e.Text) && final == "OK": // after Restarts: +CFUN=4,1 restarts
				fs.hostDetaches = append(fs.hostDetaches, obs)
			case copsSelection(e.Text, final) != nil && final != "":
				m := copsSelection(e.Text, final)
				sel := Selection{Obs: obs, Mode: int(m[1][0] - '0'), Format: -1, Oper: m[3], AcT: -1, Final: final, FinalAt: obs.At}
				if m[2] != "" {
					sel.Format = int(m[2][0] - '0')
				}
				if m[4] != "" {
					sel.AcT, _ = strconv.Atoi(m[4])
				}
				last := answer[len(answer)-1].Line
				sel.FinalSrc = Src{t.File, last}
				for j := k + 1; j < len(t.Entries); j++ {
					if t.Entries[j].Line == last {
						sel.FinalAt = f.EntryTime(li, j)
						break
					}
				}
				sel.ran = obs
				if e.Queued {
					sel.ran = ranAt(f, li, k)
				}
				fs.Selections = append(fs.Selections, sel)
			case strings.HasPrefix(u, "AT+CGLA=") && e.APDU != nil && e.APDU.Malformed == "":
				cglaSeen = true
				if final == "OK" {
					fs.channelOK = append(fs.channelOK, channelCmd{obs, "+CGLA"})
				}
				id, _, _ := strings.Cut(strings.TrimPrefix(u, "AT+CGLA="), ",")
				if code, ok := atcodec.Classify(final).CME(); ok && cgla != nil && cgla.state != sessionNever {
					fs.cglaClosed(*cgla, obsAt, id, code, obs, Src{t.File, answer[len(answer)-1].Line})
				}
				if final == "OK" && !cglaWorks {
					cglaWorks = true
					fs.Dialect = append(fs.Dialect, Evidence{"csim_only", "false", obs.Src, "+CGLA answers OK", 0})
				}
				n := len(e.APDU.Raw)
				switch {
				case final == "ERROR" && n < refused:
					refused, refusedSrc = n, Src{t.File, answer[len(answer)-1].Line}
				case final == "OK" && n > accepted:
					accepted, acceptedSrc = n, obs.Src
				}
			case strings.HasPrefix(u, "AT+CCHO=") && !strings.HasSuffix(u, "=?") && final == "OK":
				fs.Dialect = append(fs.Dialect, Evidence{"csim_only", "false", obs.Src, "+CCHO answers OK", 0})
				for _, a := range answer {
					if a.Role != fieldlog.Info {
						continue
					}
					_, form, ok := personality.ParseCCHO(a.Text)
					if !ok {
						continue
					}
					fs.Dialect = append(fs.Dialect, Evidence{"ccho_form", form, Src{t.File, a.Line}, fmt.Sprintf("+CCHO answers %q", a.Text), 0})
					if noSpace, ok := personality.CCHONoSpaceOf(a.Text); ok && !t.Carried {
						// (A carried log's AT lines are the replay's own spelling.)
						fs.Dialect = append(fs.Dialect, Evidence{"ccho_no_space", strconv.FormatBool(noSpace), Src{t.File, a.Line},
							map[bool]string{true: "+CCHO answers without a space after the colon", false: "+CCHO answers with a space after the colon"}[noSpace], 0})
					}
				}
			case strings.HasPrefix(u, "AT+CCHC=") && !strings.HasSuffix(u, "=?"):
				if final == "OK" {
					fs.channelOK = append(fs.channelOK, channelCmd{obs, "+CCHC"})
					// A channel closed: the modem has +CCHC. Its ERROR
					// says nothing (the channel may not have been open).
					fs.Dialect = append(fs.Dialect, Evidence{"no_cchc", "false", obs.Src, "+CCHC answers OK", 0},
						Evidence{"csim_only", "false", obs.Src, "+CCHC answers OK", 0})
				}
				bare := slices.ContainsFunc(answer, func(a fieldlog.Entry) bool { return a.Role == fieldlog.Info && a.Text == "+CCHC" })
				fs.Dialect = append(fs.Dialect, Evidence{"cchc_bare_line", strconv.FormatBool(bare), obs.Src,
					map[bool]string{true: "+CCHC answers a bare \"+CCHC\" line", false: "+CCHC answers without a \"+CCHC\" line"}[bare], 0})
			case strings.HasSuffix(u, "=?") && strings.HasPrefix(u, "AT+"):
				name := strings.TrimSuffix(u[2:], "=?")
				if final == "OK" {
					// A test form answered: the modem has the command.
					switch name {
					case "+CCHC":
						fs.Dialect = append(fs.Dialect, Evidence{"no_cchc", "false", obs.Src, e.Text + " answers OK", 0})
						fallthrough
					case "+CCHO", "+CGLA":
						fs.Dialect = append(fs.Dialect, Evidence{"csim_only", "false", obs.Src, e.Text + " answers OK", 0})
					}
				}
				info := false
				for _, a := range answer {
					if a.Role == fieldlog.Info {
						info = true
						fs.Dialect = append(fs.Dialect, Evidence{"test_answers." + name, a.Text, Src{t.File, a.Line}, e.Text + " answers " + strconv.Quote(a.Text), 0})
					}
				}
				if !info && final == "OK" {
					fs.Dialect = append(fs.Dialect, Evidence{"test_answers." + name, "", obs.Src, e.Text + " answers a bare OK", 0})
				}
				if v, ok := testForms[entryAt{li, k}]; ok {
					why := e.Text + " answers " + final
					if v.NoTestForms {
						why += ", " + v.Name + " itself answers OK"
					}
					fs.Dialect = append(fs.Dialect, Evidence{"no_test_forms." + v.Name, strconv.FormatBool(v.NoTestForms),
						Src{t.File, answer[len(answer)-1].Line}, why, 0})
				}
			}
			fs.apduAnswers(t, e, answer)
			for _, a := range answer {
				if a.Role == fieldlog.Echo && a.Joined {
					fs.Dialect = append(fs.Dialect, Evidence{"echo_joins_previous", "true", Src{t.File, a.Line}, "the echo of " + e.Text + " runs on from the last answer's final result", 0})
				}
			}
		case fieldlog.Info:
			if e.Unsure {
				break // which command gave it the log cannot tell: no fact of either's
			}
			cmd := strings.ToUpper(t.CommandOf(e)) // of a line of several, the one e answers
			reg, isReg := fs.regLine(e.Text, true, obs.Src)
			switch {
			case strings.Contains(cmd, "+CEREG?"):
				if isReg && reg.Domain == regEPS {
					fs.addReg(obs, reg.Name, reg.Stat, reg.TAC, reg.CI, reg.AcT, reg.CauseType, reg.Cause, false)
					if !cceregSet && fs.Host.CEREG < 0 {
						fs.Host.CEREG, fs.Host.CEREGSrc = reg.N, obs.Src
					}
				}
			case strings.Contains(cmd, "+CREG?") || strings.Contains(cmd, "+CGREG?"):
				if isReg && (reg.Domain == regCS || reg.Domain == regPS) {
					regN(reg.Name, reg.N, obs)
					if !fs.ceregShown {
						// Their n=3 cause (a CS or PS domain's) is left:
						// Reg.Cause is the EPS attach's.
						fs.addReg(obs, reg.Name, reg.Stat, reg.TAC, reg.CI, reg.AcT, "", "", false)
					}
				}
			case strings.Contains(cmd, "+CMEE?"):
				if m := cmeeRead.FindStringSubmatch(e.Text); m != nil && !cmeeSet && fs.Host.CMEE < 0 {
					fs.Host.CMEE, fs.Host.CMEESrc, fs.Host.CMEERead = int(m[1][0]-'0'), obs.Src, true
				}
			case strings.Contains(cmd, "+CFUN?"):
				if m := cfunRead.FindStringSubmatch(e.Text); m != nil && !funSet && fs.Host.Fun < 0 {
					fs.Host.Fun, fs.Host.FunSrc = int(m[1][0]-'0'), obs.Src
				}
			case strings.Contains(cmd, "+CSCS?"):
				if m := cscsRead.FindStringSubmatch(e.Text); m != nil {
					charset = strings.ToUpper(m[1])
				}
			case strings.Contains(cmd, "+COPS?"):
				if c, ok := dialect.ReadCOPS(e.Text); ok && c.Format < 0 {
					fs.copsBare = append(fs.copsBare, obs)
				} else if ok {
					if c.Format != 2 {
						// A name the set does not decode stays as the log
						// shows it: it names no operator either way.
						if name, err := dialect.OperText(c.Oper, charset); err == nil {
							c.Oper = name
						}
					}
					format := c.Format
					if !copsSet && fs.Host.COPS < 0 {
						fs.Host.COPS, fs.Host.COPSSrc = format, obs.Src
					}
					if format == 2 {
						fs.copsPLMNs = append(fs.copsPLMNs, plmnAt{obs, c.Oper})
					} else if c.Oper != "" {
						fs.Names = append(fs.Names, OperName{obs, format, c.Oper})
						fs.copsNames = append(fs.copsNames, COPSReg{Obs: obs, Name: c.Oper, Format: format})
					}
				}
			case strings.Contains(cmd, "+CSQ"):
				if m := csqRead.FindStringSubmatch(e.Text); m != nil {
					if n, _ := strconv.Atoi(m[1]); n < 99 {
						// 27.007 <rssi> 0..31 is -113 dBm + 2n; the rig's
						// modem reports RSRP + 28 dB as RSSI.
						fs.Signal = append(fs.Signal, SignalFact{obs, -113 + 2*n - 28})
					}
				}
			case strings.Contains(cmd, "+CESQ"):
				if m := cesqRead.FindStringSubmatch(e.Text); m != nil {
					if n, _ := strconv.Atoi(m[2]); n <= 97 {
						fs.Signal = append(fs.Signal, SignalFact{obs, n - 141})
					}
				}
			case cmd == "AT+CEER":
				if c := ceerCause(e.Text); c > 0 {
					fs.ceers = append(fs.ceers, causeAt{obs, c})
				}
			case cmd == "AT+CIMI":
				if imsi, ok := dialect.IMSIOf(e.Text); ok {
					fs.Identities = append(fs.Identities, Identity{Obs: obs, IMSI: imsi})
				} else if redactedID.MatchString(e.Text) && fs.Redacted == nil {
					fs.Redacted = &obs.Src
				}
			case crsmICCIDCmd.MatchString(cmd):
				if m := crsmICCID.FindStringSubmatch(e.Text); m != nil {
					if iccid := swappedICCID(m[1]); iccid != "" {
						fs.Identities = append(fs.Identities, Identity{Obs: obs, ICCID: iccid})
					}
				} else if redactedID.MatchString(e.Text) && fs.Redacted == nil {
					fs.Redacted = &obs.Src
				}
			case strings.Contains(cmd, "CCID") || strings.Contains(cmd, "ICCID") || strings.Contains(cmd, "^SCID"):
				if redactedID.MatchString(e.Text) && !iccidLine.MatchString(e.Text) && fs.Redacted == nil {
					fs.Redacted = &obs.Src
				}
				if m := iccidLine.FindStringSubmatch(e.Text); m != nil {
					fs.Identities = append(fs.Identities, Identity{Obs: obs, ICCID: m[1]})
					prefix, _ := ICCIDAnswer(e.Text)
					fs.Dialect = append(fs.Dialect, Evidence{"iccid_prefix", prefix, obs.Src, fmt.Sprintf("the ICCID answer %q", e.Text), 0})
					if ev, ok := iccidFiller(m[1], m[2], e.Text, obs.Src); ok {
						fs.Dialect = append(fs.Dialect, ev)
					}
				}
			}
			if a := e.APDU; a != nil && a.Done {
				cmdAt := at
				if e.Cmd >= 0 {
					cmdAt = f.EntryTime(li, e.Cmd)
				}
				fs.es10Answer(a, obs, cmdAt, true)
			}
			if a := e.APDU; a != nil && a.Response && a.Ins == "MANAGE CHANNEL" && a.SW == 0x9000 && strings.Contains(a.Summary, "close") {
				// A channel closed over +CSIM (a csim_only modem): the
				// card not reset yet, as a +CCHC OK says (outside tester
				// sw81: an A7600's close after an enable).
				fs.channelOK = append(fs.channelOK, channelCmd{obs, "MANAGE CHANNEL close"})
			}
			if a := e.APDU; a != nil && a.Response && a.Malformed != "" && a.ES10 != "" {
				fs.Lost = append(fs.Lost, LostAnswer{obs, a.ES10, a.Malformed})
			}
		case fieldlog.URC:
			fs.cardURC(e.Text, obs)
			reg, isReg := fs.regLine(e.Text, false, obs.Src)
			located := reg.Loc != locNone // a location's fields, quoted, empty or in a form of its own
			if isReg && (reg.Domain == regCS || reg.Domain == regPS) {
				if reg.Stat == "1" || reg.Stat == "5" { // only a camped registration's form tells n
					n := 1
					if located {
						n = 2
					}
					regN(reg.Name, n, obs)
				}
				if !fs.ceregShown {
					fs.addReg(obs, reg.Name, reg.Stat, reg.TAC, reg.CI, reg.AcT, "", "", true)
				}
				continue
			}
			if isReg && reg.Domain == regEPS {
				fs.addReg(obs, reg.Name, reg.Stat, reg.TAC, reg.CI, reg.AcT, reg.CauseType, reg.Cause, true)
				if (len(fs.Restarts) > 0 || reset) && !ceregSinceRestart && fs.Host.StoredCEREG == nil {
					fs.Host.StoredCEREG = &obs.Src
				}
				if !cceregSet && reg.Stat == "3" && reg.Cause != "" && fs.Host.CEREG < 3 {
					// A denial with its cause: n is 3 (or 5), whatever
					// the camped URCs before it looked like.
					fs.Host.CEREG, fs.Host.CEREGSrc = 3, obs.Src
					continue
				}
				if cceregSet || fs.Host.CEREG >= 0 || reg.Stat != "1" && reg.Stat != "5" {
					continue // only a camped registration's form tells n
				}
				fs.Host.CEREG, fs.Host.CEREGSrc = 1, obs.Src
				if located {
					fs.Host.CEREG = 2
				}
				continue
			}
			// A URC a REFRESH shows is one a boot shows too on some
			// modems (+QUSIM: 1, +CPIN: READY): shortly after a restart
			// the host asked for it is the boot's, after an RDY when the
			// personality boots with it.
			powerOn := PowerOnMark(e.Text, bootURCs)
			booted := BootMark(e.Text, bootURCs)
			if booted && selfBoot == nil && len(fs.Restarts) == 0 && opened {
				// The first boot no command asked for, before any restart:
				// its URCs are the boot's as a restart's would be.
				selfBoot = &obs
			}
			afterRestart := selfBoot == nil && len(fs.Restarts) > 0 && fs.inBoot(fs.Restarts[:1], obs) ||
				selfBoot != nil && fs.inBoot([]Obs{*selfBoot}, obs)
			if !opened && fs.PowerOn == nil && openList == nil && powerOn {
				fs.PowerOn, openSrc = &obs, obs.Src
				openEnded = openEnds()
			} else if powerOn && fs.PowerOn != nil {
				openEnded = -1 // booted again: what follows is that boot's
			}
			if p := fs.PowerOn; p != nil && p.Src.File == t.File && regName(e.Text) == "" && !atcodec.IsPowerDownURC(e.Text) && strings.IndexFunc(e.Text, unicode.IsLetter) >= 0 {
				// A line without a letter ("." a sketch prints as it
				// waits, outside tester sw99) is no modem's boot URC.
				// After the host's first answer only the personality's
				// boot URCs, in their order, go on with the boot.
				next := -1
				if i := slices.Index(bootURCs[bootAt+1:], e.Text); i >= 0 {
					next = bootAt + 1 + i
				}
				if e.Time.IsZero() && (!opened || next >= 0 && openEnded == openEnds()) ||
					!e.Time.IsZero() && within([]Obs{*p}, at, bootURCWindow) {
					openList = append(openList, e.Text)
					fs.OpenBoot = append(fs.OpenBoot, BootURC{obs, e.Text, k})
					bootAt = max(bootAt, next)
				}
			}
			// A power-down URC (a BG96's POWERED DOWN after the
			// restart's OK) is the shutdown's: the modem says it going
			// down, not coming up, and what it sends after that before
			// its power-on URC is the shutdown's too (the BG96's
			// +QIURC: "pdpdeact",1: its PDP context ending; outside
			// tester t208).
			if afterRestart && atcodec.IsPowerDownURC(e.Text) {
				goingDown = true
			} else if powerOn {
				goingDown = false
			}
			if afterRestart && regName(e.Text) == "" && !goingDown {
				if bootList == nil {
					bootSrc = obs.Src
				}
				bootList = append(bootList, e.Text)
			}
			starts := slices.Concat(fs.Restarts, fs.Boots, fs.Rebooted, fs.cardReturns(), fs.radioBacks)
			if fs.PowerOn != nil {
				starts = append(starts, *fs.PowerOn)
			}
			if slices.Contains(refreshURCs, e.Text) && !afterRestart && !(slices.Contains(bootURCs, e.Text) && fs.inBoot(starts, obs)) {
				fs.Refreshes = append(fs.Refreshes, obs)
			}
			if booted {
				afterBoot = true
			}
			if booted && !within(fs.Restarts, at, 2*time.Minute) {
				fs.Boots = append(fs.Boots, obs)
			} else if booted {
				fs.Rebooted = append(fs.Rebooted, obs)
			}
		case fieldlog.Final:
			switch {
			case e.StoredV0 && fs.Host.StoredNumeric == nil:
				fs.Host.StoredNumeric = &obs.Src
			case e.Result != "" && !e.StoredV0 && !vSet && fs.Host.Numeric == nil:
				fs.Host.Numeric = &obs.Src
			}
			if strings.HasPrefix(e.Text, "+CME ERROR:") && !cmeeSet && fs.Host.CMEE < 0 {
				fs.Host.CMEE, fs.Host.CMEESrc = 2, obs.Src
				if _, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(e.Text, "+CME ERROR:"))); err == nil {
					fs.Host.CMEE = 1
				}
			}
		case fieldlog.Note:
			if a := e.APDU; a != nil && a.Done {
				fs.es10Answer(a, obs, at, false)
			}
			if m := mmRegState.FindStringSubmatch(e.Text); m != nil && t.Format == fieldlog.MM {
				fs.mmRegistration(m[1], obs)
			}
		}
	}
	if fs.PowerOn != nil && fs.PowerOn.Src.File == t.File && fs.PreBoot == nil {
		fs.PreBoot = quiet
	}
	givenUp := func(q entryAt) bool {
		return slices.ContainsFunc(t.Entries, func(e fieldlog.Entry) bool { return e.GaveUpOn > 0 && e.GaveUpOn == t.Entries[q.entry].Line })
	}
	// Zephyr's cellular driver gives its init script a timeout while the
	// modem powers up and runs it again: a log that opens with it timing
	// out shows a modem not up yet, not hung (outside tester sw103).
	if fs.PowerOn == nil && opened && fs.Unready == nil && (!slices.ContainsFunc(quiet, givenUp) || t.Format == fieldlog.Zephyr) {
		fs.Unready = quiet
	}
	switch {
	case refused < 1<<30 && accepted == 0:
		fs.Dialect = append(fs.Dialect, Evidence{"cgla_refused", "true", refusedSrc, "every +CGLA answers ERROR", 0})
	case refused < 1<<30 && refused > accepted:
		fs.Dialect = append(fs.Dialect, Evidence{"cgla_max_apdu", strconv.Itoa(accepted), refusedSrc,
			fmt.Sprintf("+CGLA of %d bytes answers ERROR while %d bytes passed (%s)", refused, accepted, acceptedSrc), refused})
	case cglaSeen && accepted > 0:
		fs.Dialect = append(fs.Dialect, Evidence{"cgla_accepts", strconv.Itoa(accepted), acceptedSrc, fmt.Sprintf("+CGLA of %d bytes answered", accepted), 0})
	}
	if len(openList) > 0 {
		list, _ := json.Marshal(openList)
		fs.Dialect = append(fs.Dialect, Evidence{"boot_urcs", string(list), openSrc,
			fmt.Sprintf("at the power-on the log opens with, the modem sends %s", strings.Join(openList, ", ")), 0})
	}
	if len(bootList) > 0 {
		list, _ := json.Marshal(bootList) // a YAML flow sequence too
		fs.Dialect = append(fs.Dialect, Evidence{"boot_urcs", string(list), bootSrc,
			fmt.Sprintf("after a boot the modem sends %s", strings.Join(bootList, ", ")), 0})
	}
	fs.refreshList(t, refreshURCs, bootURCs)
	if t.Clock != fieldlog.NoTime {
		fs.restartDelay(t.File)
	}
}

// restartDelay drafts restart_delay from file's first restart (+CFUN=1,1
// answered OK) and the boot URC after it: a BG96 back with RDY 5.9 s
// later (TinyGSM's log, outside tester t208) came up 5 s before the
// emulated EG25 would have, and the commands its host sent then reached
// a modem still restarting, unanswered. A log without times shows no
// delay; the replay waits for the emulated modem there (restarted).
func (fs *Facts) restartDelay(file string) {
	for _, r := range fs.Restarts {
		if r.Src.File != file {
			continue
		}
		for _, b := range fs.Rebooted {
			if b.Src.File != file || !b.After(r) {
				continue
			}
			d := (b.At - r.At).Round(time.Millisecond)
			if d <= 0 {
				return
			}
			fs.Dialect = append(fs.Dialect, Evidence{"restart_delay", d.String(), b.Src,
				fmt.Sprintf("the modem answers the restart at %s and sends its boot URC %v later", r.Src, d), 0})
			return
		}
		return
	}
}

// refreshList drafts refresh_urcs from the first REFRESH t shows, when
// its URCs run on past the personality's (the personality's own words
// stand otherwise): a module that, like at a boot,
// follows its refresh URC with more of its boot URCs (an EG25's +QUSIM: 1,
// +CPIN: READY, +QIND: SMS DONE after a switch: outside tester sw115).
// Registration URCs between them are the network's and are passed over;
// the first line that is neither ends the list.
func (fs *Facts) refreshList(t *fieldlog.Transcript, refreshURCs, bootURCs []string) {
	if len(refreshURCs) == 0 || slices.ContainsFunc(fs.Dialect, func(e Evidence) bool { return e.Field == "refresh_urcs" }) {
		return
	}
	for _, r := range fs.Refreshes {
		if r.Src.File != t.File {
			continue
		}
		k := slices.IndexFunc(t.Entries, func(e fieldlog.Entry) bool { return e.Line == r.Src.Line && e.Role == fieldlog.URC })
		if k < 0 || t.Entries[k].Text != refreshURCs[0] {
			continue
		}
		list := []string{t.Entries[k].Text}
		for _, e := range t.Entries[k+1:] {
			if e.Role != fieldlog.URC || e.Text == refreshURCs[0] {
				break
			}
			if regName(e.Text) != "" {
				continue
			}
			if !slices.Contains(bootURCs, e.Text) || slices.Contains(list, e.Text) {
				break
			}
			list = append(list, e.Text)
		}
		if len(list) <= len(refreshURCs) || !slices.Equal(list[:len(refreshURCs)], refreshURCs) {
			return // the personality's, or another order: its own words stand
		}
		b, _ := json.Marshal(list)
		fs.Dialect = append(fs.Dialect, Evidence{"refresh_urcs", string(b), r.Src,
			fmt.Sprintf("at the REFRESH at %s the modem sends %s, as at a boot", r.Src, strings.Join(list, ", ")), 0})
		return
	}
}

// apduAnswers takes what command cmd's +CGLA or +CSIM answer lines show
// of the dialect: the space after the colon or not, a +CGLA that hands
// the card's 61xx or 6Cxx to the host, and whether +CSIM does with a 6Cxx.
func (fs *Facts) apduAnswers(t *fieldlog.Transcript, cmd fieldlog.Entry, answer []fieldlog.Entry) {
	for _, a := range answer {
		if a.Role != fieldlog.Info || a.APDU == nil || !a.APDU.Response || len(a.APDU.Raw) < 2 {
			continue
		}
		name, rest, _ := strings.Cut(a.Text, ":")
		name = strings.ToUpper(name)
		if name != "+CGLA" && name != "+CSIM" {
			continue
		}
		src := Src{t.File, a.Line}
		if !t.Carried {
			// (A carried log's AT lines are the replay's own spelling.)
			noSpace := !strings.HasPrefix(rest, " ")
			fs.Dialect = append(fs.Dialect, Evidence{"apdu_answer_no_space", strconv.FormatBool(noSpace), src,
				map[bool]string{true: name + " answers without a space after the colon", false: name + " answers with a space after the colon"}[noSpace], 0})
		}
		r, _ := apdu.ParseResponse(a.APDU.Raw) // a status word at least (above)
		_, more := apdu.MoreData(r.SW)
		_, again := apdu.RepeatWithLe(r.SW)
		if name == "+CGLA" && (more || again) {
			why := fmt.Sprintf("+CGLA hands the card's %04X to the host", r.SW)
			if t.Carried {
				why = fmt.Sprintf("the card answered %04X to the LPA, which fetched the rest with GET RESPONSE (a T=0 reader hands it over); the replay carries those APDUs in +CGLA, which must hand it over too", r.SW)
			}
			fs.Dialect = append(fs.Dialect, Evidence{"cgla_passes_61xx", "true", src, why, 0})
		}
		if c := cmd.APDU; name == "+CSIM" && c != nil && !c.Response && c.Malformed == "" && c.Ins == "MANAGE CHANNEL" &&
			len(c.Raw) == 5 && c.Raw[2] == 0 && c.Raw[3] == 0 && c.Raw[4] != 1 {
			// A MANAGE CHANNEL open whose P3 is not the one byte the
			// card sends: under T=0 it gets 6Cxx (TS 102 221
			// §7.3.1.1.4), so the channel's number in the answer is the
			// modem's repeat (outside tester t166 F6: P3 00 answered
			// 019000, as lpac issue 164's DW5821e is driven).
			switch data := len(r.Data); {
			case again && data == 0:
				fs.Dialect = append(fs.Dialect, Evidence{"csim_open_repeats_6cxx", "false", src,
					fmt.Sprintf("+CSIM hands the card's %04X to a MANAGE CHANNEL open with P3 %02X to the host", r.SW, c.Raw[4]), 0})
			case data == 1 && apdu.NormalProcessing(r.SW):
				fs.Dialect = append(fs.Dialect, Evidence{"csim_open_repeats_6cxx", "true", src,
					fmt.Sprintf("+CSIM answers a MANAGE CHANNEL open with P3 %02X with its channel, %02X: the modem sent it again with the P3 of the card's 6C01", c.Raw[4], r.Data[0]), 0})
			}
		}
	}
}

// bootURCWindow is how long after a restart or an RDY the boot's URCs
// come (an EG25 sends its last, +QIND: PB DONE, about 5 s after RDY).
const bootURCWindow = 30 * time.Second

// within reports an observation in obs at most d before at.
// inBoot says whether a URC at o falls in the boot of one of starts:
// within bootURCWindow of it, and with no REFRESH the card asked for (an
// enable or disable answered 91xx) between — after one, the URCs are the
// REFRESH's, whatever the clock says.
func (fs *Facts) inBoot(starts []Obs, o Obs) bool {
	return slices.ContainsFunc(starts, func(st Obs) bool {
		return st.At <= o.At && o.At-st.At < bootURCWindow &&
			!slices.ContainsFunc(fs.refreshAsked, func(r Obs) bool { return r.After(st) && !r.After(o) })
	})
}

func within(obs []Obs, at, d time.Duration) bool {
	return slices.ContainsFunc(obs, func(o Obs) bool { return o.At <= at && at-o.At < d })
}

// addReg records a registration state; stat, tac, ci and act as the URC
// or read answer gives them, causeType and cause from the n=3 form. A
// location with or without <AcT> is evidence of the dialect.
// factReg reads a registration line of +CEREG, +CREG or +CGREG as the
// facts take it (parseReg, in the read answer's form when read is set):
// its location in 27.007's quoted hex, none, its fields there and empty
// (a SARA-R4's "+CEREG: 2,,,,,,,,": no cell), or in a form of its own
// (unquoted, decimal, spaced), read as a location the line shows but no
// cell. ok false for any other line.
func factReg(text string, read bool) (regLine, bool) {
	r, ok := parseReg(text, read)
	return r, ok && r.Domain != reg5GS && r.Loc != locBad
}

// regLine is factReg, noting the first location in a form of its own as
// OddLocation.
func (fs *Facts) regLine(text string, read bool, src Src) (regLine, bool) {
	r, ok := factReg(text, read)
	if ok && r.Loc == locOdd && fs.OddLocation == nil {
		fs.OddLocation = &Evidence{Field: "location", Value: r.Rest, Src: src, Why: fmt.Sprintf("%q", text)}
	}
	return r, ok
}

// reservedTAC says a +CxREG <tac> (hex) is one TS 23.003 §19.4.2.3
// reserves, which no cell broadcasts: 0, or all ones but the last bit
// (FFFE in E-UTRAN's 16 bits, FFFFFE in NR's 24).
func reservedTAC(tac string) bool {
	n, ok := logTAC(tac)
	deleted := uint32(saip.TACDeleted)
	if len(tac) > 4 {
		deleted = 0xFFFFFE
	}
	return ok && (n == 0 || n == deleted)
}

func (fs *Facts) addReg(o Obs, name, stat, tac, ci, act, causeType, cause string, urc bool) {
	if tac != "" {
		if act == "" {
			fs.Dialect = append(fs.Dialect, Evidence{"reg_no_act", "true", o.Src, "the location without <AcT>: " + tac + "/" + ci, 0})
		} else {
			fs.Dialect = append(fs.Dialect, Evidence{"reg_no_act", "false", o.Src, "the location with <AcT> " + act, 0})
		}
	}
	if hex := tac + ci; strings.ContainsAny(hex, "abcdef") {
		fs.Dialect = append(fs.Dialect, Evidence{"location_hex", "lower", o.Src, "the location in lower-case hex: " + tac + "/" + ci, 0})
	} else if strings.ContainsAny(hex, "ABCDEF") {
		fs.Dialect = append(fs.Dialect, Evidence{"location_hex", "upper", o.Src, "the location in upper-case hex: " + tac + "/" + ci, 0})
	}
	s, _ := strconv.Atoi(stat)
	// A reserved TAC (TS 23.003 §19.4.2.3: 0000, and FFFE, a deleted
	// TAI's) is what some modems show while they have no tracking area:
	// it places the device in no cell.
	r := Reg{Obs: o, Stat: s, Shown: s, Name: name, TAC: strings.ToUpper(tac), CI: strings.ToUpper(ci), URC: urc, HasCells: tac != "" && !reservedTAC(tac)}
	if s > 5 {
		u, ok := unmodelledStat(name, s)
		if !ok {
			// Not a state 27.007 gives this command: no closest to read
			// it as (Facts.UnreadStats says so).
			r.Stat = -1
			fs.UnreadStats = append(fs.UnreadStats, r)
			return
		}
		r.Stat = u.closest
	}
	if causeType == "0" {
		r.Cause, _ = strconv.Atoi(cause)
	}
	fs.Regs = append(fs.Regs, r)
}

// statMeaning is a registration <stat> the emulated modem does not model
// (it has 0 to 5), as 27.007 defines it, and the one it has closest.
type statMeaning struct {
	what, lacks string
	closest     int
}

// unmodelledStat is what <stat> s (6 and up) of a registration command
// means (TS 27.007 §7.2, §10.1.20, §10.1.22): the registrations limited
// to SMS or to a domain are registrations on the same network, read as
// registered (home or roaming); an emergency-only attach (or one for
// RLOS) is no normal service, read as not registered. ok false: none
// the command defines.
func unmodelledStat(name string, s int) (statMeaning, bool) {
	switch s {
	case 6:
		return statMeaning{"registered for SMS only, home network", "no SMS-only registration", 1}, true
	case 7:
		return statMeaning{"registered for SMS only, roaming", "no SMS-only registration", 5}, true
	case 8:
		return statMeaning{"attached for emergency bearer services only", "no emergency-only attach", 0}, true
	case 9:
		return statMeaning{"registered for CSFB not preferred, home network", "no CSFB preference", 1}, true
	case 10:
		return statMeaning{"registered for CSFB not preferred, roaming", "no CSFB preference", 5}, true
	case 11:
		if name == "+CEREG" {
			return statMeaning{"attached for access to RLOS", "no RLOS attach", 0}, true
		}
	}
	return statMeaning{}, false
}

// charsetAfter is the TE character set after a command line the modem
// answered OK: a +CSCS= on it sets one (27.007 §5.5), ATZ and AT&F return
// to the default.
func charsetAfter(cs string, cmds []atcodec.Command) string {
	for _, c := range cmds {
		switch {
		case c.Name == "+CSCS" && c.Form == atcodec.Set && len(c.Args) == 1:
			cs = strings.ToUpper(c.Args[0].Raw)
		case c.Name == "Z" || c.Name == "&F":
			cs = ""
		}
	}
	return cs
}

// plmnAt is a numeric +COPS? answer: the network the device is registered
// on when it is read.
type plmnAt struct {
	Obs
	PLMN string
}

// COPSReg is a +COPS? answer naming the operator of a registration: its
// PLMN (format 2), else its name (Format 0 long, 1 short).
type COPSReg struct {
	Obs
	PLMN, Name string
	Format     int
}

// copsWindow is how soon after a +COPS? answer a registration it names
// may be reported: the URC can trail the read (ModemManager logs show a
// +CEREG URC inside the very answer that named the network).
const copsWindow = 2 * time.Second

// selectionDenials reads a manual selection answered with the +CME
// ERROR of an EMM cause (27.007 §9.2: 111 PLMN not allowed, … 115, 100 +
// the cause) as the chosen network's denial with that cause, when no
// registration line shows it: a host with its registration URCs off sees
// the reject only so (outside tester sw101: +CME ERROR: 111 after 18 s,
// replayed as no network service at once).
func (fs *Facts) selectionDenials() {
	for _, s := range fs.Selections {
		code, ok := atcodec.Classify(s.Final).CME()
		if s.Mode != 1 || !ok || code <= 100 {
			continue
		}
		cause := int(code) - 100
		if _, known := atcodec.EMMCause(cause); !known {
			continue
		}
		if slices.ContainsFunc(fs.Regs, func(r Reg) bool { return s.during(r.Obs) && r.Stat == 3 }) {
			continue // a registration line shows it: read there
		}
		// In its place among the registrations, which are in the logs'
		// order: by time, and by line where times are none or equal.
		o := Obs{At: s.FinalAt, Src: s.FinalSrc}
		i := slices.IndexFunc(fs.Regs, func(r Reg) bool { return r.After(o) })
		if i < 0 {
			i = len(fs.Regs)
		}
		fs.Regs = slices.Insert(fs.Regs, i, Reg{Obs: o, Stat: 3, Shown: 3, Name: "+COPS", Cause: cause})
	}
}

// unregisteredCOPS takes the first +COPS? answer that names no operator
// ("+COPS: 0") for the device not registered, when no registration line
// in the logs says anything of its state and the host had not detached
// it (+CFUN=4, +COPS=2) before: the modem's own word that it had no
// network. Without it a log whose only word on the network is that answer
// (mbed-os issue 13000: a SARA-R142 polling +COPS? while it finds none)
// had the device attached somewhere, and its replay answered +COPS:
// 0,2,"20801",7 there. The emulated modem answers +COPS: 0 out of
// coverage, where it searches (stat 2).
func (fs *Facts) unregisteredCOPS() {
	if len(fs.Regs) > 0 {
		return
	}
	for _, o := range fs.copsBare {
		if !fs.detachedBefore(o) {
			fs.Regs = append(fs.Regs, Reg{Obs: o, Stat: 2, Shown: 2, Name: "+COPS"})
			return
		}
	}
}

// causeAt is an EMM cause the logs give at an observation.
type causeAt struct {
	Obs
	cause int
}

// ceerCause is the EMM cause a +CEER answer gives: "EMM cause 11…", or
// the text of a cause 27.007 §9.2 numbers as +CME ERROR 100 + cause
// ("PLMN not allowed": 111, cause #11); 0 for another answer.
func ceerCause(text string) int {
	rest, ok := strings.CutPrefix(text, "+CEER:")
	if !ok {
		return 0
	}
	rest = strings.Trim(strings.TrimSpace(rest), `"`)
	if m := emmCauseText.FindStringSubmatch(rest); m != nil {
		if n, _ := strconv.Atoi(m[1]); n >= 1 && n <= 255 { // TS 24.301 §9.9.3.9: one octet
			return n
		}
		return 0
	}
	if c, ok := atcodec.CMECode(rest); ok && c > 100 && c < 200 {
		if _, ok := atcodec.EMMCause(int(c) - 100); ok {
			return int(c) - 100
		}
	}
	for cause, name := range emmCauseNames {
		if strings.EqualFold(rest, name) {
			return cause
		}
	}
	return 0
}

// emmCauseNames are TS 24.301 annex A's names of the causes a network
// rejects an attach with, as modems quote them in +CEER (outside tester
// sw105: "Roaming not allowed in this tracking area", 27.007's own text
// saying "location area").
var emmCauseNames = map[int]string{
	3: "Illegal UE", 6: "Illegal ME", 7: "EPS services not allowed",
	8: "EPS services and non-EPS services not allowed", 11: "PLMN not allowed",
	12: "Tracking area not allowed", 13: "Roaming not allowed in this tracking area",
	14: "EPS services not allowed in this PLMN", 15: "No suitable cells in tracking area",
}

var emmCauseText = regexp.MustCompile(`(?i)\bEMM cause:? ?#?(\d{1,3})\b`)

// ceerCauses gives a denial that carries no reject cause the one a
// +CEER answer after it gives, before the next registration (outside
// tester sw101: +CEER: "PLMN not allowed" a line after +CEREG: 3, and
// the draft said the log gave no cause).
func (fs *Facts) ceerCauses() {
	for i := range fs.Regs {
		r := &fs.Regs[i]
		if r.Stat != 3 || r.Cause != 0 {
			continue
		}
		for _, c := range fs.ceers {
			// After the denial and before the next registration, by
			// time — and by line where times tie, as in a log without
			// them (outside review sw114: a +CEER before the denial gave
			// it its cause).
			if !c.After(r.Obs) || c.At-r.At > time.Minute || i+1 < len(fs.Regs) && c.After(fs.Regs[i+1].Obs) {
				continue
			}
			r.Cause = c.cause
			break
		}
	}
}

// setPLMN names the network of the registration a +COPS? answer names
// (regNamed). false: it names none.
func (fs *Facts) setPLMN(c plmnAt) bool {
	r := fs.regNamed(c.Obs)
	if r != nil && r.PLMN == "" {
		r.PLMN = c.PLMN
	}
	return r != nil
}

// regNamed is the registration a +COPS? answer at o names: the last
// registration line up to it, when the device was registered then; else
// (none yet, or one not registered) the first registered one reported
// within copsWindow after it; nil for none.
func (fs *Facts) regNamed(o Obs) *Reg {
	registered := func(r *Reg) bool { return r.Stat == 1 || r.Stat == 5 }
	last := -1
	for i := range fs.Regs {
		if fs.Regs[i].After(o) {
			break
		}
		last = i
	}
	if last >= 0 && registered(&fs.Regs[last]) {
		return &fs.Regs[last]
	}
	for i := last + 1; i < len(fs.Regs) && fs.Regs[i].At-o.At <= copsWindow; i++ {
		if registered(&fs.Regs[i]) {
			return &fs.Regs[i]
		}
	}
	return nil
}

// fillPLMNs names the network of every registration on a cell some other
// registration on it was named for (a cell belongs to one network).
func (fs *Facts) fillPLMNs() {
	byCell := map[string]string{}
	for _, r := range fs.Regs {
		if r.PLMN != "" && r.HasCells {
			byCell[r.TAC+"/"+r.CI] = r.PLMN
		}
	}
	for i := range fs.Regs {
		r := &fs.Regs[i]
		if r.PLMN == "" && r.HasCells && (r.Stat == 1 || r.Stat == 5 || r.Stat == 3) {
			// A denial on the cell a registration named is that
			// network's (outside tester sw101: a national roaming
			// network's #11 was put on the home network).
			r.PLMN = byCell[r.TAC+"/"+r.CI]
		}
	}
}

// LostAnswer is an ES10 function's answer that a log holds malformed.
type LostAnswer struct {
	Obs
	Function string // "GetEID"
	Why      string // "45 hex digits, not whole bytes"
}

// lost says which of the logs' answers to fn were malformed ("" for none):
// why a fact that answer would have given is missing.
func (fs *Facts) lost(fn string) string {
	var out []string
	for _, l := range fs.Lost {
		if l.Function == fn {
			out = append(out, fmt.Sprintf("%s at %s is malformed (%s)", fn, l.Src, l.Why))
		}
	}
	if len(out) == 0 {
		return ""
	}
	return "; the answer to " + strings.Join(out, ", to ")
}

// switchRefresh reports an enable's or disable's whole answer a after
// which the card asks for a REFRESH, which resets it (its sessions gone):
// one with a proactive command pending (91xx), or, in a modem's answer
// (viaAT), one answered ok to a request with refreshFlag set (flagged):
// such a card has a REFRESH pending (SGP.22 §5.7.16), and a 9000 the host
// sees is the modem's, whose toolkit fetched it without saying.
func switchRefresh(a *fieldlog.APDU, viaAT bool) (refresh, flagged bool) {
	tag := uint32(es10.TagEnableProfile)
	switch a.ES10 {
	case es10.FunctionName(es10.TagEnableProfile):
	case es10.FunctionName(es10.TagDisableProfile):
		tag = es10.TagDisableProfile
	default:
		return false, false
	}
	if viaAT {
		req, reqErr := es10.DecodeSwitchRequest(tlv.Canonical(a.Request))
		res, resErr := es10.DecodeResult(tag, tlv.Canonical(a.Answer))
		flagged = resErr == nil && res == es10.ResultOK && reqErr == nil && req.Refresh
	}
	return a.SW>>8 == 0x91 || flagged, flagged
}

// es10Answer takes the EID and the profile list out of ES10 answers, and
// notes an enable or disable the card answered with a proactive command
// pending (91xx): the REFRESH that puts the change into effect. viaAT
// says the answer is a +CGLA or +CSIM line, the SW as the modem showed it.
func (fs *Facts) es10Answer(a *fieldlog.APDU, o Obs, cmdAt time.Duration, viaAT bool) {
	switch a.ES10 {
	case es10.FunctionName(es10.TagEnableProfile), es10.FunctionName(es10.TagDisableProfile):
		tag, ev := uint32(es10.TagEnableProfile), es10.EventEnable
		if a.ES10 == es10.FunctionName(es10.TagDisableProfile) {
			tag, ev = es10.TagDisableProfile, es10.EventDisable
		}
		req, reqErr := es10.DecodeSwitchRequest(tlv.Canonical(a.Request))
		res, resErr := es10.DecodeResult(tag, tlv.Canonical(a.Answer))
		ok := resErr == nil && res == es10.ResultOK
		refresh, flagged := switchRefresh(a, viaAT)
		if flagged {
			shown := a.SW>>8 == 0x91
			why := fmt.Sprintf("%s with refreshFlag answered ok, SW %04X in the modem's answer: ", a.ES10, a.SW)
			if shown {
				why += "the modem shows the host the card's pending REFRESH"
			} else {
				why += "the modem hides the card's pending REFRESH (91xx) from the host"
			}
			fs.Dialect = append(fs.Dialect, Evidence{"hides_91xx", strconv.FormatBool(!shown), o.Src, why, 0})
		}
		if refresh {
			fs.refreshAsked = append(fs.refreshAsked, o)
			fs.refreshAskedAt = append(fs.refreshAskedAt, cmdAt)
		}
		if tag == es10.TagEnableProfile {
			en := EnableFact{Obs: o, Refresh: refresh, OK: ok}
			if reqErr == nil {
				en.ICCID = req.Profile.ICCID
			}
			fs.Enables = append(fs.Enables, en)
		}
		fs.operated(a, ev, o)
	case es10.FunctionName(es10.TagDeleteProfile):
		fs.operated(a, es10.EventDelete, o)
	case es10.FunctionName(es10.TagBoundProfilePackage):
		if r, err := es10.DecodeProfileInstallationResult(tlv.Canonical(a.Answer)); err == nil && !fs.notifListed {
			fs.made = append(fs.made, madeNotification{es10.EventInstall, r.Data.Notification.Seq, o.Src})
		}
	case es10.FunctionName(es10.TagListNotification):
		if fs.notifListed {
			return
		}
		list, err := es10.DecodeListNotificationResponse(tlv.Canonical(a.Answer))
		if err != nil {
			return
		}
		fs.notifListed = true
		fs.heldAtStart(list, o.Src)
	case es10.FunctionName(es10.TagGetEuiccData):
		// A field log holds a real card's answers: BER lengths taken.
		if eid, err := es10.DecodeEID(tlv.Canonical(a.Answer)); err == nil && fs.EID == "" {
			fs.EID, fs.EIDSrc = eid, o.Src
		}
	case es10.FunctionName(es10.TagProfileInfoList):
		list, _, err := es10.DecodeProfileInfoList(tlv.Canonical(a.Answer))
		if err != nil {
			return
		}
		for _, p := range list {
			if slices.ContainsFunc(fs.Profiles, func(q ProfileFact) bool { return q.ICCID == p.ICCID }) {
				continue
			}
			pf := ProfileFact{ICCID: p.ICCID, Enabled: p.State == es10.StateEnabled, Src: o.Src}
			if p.Owner != nil {
				pf.OwnerPLMN = p.Owner.PLMN
			}
			fs.Profiles = append(fs.Profiles, pf)
		}
	}
}

// operated notes a profile operation the card answered ok before its
// first ListNotification answer: it may have made a notification.
func (fs *Facts) operated(a *fieldlog.APDU, ev es10.NotificationEvent, o Obs) {
	tag := map[es10.NotificationEvent]uint32{es10.EventEnable: es10.TagEnableProfile, es10.EventDisable: es10.TagDisableProfile,
		es10.EventDelete: es10.TagDeleteProfile}[ev]
	if r, err := es10.DecodeResult(tag, tlv.Canonical(a.Answer)); err == nil && r == es10.ResultOK && !fs.notifListed {
		fs.made = append(fs.made, madeNotification{Event: ev, Src: o.Src})
	}
}

// heldAtStart splits the first ListNotification answer into the
// notifications the card held when the logs begin and those it made
// during them (fs.made): an install result's by its seq, an operation's
// as the newest of its event not yet accounted for.
func (fs *Facts) heldAtStart(list []es10.NotificationMetadata, src Src) {
	held := make([]NotificationFact, len(list))
	for i, m := range list {
		held[i] = NotificationFact{m, src}
	}
	take := func(i int) {
		fs.Made = append(fs.Made, held[i])
		held = slices.Delete(held, i, i+1)
	}
	for _, m := range fs.made {
		i := -1
		for j, n := range held {
			if n.Event == m.Event && (m.Seq == 0 && (i < 0 || n.Seq > held[i].Seq) || m.Seq != 0 && n.Seq == m.Seq) {
				i = j
			}
		}
		if i >= 0 {
			take(i)
		}
	}
	fs.Notifications = held
}

// FinalOf returns the final result of the command at entry k.
func FinalOf(t *fieldlog.Transcript, k int) string { return finalIn(t.Answer(k)) }

// finalIn is the final result that ends ans, a command's answer
// (Transcript.Answer); "" when none does.
func finalIn(ans []fieldlog.Entry) string {
	if n := len(ans); n > 0 && ans[n-1].Role == fieldlog.Final {
		return ans[n-1].Verbose()
	}
	return ""
}

// hasFinal reports whether command cmd of t has a final result, or the
// "> " prompt for its text (+CMGS: the final result is the text's), or
// one its log's writer does not show (a tool that prints none).
func hasFinal(t *fieldlog.Transcript, cmd int) bool {
	return t.Entries[cmd].FinalUnknown() || slices.ContainsFunc(t.Answer(cmd), func(a fieldlog.Entry) bool {
		return a.Role == fieldlog.Final || a.Role == fieldlog.Info && strings.TrimSpace(a.Text) == ">"
	})
}

// Same reports whether s and o are one selection (both nil: automatic).
func (s *Selection) Same(o *Selection) bool {
	return s == o || s != nil && o != nil && s.Src == o.Src
}

// SelectedAt is the host's manual selection (+COPS=1 or 4) in force at
// o: the last one before it, with no +COPS=0, restart or boot between.
// nil in automatic mode.
func (fs *Facts) SelectedAt(o Obs) *Selection {
	var sel *Selection
	for i, s := range fs.Selections {
		if !o.After(s.ran) {
			break
		}
		sel = nil
		if s.Mode != 0 {
			sel = &fs.Selections[i]
		}
	}
	if sel == nil {
		return nil
	}
	for _, b := range slices.Concat(fs.Restarts, fs.Boots) {
		if b.After(sel.ran) && o.After(b) {
			return nil // a restart comes up in automatic mode
		}
	}
	return sel
}

// copsRejectError notes the +CME ERROR a denied manual selection ends in
// (cops_reject_error): the final result of a +COPS=1 whose attempt the
// logs show denied with a cause before it. The cause's own 27.007
// §9.2.2.1 error is the default (0).
func (fs *Facts) copsRejectError() {
	for _, s := range fs.Selections {
		code, ok := atcodec.Classify(s.Final).CME()
		if s.Mode != 1 || !ok {
			continue
		}
		var denial *Reg
		for i, r := range fs.Regs {
			if s.during(r.Obs) && r.Stat == 3 && r.Cause != 0 {
				denial = &fs.Regs[i]
			}
		}
		if denial == nil {
			// With no cause shown, an error no cause's own is the
			// modem's word whatever the cause (outside tester t193: a
			// u-blox SARA's +CME ERROR: not found, its +CREG: 3 and
			// +CEREG: 3 after it, replayed as PLMN not allowed).
			if r := fs.causelessDenial(s); r != nil && !causeOwnError(code) {
				fs.Dialect = append(fs.Dialect, Evidence{"cops_reject_error", strconv.Itoa(int(code)), s.FinalSrc,
					fmt.Sprintf("the manual selection %s, denied with no cause shown (%s), answers %s, which is no EMM cause's own error (TS 27.007 §9.2.2.1)", s.Src, r.Src, s.Final), 0})
				return
			}
			continue
		}
		own, known := atcodec.EMMCause(denial.Cause)
		if !known {
			own = atcodec.CMENetworkNotAllowed
		}
		v := "0"
		if code != own {
			v = strconv.Itoa(int(code))
		}
		fs.Dialect = append(fs.Dialect, Evidence{"cops_reject_error", v, s.FinalSrc,
			fmt.Sprintf("the manual selection %s, denied with EMM cause #%d (%s), answers %s", s.Src, denial.Cause, denial.Src, s.Final), 0})
		return
	}
}

// causelessDenial is the registration denied with no cause that the
// manual selection s ran into: one shown while its attempt ran, or
// trailing its final result (a modem that answers the selection before
// it reports the registration: u-blox's +CME ERROR, then +CREG: 3 and
// +CEREG: 3) within copsWindow, that selection still in force; nil for
// none.
func (fs *Facts) causelessDenial(s Selection) *Reg {
	final := Obs{At: s.FinalAt, Src: s.FinalSrc}
	for i, r := range fs.Regs {
		if r.Stat != 3 || r.Cause != 0 {
			continue
		}
		if s.during(r.Obs) || r.Obs.After(final) && r.At-s.FinalAt <= copsWindow && s.Same(fs.SelectedAt(r.Obs)) {
			return &fs.Regs[i]
		}
	}
	return nil
}

// causeOwnError says whether code is the +CME ERROR of an EMM reject
// cause (TS 27.007 §9.2.2.1: 100 + the cause, 111 for one it lists none
// for), which a denial's unknown cause may have made the modem's answer.
func causeOwnError(code atcodec.CMEError) bool {
	if code == atcodec.CMENetworkNotAllowed {
		return true
	}
	own, ok := atcodec.EMMCause(int(code) - 100)
	return ok && own == code
}

// cglaClosed notes the +CME ERROR a +CGLA on session id got at o
// (cgla_closed_error) when the session s (sessions, at the +CGLA) was
// gone: closed by +CCHC, or opened before a REFRESH, restart, boot or
// other reset of the card (obsAt places an entry). 27.007 names no code;
// the emulated modem's default is 21, invalid index.
func (fs *Facts) cglaClosed(s session, obsAt func(int) Obs, id string, code atcodec.CMEError, o Obs, final Src) {
	var why string
	if s.closed {
		why = "closed by +CCHC at " + obsAt(s.gone).Src.String()
	}
	if s.opened < 0 {
		// Closed by a +CCHC before any line of the log opened it or
		// the card answered on it: no opening to place.
		fs.cglaClosedError(id, "never opened in the log and "+why, code, final)
		return
	}
	opened := obsAt(s.opened)
	resets := slices.Concat(fs.refreshAsked, fs.Refreshes, fs.Restarts, fs.Boots)
	switch i := slices.IndexFunc(resets, func(c Obs) bool { return c.After(opened) && !c.After(o) }); {
	case s.closed:
	case i >= 0:
		// A REFRESH the card asked for ends its sessions too, which
		// the log's lines alone do not show.
		why = fmt.Sprintf("gone with the card's reset (%s)", resets[i].Src)
	case s.state == sessionGone:
		why = fmt.Sprintf("gone with the card's reset (%s)", obsAt(s.gone).Src)
	default:
		return
	}
	how := "opened at " + opened.Src.String()
	if s.leftOpen {
		how = "open when the log begins (the card answered on it at " + opened.Src.String() + ")"
	}
	fs.cglaClosedError(id, how+" and "+why, code, final)
}

// cglaClosedError notes cgla_closed_error: the +CME ERROR code a +CGLA
// on session id got, the session gone as said, at the final result final.
func (fs *Facts) cglaClosedError(id, said string, code atcodec.CMEError, final Src) {
	v := "0"
	if code != atcodec.CMEInvalidIndex {
		v = strconv.Itoa(int(code))
	}
	fs.Dialect = append(fs.Dialect, Evidence{"cgla_closed_error", v, final,
		fmt.Sprintf("+CGLA on session %s, %s, answers +CME ERROR %d (%s)", id, said, int(code), code.Text()), 0})
}

// channelCmd is a +CGLA or +CCHC command line the modem answered OK.
type channelCmd struct {
	Obs
	name string
}

// untimedRefreshDelay is the refresh_delay a log without times gets when
// it shows the host's channel still open after an enable and the card's
// reset later: its commands are played one after the other at one
// instant, so any delay puts the REFRESH after them.
const untimedRefreshDelay = time.Second

// refreshDelay notes a modem that carried out the card's REFRESH some time
// after the enable that asked for it (refresh_delay): a +CGLA or +CCHC
// answered OK after the enable, before any sign of the card's reset (the
// REFRESH's URCs, a restart, a boot, the registration lost), as an lpac
// session that closes its channel and exits before the module's +QUSIM: 1
// shows (outside testers sw73, sw79). The delay is the time to that sign,
// or past the logs' end (end) when none comes.
//
// owners maps ICCIDs to their operator's network where it is known: an
// IMSI read after the enable with no IMSI read before it is new when it
// is not the old profile's network's (outside tester sw84: a host that
// reads the ICCID, switches, then only the IMSI).
func (fs *Facts) refreshDelay(untimed func(Src) bool, end time.Duration, owners map[string]string) {
	if slices.ContainsFunc(fs.Dialect, func(e Evidence) bool { return e.Field == "refresh_ignored" }) {
		return
	}
	signs := slices.Concat(fs.Refreshes, fs.Restarts, fs.Boots)
	for _, r := range fs.Regs {
		if r.Stat != 1 && r.Stat != 5 {
			signs = append(signs, r.Obs)
		}
	}
	var first *Evidence
	b := &fs.RefreshBounds
	for i, asked := range fs.refreshAsked {
		askedAt := fs.refreshAskedAt[i]
		// A new identity read after the enable is the reset's sign too: a
		// port that carries no URCs shows it only so (outside tester sw81).
		all := slices.Clone(signs)
		var iccid, imsi string
		for _, idn := range fs.Identities {
			if idn.After(asked) {
				if isNew(idn, iccid, imsi) || isNewIMSI(idn, iccid, imsi, owners) {
					all = append(all, idn.Obs)
					break
				}
				continue
			}
			iccid, imsi = cmp.Or(idn.ICCID, iccid), cmp.Or(idn.IMSI, imsi)
		}
		var sign *Obs
		for i, s := range all {
			if s.After(asked) && (sign == nil || sign.After(s)) {
				sign = &all[i]
			}
		}
		var open *channelCmd
		for i, c := range fs.channelOK {
			if c.After(asked) && (sign == nil || sign.After(c.Obs)) {
				open = &fs.channelOK[i]
			}
		}
		if open == nil {
			continue // reset before the host's next channel command, or none came
		}
		var d time.Duration
		var to string
		switch {
		case sign != nil && untimed(open.Src):
			// The replay plays the commands from the sign on once the
			// reset is done (RefreshSigns), as the log orders them; each
			// enable's (outside tester sw84: a second enable's read
			// played before its reset).
			d, to = untimedRefreshDelay, "the card's reset shows at "+sign.Src.String()+"; the log has no times: the commands from there on are played once the reset is done"
			fs.RefreshSigns = append(fs.RefreshSigns, sign.Src)
		case sign != nil && isIdentity(fs.Identities, *sign):
			// A read's answer: the reset came after the host's channel
			// command and after every read of the old identity, and
			// before this read was sent; any time in that window
			// replays alike, so soon after its start (outside tester
			// sw85: halfway fell before a later read of the old ICCID).
			lo := open.At
			for _, idn := range fs.Identities {
				if idn.After(asked) && sign.After(idn.Obs) && !isNew(idn, iccid, imsi) && !isNewIMSI(idn, iccid, imsi, owners) {
					lo = max(lo, idn.At)
				}
			}
			d = min(lo+100*time.Millisecond, lo+(sign.At-lo)/2) - askedAt
			to = "the card's reset shows at " + sign.Src.String() + ", the first read of the new identity"
			b.Min, b.Max = max(b.Min, lo-askedAt), minPositive(b.Max, sign.At-askedAt)
		case sign != nil:
			d, to = max(sign.At-askedAt, open.At-askedAt+100*time.Millisecond), "the card's reset shows at "+sign.Src.String()
			b.Min, b.Max = max(b.Min, open.At-askedAt), minPositive(b.Max, d)
		default:
			// Past the replay's own end (tail), as the field's was.
			d, to = end-askedAt+tail+time.Second, "no reset shows before the logs end"
			b.Min = max(b.Min, open.At-askedAt)
		}
		if sign != nil && len(fs.Refreshes) == 0 && isIdentity(fs.Identities, *sign) &&
			!slices.ContainsFunc(fs.Dialect, func(e Evidence) bool { return e.Field == "refresh_urcs" }) {
			// The reset shows only as the new identity: this port shows
			// no REFRESH URC (outside tester sw84: lpac's port).
			fs.Dialect = append(fs.Dialect, Evidence{"refresh_urcs", "[]", sign.Src,
				fmt.Sprintf("the card's reset after the switch at %s shows as the new identity read, with no REFRESH URC before it: the modem sends none on this port", asked.Src), 0})
		}
		if first != nil {
			continue // the first enable's figure speaks; the others bound it
		}
		if d > personality.MaxRefreshDelay {
			to += fmt.Sprintf(" (%v after the enable: the modem's longest refresh_delay, %v, is taken)", d.Round(time.Millisecond), personality.MaxRefreshDelay)
			d = personality.MaxRefreshDelay
		}
		first = &Evidence{Field: "refresh_delay", Src: open.Src, Value: d.Round(time.Millisecond).String(),
			Why: fmt.Sprintf("the host's %s after the switch with a REFRESH due (%s) answers OK, the card not reset yet; %s", open.name, asked.Src, to)}
	}
	if first != nil {
		fs.Dialect = append(fs.Dialect, *first)
	}
}

// isNew says whether idn reads another identity than iccid and imsi, the
// card's before a switch.
func isNew(idn Identity, iccid, imsi string) bool {
	return idn.ICCID != "" && iccid != "" && idn.ICCID != iccid || idn.IMSI != "" && imsi != "" && idn.IMSI != imsi
}

// isNewIMSI says whether idn reads an IMSI of another network than the
// old profile's (iccid's, in owners) when the old IMSI was never read.
func isNewIMSI(idn Identity, iccid, imsi string, owners map[string]string) bool {
	home := owners[iccid]
	return idn.IMSI != "" && imsi == "" && home != "" && !strings.HasPrefix(idn.IMSI, home)
}

// ownerPLMNs maps ICCIDs to their operator's network: the manifest's
// profiles with the network.operators it names, and the owners the logs'
// profile lists give.
func ownerPLMNs(m *Manifest, listed []ProfileFact) map[string]string {
	owners := map[string]string{}
	for _, pf := range listed {
		if pf.OwnerPLMN != "" {
			owners[pf.ICCID] = pf.OwnerPLMN
		}
	}
	if m == nil {
		return owners
	}
	plmnOf := map[string]string{}
	if n, ok := mapValue(m.Network, "operators"); ok && n.Kind == yaml.SequenceNode {
		for _, it := range n.Content {
			id, _ := mapValue(it, "id")
			plmn, _ := mapValue(it, "plmn")
			if id != nil && plmn != nil {
				plmnOf[id.Value] = plmn.Value
			}
		}
	}
	for _, pr := range m.Device.Profiles {
		if plmn := plmnOf[pr.Operator]; plmn != "" {
			owners[pr.ICCID] = plmn
		}
	}
	return owners
}

// isIdentity says whether o is an identity read's.
func isIdentity(ids []Identity, o Obs) bool {
	return slices.ContainsFunc(ids, func(idn Identity) bool { return idn.Obs == o })
}

// minPositive is the smaller of a and b, where 0 is none.
func minPositive(a, b time.Duration) time.Duration {
	if a == 0 {
		return b
	}
	return min(a, b)
}

// refreshIgnored notes a modem that left the card's REFRESH undone
// (refresh_ignored): after an EnableProfile answered ok with a REFRESH due
// (SW 91xx), the host still reads the ICCID or IMSI the card had before,
// with no REFRESH URC, restart or power-on between, as when the host runs
// SIM Toolkit itself (Quectel's AT+QSTK=1) and never answers the REFRESH.
// A read within 5 s of the enable may precede a REFRESH still on its way;
// a log without times has only the order to go by; and a reset the log
// shows after the read was late, not left undone.
func (fs *Facts) refreshIgnored(untimed func(Src) bool) {
	changes := slices.Concat(fs.Refreshes, fs.Restarts, fs.Boots)
	for _, en := range fs.Enables {
		if !en.OK || !en.Refresh || en.ICCID == "" {
			continue
		}
		var iccid, imsi string // what the card had before the enable
		for _, idn := range fs.Identities {
			if idn.After(en.Obs) {
				break
			}
			iccid, imsi = cmp.Or(idn.ICCID, iccid), cmp.Or(idn.IMSI, imsi)
		}
		for _, idn := range fs.Identities {
			if !idn.After(en.Obs) {
				continue
			}
			if slices.ContainsFunc(changes, func(c Obs) bool { return c.After(en.Obs) && !c.After(idn.Obs) }) {
				break
			}
			if !untimed(idn.Src) && idn.At-en.At < 5*time.Second {
				continue
			}
			// The reset the log shows later — a REFRESH's URC, a restart,
			// a boot, the new identity read — was late, not left undone
			// (outside tester sw84: an old ICCID read between an enable
			// and its +QUSIM: 1 in a log without times).
			if slices.ContainsFunc(changes, func(c Obs) bool { return c.After(idn.Obs) }) ||
				slices.ContainsFunc(fs.Identities, func(l Identity) bool {
					return l.After(idn.Obs) && (l.ICCID != "" && iccid != "" && l.ICCID != iccid || l.IMSI != "" && imsi != "" && l.IMSI != imsi)
				}) {
				break
			}
			old, what := "", ""
			switch {
			case idn.ICCID != "" && idn.ICCID == iccid && iccid != en.ICCID:
				old, what = idn.ICCID, "ICCID"
			case idn.IMSI != "" && idn.IMSI == imsi:
				old, what = idn.IMSI, "IMSI"
			default:
				continue
			}
			fs.Dialect = append(fs.Dialect, Evidence{"refresh_ignored", "true", idn.Src,
				fmt.Sprintf("the host still reads the %s %s the card had before EnableProfile %s answered ok with a REFRESH due (%s), with no REFRESH, restart or power-on between: the modem left the REFRESH undone", what, old, en.ICCID, en.Src), 0})
			return
		}
	}
}
