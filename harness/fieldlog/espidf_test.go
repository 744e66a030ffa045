package fieldlog

import (
	"fmt"
	"strings"
	"testing"
)

// TestESPIDF: ESP-IDF's log of esp-modem's UART (ESP_LOG_BUFFER_HEXDUMP
// rows after "writing:"/"reading:", or tagged uart-tx/uart-rx) was
// refused as no known format. Its rows run into one stream a direction,
// cut into lines; CMUX frames are de-framed, their AT DLCI's text read,
// their control frames and PPP notes; esp-modem's text of the same
// traffic is read where no dump shows it. The logs are trimmed from
// GitHub issues, as their reporters pasted them (issue named in each
// case).
func TestESPIDF(t *testing.T) {
	show := func(e Entry) string {
		s := fmt.Sprintf("%d %s %s", e.Line, e.Role, e.Text)
		if e.Port != "" {
			s += " [" + e.Port + "]"
		}
		if e.GaveUpOn > 0 {
			s += fmt.Sprintf(" (gave up on %d)", e.GaveUpOn)
		}
		switch {
		case e.Time.IsZero():
		case e.Time.Before(RelativeEpoch): // a time of day
			s += " @" + e.Time.Format("15:04:05.000")
		default:
			s += " @" + e.Time.Sub(RelativeEpoch).String()
		}
		return s
	}
	for _, tc := range []struct {
		name, log string
		want      []string
	}{
		{"writing:/reading: headers, a SIM800 (espressif/esp-idf issue 3697)",
			"D (910) event: created event loop 0x3ffba090\n" +
				"D (910) esp-modem: writing:\n" +
				"D (920) esp-modem: 0x3f404a04   41 54 0d                                          |AT.|\n" +
				"D (930) esp-modem: reading:\n" +
				"D (930) esp-modem: 0x3ffb9be4   0d 0a                                             |..|\n" +
				"D (990) esp-modem: reading:\n" +
				"D (990) esp-modem: 0x3ffb9be4   4f 4b 0d 0a                                       |OK..|\n" +
				"D (990) dce_service: sync ok\n" +
				"D (1090) esp-modem: writing:\n" +
				"D (1090) esp-modem: 0x3f404498   41 54 2b 43 47 4d 4d 0d                           |AT+CGMM.|\n" +
				"D (1190) esp-modem: reading:\n" +
				"D (1190) esp-modem: 0x3ffb9be4   0d 0a 53 49 4d 43 4f 4d 5f 53  49 4d 38 30 30 0d |..SIMCOM_SIM800.|\n" +
				"D (1240) esp-modem: reading:\n" +
				"D (1240) esp-modem: 0x3ffb9be4   0a 0d 0a 4f 4b 0d 0a                              |...OK..|\n",
			[]string{"1 note event: created event loop 0x3ffba090 @910ms", "2 note esp-modem: writing: @910ms", "3 command AT @920ms",
				"4 note esp-modem: reading: @930ms", "6 note esp-modem: reading: @990ms", "7 final OK @990ms", "8 note dce_service: sync ok @990ms",
				"9 note esp-modem: writing: @1.09s", "10 command AT+CGMM @1.09s", "11 note esp-modem: reading: @1.19s", "12 info SIMCOM_SIM800 @1.19s",
				"13 note esp-modem: reading: @1.24s", "14 final OK @1.24s"}},
		{"uart-tx/uart-rx tags, PPP and a CMUX SABM among AT (espressif/esp-protocols issue 789)",
			"E (38120) app: esp_modem_sync failed with -1\n" +
				"D (38620) uart-tx: 0x3f419c28   7e ff 03 c0 21 09 01 00  08 99 d1 35 c1 8e 2c 7e  |~...!......5..,~|\n" +
				"D (38820) uart-tx: 0x3f419c18   0d 0a 41 54 0d 0a 00                              |..AT...|\n" +
				"D (39320) uart-tx: 0x3f419c0c   f9 03 3f 01 1c f9                                 |..?...|\n" +
				"D (42990) uart-rx: 0x3ffc962c   0d 0a 52 44 59 0d 0a 0d  0a 2b 43 50 49 4e 3a 20  |..RDY....+CPIN: |\n" +
				"D (42990) uart-rx: 0x3ffc963c   52 45 41 44 59 0d 0a 0d  0a 53 4d 53 20 44 4f 4e  |READY....SMS DON\n" +
				"D (42990) uart-rx: 0x3ffc964c   45 0d 0a                                          |E..|\n",
			[]string{"1 note app: esp_modem_sync failed with -1 @38.12s", "2 note host data: 16 bytes PPP (RFC 1662 frame), not AT @38.62s",
				"3 command AT @38.82s", "4 note host CMUX SABM on DLCI 0 @39.32s", "5 urc RDY @42.99s", "5 urc +CPIN: READY @42.99s", "6 urc SMS DONE @42.99s"}},
		{"a serial logger's CSV, esp-modem's text of the command it sends (espressif/esp-protocols issue 351)",
			"\"5/9/2023 1:39:00 PM\",I (14127) pppos_example: Network registry status: 2 \n" +
				"\"5/9/2023 1:39:00 PM\",D (14137) esp-modem: Sending command:AT+CGREG?\n" +
				"\"5/9/2023 1:39:00 PM\",\n" +
				"\"5/9/2023 1:39:00 PM\",V (14177) esp-modem: uart_get_buffered_data_len()=21\n" +
				"\"5/9/2023 1:39:00 PM\",V (14177) esp-modem: pattern-detection: 0x3ffb7c94   0d 0a 2b 43 47 52 45 47  3a 20 30 2c 32 0d 0a 0d  |..+CGREG: 0,2...|\n" +
				"\"5/9/2023 1:39:00 PM\",V (14187) esp-modem: pattern-detection: 0x3ffb7ca4   0a 4f 4b 0d 0a                                    |.OK..|\n" +
				"\"5/9/2023 1:39:00 PM\",D (14197) esp-modem: Handling line: >>+CGREG: 0,2\n" +
				"\n" +
				"\"5/9/2023 1:39:00 PM\",<<\n",
			[]string{"1 note pppos_example: Network registry status: 2  @14.127s", "2 command AT+CGREG? @14.137s",
				"4 note esp-modem: uart_get_buffered_data_len()=21 @14.177s", "5 info +CGREG: 0,2 @14.177s", "6 final OK @14.187s",
				"7 note esp-modem: Handling line: >>+CGREG: 0,2 @14.197s", "9 note << @14.197s"}},
		{"esp-modem's text alone, no dump: both directions read from it",
			"D (14137) esp-modem: Sending command:AT+CGREG?\n" +
				"D (14197) esp-modem: Handling line: >>+CGREG: 0,2\n" +
				"D (14197) esp-modem: Handling line: >>OK\n",
			[]string{"1 command AT+CGREG? @14.137s", "2 info +CGREG: 0,2 @14.197s", "3 final OK @14.197s"}},
		{"CMUX set up: SABM, UA and the control channel's MSC (espressif/esp-protocols issue 140)",
			"I (11348) cmux: SABM 0\n" +
				"V (11348) CMUX SABM: 0x3ffb1380   f9 03 3f 01 1c f9                                 |..?...|\n" +
				"V (11348) CMUX Received: 0x3ffbc584   f9 03 73 01 d7 f9                                 |..s...|\n" +
				"V (11468) CMUX SABM: 0x3ffb1380   f9 07 3f 01 de f9                                 |..?...|\n" +
				"V (11468) CMUX Received: 0x3ffbc584   f9 07 73 01 15 f9 f9 01  ef 09 e3 05 07 0d 9a f9  |..s.............|\n" +
				"D (11478) CMUX: Payload frame: dlci:01 type:73 payload:0 available:12\n" +
				// AT on DLCI 1, written as esp_modem's CMux::write logs it:
				// header, data and footer dumped apart.
				"V (12000) Send: 0x3ffb1380   f9 05 ef 0f                                       |....|\n" +
				"V (12000) Send: 0x3ffc0000   41 54 2b 43 53 51 0d                              |AT+CSQ.|\n" +
				"V (12000) Send: 0x3ffb1384   bc f9                                             |..|\n" +
				"V (12050) CMUX Received: 0x3ffbc584   f9 05 ef 2b 0d 0a 2b 43  53 51 3a 20 32 30 2c 39  |...+..+CSQ: 20,9|\n" +
				"V (12050) CMUX Received: 0x3ffbc594   39 0d 0a 0d 0a 4f 4b 0d  0a 83 f9                 |9....OK....|\n",
			[]string{"1 note cmux: SABM 0 @11.348s", "2 note host CMUX SABM on DLCI 0 @11.348s", "3 note modem CMUX UA on DLCI 0 @11.348s",
				"4 note host CMUX SABM on DLCI 1 @11.468s", "5 note modem CMUX UA on DLCI 1 @11.468s", "5 note modem CMUX control channel: MSC command @11.468s",
				"6 note CMUX: Payload frame: dlci:01 type:73 payload:0 available:12 @11.478s",
				"7 command AT+CSQ [dlci1] @12s", "10 info +CSQ: 20,99 [dlci1] @12.05s", "10 final OK [dlci1] @12.05s"}},
		{"PPP on a CMUX DLCI across reads (espressif/esp-protocols issue 103)",
			"V (6843) CMUX Received: 0x3ffc0d10   f9 05 ef 6b 7e ff 7d 23  c0 21 7d 21 7d 20 7d 20  |...k~.}#.!}!} } |\n" +
				"V (6843) CMUX Received: 0x3ffc0d20   7d 39 7d 22 7d 26 7d 20  7d 20 7d 20 7d 20 7d 23  |}9}\"}&} } } } }#|\n" +
				"V (6853) CMUX Received: 0x3ffc0d30   7d 25 c2 23 7d 25 7d 25  7d 26 97 68 37 bc 7d 27  |}%.#}%}%}&.h7.}'|\n" +
				"V (6863) CMUX Received: 0x3ffc0d40   7d 22 7d 28 7d 22 82 8a  7e f3 f9 f9 05 ef 5d 7e  |}\"}(}\"..~.....]~|\n" +
				"D (6863) CMUX: Payload frame: dlci:01 type:ef payload:53 available:60\n" +
				"V (6883) CMUX Received: 0x3ffc0d50   ff 7d 23 c0 21 7d 22 7d  21 7d 20 7d 34 7d 22 7d  |.}#.!}\"}!} }4}\"}|\n" +
				"V (6893) CMUX Received: 0x3ffc0d60   26 7d 20 7d 20 7d 20 7d  20 7d 25 7d 26 7d 39 53  |&} } } } }%}&}9S|\n" +
				"V (6903) CMUX Received: 0x3ffc0d70   51 ec 7d 27 7d 22 7d 28  7d 22 82 4d 7e 33 f9     |Q.}'}\"}(}\".M~3.|\n",
			[]string{"1 note modem CMUX DLCI 1 data: 53 bytes PPP, not AT @6.843s",
				"4 note modem CMUX DLCI 1 data: 46 bytes PPP, not AT @6.863s",
				"5 note CMUX: Payload frame: dlci:01 type:ef payload:53 available:60 @6.863s"}},
		{"esp_modem 1.x's command_lib text: the command, the response it was given (espressif/esp-protocols issue 181)",
			"V (2926) command_lib: sync\n" +
				"V (2936) command_lib: generic_command\n" +
				"D (2936) command_lib: generic_command command AT\n" +
				"\n" +
				"W (3446) cmux_example: sync no Success after 0 try\n" +
				"D (3446) command_lib: generic_command command AT\n" +
				"\n" +
				"D (3506) command_lib: Response: AT\n" +
				"OK\n" +
				"\n" +
				"I (3506) cmux_example: sync Success after 1 try\n" +
				"D (3516) command_lib: generic_command command AT+IFC=2, 2\n" +
				"\n" +
				// The callback called again as a line more came: the
				// second message repeats the first's lines.
				"D (3606) command_lib: Response: AT+IFC=2, 2\n" +
				"\n" +
				"D (3606) command_lib: Response: AT+IFC=2, 2\n" +
				"OK\n" +
				"\n" +
				"I (3606) cmux_example: set_flow_control OK\n",
			[]string{"1 note command_lib: sync @2.926s", "2 note command_lib: generic_command @2.936s", "3 command AT @2.936s",
				"5 note cmux_example: sync no Success after 0 try @3.446s", "6 command AT @3.446s", "8 echo AT @3.506s", "9 final OK @3.506s",
				"11 note cmux_example: sync Success after 1 try @3.506s", "12 command AT+IFC=2, 2 @3.516s", "14 echo AT+IFC=2, 2 @3.606s",
				"17 final OK @3.606s", "19 note cmux_example: set_flow_control OK @3.606s"}},
		{"a reset: the ROM bootloader's lines, the time since boot again from 0",
			"D (5000) uart-tx: 0x3f419c18   41 54 0d   |AT.|\n" +
				"D (5040) uart-rx: 0x3ffc962c   0d 0a 4f 4b 0d 0a   |..OK..|\n" +
				"Guru Meditation Error: Core  0 panic'ed (LoadProhibited). Exception was unhandled.\n" +
				"Rebooting...\n" +
				"ets Jun  8 2016 00:22:57\n" +
				"\n" +
				"rst:0xc (SW_CPU_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\n" +
				"I (29) boot: ESP-IDF v4.4 2nd stage bootloader\n" +
				"D (1200) uart-tx: 0x3f419c18   41 54 0d   |AT.|\n" +
				"D (1240) uart-rx: 0x3ffc962c   0d 0a 4f 4b 0d 0a   |..OK..|\n",
			[]string{"1 command AT @5s", "2 final OK @5.04s", "3 note Guru Meditation Error: Core  0 panic'ed (LoadProhibited). Exception was unhandled. @5.04s",
				"4 note Rebooting... @5.04s", "5 note ets Jun  8 2016 00:22:57 @5.04s", "7 note rst:0xc (SW_CPU_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT) @5.04s",
				"8 note boot: ESP-IDF v4.4 2nd stage bootloader @5.069s", "9 command AT @6.24s", "10 final OK @6.28s"}},
		{"esp-modem says the command timed out: the host gave up on it (espressif/esp-idf issue 11329's lines)",
			"D (44000) esp-modem: writing:\n" +
				"D (44000) esp-modem: 0x3f404a04   41 54 0d                                          |AT.|\n" +
				"E (44288) esp-modem: esp_modem_dte_send_cmd(256): process command timeout\n" +
				"E (44288) dce_service: esp_modem_dce_sync(225): send command failed\n",
			[]string{"1 note esp-modem: writing: @44s", "2 command AT @44s",
				"3 note esp-modem: esp_modem_dte_send_cmd(256): process command timeout (gave up on 2) @44.288s",
				"4 note dce_service: esp_modem_dce_sync(225): send command failed @44.288s"}},
		{"a serial tool's stamp and colours before the lines, a time of day",
			"[2019-12-11 15:34:58.673]  \x1b[0;32mI (10:00:01.000) esp-modem: writing:\x1b[0m\n" +
				"[2019-12-11 15:34:58.674]  I (10:00:01.010) esp-modem: 0x3f404a04   41 54 0d   |AT.|\n" +
				"[2019-12-11 15:34:58.690]  I (10:00:01.020) uart-rx: 0x3f404a04   0d 0a 4f 4b 0d 0a   |..OK..|\n",
			[]string{"1 note esp-modem: writing: @10:00:01.000", "2 command AT @10:00:01.010", "3 final OK @10:00:01.020"}},
	} {
		t.Run(tc.name, func(t *testing.T) { checkDetected(t, ESPIDF, tc.log, show, tc.want, "") })
	}
}

