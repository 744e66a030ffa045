package scenario

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/emulators/euicc"
)

// Every limit of README's table, gone past, is refused at load time with
// file, line, column, field and the limit (issue 9 §3).
func TestLimits(t *testing.T) {
	var many strings.Builder
	for i := range MaxProfiles + 1 {
		fmt.Fprintf(&many, "    - {iccid: \"8986000000000000%04d\", operator: cmcc, enabled: %v}\n", i, i == 0)
	}
	longList := "platform: {preferred: {FR: [" + strings.Repeat("sfr, ", MaxPreferred) + "sfr]}}\nitinerary:"
	tests := []struct{ name, old, new, want string }{
		{"a preferred list longer than the card takes", "itinerary:", longList, "b.yaml:15:28: platform.preferred.FR: 65 operators, at most 64 (what the card takes in one preferred list)"},
		{"check_interval 1ns", "check_interval: 5m", "check_interval: 1ns", "b.yaml:11:19: device.check_interval: 1ns is below the minimum 1m0s"},
		{"check_interval 1ms", "check_interval: 5m", "check_interval: 1ms", "b.yaml:11:19: device.check_interval: 1ms is below the minimum 1m0s"},
		{"check_interval beyond a SIM Toolkit timer", "check_interval: 5m", "check_interval: 100h", "b.yaml:11:19: device.check_interval: 100h0m0s is above 99h59m59s, the longest SIM Toolkit timer"},
		{"check_interval not whole seconds", "check_interval: 5m", "check_interval: 90500ms", "b.yaml:11:19: device.check_interval: 1m30.5s: SIM Toolkit timers count whole seconds"},
		{"attach_wait too short", "check_interval: 5m", "check_interval: 5m\n  attach_wait: 1s", "b.yaml:12:16: device.attach_wait: 1s is below the minimum 30s"},
		{"attach_wait beyond a timer", "check_interval: 5m", "check_interval: 5m\n  attach_wait: 200h", "b.yaml:12:16: device.attach_wait: 200h0m0s is above 99h59m59s, the longest SIM Toolkit timer"},
		{"expect.within past the horizon", "itinerary:", "expect: {within: 2562047h}\nitinerary:", "b.yaml:15:18: expect.within: 2562047h0m0s is past the longest run, 744h0m0s"},
		{"itinerary step past the horizon", "{at: 1h, area: FR}", "{at: 2000000h, area: FR}", "b.yaml:17:10: itinerary[1].at: 2000000h0m0s is past the longest run, 744h0m0s"},
		{"run longer than the horizon", "{at: 1h, area: FR}", "{at: 743h, area: FR}", "b.yaml:17:10: itinerary[1].at: the run would last 745h0m0s (last stop + 2h0m0s), more than the longest run, 744h0m0s; set expect.within"},
		{"fault window past the horizon", "itinerary:", "faults: [{platform: unreachable, until: 800h}]\nitinerary:", "b.yaml:15:41: faults[0].until: 800h0m0s is past the longest run, 744h0m0s"},
		{"signal past the horizon", "itinerary:", "signal: [{at: 900h, area: FR, operator: sfr, rsrp: -90}]\nitinerary:", "b.yaml:15:15: signal[0].at: 900h0m0s is past the longest run, 744h0m0s"},
		{"attach_wait 0", "check_interval: 5m", "check_interval: 5m\n  attach_wait: 0s", `b.yaml:12:16: device.attach_wait: 0 is not a length of time (leave the field out for the default)`},
		{"free_nvm 0", "check_interval: 5m", "check_interval: 5m\n  free_nvm: 0", `b.yaml:12:13: device.free_nvm: 0 bytes is no card's free memory: for a full card give fewer than a profile package takes (2048 is), for the card's default (256 KiB) leave the field out`},
		{"expect.within 0", "itinerary:", "expect: {within: 0s}\nitinerary:", `b.yaml:15:18: expect.within: 0 is not a length of time (leave the field out for the default)`},
		{"a stop after expect.within", "itinerary:", "expect: {within: 30m}\nitinerary:", `b.yaml:18:10: itinerary[1].at: 1h0m0s would never happen: the run ends at expect.within, 30m0s`},
		{"a signal change after the run", "itinerary:", "signal: [{at: 10h, area: FR, operator: sfr, rsrp: -90}]\nitinerary:", `b.yaml:15:15: signal[0].at: 10h0m0s would never happen: the run ends at 3h0m0s, the last stop + 2h0m0s`},
		{"a move at expect.within", "itinerary:", "expect: {within: 1h}\nitinerary:", `b.yaml:18:10: itinerary[1].at: 1h0m0s would never happen: the run ends at expect.within, 1h0m0s, and nothing due at that instant begins before the end state is read`},
		{"a signal change at the end of the run", "itinerary:", "signal: [{at: 3h, area: FR, operator: sfr, rsrp: -90}]\nitinerary:", `b.yaml:15:15: signal[0].at: 3h0m0s would never happen: the run ends at 3h0m0s, the last stop + 2h0m0s, and nothing due at that instant begins before the end state is read`},
		{"a fault window from the end of the run", "itinerary:", "faults: [{platform: unreachable, from: 3h}]\nitinerary:", `b.yaml:15:40: faults[0].from: 3h0m0s would never happen: the run ends at 3h0m0s, the last stop + 2h0m0s, and nothing due at that instant begins before the end state is read`},
		{"a fault window after the run", "itinerary:", "faults: [{platform: unreachable, from: 5h}]\nitinerary:", `b.yaml:15:40: faults[0].from: 5h0m0s would never happen: the run ends at 3h0m0s, the last stop + 2h0m0s`},
		{"a notification nobody sends", "itinerary:", "expect: {notifications: [teleport@platform]}\nitinerary:", `b.yaml:15:26: expect.notifications[0]: "teleport@platform": the card sends the platform attach-success, attach-failure, download-success, list-exhausted`},
		{"an SM-DP+ notification to the platform", "itinerary:", "expect: {notifications: [install@platform]}\nitinerary:", `b.yaml:15:26: expect.notifications[0]: "install@platform": the card sends the platform attach-success, attach-failure, download-success, list-exhausted`},
		{"a platform note to an operator", "itinerary:", "expect: {notifications: [attach-success@sfr]}\nitinerary:", `b.yaml:15:26: expect.notifications[0]: "attach-success@sfr": the card sends an SM-DP+ the SGP.22 notifications install, enable, disable, delete (or the platform attach-success, attach-failure, download-success, list-exhausted, as kind@platform)`},
		{"a notification to an operator without an SM-DP+", "itinerary:", "expect: {notifications: [install@sfr]}\nitinerary:", `b.yaml:15:26: expect.notifications[0]: "install@sfr": operator "sfr" runs no SM-DP+ (network.operators[].smdp): the card sends it no SGP.22 notification`},
		{"a notification to an address nobody names", "itinerary:", "expect: {notifications: [install@smdp.nowhere.test]}\nitinerary:", `b.yaml:15:26: expect.notifications[0]: "install@smdp.nowhere.test": no notification can go to smdp.nowhere.test: no operator runs that SM-DP+ and no device.notifications entry names it`},
		// Outside tester sw51, F11: what spoils a kind or target is named.
		{"a space in a notification", "itinerary:", "expect: {notifications: [\"attach-success @platform\"]}\nitinerary:", `b.yaml:15:26: expect.notifications[0]: "attach-success @platform": a space at byte 14: kind@to has none (e.g. attach-success@platform)`},
		{"a notification in capitals", "itinerary:", "expect: {notifications: [Attach-Success@Platform]}\nitinerary:", `b.yaml:15:26: expect.notifications[0]: "Attach-Success@Platform": kinds and platform are matched case-sensitively, in lower case: did you mean "attach-success@platform"?`},
		{"an SM-DP+ notification kind in capitals", "itinerary:", "expect: {notifications: [Install@sfr]}\nitinerary:", `b.yaml:15:26: expect.notifications[0]: "Install@sfr": kinds and platform are matched case-sensitively, in lower case: did you mean "install@sfr"?`},
		{"an empty country key", "itinerary:", "platform:\n  preferred: {\"\": [sfr]}\nitinerary:", `b.yaml:16:19: platform.preferred."": "" is not an ISO 3166 alpha-2 code such as FR`},
		{"a notification to an unknown operator", "itinerary:", "expect: {notifications: [install@vodafone]}\nitinerary:", `b.yaml:15:26: expect.notifications[0]: unknown operator "vodafone"`},
		{"name escaping --out", "name: t", "name: ../../etc", `b.yaml:1:7: name: "../../etc": want one path element of letters, digits, '.', '_' and '-', not starting with '.' (it names the artifacts directory)`},
		{"name with a slash", "name: t", "name: a/b", `b.yaml:1:7: name: "a/b": want one path element of letters, digits, '.', '_' and '-', not starting with '.' (it names the artifacts directory)`},
		{"name dot-dot", "name: t", `name: ".."`, `b.yaml:1:7: name: "..": want one path element of letters, digits, '.', '_' and '-', not starting with '.' (it names the artifacts directory)`},
		{"name too long", "name: t", "name: " + strings.Repeat("x", MaxNameLen+1), "b.yaml:1:7: name: 101 characters, at most 100"},
		{"unknown personality", "check_interval: 5m", "check_interval: 5m\n  personality: nokia-3310", `b.yaml:12:16: device.personality: unknown personality "nokia-3310" (known: fibocom-l850, generic, nordic-nrf9160, quectel-eg25, sierra-em7511, simcom-a7600, ublox-sara-r5)`},
		{"a second YAML document", "  - {at: 1h, area: FR}\n", "  - {at: 1h, area: FR}\n---\nname: u\n", "b.yaml:18:1: a second YAML document starts here: one scenario per file"},
		{"too many profiles", "    - {iccid: \"89860000000000000019\", operator: cmcc, enabled: true}\n    - {iccid: \"89331000000000000029\", operator: sfr}\n", many.String(), "b.yaml:13:5: device.profiles: 65 profiles, at most 64"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantParseError(t, edit(t, tt.old, tt.new), tt.want)
		})
	}
	// A notification to an SM-DP+ the card knows by its address only
	// (a pending one's) is named by that address.
	pending := edit(t, "itinerary:", "expect: {notifications: [install@smdp.sfr.test]}\nitinerary:")
	pending = strings.Replace(pending, "    - {iccid: \"89331000000000000029\", operator: sfr}\n",
		"    - {iccid: \"89331000000000000029\", operator: sfr}\n  notifications: [{seq: 1, event: install, iccid: \"89331000000000000029\", address: smdp.sfr.test}]\n", 1)
	if _, err := Parse("b.yaml", []byte(pending)); err != nil {
		t.Errorf("install@smdp.sfr.test: %v", err)
	}
	// Of another kind than the pending one, it never goes there (outside
	// tester sw51, F10).
	otherKind := strings.Replace(pending, "[install@smdp.sfr.test]", "[disable@smdp.sfr.test]", 1)
	wantParseError(t, otherKind, `b.yaml:16:26: expect.notifications[0]: "disable@smdp.sfr.test": device.notifications holds no disable notification to smdp.sfr.test (only install), and an address names only those`)
	// A download-success needs an SM-DP+ to download from; with one it loads.
	dlSuccess := edit(t, "itinerary:", "expect: {notifications: [download-success@platform]}\nitinerary:")
	wantParseError(t, dlSuccess, `b.yaml:15:26: expect.notifications[0]: "download-success@platform": no operator runs an SM-DP+ (network.operators[].smdp): the card downloads nothing, so it sends no download-success`)
	if _, err := Parse("b.yaml", []byte(strings.Replace(dlSuccess, "tariff: 0.5}", "tariff: 0.5, smdp: smdp.sfr.test}", 1))); err != nil {
		t.Errorf("download-success@platform with an SM-DP+: %v", err)
	}
	// One the card downloaded from is named by its operator.
	byOperator := strings.Replace(edit(t, "tariff: 0.5}", "tariff: 0.5, smdp: smdp.sfr.test}"), "itinerary:", "expect: {notifications: [install@smdp.sfr.test]}\nitinerary:", 1)
	wantParseError(t, byOperator, `b.yaml:15:26: expect.notifications[0]: "install@smdp.sfr.test": smdp.sfr.test is sfr's SM-DP+, and a notification to it is named by the operator (install@sfr); an address names only a pending notification of device.notifications`)
	// Right at the limits loads.
	at := edit(t, "check_interval: 5m", "check_interval: 1m\n  attach_wait: 30s")
	at = strings.Replace(at, "{at: 1h, area: FR}", "{at: 742h, area: FR}", 1)
	if s, err := Parse("b.yaml", []byte(at)); err != nil || s.Horizon() != MaxHorizon {
		t.Errorf("at the limits: %v (horizon %v)", err, s.Horizon())
	}
	if MaxHorizon != 744*time.Hour {
		t.Errorf("README says 31 days")
	}
}

