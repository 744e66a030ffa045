package replay

import "testing"

// TestReplayZephyr: a Zephyr modem_chat debug log replays as recorded:
// a card the modem does not find (an unmatched +CME ERROR, logged whole),
// and a denial whose answer modem_chat logged as its arguments, rebuilt.
func TestReplayZephyr(t *testing.T) {
	const boot = "*** Booting Zephyr OS build v3.7.0 ***\n" +
		"uart:~$ [00:00:05.100,000] <dbg> modem_chat: modem_chat_script_start: running script: quectel_bg95_init_chat_script\n" +
		"[00:00:05.100,000] <dbg> modem_chat: modem_chat_script_next: sending: AT+CMEE=1\n" +
		"[00:00:05.121,000] <dbg> modem_chat: modem_chat_log_received_command: OK\n"
	for _, tc := range []struct {
		name, log string
		line      int
	}{
		{"no-card", boot +
			"[00:00:05.140,000] <dbg> modem_chat: modem_chat_script_next: sending: AT+CPIN?\n" +
			"[00:00:05.170,000] <dbg> modem_chat: modem_chat_on_unknown_command_received: +CME ERROR: 10\n" +
			"[00:00:05.171,000] <wrn> modem_chat: quectel_bg95_init_chat_script: aborted\n" +
			"[00:00:06.000,000] <dbg> modem_chat: modem_chat_script_next: sending: AT+CEREG?\n" +
			"[00:00:06.030,000] <dbg> modem_chat: modem_chat_log_received_command: +CEREG:  0 0\n" +
			"[00:00:06.031,000] <dbg> modem_chat: modem_chat_log_received_command: OK\n", 6},
		{"denied", boot +
			"[00:00:06.000,000] <dbg> modem_chat: modem_chat_script_next: sending: AT+CEREG?\n" +
			"[00:00:06.030,000] <dbg> modem_chat: modem_chat_log_received_command: +CEREG:  3 3 \"1000\" \"00010001\" 7 0 11\n" +
			"[00:00:06.031,000] <dbg> modem_chat: modem_chat_log_received_command: OK\n", 6},
		// The driver's init script timing out while the modem powers
		// up, then run again: the opening's unanswered commands are not
		// played, no hang is made of them, and the echo the modem shows
		// once up is its setting (outside tester sw103: zephyr#81678's
		// opening, with a BG95's RDY in #88686's).
		{"opening-timeout", "00> rtt:~$ [00:00:33.554,962] <dbg> modem_chat: modem_chat_script_next: sending: AT\n" +
			"00> rtt:~$ [00:00:33.655,151] <dbg> modem_chat: modem_chat_script_next: sending: ATE0\n" +
			"00> rtt:~$ rtt:~$ [00:00:43.254,547] <wrn> modem_chat: u_blox_sara_r4_init_chat_script: timed out\n" +
			"00> rtt:~$ [00:00:54.754,943] <dbg> modem_chat: modem_chat_script_next: sending: AT\n" +
			"00> rtt:~$ [00:00:54.779,205] <dbg> modem_chat: modem_chat_on_unknown_command_received: AT\n" +
			"00> rtt:~$ [00:00:54.779,235] <dbg> modem_chat: modem_chat_on_unknown_command_received: OK\n" +
			"00> rtt:~$ [00:00:54.955,331] <dbg> modem_chat: modem_chat_script_next: sending: ATE0\n" +
			"00> rtt:~$ [00:00:54.960,000] <dbg> modem_chat: modem_chat_on_unknown_command_received: ATE0\n" +
			"00> rtt:~$ [00:00:54.979,600] <dbg> modem_chat: modem_chat_log_received_command: OK\n" +
			"00> rtt:~$ [00:00:55.100,000] <dbg> modem_chat: modem_chat_script_next: sending: AT+CEREG?\n" +
			"00> rtt:~$ [00:00:55.130,000] <dbg> modem_chat: modem_chat_log_received_command: +CEREG:  0 1\n" +
			"00> rtt:~$ [00:00:55.131,000] <dbg> modem_chat: modem_chat_log_received_command: OK\n", 11},
		// The same before a BG95's RDY: the boot, not a hang that
		// swallows it.
		{"opening-timeout-rdy", "[00:00:01.000,000] <dbg> modem_chat: modem_chat_script_next: sending: ATE0\n" +
			"[00:00:11.000,000] <wrn> modem_chat: quectel_bg95_init_chat_script: timed out\n" +
			"[00:00:12.500,000] <dbg> modem_chat: modem_chat_on_unknown_command_received: RDY\n" +
			"[00:00:15.000,000] <dbg> modem_chat: modem_chat_script_next: sending: ATE0\n" +
			"[00:00:15.010,000] <dbg> modem_chat: modem_chat_on_unknown_command_received: ATE0\n" +
			"[00:00:15.020,000] <dbg> modem_chat: modem_chat_log_received_command: OK\n" +
			"[00:00:16.000,000] <dbg> modem_chat: modem_chat_script_next: sending: AT+CEREG?\n" +
			"[00:00:16.030,000] <dbg> modem_chat: modem_chat_log_received_command: +CEREG:  0 1\n" +
			"[00:00:16.031,000] <dbg> modem_chat: modem_chat_log_received_command: OK\n", 8},
	} {
		t.Run(tc.name, func(t *testing.T) {
			manifest := orangeFixture(tc.name, "quectel-eg25", "zephyr.log", "zephyr", tc.line)
			if res := replay(t, newFixture(t, tc.name, map[string]string{"zephyr.log": tc.log, "manifest.yaml": manifest})); !res.OK {
				t.Errorf("%s", Report(res))
			}
		})
	}
}
