package field

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/harness/scenario"
	"github.com/esimhil/esimhil/internal/proto/es10"
)

// listNotificationLog is a plain transcript of a host that asks the card
// for its pending notifications over AT+CGLA, after the ops (+CGLA lines
// of earlier ES10 exchanges on channel 1).
func listNotificationLog(ops string, list ...es10.NotificationMetadata) string {
	answer := fmt.Sprintf("%X9000", es10.EncodeListNotificationResponse(list))
	return "[0.000] > AT+CIMI\n[0.010] < 208015021044451\n[0.020] < OK\n" +
		"[5.000] > AT+CCHO=\"A0000005591010FFFFFFFF8900000100\"\n[5.010] < +CCHO: 1\n[5.020] < OK\n" + ops +
		"[6.000] > AT+CGLA=1,16,\"80E2910003BF2800\"\n" +
		fmt.Sprintf("[6.010] < +CGLA: %d,\"%s\"\n", len(answer), answer) + "[6.020] < OK\n" +
		"[7.000] > AT+CCHC=1\n[7.010] < OK\n"
}

// cgla is one ES10 exchange on channel 1: the request's STORE DATA and the
// card's answer with 9000, at second at.
func cgla(at int, req, answer []byte) string {
	cmd := fmt.Sprintf("81E29100%02X%X", len(req), req)
	ans := fmt.Sprintf("%X9000", answer)
	return fmt.Sprintf("[%d.500] > AT+CGLA=1,%d,\"%s\"\n[%d.510] < +CGLA: %d,\"%s\"\n[%d.520] < OK\n", at, len(cmd), cmd, at, len(ans), ans, at)
}

var (
	heldInstall = es10.NotificationMetadata{Seq: 3, Event: es10.EventInstall, Address: "smdp.example.com", ICCID: "89330100005021044451"}
	heldEnable  = es10.NotificationMetadata{Seq: 5, Event: es10.EventEnable, Address: "smdp.example.com", ICCID: "89330100005021044451"}
)

// TestNotificationsFromTheLogs: the card starts with what the first
// ListNotification answer lists, less what the logs show it making before
// that answer; the manifest's device.notifications says better.
func TestNotificationsFromTheLogs(t *testing.T) {
	enable := es10.SwitchRequest{Tag: es10.TagEnableProfile, Profile: es10.ProfileID{ICCID: "89330100005021044451"}}.Encode()
	for _, tc := range []struct {
		name, ops, manifest string
		want                []scenario.Notification
		assumed             string
	}{
		{name: "listed", want: []scenario.Notification{
			{Seq: 3, Event: "install", ICCID: "89330100005021044451", Address: "smdp.example.com"},
			{Seq: 5, Event: "enable", ICCID: "89330100005021044451", Address: "smdp.example.com"},
		}},
		{name: "the enable made before the list", ops: cgla(5, enable, es10.EncodeResult(es10.TagEnableProfile, es10.ResultOK)),
			want:    []scenario.Notification{{Seq: 3, Event: "install", ICCID: "89330100005021044451", Address: "smdp.example.com"}},
			assumed: "the card made notification 5 (enable of 89330100005021044451) during the logs, before host.log:11 lists it: it does not start with it"},
		{name: "a refused enable makes none", ops: cgla(5, enable, es10.EncodeResult(es10.TagEnableProfile, es10.ResultNotFound)),
			want: []scenario.Notification{
				{Seq: 3, Event: "install", ICCID: "89330100005021044451", Address: "smdp.example.com"},
				{Seq: 5, Event: "enable", ICCID: "89330100005021044451", Address: "smdp.example.com"},
			}},
		{name: "the manifest's", manifest: "  notifications:\n    - {seq: 9, event: delete, iccid: \"89330100005021044469\", address: smdp.orange.fr}\n",
			want: []scenario.Notification{{Seq: 9, Event: "delete", ICCID: "89330100005021044469", Address: "smdp.orange.fr"}}},
		{name: "the manifest's: none", manifest: "  notifications: []\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := orangePlain("held", "generic")
			m = strings.Replace(m, "  profiles:\n", tc.manifest+"  profiles:\n", 1)
			p := reconstruct(t, writeFixture(t, "held", map[string]string{"host.log": listNotificationLog(tc.ops, heldInstall, heldEnable), ManifestFile: m}), Options{})
			if got := p.Scenario.Device.Notifications; !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("notifications %+v, want %+v\n%s", got, tc.want, p.ScenarioYAML)
			}
			if tc.assumed != "" && !assumed(p, tc.assumed) {
				t.Errorf("assumptions:\n%s\nwant %q", strings.Join(p.Assumptions, "\n"), tc.assumed)
			}
		})
	}
}

