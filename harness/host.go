package harness

import (
	"fmt"
	"strings"
)

// HostInit is what a host does when it opens a modem: echo off, verbose
// errors, registration URCs with location, and the card's identities. The
// CLI runs it so that at.log shows the device's story on its own.
var HostInit = []string{"ATE0", "AT+CMEE=2", "AT+CEREG=2", "AT+CPIN?", "AT+CCID", "AT+CIMI"}

// HostReport is what the CLI asks at the end of a run.
var HostReport = []string{"AT+CEREG?", "AT+COPS?", "AT+CSQ", "AT+CCID", "AT+CIMI"}

// Script sends AT commands in order through the rig's host connection and
// stops at the first one that fails. AT+CCID is sent as the personality's
// ICCID command.
func (r *Rig) Script(cmds []string) error {
	if r.AT == nil {
		return fmt.Errorf("rig has no host connection")
	}
	for _, c := range cmds {
		if c == "AT+CCID" && r.Personality.ICCIDCommand != "" {
			c = "AT" + r.Personality.ICCIDCommand
		}
		resp, err := r.AT.Command(c)
		if err != nil {
			return fmt.Errorf("%s: %w", c, err)
		}
		if resp.Final != "OK" {
			return fmt.Errorf("%s: %s", c, strings.Join(append(resp.Lines, resp.Final), " | "))
		}
	}
	return nil
}
