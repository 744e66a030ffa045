package fleet

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// A result file fleet merge cannot take is refused by the value's JSON
// path, in JSON's terms, never by Go's types.
func TestReadResultErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ name, text, want string }{
		{"a count that is a string", `{"devices": "many"}`, "devices: want an integer, got a string"},
		{"a fraction of a device", `{"failures": {"rig": {"devices": 1.5, "first": [0]}}}`, "failures.rig.devices: want an integer, got 1.5"},
		{"a span that is not a time", `{"runs": [{"shard": "0/2", "start": "yesterday"}]}`,
			`runs[0].start: parsing time "yesterday" as "2006-01-02T15:04:05Z07:00": cannot parse "yesterday" as "2006"`},
		{"a misspelt member", `{"Devices": 3}`, `unknown member "Devices"; did you mean "devices"?`},
		{"a member twice", `{"devices": 3, "devices": 4}`, `duplicate member "devices"`},
		{"outcomes a list", `{"outcomes": [1]}`, "outcomes: want an object, got an array"},
		{"two values", `{} {}`, "malformed JSON: data after the object"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(dir, "shard.json")
			if err := os.WriteFile(p, []byte(tc.text), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := ReadResult(p)
			if err == nil {
				t.Fatalf("taken, want %q", tc.want)
			}
			got := strings.ReplaceAll(err.Error(), dir+string(filepath.Separator), "")
			if want := "fleet result shard.json: " + tc.want; got != want {
				t.Errorf("error\n  %s\nwant\n  %s", got, want)
			}
			for _, leak := range []string{"Go ", "fleet.", "[]", "map[", "unmarshal", "int64", "time.Time"} {
				if strings.Contains(got, leak) {
					t.Errorf("error %q speaks of Go (%q)", got, leak)
				}
			}
		})
	}
}

// A result without a member every result carries is refused naming the
// member, not read as zero: no undelivered_* would pass a storm whose
// cards held undelivered notes, no unchecked one whose logs went unread.
func TestReadResultMissingMember(t *testing.T) {
	dir := t.TempDir()
	full := newResult()
	full.Shards = []string{"0/1"}
	b, err := json.Marshal(full)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "whole.json")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadResult(p); err != nil {
		t.Fatalf("a result as written: %v", err)
	}
	for _, member := range []string{"undelivered_platform", "undelivered_smdp", "queued_platform", "dropped_platform", "unchecked", "platform_unread", "smdp_unread", "card_to_platform", "notification_failures"} {
		t.Run(member, func(t *testing.T) {
			var m map[string]json.RawMessage
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatal(err)
			}
			delete(m, member)
			cut, err := json.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			p := filepath.Join(dir, "shard.json")
			if err := os.WriteFile(p, cut, 0o644); err != nil {
				t.Fatal(err)
			}
			_, err = ReadResult(p)
			want := fmt.Sprintf("fleet result %s: member %q missing", p, member)
			if err == nil || !strings.HasPrefix(err.Error(), want) {
				t.Errorf("error %v, want %q…", err, want)
			}
		})
	}
}

