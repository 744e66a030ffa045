package harness

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/esimhil/esimhil/harness/atclient"
	"github.com/esimhil/esimhil/harness/scenario"
)

// HostInit is what a host does when it opens a modem: echo off, verbose
// errors, registration URCs with location, and the card's identities. The
// CLI runs it so that at.log shows the device's story on its own.
var HostInit = []string{"ATE0", "AT+CMEE=2", "AT+CEREG=2", "AT+CPIN?", "AT+CCID", "AT+CIMI"}

// Init runs HostInit. The host never enters a PIN: a card whose enabled
// profile wants one at power on refuses +CIMI, the script's last command,
// after +CPIN? said SIM PIN (or SIM PUK); that is the device's state, not
// a failure of the rig (found by harness/explore with a PIN-locked
// original profile).
func (r *Rig) Init() error {
	answers, err := r.script(HostInit)
	if err != nil && failedAt(HostInit, answers) == "AT+CIMI" && cpinLocked(answers["AT+CPIN?"]) != "" {
		return nil
	}
	return err
}

// HostReport is what the CLI asks at the end of a run. The host never
// enters a PIN: a card that wants one at the end answers +CIMI with SIM
// PIN required (or SIM PUK), which the report says instead of an IMSI.
var HostReport = []string{"AT+CEREG?", "AT+COPS?", "AT+CSQ", "AT+CCID", "AT+CIMI"}

// Script sends AT commands in order through the rig's host connection and
// stops at the first one that fails. AT+CCID is sent as the personality's
// ICCID command.
func (r *Rig) Script(cmds []string) error {
	_, err := r.script(cmds)
	return err
}

// script is Script returning each command's answer, by command as given.
func (r *Rig) script(cmds []string) (map[string]*atclient.Response, error) {
	if r.AT == nil {
		return nil, fmt.Errorf("rig has no host connection")
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
			return out, fmt.Errorf("%s: %w [%s]", sent, err, r.Modem.PTYState())
		}
		if err != nil {
			return out, fmt.Errorf("%s: %w", sent, err)
		}
		if resp.Final != "OK" {
			return out, fmt.Errorf("%s: %s", sent, strings.Join(append(resp.Lines, resp.Final), " | "))
		}
		out[c] = resp
	}
	return out, nil
}

// Report runs HostReport and returns the registration it read: the
// +CEREG <stat>, the serving PLMN (+COPS?, when registered) and the IMSI
// (+CIMI), which expect.final is checked against (scenario.Check).
func (r *Rig) Report() (scenario.EndRegistration, error) {
	answers, err := r.script(HostReport)
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
