package harness

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/esimhil/esimhil/harness/atclient"
	"github.com/esimhil/esimhil/harness/scenario"
	"github.com/esimhil/esimhil/internal/codec/at"
)

// HostSetUp is how a host sets a modem up when it opens it and after
// every boot (RDY, the personality's boot URCs; a power cut, a restart
// bring the settings back to their defaults): echo off, verbose errors,
// registration URCs with location.
var HostSetUp = []string{"ATE0", "AT+CMEE=2", "AT+CEREG=2"}

// HostCard is how a host reads the card's identities: its PIN state, the
// ICCID and the IMSI. It reads them after its set-up, and again once the
// card is there when it found none (SIM not inserted).
var HostCard = []string{"AT+CPIN?", "AT+CCID", "AT+CIMI"}

// HostInit is what a host does when it opens a modem: HostSetUp, then
// HostCard. The CLI runs it so that at.log shows the device's story on
// its own.
var HostInit = append(slices.Clone(HostSetUp), HostCard...)

// hostState is what the CLI's host knows of the device it follows.
type hostState struct {
	set   bool // the host has set the modem up at least once
	boots int  // the modem's boots (Modem.Boots) at the host's last set-up
	// noCard says the host's last look at the card found none (SIM not
	// inserted): it reads the card's identities once the card is there.
	noCard bool
}

// Init runs HostInit now if the AT port answers (the modem powered, not
// restarting, its port not hung); else the host sets the modem up once it
// does, when Follow runs the rig on (a hung port simply gets nothing: in
// simulated time the host waits for it, and no wall-clock timeout runs
// out). The host never enters a PIN: a card whose enabled profile wants
// one at power on refuses +CIMI, the script's last command, after +CPIN?
// said SIM PIN (or SIM PUK); that is the device's state, not a failure of
// the rig (found by harness/explore with a PIN-locked original profile).
// A device without its card answers +CPIN? SIM not inserted: the host
// reads no identities then, and reads them once the card is there.
func (r *Rig) Init() error {
	if r.AT == nil {
		return fmt.Errorf("rig has no host connection")
	}
	if !r.hostDue() {
		return nil
	}
	return r.hostStep()
}

// Follow runs the rig until simulated time t since the start with the
// CLI's host following the device, as `esimhil run` does: whenever the
// modem has booted since the host's last set-up (after a power cut, a
// restart) or the host never set it up, it runs HostInit again as soon as
// the AT port answers, so that the registration URCs and the verbose
// errors are back and at.log goes on telling the story; and a card the
// host found missing is read (HostCard) once the modem reads it again. The
// host acts at the simulated instant that makes it due, after that
// instant's piece of work: the same instant in every run.
func (r *Rig) Follow(t time.Duration) error { return r.follow(t, false) }

// FollowBefore is Follow that stops short of the instant t itself: the
// clock reads t, but nothing due then (a periodic check, a stop, a
// fault's edge) has begun. RunScenario ends a run so, at its horizon, so
// that the end state is read before the horizon's instant starts
// anything — a check there would switch, and the read land mid-REFRESH.
func (r *Rig) FollowBefore(t time.Duration) error { return r.follow(t, true) }

func (r *Rig) follow(t time.Duration, before bool) error {
	if r.AT == nil && !before {
		return r.AdvanceTo(t)
	}
	for {
		if r.hostDue() {
			if err := r.hostStep(); err != nil {
				return err
			}
		}
		if r.Now() >= t {
			return nil
		}
		deadline := r.start.Add(t)
		if _, err := r.runUntil(deadline, before, r.hostDue); err != nil {
			return err
		}
	}
}

// hostDue reports whether the CLI's host has something to do now: the AT
// port answers, and the host never set the modem up, the modem booted
// since, or the card the host found missing is there.
func (r *Rig) hostDue() bool {
	if r.AT == nil || r.Modem == nil {
		return false
	}
	var due bool
	r.Loop.Do(func() {
		m, h := r.Modem, &r.host
		due = m.Listening() && (!h.set || m.Boots() != h.boots || h.noCard && m.CardOn())
	})
	return due
}

// hostStep does what hostDue found due: the whole HostInit after a boot
// (or at the start), HostCard when only the card came back.
func (r *Rig) hostStep() error {
	var boots int
	r.Loop.Do(func() { boots = r.Modem.Boots() })
	cmds := HostCard
	if !r.host.set || boots != r.host.boots {
		cmds = HostInit
	}
	r.host.set, r.host.boots = true, boots
	answers, refused, err := r.script(cmds)
	r.host.noCard = false
	switch {
	case err == nil:
		return nil
	case failedAt(cmds, answers) == "AT+CPIN?" && simNotInserted(refused):
		r.host.noCard = true // the card's identities when it is there
		return nil
	case failedAt(cmds, answers) == "AT+CIMI" && cpinLocked(answers["AT+CPIN?"]) != "":
		return nil
	}
	return err
}

// simNotInserted reports whether a refused command's answer is +CME ERROR:
// 10, SIM not inserted (TS 27.007 §9.2), in numbers or words.
func simNotInserted(resp *atclient.Response) bool {
	if resp == nil {
		return false
	}
	c := at.Classify(resp.Final)
	return c.Kind == at.FinalCME && c.Code == 10
}

// HostReport is what the CLI asks at the end of a run. The host never
// enters a PIN: a card that wants one at the end answers +CIMI with SIM
// PIN required (or SIM PUK), which the report says instead of an IMSI.
var HostReport = []string{"AT+CEREG?", "AT+COPS?", "AT+CSQ", "AT+CCID", "AT+CIMI"}