// TestNotificationsNoCardCanHold: what a field card's answer lists that no
// scenario can hold is left out, and the draft asks for the manifest's
// list, naming the answer's line (it pointed at the reconstructed
// scenario, a file never written).
func TestNotificationsNoCardCanHold(t *testing.T) {
	twice := heldEnable
	twice.Seq = heldInstall.Seq
	notHeld := es10.NotificationMetadata{Seq: 6, Event: es10.EventEnable, Address: "smdp.example.com", ICCID: "89330100005021044469"}
	for _, tc := range []struct {
		name string
		list []es10.NotificationMetadata
		want string
	}{
		{"a seq twice", []es10.NotificationMetadata{heldInstall, twice},
			"host.log:8 lists notification 3 (enable of 89330100005021044451) that no card can start with (3 is already device.notifications[0]'s"},
		{"an enable of a profile the logs never show", []es10.NotificationMetadata{heldInstall, notHeld},
			"host.log:8 lists notification 6 (enable of 89330100005021044469) that no card can start with (89330100005021044469 is not one of device.profiles"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := reconstruct(t, writeFixture(t, "held", map[string]string{"host.log": listNotificationLog("", tc.list...), ManifestFile: orangePlain("held", "generic")}), Options{})
			if got := p.Scenario.Device.Notifications; !reflect.DeepEqual(got, []scenario.Notification{{Seq: 3, Event: "install", ICCID: "89330100005021044451", Address: "smdp.example.com"}}) {
				t.Errorf("notifications %+v, want the install alone", got)
			}
			if len(p.ToDo) != 1 || !strings.HasPrefix(p.ToDo[0], tc.want) || !strings.Contains(p.ToDo[0], "give device.notifications in the manifest") {
				t.Errorf("to do %q, want one starting %q", p.ToDo, tc.want)
			}
		})
	}
}

func TestManifestNotificationErrors(t *testing.T) {
	for _, tc := range []struct{ name, item, want string }{
		{"seq", `{seq: first, event: install, iccid: "89330100005021044451", address: a.b}`,
			`manifest.yaml:8:13: device.notifications[0].seq: want the notification's sequence number, 1 to 1073741823, got "first"`},
		{"event", `{seq: 1, event: download, iccid: "89330100005021044451", address: a.b}`,
			`manifest.yaml:8:23: device.notifications[0].event: "download": want one of install, enable, disable, delete`},
		{"iccid", `{seq: 1, event: install, iccid: "8933", address: a.b}`,
			`manifest.yaml:8:39: device.notifications[0].iccid: "8933": want the ICCID as the card reports it, 18-20 digits`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := strings.Replace(orangePlain("held", "generic"), "  profiles:\n", "  notifications:\n    - "+tc.item+"\n  profiles:\n", 1)
			_, err := Load(writeFixture(t, "held", map[string]string{"host.log": listNotificationLog(""), ManifestFile: m}))
			if err == nil || !strings.HasSuffix(err.Error(), "/"+tc.want) {
				t.Fatalf("error %v\nwant %s", err, tc.want)
			}
		})
	}
}