// Merge reads each shard once: shards against other servers are refused
// naming the servers that differ (URL against URL, an SM-DP+ given to one
// and not the other); a file that does not add up is refused by its
// name; the shards come out in the order of their index, 2/12 before
// 10/12.
func TestMergeOnePass(t *testing.T) {
	shard := func(s, platform string, smdp map[string]string) *Result {
		r := newResult()
		r.Template, r.Fleet, r.Platform, r.SMDP, r.Shards = "storm", "f", platform, smdp, []string{s}
		return r
	}
	emu := "emulated 127.0.0.1:1"
	for _, tc := range []struct {
		name string
		rs   []*Result
		want string
	}{
		{"another platform", []*Result{shard("0/2", "http://a:1", nil), shard("1/2", "http://b:1", nil)},
			"shards [1/2] ran against platform http://b:1, not http://a:1: they do not belong together"},
		{"emulated and external", []*Result{shard("0/2", emu, nil), shard("1/2", "http://b:1", nil)},
			"shards [1/2] ran against platform http://b:1, not emulated 127.0.0.1:1"},
		{"another SM-DP+", []*Result{shard("0/2", "http://a:1", map[string]string{"sfr": "https://s:1", "orange": "https://o:1"}),
			shard("1/2", "http://a:1", map[string]string{"sfr": "https://t:1", "orange": "https://o:1"})},
			"shards [1/2] ran against SM-DP+ sfr https://t:1, not https://s:1: they do not belong together"},
		{"an SM-DP+ on one side only", []*Result{shard("0/2", "http://a:1", nil), shard("1/2", "http://c:1", map[string]string{"sfr": "https://t:1"})},
			"shards [1/2] ran against platform http://c:1, not http://a:1 and SM-DP+ sfr https://t:1, not (none)"},
	} {
		if _, err := Merge(tc.rs); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
	// Two emulated runs match whatever their ports.
	a, b := shard("0/2", emu, map[string]string{"sfr": "emulated 127.0.0.1:5"}), shard("1/2", "emulated 127.0.0.1:2", map[string]string{"sfr": "emulated 127.0.0.1:7"})
	a.PeakRSS, b.PeakRSS = 70<<20, 72<<20
	m, err := Merge([]*Result{a, b})
	if err != nil {
		t.Errorf("emulated shards: %v", err)
	} else {
		// The memory line says whose peak a merge's is.
		var one, merged strings.Builder
		a.Print(&one)
		m.Print(&merged)
		if !strings.Contains(one.String(), "memory     70 MiB peak resident\n") ||
			!strings.Contains(merged.String(), "memory     72 MiB peak resident (the largest of 2 shards' processes, each its own)\n") {
			t.Errorf("memory lines:\n%s\n%s", one.String(), merged.String())
		}
	}

	dir := t.TempDir()
	bad := shard("0/1", emu, nil)
	bad.Devices = 3 // outcomes add up to 0
	p := filepath.Join(dir, "shard-0.json")
	if err := bad.Write(p); err != nil {
		t.Fatal(err)
	}
	r, err := ReadResult(p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Merge([]*Result{r}); err == nil || err.Error() != "fleet result "+p+": outcomes add up to 0 devices, not its 3" {
		t.Errorf("inconsistent file: %v", err)
	}

	var rs []*Result
	for i := 11; i >= 0; i-- {
		rs = append(rs, shard(fmt.Sprintf("%d/12", i), emu, nil))
	}
	m, err = Merge(rs)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(m.Shards, " "); got != "0/12 1/12 2/12 3/12 4/12 5/12 6/12 7/12 8/12 9/12 10/12 11/12" {
		t.Errorf("shards in order %s", got)
	}
}

// Reasons that differ only by a timestamp make one group; reasons that
// differ by any other number (a status, a cause, a PLMN) stay apart.
func TestFailureGroupsIgnoreTimestamps(t *testing.T) {
	const expired = "preferred list: http status 401: x509: certificate has expired or is not yet valid: current time %s is after 2036-01-01T00:00:00Z"
	tests := []struct {
		name    string
		reasons []string
		want    map[string]int // group → devices
	}{
		{"timestamps", []string{
			fmt.Sprintf(expired, "2036-01-01T19:02:11Z"),
			fmt.Sprintf(expired, "2036-02-06T00:41:09Z"),
			fmt.Sprintf(expired, "2036-03-01T07:00:00.25+01:00"),
		}, map[string]int{"preferred list: http status 401: x509: certificate has expired or is not yet valid: current time <time> is after <time>": 3}},
		{"a time with a space", []string{"stopped at 2026-01-01 10:00:00", "stopped at 2026-01-01 11:30:00"},
			map[string]int{"stopped at <time>": 2}},
		{"statuses", []string{"preferred list: http status 500", "preferred list: http status 503"},
			map[string]int{"preferred list: http status 500": 1, "preferred list: http status 503": 1}},
		{"PLMNs", []string{"attach: registration denied (limited service, camped on 20801)", "attach: registration denied (limited service, camped on 20810)"},
			map[string]int{"attach: registration denied (limited service, camped on 20801)": 1, "attach: registration denied (limited service, camped on 20810)": 1}},
		{"a date alone", []string{"certificate not before 2025-01-01", "certificate not before 2026-01-01"},
			map[string]int{"certificate not before 2025-01-01": 1, "certificate not before 2026-01-01": 1}},
		// What names the device, not the failure: a second storm against one
		// platform is refused per card, each with its own EID and counters.
		{"EIDs and counters", []string{
			"preferred list: http status 401: auth: replay: seq 6 not above 15, the last accepted for 89049032000000000000010000001957",
			"preferred list: http status 401: auth: replay: seq 7 not above 21, the last accepted for 89049032000000000000010000005934",
		}, map[string]int{"preferred list: http status 401: auth: replay: seq <n> not above <n>, the last accepted for <eid>": 2}},
		{"ICCIDs", []string{"enable 89208100000000000010: refused", "enable 8920810000000000002F: refused"},
			map[string]int{"enable <iccid>: refused": 2}},
		// Outside tester t194: a platform without activation_code made a
		// group a device, each naming its own Matching ID.
		{"matching IDs in an activation code", []string{
			`stayed: download: activation_code "", want "LPA:1$smdp.sfr.test$MID-001472-0065"`,
			`stayed: download: activation_code "", want "LPA:1$smdp.sfr.test$MID-005934-0066"`,
		}, map[string]int{`stayed: download: activation_code "", want "LPA:1$smdp.sfr.test$<matching id>"`: 2}},
		{"matching IDs named", []string{"confirmOrder: matchingId MID-001472-0065 unknown", "confirmOrder: matchingId MID-005934-0001 unknown", "ES2+: matching_id=ABC12 already used"},
			map[string]int{"confirmOrder: matchingId <matching id> unknown": 2, "ES2+: matching_id=<matching id> already used": 1}},
		// A word after the name is no ID: the text stays as it is.
		{"a matching ID required", []string{"operator, smdp_address and matching_id are required"},
			map[string]int{"operator, smdp_address and matching_id are required": 1}},
		{"transaction ids", []string{
			"AuthenticateClient: transactionId 0A1B2C3D4E5F60718293A4B5C6D7E8F9, want 00112233445566778899AABBCCDDEEFF",
			"AuthenticateClient: transactionId 1111111111111111111111111111111F, want 2222222222222222222222222222222E",
		}, map[string]int{"AuthenticateClient: transactionId <transaction id>, want <hex>": 2}},
		{"sequence numbers", []string{"handleNotification seqNumber 36: 8.1 3.9", "handleNotification seqNumber 7: 8.1 3.9", "notification seq_number=4 refused"},
			map[string]int{"handleNotification seqNumber <n>: 8.1 3.9": 2, "notification seq_number=<n> refused": 1}},
		// Identifiers without a digit, masked by their shape (t207):
		// hex named a transactionId (in JSON too), a Matching ID of
		// SGP.22's upper-case letters and '-', base64 tokens.
		{"hex-only transaction ids", []string{
			`AuthenticateClient: {"transactionId":"abcdefabcdefabcdefabcdefabcdefab"} unknown`,
			`AuthenticateClient: {"transactionId":"fedcbafedcbafedcbafedcbafedcbafe"} unknown`,
			`AuthenticateClient: {"transactionId":"0a1b2c3d"} unknown`,
		}, map[string]int{`AuthenticateClient: {"transactionId":"<transaction id>"} unknown`: 3}},
		{"matching IDs of letters", []string{"confirmOrder: matchingId ABCD-EFGH-IJKL unknown", "confirmOrder: matchingId QRGKRPYZZW unknown", `confirmOrder: {"matchingId":"MID-001472-0065"} unknown`},
			map[string]int{"confirmOrder: matchingId <matching id> unknown": 2, `confirmOrder: {"matchingId":"<matching id>"} unknown`: 1}},
		{"base64 tokens", []string{
			`authenticateServer: serverChallenge "qYhzLWdXbQVmUrTxKcPzAw==" mismatch`,
			`authenticateServer: serverChallenge "AAECAwQFBgcICQoLDA0ODw==" mismatch`,
			"list: http status 401: bearer token qYhzLWdXbQVmUrTxKcPzAwJHtRe expired",
			"list: http status 401: bearer token KfWpLmZqXoYbTrNs_vUdEcAh-g expired",
		}, map[string]int{`authenticateServer: serverChallenge "<token>" mismatch`: 2, "list: http status 401: bearer token <token> expired": 2}},
		// Words stay words: a transactionId's word of a-f letters, an
		// upper-case word after a Matching ID, names in camel case, a
		// path, long words of one case.
		{"words kept", []string{
			"transactionId added twice", "matchingId UNKNOWN", "matching_id are required",
			"ES9+ AuthenticateClient: getBoundProfilePackage refused at /gsma/rsp2/es9plus/getBoundProfilePackage",
			"internationalization CONFIGURATIONERROR HTTPServerUnavailable",
		}, map[string]int{
			"transactionId added twice": 1, "matchingId UNKNOWN": 1, "matching_id are required": 1,
			"ES9+ AuthenticateClient: getBoundProfilePackage refused at /gsma/rsp2/es9plus/getBoundProfilePackage": 1,
			"internationalization CONFIGURATIONERROR HTTPServerUnavailable":                                        1,
		}},
		// Outside tester t228: an SM-DP+ whose answers lacked the
		// X-Admin-Protocol header (SGP.22 §6.5.1) was reported as
		// "answer: <token> missing": a header's name is words.
		{"header names", []string{
			"handleNotification: answer: X-Admin-Protocol missing, want gsma/rsp/v2.x.y",
			`download: initiateAuthentication: answer: X-Admin-Protocol "gsma/rsp/v9.9.9", want gsma/rsp/v2.x.y`,
		}, map[string]int{
			"handleNotification: answer: X-Admin-Protocol missing, want gsma/rsp/v2.x.y":                         1,
			`download: initiateAuthentication: answer: X-Admin-Protocol "gsma/rsp/v9.9.9", want gsma/rsp/v2.x.y`: 1,
		}},
		// The ES9+ status codes tell failures apart (SGP.22 §5.2.6).
		{"subject and reason codes", []string{"handleNotification seqNumber 1: 8.1 3.9", "handleNotification seqNumber 2: 8.2 1.2"},
			map[string]int{"handleNotification seqNumber <n>: 8.1 3.9": 1, "handleNotification seqNumber <n>: 8.2 1.2": 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newResult()
			for i, why := range tc.reasons {
				r.failedBecause(why, i)
				// A merge masks the groups' keys again.
				if k := groupKey(why); groupKey(k) != k {
					t.Errorf("%q masks to %q, and that to %q", why, k, groupKey(k))
				}
			}
			got := map[string]int{}
			for k, g := range r.Failures {
				got[k] = g.Devices
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("groups %v, want %v", got, tc.want)
			}
		})
	}
}

// A group shows its count, its lowest devices and one device's reason
// whole, the lowest's: the same for one run and its shards merged, in
// any order.
func TestFailureGroupExample(t *testing.T) {
	why := func(i int) string {
		return fmt.Sprintf(`download: activation_code "", want "LPA:1$smdp.sfr.test$MID-%06d-0065"`, i)
	}
	const key = `download: activation_code "", want "LPA:1$smdp.sfr.test$<matching id>"`
	whole := newResult()
	for _, i := range []int{7, 3, 12} {
		whole.failedBecause(why(i), i)
	}
	a, b := newResult(), newResult()
	a.failedBecause(why(7), 7)
	a.failedBecause(why(12), 12)
	b.failedBecause(why(3), 3)
	for name, r := range map[string]*Result{"one run": whole} {
		g := r.Failures[key]
		if g == nil || g.Devices != 3 || g.Example != why(3) || !slices.Equal(g.First, []int{3, 7, 12}) {
			t.Fatalf("%s: groups %v, want %q: 3 devices, example %q", name, r.Failures, key, why(3))
		}
		var out strings.Builder
		r.Print(&out)
		want := "FAILED          3 " + key + " (devices 3, 7, 12)\n           e.g. device 3: " + why(3) + "\n"
		if !strings.Contains(out.String(), want) {
			t.Errorf("%s printed\n%s\nwant it to hold\n%s", name, out.String(), want)
		}
	}
	for _, order := range [][]*Result{{a, b}, {b, a}} {
		m := newResult()
		for _, r := range order {
			for k, g := range r.Failures {
				m.addFailures(k, g.Example, g.Devices, g.First)
			}
		}
		if g := m.Failures[key]; g == nil || g.Devices != 3 || g.Example != why(3) {
			t.Errorf("merged: %+v, want 3 devices and example %q", g, why(3))
		}
	}
}

// Merge refuses a shard whose counts contradict themselves, naming the
// file and the member, and sums the undelivered notifications.
func TestMergeChecksCounts(t *testing.T) {
	dir := t.TempDir()
	shard := func(s string, edit func(*Result)) *Result {
		r := newResult()
		r.Template, r.Fleet, r.Platform, r.Shards = "storm", "f", "emulated 127.0.0.1:1", []string{s}
		r.Devices = 2
		r.count("preinstalled", Switched)
		r.count("preinstalled", Switched)
		r.SwitchTimes = []time.Duration{0, 0}
		eid := map[string]string{"0/2": "d", "1/2": "e"}[s] // a device per shard
		r.CardToPlatform[eid+"|attach-success"] = 2
		r.PlatformLog[eid+"|attach-success"] = 2
		edit(r)
		return writeRead(t, r, filepath.Join(dir, strings.ReplaceAll(s, "/", "-")+".json"))
	}
	// Undelivered notes were tried and failed: as many failures.
	undelivered := func(platform, smdp int) func(*Result) {
		return func(r *Result) {
			r.UndeliveredPlatform, r.UndeliveredSMDP = platform, smdp
			r.NotificationFailures = platform + smdp
			r.NotificationWhy = map[string]int{"platform: answer: 503": platform + smdp}
		}
	}
	for _, tc := range []struct {
		name string
		edit func(*Result)
		want string // "" merges
	}{
		{"sound", func(*Result) {}, ""},
		{"negative undelivered", func(r *Result) { r.UndeliveredPlatform = -1 }, "undelivered_platform: -1: not a count"},
		{"negative failures", func(r *Result) { r.NotificationFailures = -3 }, "notification_failures: -3: not a count"},
		{"more queued than undelivered", func(r *Result) { r.UndeliveredPlatform, r.QueuedPlatform = 1, 2 },
			"queued_platform 2 and dropped_platform 0: more than its undelivered_platform 1 or notification_failures 0, of which they are a part"},
		{"more dropped than failed", func(r *Result) { r.UndeliveredPlatform, r.DroppedPlatform = 2, 1 },
			"queued_platform 0 and dropped_platform 1: more than its undelivered_platform 2 or notification_failures 0, of which they are a part"},
		{"more refused by an SM-DP+ than undelivered to them", func(r *Result) { undelivered(0, 1)(r); r.DroppedSMDP = 2 },
			"dropped_smdp 2: more than its undelivered_smdp 1, or with dropped_platform 0 more than notification_failures 1, of which they are a part"},
		{"refused by an SM-DP+, undelivered", func(r *Result) { undelivered(0, 1)(r); r.DroppedSMDP = 1 }, ""},
		{"by_kind short of outcomes", func(r *Result) { r.ByKind["preinstalled"][Switched] = 1 }, "by_kind: its switched devices add up to 1, not outcomes.switched 2"},
		{"by_kind with an outcome outcomes lack", func(r *Result) {
			r.ByKind["preinstalled"][Switched] = 1
			r.ByKind["preinstalled"][Stayed] = 1
		}, "by_kind: its stayed devices add up to 1, not outcomes.stayed 0"},
		{"by_kind negative", func(r *Result) { r.ByKind["download"] = map[string]int{Switched: -1} }, `by_kind["download"].switched: -1 devices`},
		{"negative acknowledged", func(r *Result) { r.CardToPlatform["e|attach-success"] = -1 }, `card_to_platform["e|attach-success"]: -1: not a count`},
		{"negative log", func(r *Result) { r.SMDPLog["sfr|install"] = -2 }, `smdp_log["sfr|install"]: -2: not a count`},
		{"reasons short of their count", func(r *Result) { r.RequestFailures = 3 }, "request_failures_why adds up to 0, not its request_failures 3"},
		{"delivery reasons short", func(r *Result) { r.NotificationFailures = 2 }, "notification_failures_why adds up to 0, not its notification_failures 2"},
		{"more devices than its storm", func(r *Result) { r.FleetDevices = 1 }, "devices 2 of a storm of fleet_devices 1: not a slice of it"},
		{"an unread log listed, not flagged", func(r *Result) { r.Unchecked = []string{"platform log: GET /v1/inspect/received answered 404"} },
			`platform_unread false and smdp_unread false disagree with its unchecked list ["platform log: GET /v1/inspect/received answered 404"]`},
		{"an unread log flagged, not listed", func(r *Result) { r.SMDPUnread = true }, "platform_unread false and smdp_unread true disagree with its unchecked list []"},
		{"unchecked, both said", func(r *Result) {
			r.Unchecked = []string{"platform log: GET /v1/inspect/received answered 404", "SM-DP+ sfr log: an external SM-DP+ has no log route to read"}
			r.PlatformUnread, r.SMDPUnread = true, true
		}, ""},
		{"unchecked, something else", func(r *Result) { r.Unchecked = []string{"my log: fine"} },
			`unchecked: "my log: fine": not a log the fleet reads ("platform log: "…, "SM-DP+ "…)`},
		{"negative failed log reads", func(r *Result) { r.LogReadFailures = -1 }, "platform_log_read_failures: -1: not a count"},
		{"extra log entries unnamed", func(r *Result) { r.LogExtra = 2 }, "platform_log_extra 2 with 0 named: not what the fleet writes"},
		{"mismatches unnamed", func(r *Result) { r.PlatformByReport, r.LogMismatched = true, 1 }, "platform_log_mismatched 1 with 0 named: not what the fleet writes"},
		{"lost notes unnamed", func(r *Result) { r.PlatformByReport, r.PlatformLost = true, 1 }, "platform_lost 1 with 0 named: not what the fleet writes"},
		{"negative mismatches", func(r *Result) { r.PlatformByReport, r.LogMismatched = true, -1 }, "platform_log_mismatched: -1: not a count"},
		{"lost notes, not matched note by note", func(r *Result) { r.PlatformLost, r.PlatformLostNamed = 1, []string{"x"} },
			"platform_lost, platform_unconfirmed or platform_log_mismatched without platform_by_report: not what the fleet writes"},
		{"more unreached than requests", func(r *Result) { r.PlatformUnreached = r.PlatformRequests + 1 }, "devices 2, ptys 0, platform requests 0 (1 never reached it): not counts of a storm"},
		{"the other shard's devices", func(r *Result) {
			r.CardToPlatform = map[string]int{"d|attach-success": 2}
			r.PlatformLog = map[string]int{"d|attach-success": 2}
		}, "device d is in fleet result " + filepath.Join(dir, "0-2.json") + " too: a device runs in one shard, so one of them is another shard's result under its name (shards [1/2] and [0/2])"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := shard("1/2", tc.edit)
			_, err := Merge([]*Result{shard("0/2", undelivered(1, 2)), bad})
			switch {
			case tc.want == "" && err != nil:
				t.Fatal(err)
			case tc.want != "" && (err == nil || err.Error() != "fleet result "+bad.file+": "+tc.want):
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
	m, err := Merge([]*Result{
		shard("0/2", undelivered(1, 2)),
		shard("1/2", undelivered(3, 0)),
	})
	if err != nil {
		t.Fatal(err)
	}
	if m.UndeliveredPlatform != 4 || m.UndeliveredSMDP != 2 || m.OK() || !strings.Contains(m.Verdict(), "6 notifications undelivered") {
		t.Errorf("merged undelivered %d and %d, verdict %q", m.UndeliveredPlatform, m.UndeliveredSMDP, m.Verdict())
	}
	// The shards' notes, matched note by note, merge so: each figure
	// summed, its names kept up to maxLostNamed; a shard matched only per
	// card and kind (written before) leaves the merge judged so.
	byReport := func(lost, mismatched int) func(r *Result) {
		return func(r *Result) {
			r.PlatformByReport = true
			r.PlatformLost, r.LogMismatched = lost, mismatched
			// The lost were acknowledged, and are in no entry.
			for k := range r.CardToPlatform {
				r.CardToPlatform[k] += lost
			}
			for i := range min(lost, maxLostNamed) {
				r.PlatformLostNamed = append(r.PlatformLostNamed, fmt.Sprintf("to platform: %s lost %d", r.Shards[0], i))
			}
			for i := range min(mismatched, maxLostNamed) {
				r.LogMismatchedNamed = append(r.LogMismatchedNamed, fmt.Sprintf("%s mismatched %d", r.Shards[0], i))
			}
		}
	}
	m, err = Merge([]*Result{shard("0/2", byReport(12, 1)), shard("1/2", byReport(1, 2))})
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	m.Print(&out)
	if lost, _ := m.Lost(); lost != 13 || m.LogMismatched != 3 || !m.PlatformByReport || len(m.PlatformLostNamed) != maxLostNamed || len(m.LogMismatchedNamed) != 3 || m.OK() ||
		!strings.Contains(out.String(), "LOST       13 notification(s)") || !strings.Contains(out.String(), "; … (3 more)") || !strings.Contains(out.String(), "MISMATCH   3 notification(s)") {
		t.Errorf("merged lost %d, mismatched %d, by report %v, named %d and %d:\n%s", lost, m.LogMismatched, m.PlatformByReport, len(m.PlatformLostNamed), len(m.LogMismatchedNamed), out.String())
	}
	m, err = Merge([]*Result{shard("0/2", byReport(0, 0)), shard("1/2", func(*Result) {})})
	if err != nil {
		t.Fatal(err)
	}
	if m.PlatformByReport {
		t.Errorf("merged with a shard matched per card and kind: by report")
	}
	// The shards' devices add up to their storm's.
	for _, tc := range []struct {
		fleet int
		want  string
	}{{4, ""}, {5, "the shards hold 4 devices, their storm 5: a result lost or gained devices (edited by hand?)"}} {
		_, err := Merge([]*Result{shard("0/2", func(r *Result) { r.FleetDevices = tc.fleet }), shard("1/2", func(r *Result) { r.FleetDevices = tc.fleet })})
		if (tc.want == "" && err != nil) || (tc.want != "" && (err == nil || err.Error() != tc.want)) {
			t.Errorf("fleet_devices %d: %v, want %q", tc.fleet, err, tc.want)
		}
	}
}

// A log nobody could read is "not read" on the notices line, never 0
// beside the cards' acknowledged count.
func TestNoticesSayWhatWasNotRead(t *testing.T) {
	for _, tc := range []struct {
		name           string
		platform, smdp bool // unread
		smdpLog        map[string]int
		want           string
	}{
		{"both read", false, false, map[string]int{"sfr|install": 2}, "the platform's log holds 3, the SM-DP+s' logs hold 2;"},
		{"platform unread", true, false, map[string]int{"sfr|install": 2}, "the platform's log not read, the SM-DP+s' logs hold 2;"},
		{"SM-DP+s unread", false, true, nil, "the platform's log holds 3, the SM-DP+s' logs not read;"},
		{"some SM-DP+s read", false, true, map[string]int{"sfr|install": 1}, "the platform's log holds 3, the SM-DP+s' logs hold 1 in those read;"},
	} {
		r := newResult()
		r.Devices = 1
		r.Outcomes[Switched] = 1
		r.CardToPlatform["e|attach-success"], r.CardToSMDP["sfr|install"] = 3, 2
		if !tc.platform {
			r.PlatformLog["e|attach-success"] = 3
		}
		r.SMDPLog = map[string]int{}
		maps.Copy(r.SMDPLog, tc.smdpLog)
		r.PlatformUnread, r.SMDPUnread = tc.platform, tc.smdp
		var out strings.Builder
		r.Print(&out)
		if !strings.Contains(out.String(), tc.want) {
			t.Errorf("%s: %s\nwant %q", tc.name, out.String(), tc.want)
		}
	}
	// A storm with no SM-DP+ at all claims no SM-DP+ log.
	r := newResult()
	r.Devices = 1
	r.Outcomes[Switched] = 1
	r.CardToPlatform["e|attach-success"], r.PlatformLog["e|attach-success"] = 1, 1
	var out strings.Builder
	r.Print(&out)
	if !strings.Contains(out.String(), "the platform's log holds 1, no SM-DP+ in this storm;") || !strings.Contains(out.String(), "lost       0 (cards' acknowledged notifications == platform log)\n") {
		t.Errorf("no SM-DP+:\n%s", out.String())
	}
}

// The LOST line names at most maxLostNamed notifications and counts the rest.
func TestLostLineIsBounded(t *testing.T) {
	r := newResult()
	for i := range 12 {
		r.CardToPlatform[fmt.Sprintf("e%02d|attach-success", i)] = 1
	}
	r.CardToSMDP["sfr|install"] = 2
	r.SMDPLog["sfr|install"] = 1
	var out strings.Builder
	r.Print(&out)
	want := "LOST       13 notification(s) the cards count as delivered are in no server's log: to platform: e00 attach-success ×1; "
	if !strings.Contains(out.String(), want) || !strings.Contains(out.String(), "to platform: e09 attach-success ×1; … (3 more)\n") {
		t.Errorf("report:\n%s", out.String())
	}
}

// Merge's refusal of shards of different storms or servers names the
// files, so that the stray one among many is found.
func TestMergeNamesStrayFiles(t *testing.T) {
	dir := t.TempDir()
	file := func(name, shard string, seed int64, platform string) *Result {
		r := newResult()
		r.Template, r.Fleet, r.Platform, r.Shards, r.Seed = "storm", "f", platform, []string{shard}, seed
		return writeRead(t, r, filepath.Join(dir, name))
	}
	a := file("a.json", "0/2", 1, "http://a:1")
	for _, tc := range []struct {
		name  string
		other *Result
		want  []string
	}{
		{"another seed", file("b.json", "1/2", 2, "http://a:1"), []string{"fleet result " + filepath.Join(dir, "b.json") + ": storm seed 2", "does not belong with fleet result " + filepath.Join(dir, "a.json") + ": storm seed 1"}},
		{"another platform", file("c.json", "1/2", 1, "http://c:1"), []string{"fleet result " + filepath.Join(dir, "c.json") + ": shards [1/2] ran against platform http://c:1", "(with " + filepath.Join(dir, "a.json") + ")"}},
	} {
		_, err := Merge([]*Result{a, tc.other})
		for _, w := range tc.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %v, want %q", tc.name, err, w)
			}
		}
	}
}

// writeRead writes r to path and reads it back, as merge reads a shard.
func writeRead(t *testing.T, r *Result, path string) *Result {
	t.Helper()
	if err := r.Write(path); err != nil {
		t.Fatal(err)
	}
	r, err := ReadResult(path)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// A log holding more than the cards count as delivered is "unconfirmed",
// and the lost line then claims no equality it does not have.
func TestUnconfirmedWording(t *testing.T) {
	r := newResult()
	r.CardToPlatform["e|attach-success"], r.PlatformLog["e|attach-success"] = 1, 3
	var out strings.Builder
	r.Print(&out)
	for _, want := range []string{"lost       0 (every notification the cards count as delivered is in its server's log)\n",
		"unconfirmed 2 logged by a server and not counted as delivered by any card: "} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
}

// The report of a result matched note by note never says fewer lost
// than its counts show, nor "==" of counts that differ: a note sent
// again after a lost answer is logged twice and unconfirmed by none.
func TestLostLineHoldsToTheCounts(t *testing.T) {
	for _, tc := range []struct {
		name      string
		card, log int
		lost      int
		want      string
		unchecked string // an SM-DP+ log not read whole, and why
	}{
		{"equal", 1, 1, 0, "lost       0 (cards' acknowledged notifications == platform log)\n", ""},
		{"logged twice", 1, 2, 0, "lost       0 (every notification the cards count as delivered is in its server's log)\n", ""},
		{"acknowledged beyond the log, platform_lost 0", 2, 1, 1, "LOST       1 notification(s) the cards count as delivered are in no server's log: to platform: acknowledged and not logged, the first e attach-success ×1\n", ""},
		// Counted as the three it stands for, not one and "2 more"
		// (outside reviewer sw117).
		{"three beyond the log", 4, 1, 3, "LOST       3 notification(s) the cards count as delivered are in no server's log: to platform: acknowledged and not logged, the first e attach-success ×3\n", ""},
		// Beside notes lost, another log not read whole says why (outside
		// tester t86 F2: only the result JSON said so).
		{"lost, another log not checked", 2, 1, 1, "\nNOT CHECKED SM-DP+ sfr log: restarted\n", "SM-DP+ sfr log: restarted"},
		{"not checked, none lost", 1, 1, 0, "lost       0 in the logs read; NOT CHECKED: SM-DP+ sfr log: restarted\n", "SM-DP+ sfr log: restarted"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newResult()
			r.PlatformByReport = true
			r.CardToPlatform["e|attach-success"], r.PlatformLog["e|attach-success"] = tc.card, tc.log
			if tc.unchecked != "" {
				r.Unchecked, r.SMDPUnread = []string{tc.unchecked}, true
			}
			var out strings.Builder
			r.Print(&out)
			if lost, _ := r.Lost(); lost != tc.lost || !strings.Contains(out.String(), tc.want) {
				t.Errorf("lost %d, want %d; report lacks %q:\n%s", lost, tc.lost, tc.want, out.String())
			}
		})
	}
}

// Merge derives lost, unconfirmed and extra notifications again from the
// counts a result carries and refuses a file whose stated figures
// contradict them, naming the file and the member: outside tester sw116
// took platform_lost out of a storm that lost a note (or a key out of a
// healthy shard's platform_log) and merge passed it, "lost 0" under more
// acknowledged than logged. An edit the counts cannot tell from a real
// loss (platform_by_report taken out too; an SM-DP+'s log short) merges
// as LOST, never as a pass. The files are real storms of the tester's:
// one whose platform lost a note (a whole run), and a healthy shard.
func TestMergeRederivesNotes(t *testing.T) {
	read := func(t *testing.T, name string) map[string]any {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	counts := func(m map[string]any, member string) map[string]any { return m[member].(map[string]any) }
	const lostKey = "89049032000000000000010000003412|attach-success" // the note loseone's platform lost
	const key = "89049032000000000000010000000017|attach-success"     // a note of shard-0's
	for _, tc := range []struct {
		name, file string
		edit       func(m map[string]any)
		want       string // "" merges
		lost       int    // when it merges
	}{
		{"lost, as run", "sw116-loseone.json", func(map[string]any) {}, "", 1},
		{"lost, platform_lost left out", "sw116-loseone.json", func(m map[string]any) {
			delete(m, "platform_lost")
			delete(m, "platform_lost_named")
		}, `platform_lost 0: card_to_platform["` + lostKey + `"] 1 is more than platform_log["` + lostKey + `"] 0, 1 acknowledged notification(s) in all beyond the log's entries: each is lost (a member edited or left out?)`, 0},
		{"lost, platform_lost and platform_by_report left out", "sw116-loseone.json", func(m map[string]any) {
			delete(m, "platform_lost")
			delete(m, "platform_lost_named")
			delete(m, "platform_by_report")
		}, "", 1},
		{"healthy, as run", "sw116-shard-0.json", func(map[string]any) {}, "", 0},
		{"healthy, a platform_log key left out", "sw116-shard-0.json", func(m map[string]any) { delete(counts(m, "platform_log"), key) },
			`platform_lost 0: card_to_platform["` + key + `"] 1 is more than platform_log["` + key + `"] 0, 1 acknowledged notification(s) in all beyond the log's entries: each is lost (a member edited or left out?)`, 0},
		{"healthy, a platform_log key 0", "sw116-shard-0.json", func(m map[string]any) { counts(m, "platform_log")[key] = 0 },
			`platform_lost 0: card_to_platform["` + key + `"] 1 is more than platform_log["` + key + `"] 0`, 0},
		{"healthy, a platform_log key and platform_by_report left out", "sw116-shard-0.json", func(m map[string]any) {
			delete(counts(m, "platform_log"), key)
			delete(m, "platform_by_report")
		}, "", 1},
		{"healthy, platform_lost beyond the acknowledged", "sw116-shard-0.json", func(m map[string]any) {
			m["platform_lost"], m["platform_lost_named"] = 1000, []string{"to platform: x"}
		}, "platform_lost 1000: more than the 170 notifications card_to_platform counts acknowledged, of which they are a part (a member edited or left out?)", 0},
		{"healthy, a card_to_platform key left out", "sw116-shard-0.json", func(m map[string]any) { delete(counts(m, "card_to_platform"), key) },
			`platform_unconfirmed 0 and platform_log_extra 0: platform_log["` + key + `"] 1 holds notifications no card saw acknowledged (card_to_platform 0), 1 card(s) and kind(s) in all: each is unconfirmed or extra (a member edited or left out?)`, 0},
		{"healthy, a platform_log entry more", "sw116-shard-0.json", func(m map[string]any) { counts(m, "platform_log")[key] = 2 },
			`platform_log_extra 0 and notification_failures 0: platform_log holds 1 entries beyond what card_to_platform counts acknowledged (the first at "` + key + `", 2 for 1): each is a send that failed or an extra entry (a member edited or left out?)`, 0},
		{"healthy, unconfirmed and nothing undelivered", "sw116-shard-0.json", func(m map[string]any) {
			delete(counts(m, "card_to_platform"), key)
			m["platform_unconfirmed"], m["notification_failures"] = 1, 1
			m["notification_failures_why"] = map[string]int{"platform: answer: 503": 1}
		}, "platform_unconfirmed 1: more than the 0 notes its cards tried and still held (undelivered_platform 0 less queued_platform 0): a note never acknowledged stays undelivered (a member edited or left out?)", 0},
		{"healthy, an smdp_log key left out", "sw116-shard-0.json", func(m map[string]any) { delete(counts(m, "smdp_log"), "sfr|enable") }, "", 20},
		{"healthy, an smdp_log key 0", "sw116-shard-0.json", func(m map[string]any) { counts(m, "smdp_log")["sfr|enable"] = 0 }, "", 20},
		{"healthy, a card_to_smdp key left out", "sw116-shard-0.json", func(m map[string]any) { delete(counts(m, "card_to_smdp"), "sfr|enable") },
			`notification_failures 0: smdp_log holds 20 entries beyond what card_to_smdp counts acknowledged (the first at "sfr|enable", 20 for 0): each is a send that failed (a member edited or left out?)`, 0},
		{"healthy, an smdp_log entry more", "sw116-shard-0.json", func(m map[string]any) { counts(m, "smdp_log")["sfr|install"] = 21 },
			`notification_failures 0: smdp_log holds 1 entries beyond what card_to_smdp counts acknowledged (the first at "sfr|install", 21 for 20): each is a send that failed (a member edited or left out?)`, 0},
		{"healthy, undelivered_smdp with no failure", "sw116-shard-0.json", func(m map[string]any) { m["undelivered_smdp"] = 1 },
			"undelivered_platform 0 less queued_platform 0 and undelivered_smdp 1: 1 notes tried and held undelivered, more than notification_failures 0, each having failed at least once (a member edited or left out?)", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := read(t, tc.file)
			if m["shards"].([]any)[0] != "0/1" {
				// A shard of three, merged alone as a whole run: its
				// storm's size and cycle, which would want the other
				// two, are left out as an older result's are.
				m["shards"] = []string{"0/1"}
				m["runs"].([]any)[0].(map[string]any)["shard"] = "0/1"
				delete(m, "fleet_devices")
				delete(m, "cycle")
			}
			tc.edit(m)
			b, err := json.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			p := filepath.Join(t.TempDir(), "result.json")
			if err := os.WriteFile(p, b, 0o644); err != nil {
				t.Fatal(err)
			}
			r, err := ReadResult(p)
			if err != nil {
				t.Fatal(err)
			}
			merged, err := Merge([]*Result{r})
			if tc.want != "" {
				if want := "fleet result " + p + ": " + tc.want; err == nil || !strings.HasPrefix(err.Error(), want) {
					t.Errorf("error %v\nwant %s", err, want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var out strings.Builder
			merged.Print(&out)
			lost, _ := merged.Lost()
			if lost != tc.lost || merged.OK() != (tc.lost == 0 && merged.UndeliveredPlatform == 0) {
				t.Errorf("lost %d, OK %v; want lost %d", lost, merged.OK(), tc.lost)
			}
			if tc.lost > 0 && (strings.Contains(out.String(), "\nlost       0") || !strings.Contains(out.String(), fmt.Sprintf("\nLOST       %d ", tc.lost))) {
				t.Errorf("report of %d lost:\n%s", tc.lost, out.String())
			}
		})
	}
}
