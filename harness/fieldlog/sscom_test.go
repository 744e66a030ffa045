package fieldlog

import (
	"bytes"
	"os"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// TestSSCOMGBK: SSCOM saves its log on a Chinese Windows in GBK. The GBK
// golden's log is the UTF-8 one's text through x/text's GBK encoder (go
// test -update writes it), and reads the same.
func TestSSCOMGBK(t *testing.T) {
	utf, err := os.ReadFile("testdata/sscom-echo.log")
	if err != nil {
		t.Fatal(err)
	}
	gbk, err := simplifiedchinese.GBK.NewEncoder().Bytes(utf)
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile("testdata/sscom-gbk.log", gbk, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	saved, err := os.ReadFile("testdata/sscom-gbk.log")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(saved, gbk) {
		t.Fatal("testdata/sscom-gbk.log is not sscom-echo.log in GBK (go test -run TestSSCOMGBK -args -update)")
	}
	if bytes.Contains(gbk, []byte(sscomSent)) {
		t.Fatal("the GBK log holds the UTF-8 marker")
	}
	a, err := Read("sscom.log", utf, "")
	if err != nil {
		t.Fatal(err)
	}
	g, err := Read("sscom.log", gbk, "")
	if err != nil {
		t.Fatal(err)
	}
	if g.Format != SSCOM || len(a.Entries) != len(g.Entries) {
		t.Fatalf("GBK: format %s, %d entries; UTF-8: %d", g.Format, len(g.Entries), len(a.Entries))
	}
	for i := range a.Entries {
		if a.Entries[i].Text != g.Entries[i].Text || a.Entries[i].Line != g.Entries[i].Line {
			t.Errorf("entry %d: UTF-8 %d %q, GBK %d %q", i, a.Entries[i].Line, a.Entries[i].Text, g.Entries[i].Line, g.Entries[i].Text)
		}
	}
}

// TestSSCOM: how the data SSCOM shows after its markers become the lines
// of the conversation.
func TestSSCOM(t *testing.T) {
	show := func(e Entry) string {
		s := e.Role.String() + " " + e.Text
		if !e.Time.IsZero() {
			s = e.Time.Format("15:04:05.000 ") + s
		}
		return s
	}
	const (
		s = "[10:00:00.000]" + sscomSent
		r = "[10:00:00.010]" + sscomReceived
	)
	for _, tc := range []struct {
		name, log string
		want      []string
	}{
		{"the CR LF on the sent line", s + "AT□\r\n" + r + "AT\r\n\r\nOK\r\n",
			[]string{"10:00:00.000 command AT", "10:00:00.010 echo AT", "10:00:00.010 final OK"}},
		// Each stamp starts a line of its own: the line break before one
		// is SSCOM's, and a read that ended inside a line goes on.
		{"a line split over reads", s + "AT+CSQ\r\n□\r\n" + r + "\r\n+CSQ: 2\r\n[10:00:00.020]" + sscomReceived + "4,99\r\n\r\nOK\r\n",
			[]string{"10:00:00.000 command AT+CSQ", "10:00:00.010 info +CSQ: 24,99", "10:00:00.020 final OK"}},
		{"a lone CR inside a line", s + "AT\r\n□\r\n" + r + "AT\r\rOK\r\n",
			[]string{"10:00:00.000 command AT", "10:00:00.010 echo AT", "10:00:00.010 final OK"}},
		// A user's note after a command: after a space, outside quotes.
		{"a note after the command", s + "AT+CPIN?\t// 查询SIM卡 \r\n□\r\n" + r + "\r\nOK\r\n",
			[]string{"10:00:00.000 command AT+CPIN?", "10:00:00.000 note // 查询SIM卡", "10:00:00.010 final OK"}},
		{"// inside quotes is the command's", s + "AT+QHTTPURL=\"a  //b\"\r\n□\r\n" + r + "\r\nOK\r\n",
			[]string{"10:00:00.000 command AT+QHTTPURL=\"a  //b\"", "10:00:00.010 final OK"}},
		{"// after a colon is data", s + "AT+X=http://a\r\n□\r\n" + r + "\r\nOK\r\n",
			[]string{"10:00:00.000 command AT+X=http://a", "10:00:00.010 final OK"}},
		{"a note after a hex command", s + "41 54 0D 0A  //AT\r\n" + r + "\r\nOK\r\n",
			[]string{"10:00:00.000 command AT", "10:00:00.000 note //AT", "10:00:00.010 final OK"}},
		// The two directions' displays are set apart.
		{"sent as hex, received as text", s + "41 54 0D\r\n" + r + "AT\r\n\r\nOK\r\n",
			[]string{"10:00:00.000 command AT", "10:00:00.010 echo AT", "10:00:00.010 final OK"}},
		{"a received OK alone is text", s + "AT\r\n□\r\n" + r + "OK\r\n",
			[]string{"10:00:00.000 command AT", "10:00:00.010 final OK"}},
		{"a UTF-8 byte order mark", "\xef\xbb\xbf" + s + "AT\r\n□\r\n" + r + "\r\nOK\r\n",
			[]string{"10:00:00.000 command AT", "10:00:00.010 final OK"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkEntries(t, tc.log, SSCOM, show, tc.want)
			if f, err := Detect("test.log", []byte(tc.log)); err != nil || f != SSCOM {
				t.Errorf("Detect = %q, %v", f, err)
			}
		})
	}
}

// TestQCOM: QCOM's lines, a stamp each.
func TestQCOM(t *testing.T) {
	show := func(e Entry) string {
		return e.Time.Format("15:04:05.000 ") + e.Role.String() + " " + e.Text
	}
	for _, tc := range []struct {
		name, log string
		want      []string
	}{
		{"echo off", "[2017-07-13 20:09:54:382_S:] AT+NBAND?\n[2017-07-13 20:09:54:396_R:]\n[2017-07-13 20:09:54:398_R:] +NBAND:5\n[2017-07-13 20:09:54:398_R:]\n[2017-07-13 20:09:54:399_R:] OK\n",
			[]string{"20:09:54.382 command AT+NBAND?", "20:09:54.398 info +NBAND:5", "20:09:54.399 final OK"}},
		// A line without a stamp goes on in the direction above.
		{"a line without a stamp", "[2017-07-13 20:09:54:382_S:] AT+CSQ\r\n[2017-07-13 20:09:54:396_R:] +CSQ: 24,99\r\nOK\r\n",
			[]string{"20:09:54.382 command AT+CSQ", "20:09:54.396 info +CSQ: 24,99", "20:09:54.396 final OK"}},
		{"the status lines are QCOM's", "[2015-09-14 15:09:23:174_R:] DSR:1 CTS:1 RI:0 (DCD:1)\n[2015-09-14 15:09:24:000_S:] AT\n[2015-09-14 15:09:24:010_R:] OK\n",
			[]string{"15:09:23.174 note DSR:1 CTS:1 RI:0 (DCD:1)", "15:09:24.000 command AT", "15:09:24.010 final OK"}},
		{"hex both ways", "[2015-09-14 15:09:23:100_S:] 41 54 0D 0A \n[2015-09-14 15:09:23:156_R:] 0D 0A 4F \n[2015-09-14 15:09:23:160_R:] 4B 0D 0A \n",
			[]string{"15:09:23.100 command AT", "15:09:23.156 final OK"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkEntries(t, tc.log, QCOM, show, tc.want)
			if f, err := Detect("test.log", []byte(tc.log)); err != nil || f != QCOM {
				t.Errorf("Detect = %q, %v", f, err)
			}
		})
	}
}
