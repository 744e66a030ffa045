package scenario

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
)

// withNotifications is base with a device.notifications list (lines 12 on).
func withNotifications(t *testing.T, items ...string) string {
	t.Helper()
	list := "  notifications:\n"
	for _, it := range items {
		list += "    - " + it + "\n"
	}
	return edit(t, "  check_interval: 5m\n", "  check_interval: 5m\n"+list)
}

// TestParseNotifications: the pending notifications the card holds at
// power-on (SGP.22 §3.5), as written.
func TestParseNotifications(t *testing.T) {
	tests := []struct {
		name  string
		items []string
		want  []Notification
	}{
		{"none", nil, nil},
		{"one of each", []string{
			`{seq: 7, event: install, iccid: "89331000000000000029", address: smdp.example.com}`,
			`{seq: 8, event: enable, iccid: "89331000000000000029", address: smdp.example.com}`,
			`{seq: 3, event: disable, iccid: "89860000000000000019", address: rsp.cmcc.test}`,
			`{seq: 9, event: delete, iccid: "89012345678901234563", address: smdp.example.com}`,
		}, []Notification{
			{Seq: 7, Event: "install", ICCID: "89331000000000000029", Address: "smdp.example.com"},
			{Seq: 8, Event: "enable", ICCID: "89331000000000000029", Address: "smdp.example.com"},
			{Seq: 3, Event: "disable", ICCID: "89860000000000000019", Address: "rsp.cmcc.test"},
			{Seq: 9, Event: "delete", ICCID: "89012345678901234563", Address: "smdp.example.com"},
		}},
		// A profile deleted since: its enable and the delete both pending.
		{"enable of a profile deleted since", []string{
			`{seq: 1, event: enable, iccid: "89012345678901234563", address: smdp.example.com}`,
			`{seq: 2, event: delete, iccid: "89012345678901234563", address: smdp.example.com}`,
		}, []Notification{
			{Seq: 1, Event: "enable", ICCID: "89012345678901234563", Address: "smdp.example.com"},
			{Seq: 2, Event: "delete", ICCID: "89012345678901234563", Address: "smdp.example.com"},
		}},
		{"highest seq", []string{`{seq: 1073741823, event: install, iccid: "89012345678901234563", address: a.b}`},
			[]Notification{{Seq: MaxNotificationSeq, Event: "install", ICCID: "89012345678901234563", Address: "a.b"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := base
			if tt.items != nil {
				src = withNotifications(t, tt.items...)
			}
			s, err := Parse("n.yaml", []byte(src))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(s.Device.Notifications, tt.want) {
				t.Fatalf("notifications %+v, want %+v", s.Device.Notifications, tt.want)
			}
		})
	}
}

func TestParseNotificationErrors(t *testing.T) {
	const ok = `{seq: 1, event: install, iccid: "89012345678901234563", address: smdp.example.com}`
	tests := []struct {
		name  string
		items []string
		want  string
	}{
		{"seq zero", []string{`{seq: 0, event: install, iccid: "89012345678901234563", address: a.b}`},
			`n.yaml:13:13: device.notifications[0].seq: 0 out of range 1..1073741823`},
		{"an IP address", []string{`{seq: 1, event: install, iccid: "89012345678901234563", address: 127.0.0.1}`},
			`n.yaml:13:72: device.notifications[0].address: "127.0.0.1" is an IP address: SGP.22 names an SM-DP+ by its FQDN (its TLS certificate's name)`},
		{"seq in the half the card keeps for its own", []string{`{seq: 1073741824, event: install, iccid: "89012345678901234563", address: a.b}`},
			`n.yaml:13:13: device.notifications[0].seq: 1073741824 out of range 1..1073741823`},
		{"seq past 32 bits", []string{`{seq: 2147483648, event: install, iccid: "89012345678901234563", address: a.b}`},
			`n.yaml:13:13: device.notifications[0].seq: 2147483648 out of range 1..1073741823`},
		{"seq not a number", []string{`{seq: first, event: install, iccid: "89012345678901234563", address: a.b}`},
			`n.yaml:13:13: device.notifications[0].seq: want an integer, got "first"`},
		{"seq twice", []string{ok, `{seq: 1, event: delete, iccid: "89012345678901234563", address: a.b}`},
			`n.yaml:14:13: device.notifications[1].seq: 1 is already device.notifications[0]'s: a card numbers each notification once`},
		{"missing seq", []string{`{event: install, iccid: "89012345678901234563", address: a.b}`},
			`n.yaml:13:7: device.notifications[0].seq: required field missing`},
		{"missing address", []string{`{seq: 1, event: install, iccid: "89012345678901234563"}`},
			`n.yaml:13:7: device.notifications[0].address: required field missing`},
		{"unknown field", []string{`{seq: 1, event: install, iccid: "89012345678901234563", address: a.b, ok: true}`},
			`n.yaml:13:77: device.notifications[0].ok: unknown field`},
		{"unknown event", []string{`{seq: 1, event: download, iccid: "89012345678901234563", address: a.b}`},
			`n.yaml:13:23: device.notifications[0].event: "download": want one of install, enable, disable, delete`},
		{"bad iccid", []string{`{seq: 1, event: install, iccid: "8901234", address: a.b}`},
			`n.yaml:13:39: device.notifications[0].iccid: "8901234" is not an ICCID (18 to 20 digits)`},
		{"iccid luhn", []string{`{seq: 1, event: delete, iccid: "89012345678901234568", address: a.b}`},
			`n.yaml:13:38: device.notifications[0].iccid: "89012345678901234568" fails the Luhn check: last digit 8, want 3`},
		{"empty address", []string{`{seq: 1, event: install, iccid: "89012345678901234563", address: ""}`},
			`n.yaml:13:72: device.notifications[0].address: "" is not an SM-DP+ address (a host name, SGP.22 FQDN)`},
		{"address a URL", []string{`{seq: 1, event: install, iccid: "89012345678901234563", address: "https://smdp.example.com"}`},
			`n.yaml:13:72: device.notifications[0].address: "https://smdp.example.com" is not an SM-DP+ address (a host name, SGP.22 FQDN)`},
		{"enable of a profile not on the card", []string{`{seq: 4, event: enable, iccid: "89012345678901234563", address: a.b}`},
			`n.yaml:13:38: device.notifications[0].iccid: 89012345678901234563 is not one of device.profiles: a card enables only a profile it holds (one deleted since needs its delete notification, with a later seq)`},
		{"disable, deleted before it", []string{
			`{seq: 1, event: delete, iccid: "89012345678901234563", address: a.b}`,
			`{seq: 2, event: disable, iccid: "89012345678901234563", address: a.b}`},
			`n.yaml:14:39: device.notifications[1].iccid: 89012345678901234563 is not one of device.profiles: a card disables only a profile it holds (one deleted since needs its delete notification, with a later seq)`},
		{"not a list", []string{}, `n.yaml:12:17: device.notifications: want a list, got nothing`},
		{"more than the card keeps", func() (items []string) {
			for i := 1; i <= 33; i++ {
				items = append(items, fmt.Sprintf(`{seq: %d, event: install, iccid: "89012345678901234563", address: a.b}`, i))
			}
			return items
		}(), `n.yaml:13:5: device.notifications: 33 pending notifications (what the card keeps), at most 32`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("n.yaml", []byte(withNotifications(t, tt.items...)))
			if err == nil {
				t.Fatalf("no error, want %s", tt.want)
			}
			var se *Error
			if !errors.As(err, &se) {
				t.Errorf("error %T is not *Error", err)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("error\n got: %s\nwant: %s", got, tt.want)
			}
		})
	}
}
