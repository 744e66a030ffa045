package fieldlog

import (
	"strings"
	"testing"
)

// TestChatRendering: chat's ^X read back to control characters, but for
// a vendor's ^NAME after AT or starting a line read (Huawei's AT^SYSCFG,
// ^RSSI:); in a send, its \d and \p
// pauses and \K break write nothing and \X writes X.
func TestChatRendering(t *testing.T) {
	for _, tc := range []struct {
		in   string
		send bool
		want string
	}{
		{"AT^M", true, "AT\r"},
		{"AT^M^M", false, "AT\r\r"},
		{"^RSSI:17^M", false, "^RSSI:17\r"},
		{"AT^SYSCFG=2,2,3FFFFFFF,1,2^M", true, "AT^SYSCFG=2,2,3FFFFFFF,1,2\r"},
		{"^MODE:5,4", false, "^MODE:5,4"},
		{"^MAT^M", true, "\rAT\r"},
		{"AT^SYSINFO^M", true, "AT^SYSINFO\r"},
		{"AT^SYSINFO^M^M", false, "AT^SYSINFO\r\r"},
		{"OK^MOK", false, "OK\rOK"},
		{"^?^@^[", false, "\x7f\x00\x1b"},
		{"a^b", false, "a^b"},
		{"^", false, "^"},
		{`\d\dAT\p^M`, true, "AT\r"},
		{`\K+++`, true, "+++"},
		{`a\\b\"c`, true, `a\b"c`},
		{`a\\b`, false, `a\\b`},
	} {
		got, err := unChat(tc.in, tc.send)
		if err != nil || got != tc.want {
			t.Errorf("unChat(%q, %v) = %q, %v; want %q", tc.in, tc.send, got, err, tc.want)
		}
	}
}

// TestChatLongLines: chat logs 80 bytes received without an LF as a
// message of their own, and an LF right after them as an empty one: the
// line reads whole. A send without a CR (the "+++" between pauses) is a
// line of its own.
func TestChatLongLines(t *testing.T) {
	answer := `+CGLA: 130,"BF2D3FA03DE30F5A0A989209040000000071000F4F08A000000559101001E30F5A0A98920904000000007101` + // 80 bytes
		`4F08A000000559101002E30F5A0A98920904000000007102004F08A0000005591010039000"`
	log := "chat[1]: send (AT+CGLA=1,16,\"81E2910003BF2D00\"^M)\nchat[1]: expect (OK)\nchat[1]: " + answer[:80] + "\nchat[1]: " + answer[80:] + "^M\nchat[1]: ^M\nchat[1]: OK\nchat[1]:  -- got it\n" +
		"chat[1]: send (\\d+++\\d)\nchat[1]: expect (OK)\nchat[1]: ^M\nchat[1]: OK\nchat[1]:  -- got it\n" +
		"chat[1]: send (ATI^M)\nchat[1]: expect (OK)\nchat[1]: ^M\nchat[1]: " + strings.Repeat("x", 80) + "\nchat[1]: \nchat[1]: OK\nchat[1]:  -- got it\n"
	tr, err := Read("long.log", []byte(log), "")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range tr.Entries {
		if e.Dir != Tool {
			got = append(got, e.Role.String()+" "+e.Text)
		}
	}
	want := []string{"command AT+CGLA=1,16,\"81E2910003BF2D00\"", "info " + answer, "final OK", "command +++", "final OK", "command ATI", "info " + strings.Repeat("x", 80), "final OK"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("entries\n got %q\nwant %q", got, want)
	}
}

// TestChatAfterConnect: a data call's CONNECT ends chat's wait for its
// command, so what the script sends after it (the +++ escape) goes in
// order with what the modem answers to it.
func TestChatAfterConnect(t *testing.T) {
	log := "send (ATD*99#^M)\nexpect (CONNECT)\nATD*99#^M^M\nCONNECT\n -- got it\n\nsend (\\d+++\\d)\nexpect (OK)\n^M\nOK\n -- got it\n\nsend (ATH^M)\nexpect (OK)\n^M\nATH^M^M\nOK\n -- got it\n"
	checkEntries(t, log, Chat, func(e Entry) string {
		if e.DataMode != "" {
			return "data " + e.Text
		}
		return strings.ToLower(e.Role.String()) + " " + e.Text
	}, []string{"command ATD*99#", "note expect (CONNECT)", "echo ATD*99#", "final CONNECT", "note  -- got it",
		"command +++", "note expect (OK)", "final OK", "note  -- got it", "command ATH", "note expect (OK)", "echo ATH", "final OK", "note  -- got it"})
}