// CardReplyGuard is the card's own bound on a server's answer: the loader
// refuses a platform: slow delay of exactly it.
func TestCardReplyGuardIsTheCards(t *testing.T) {
	if CardReplyGuard != euicc.BIPTimeout {
		t.Fatalf("CardReplyGuard %v, the card's BIPTimeout %v", CardReplyGuard, euicc.BIPTimeout)
	}
}

// README's Limits table gives the bounds the loader holds to (outside
// tester t195: it said seq up to 2147483647, the loader refuses past
// 1073741823).
func TestReadmeLimits(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	row := func(field string) string {
		for _, l := range strings.Split(string(readme), "\n") {
			if strings.HasPrefix(l, "| "+field+" |") {
				return l
			}
		}
		t.Fatalf("README's Limits table has no row for %s", field)
		return ""
	}
	tests := []struct{ field, want string }{
		{"`device.notifications`", fmt.Sprintf("%d (what the card keeps); `seq` 1 … %d ", MaxNotifications, MaxNotificationSeq)},
		{"`device.profiles`", fmt.Sprintf("| %d |", MaxProfiles)},
		{"`platform.preferred.<country>`", fmt.Sprintf("| %d operators", MaxPreferred)},
		{"scenario `name`", fmt.Sprintf("; %d characters |", MaxNameLen)},
	}
	for _, tt := range tests {
		if r := row(tt.field); !strings.Contains(r, tt.want) {
			t.Errorf("README's %s row lacks %q:\n%s", tt.field, tt.want, r)
		}
	}
}
