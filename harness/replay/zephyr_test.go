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
	} {
		t.Run(tc.name, func(t *testing.T) {
			manifest := orangeFixture(tc.name, "quectel-eg25", "zephyr.log", "zephyr", tc.line)
			if res := replay(t, newFixture(t, tc.name, map[string]string{"zephyr.log": tc.log, "manifest.yaml": manifest})); !res.OK {
				t.Errorf("%s", Report(res))
			}
		})
	}
}