// Script sends AT commands in order through the rig's host connection and
// stops at the first one that fails. AT+CCID is sent as the personality's
// ICCID command.
func (r *Rig) Script(cmds []string) error {
	_, _, err := r.script(cmds)
	return err
}

// script is Script returning each command's answer, by command as given,
// and the answer of the command refused (nil if none was).
func (r *Rig) script(cmds []string) (map[string]*atclient.Response, *atclient.Response, error) {
	if r.AT == nil {
		return nil, nil, fmt.Errorf("rig has no host connection")
	}
	out := map[string]*atclient.Response{}
	for _, c := range cmds {
		sent := c
		if c == "AT+CCID" && r.Personality.ICCIDCommand != "" {
			sent = "AT" + r.Personality.ICCIDCommand
		}
		resp, err := r.AT.Command(sent)
		if errors.Is(err, atclient.ErrClosed) && r.Modem != nil {
			// The tty ended under the host: say what the modem's side
			// knows of it (a rare hang-up under load is being chased).
			return out, nil, fmt.Errorf("%s: %w [%s]", sent, err, r.Modem.PTYState())
		}
		if err != nil {
			return out, resp, fmt.Errorf("%s: %w", sent, err)
		}
		if resp.Final != "OK" {
			return out, resp, fmt.Errorf("%s: %s", sent, strings.Join(append(resp.Lines, resp.Final), " | "))
		}
		out[c] = resp
	}
	return out, nil, nil
}

// Report runs HostReport and returns the registration it read: the
// +CEREG <stat>, the serving PLMN (+COPS?, when registered) and the IMSI
// (+CIMI), which expect.final is checked against (scenario.Check). A
// device whose card is absent answers +CCID (or +CIMI) SIM not inserted:
// the end state is then scenario.RegistrationAbsent, with the answers the
// modem gave before in at.log.
func (r *Rig) Report() (scenario.EndRegistration, error) {
	answers, refused, err := r.script(HostReport)
	if f := failedAt(HostReport, answers); err != nil && (f == "AT+CCID" || f == "AT+CIMI") && simNotInserted(refused) {
		return scenario.EndRegistration{Registration: scenario.RegistrationAbsent}, nil
	}
	pin := ""
	if err != nil && failedAt(HostReport, answers) == "AT+CIMI" {
		// +CIMI refused: ask the card's PIN state as a host does (+CPIN?,
		// TS 27.007 §8.3). The refusal's own words cannot say it: a
		// restart (a power cut) resets +CMEE to a bare ERROR (found by
		// harness/explore).
		if resp, cerr := r.AT.Command("AT+CPIN?"); cerr == nil {
			pin = cpinLocked(resp)
		}
	}
	if err != nil && pin == "" {
		return scenario.EndRegistration{}, err
	}
	// With +CIMI refused, the last question, the answers before it are in.
	return parseReport(answers, pin)
}

// failedAt is the command a script stopped at: the script answers the
// commands in order and stops at the first refused, so it is the first
// without an answer ("" when all have one).
func failedAt(cmds []string, answers map[string]*atclient.Response) string {
	for _, c := range cmds {
		if answers[c] == nil {
			return c
		}
	}
	return ""
}

// cpinLocked reads an answer to AT+CPIN?: "SIM PIN" or "SIM PUK" when
// PIN1 stands in the way, else "".
func cpinLocked(resp *atclient.Response) string {
	if resp == nil || resp.Final != "OK" {
		return ""
	}
	for _, l := range resp.Lines {
		switch l {
		case "+CPIN: SIM PIN":
			return "SIM PIN"
		case "+CPIN: SIM PUK":
			return "SIM PUK"
		}
	}
	return ""
}

var (
	ceregRead = regexp.MustCompile(`^\+CEREG: \d,(\d)(,|$)`)
	copsRead  = regexp.MustCompile(`^\+COPS: \d(,\d,"(\d{5,6})"(,\d+)?)?$`)
	imsiLine  = regexp.MustCompile(`^\d{6,15}$`)
)

// parseReport reads the answers to AT+CEREG?, AT+COPS? and AT+CIMI (TS
// 27.007 §10.1.22, §7.3, §7.1); pin, when +CIMI was refused for PIN1,
// stands for the IMSI.
func parseReport(answers map[string]*atclient.Response, pin string) (scenario.EndRegistration, error) {
	end := scenario.EndRegistration{PIN: pin}
	one := func(cmd string, re *regexp.Regexp) ([]string, error) {
		resp := answers[cmd]
		if resp == nil {
			return nil, fmt.Errorf("%s: no answer", cmd)
		}
		for _, l := range resp.Lines {
			if m := re.FindStringSubmatch(l); m != nil {
				return m, nil
			}
		}
		return nil, fmt.Errorf("%s: unexpected answer %q", cmd, resp.Lines)
	}
	m, err := one("AT+CEREG?", ceregRead)
	if err != nil {
		return end, err
	}
	stat, _ := strconv.Atoi(m[1])
	end.Registration = scenario.RegistrationOf(stat)
	if m, err = one("AT+COPS?", copsRead); err != nil {
		return end, err
	}
	if end.Registration == "home" || end.Registration == "roaming" {
		end.PLMN = m[2]
	}
	if pin != "" {
		return end, nil
	}
	if m, err = one("AT+CIMI", imsiLine); err != nil {
		return end, err
	}
	end.IMSI = m[0]
	return end, nil
}