// TestESPIDFBad: bad input is an error or a note at its line, never a
// panic nor bytes read as AT that were not.
func TestESPIDFBad(t *testing.T) {
	const ok = "D (100) uart-tx: 0x3f419c18   41 54 0d   |AT.|\nD (120) uart-rx: 0x3ffc962c   0d 0a 4f 4b 0d 0a   |..OK..|\n"
	for _, tc := range []struct {
		name, log string
		err       string // the error, or
		note      string // a note it holds, and the line
		line      int
	}{
		{"a row of 17 bytes", "D (100) uart-tx: 0x3f419c18   41 54 2b 43 47 4d 4d 41  41 41 41 41 41 41 41 41 0d |AT+CGMMAAAAAAAAA.|\n" + ok,
			"esp.log:1: an ESP-IDF hexdump row of 17 bytes: ESP_LOG_BUFFER_HEXDUMP shows 16 a row at most", "", 0},
		{"odd hex", "D (100) uart-tx: 0x3f419c18   41 5 0d   |AT.|\n" + ok,
			"esp.log:1: an ESP-IDF hexdump row cut off or malformed: byte 2 is \"5\", not two hex digits", "", 0},
		{"a dump with no direction", "D (100) esp-modem: 0x3f419c18   41 54 0d   |AT.|\n" + ok,
			"esp.log:1: an ESP-IDF hexdump row of \"esp-modem\" with no direction", "", 0},
		{"a CMUX frame cut by the log's end", ok + "V (200) CMUX Received: 0x3ffbc584   f9 05 ef 2b 0d 0a 2b 43   |...+..+C|\n",
			"", "modem CMUX frame cut: the log ends 8 bytes into it (f9 05 ef 2b 0d 0a 2b 43), not read", 3},
		{"a CMUX length past the frame", ok + "V (200) CMUX Received: 0x3ffbc584   f9 05 ef 15 0d 0a 4f 4b 0d 0a 83 f9 f9 03 73 01 |......|\nV (200) CMUX Received: 0x3ffbc594   d7 f9   |..|\n",
			"", "modem CMUX frame (DLCI 1, UIH) with no closing flag where its length (10) ends it (0x01 there): its length runs past the frame; not read", 3},
		{"a CMUX frame with a bad FCS", ok + "V (200) CMUX Received: 0x3ffbc584   f9 03 73 01 d8 f9   |..s...|\n",
			"", "modem CMUX frame (DLCI 0, UA) with a bad FCS 0xd8, want 0xd7: not read", 3},
		{"a PPP frame cut", ok + "D (200) uart-tx: 0x3f419c28   7e ff 03 c0 21 09   |~...!.|\n",
			"", "host PPP frame cut: the log ends 6 bytes into it, not read", 3},
		{"esp_log lines, no traffic", "I (100) app: hello\nE (200) app: esp_modem_sync failed with -1\n",
			"esp.log:1: ESP-IDF log lines, but none of the modem's UART traffic", "", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := Read("esp.log", []byte(tc.log), ESPIDF)
			if tc.err != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tc.err) {
					t.Fatalf("error %v, want it to start %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range tr.Entries {
				if e.Role == Note && e.Text == tc.note && e.Line == tc.line {
					return
				}
			}
			t.Errorf("no note %q at line %d in %+v", tc.note, tc.line, tr.Entries)
		})
	}
}
