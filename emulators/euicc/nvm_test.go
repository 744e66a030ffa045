package euicc

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/emulators/euicc/applet"
	"github.com/esimhil/esimhil/internal/proto/es10"
)

// An NVM image that is valid JSON but no card could have written is
// refused with the field named (issue 9 §5 "Bad input").
func TestRestoreRefusesInconsistentImages(t *testing.T) {
	c := newTestCard(t, testConfig())
	img, err := c.NVM()
	if err != nil {
		t.Fatal(err)
	}
	// bend decodes the image, lets edit change it and encodes it again.
	bend := func(edit func(m map[string]any)) string {
		var m map[string]any
		if err := json.Unmarshal(img, &m); err != nil {
			t.Fatal(err)
		}
		edit(m)
		b, _ := json.Marshal(m)
		return string(b)
	}
	profiles := func(m map[string]any) []any { return m["profiles"].([]any) }
	note := func(fields map[string]any) func(map[string]any) {
		return func(m map[string]any) {
			n := map[string]any{"seq": 1, "event": "install", "iccid": "89860000000000000019"}
			for k, v := range fields {
				n[k] = v
			}
			m["notif_seq"] = 1
			m["notifications"] = []any{n}
		}
	}
	files := func(f map[string]any) func(map[string]any) {
		return func(m map[string]any) { profiles(m)[0].(map[string]any)["files"] = f }
	}
	// installing sets an install record (install.go), sound but for fields.
	installing := func(fields map[string]any) func(map[string]any) {
		return func(m map[string]any) {
			r := map[string]any{"transaction_id": "01234567", "smdp_oid": "2B06010401817D", "address": "smdp.sfr.test", "command": 5}
			for k, v := range fields {
				r[k] = v
			}
			m["installing"] = r
		}
	}
	tests := []struct{ name, nvm, want string }{
		{"unknown member", bend(func(m map[string]any) { m["flash"] = 1 }), `NVM image: unknown member "flash"`},
		{"member in another case", strings.Replace(string(img), `"eid"`, `"EID"`, 1), `NVM image: unknown member "EID"; did you mean "eid"?`},
		{"profile member in another case", strings.Replace(string(img), `"isdp_aid"`, `"ISDP_AID"`, 1), `NVM image: profiles[0]: unknown member "ISDP_AID"; did you mean "isdp_aid"?`},
		{"duplicate member", strings.Replace(string(img), `"version":1`, `"version":1,"version":1`, 1), `NVM image: duplicate member "version"`},
		{"duplicate member in the applet's part", strings.Replace(string(img), `"applet":null`, `"applet":{"version":2,"version":2}`, 1), `NVM image: applet: duplicate member "version"`},
		{"trailing data", string(img) + "{}", "NVM image: malformed JSON: data after the object"},
		{"no profiles", bend(func(m map[string]any) { m["profiles"] = []any{} }), "profiles: none"},
		{"two enabled", bend(func(m map[string]any) {
			for _, p := range profiles(m) {
				p.(map[string]any)["enabled"] = true
			}
		}), "profiles: 2 enabled, at most one"},
		{"two originals", bend(func(m map[string]any) {
			for _, p := range profiles(m) {
				p.(map[string]any)["original"] = true
			}
		}), "profiles: 2 marked original, at most one"},
		{"size 2^62", bend(func(m map[string]any) { profiles(m)[1].(map[string]any)["size"] = 1 << 62 }), "profiles[1].size: 4611686018427387904: want 0..1073741824 bytes"},
		{"negative size", bend(func(m map[string]any) { profiles(m)[0].(map[string]any)["size"] = -1 }), "profiles[0].size: -1"},
		{"bad ICCID", bend(func(m map[string]any) { profiles(m)[0].(map[string]any)["iccid"] = "12" }), `profiles[0]: profile 0: ICCID "12"`},
		{"duplicate ICCID", bend(func(m map[string]any) {
			profiles(m)[1].(map[string]any)["iccid"] = profiles(m)[0].(map[string]any)["iccid"]
		}), "profiles[1].iccid: 89860000000000000019 appears twice"},
		{"duplicate AID", bend(func(m map[string]any) {
			profiles(m)[1].(map[string]any)["isdp_aid"] = profiles(m)[0].(map[string]any)["isdp_aid"]
		}), "profiles[1].isdp_aid:"},
		{"bad MSISDN", bend(func(m map[string]any) { profiles(m)[1].(map[string]any)["msisdn"] = "+33 6" }), `profiles[1]: profile 89331000000000000029: MSISDN "+33 6"`},
		{"bad SM-DP+", bend(func(m map[string]any) { profiles(m)[1].(map[string]any)["smdp"] = "not a host" }), `profiles[1].smdp: "not a host"`},
		{"notification event explode", bend(note(map[string]any{"event": "explode"})), `notifications[0].event: "explode": want one of install, enable, disable, delete`},
		{"notification seq -1", bend(note(map[string]any{"seq": -1})), "notifications[0].seq: -1: want 1..1"},
		{"notification seq past notif_seq", bend(note(map[string]any{"seq": 7})), "notifications[0].seq: 7: want 1..1 (notif_seq, the last one issued)"},
		{"negative notif_seq", bend(func(m map[string]any) { m["notif_seq"] = -1 }), "notif_seq: -1"},
		{"notification ICCID", bend(note(map[string]any{"iccid": "x"})), `notifications[0].iccid: "x" is not an ICCID`},
		{"enable notification without ICCID", bend(note(map[string]any{"event": "enable", "iccid": ""})), `notifications[0].iccid: missing: only an install result may lack the profile (this is enable)`},
		{"notification pending not a notification", bend(note(map[string]any{"pending": "AAEC"})), "notifications[0].pending: not one signed notification"},
		{"operator PLMN not a PLMN", bend(func(m map[string]any) { profiles(m)[1].(map[string]any)["operator_plmns"] = []any{"20810", "2081"} }), `profiles[1].operator_plmns[1]: "2081" is not a PLMN`},
		{"too many operator PLMNs", bend(func(m map[string]any) {
			l := make([]any, 33)
			for i := range l {
				l[i] = "20810"
			}
			profiles(m)[1].(map[string]any)["operator_plmns"] = l
		}), "profiles[1].operator_plmns: 33, at most 32"},
		{"HPPLMN not a byte", bend(func(m map[string]any) { profiles(m)[1].(map[string]any)["hpplmn"] = 256 }), "profiles[1].hpplmn: 256 is not a byte"},
		{"HPPLMN negative", bend(func(m map[string]any) { profiles(m)[0].(map[string]any)["hpplmn"] = -1 }), "profiles[0].hpplmn: -1 is not a byte"},
		{"SMSP of the wrong size", bend(files(map[string]any{"6F42": "FF"})), "profiles[0].files: 6F42: 1 bytes, the file holds 40"},
		{"UST is the operator's", bend(files(map[string]any{"6F38": "0000000000000000000000000000"})), "profiles[0].files: 6F38: not a USIM file the terminal may update"},
		{"written file not updatable", bend(files(map[string]any{"6F07": "084906002143658709"})), "profiles[0].files: 6F07: not a USIM file the terminal may update"},
		{"written file unknown", bend(files(map[string]any{"6F99": "00"})), "profiles[0].files: 6F99: not a USIM file"},
		{"written file id not hex", bend(files(map[string]any{"LOCI": "00"})), `profiles[0].files: "LOCI": want a file id, 4 hex digits`},
		{"written file short", bend(files(map[string]any{"6F7E": "FFFF"})), "profiles[0].files: 6F7E: 2 bytes, the file holds 11"},
		{"written file not hex", bend(files(map[string]any{"6F7B": "zz"})), `profiles[0].files: 6F7B: "zz" is not hex`},
		{"install record: transaction id", bend(installing(map[string]any{"transaction_id": "zz"})), `installing.transaction_id: "zz": want 1 to 16 bytes in hex`},
		{"install record: OID", bend(installing(map[string]any{"smdp_oid": "2B06818F"})), `installing.smdp_oid: "2B06818F"`},
		{"install record: address", bend(installing(map[string]any{"address": "not a host"})), `installing.address: "not a host" is not an SM-DP+ address`},
		{"install record: ICCID", bend(installing(map[string]any{"iccid": "12"})), `installing.iccid: "12" is not an ICCID`},
		{"install record: an ICCID on the card", bend(installing(map[string]any{"iccid": "89860000000000000019"})),
			"installing.iccid: 89860000000000000019 is already on the card (profiles[0]): StoreMetadata refuses it (errorReason 9, installFailedDueToIccidAlreadyExistsOnEuicc)"},
		{"install record: command", bend(installing(map[string]any{"command": 6})), "installing.command: 6 is not a bppCommandId (0..5)"},
		{"install record: unknown member", bend(installing(map[string]any{"segment": 3})), `installing: unknown member "segment"`},
		{"version", bend(func(m map[string]any) { m["version"] = 2 }), "version: 2, want 1"},
		{"other card", bend(func(m map[string]any) { m["eid"] = "89049032000001000000000000000947" }), `eid: "89049032000001000000000000000947" is not this card's EID`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Restore(testConfig(), []byte(tt.nvm))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Restore error %v, want one with %q\nimage %s", err, tt.want, tt.nvm)
			}
		})
	}
}

// With OnNVMWrite set, every command that changes NVM hands over the new
// image before it is answered, and only then.
func TestNVMWrittenBeforeTheAnswer(t *testing.T) {
	var images [][]byte
	cfg := testConfig()
	cfg.OnNVMWrite = func(img []byte) error {
		images = append(images, bytes.Clone(img))
		return nil
	}
	c := newTestCard(t, cfg)
	runScript(t, c, []step{{"00A4040C10" + isdrAID, "9000"}})
	n := len(images)
	if n != 1 {
		t.Fatalf("%d images after the first command, want the card's first", n)
	}
	runScript(t, c, []step{{"00A4040C10" + isdrAID, "9000"}})
	if len(images) != n {
		t.Fatalf("a command that changes nothing wrote NVM")
	}
	runScript(t, c, []step{{"80E2910014BF3111A00C5A0A" + iccidSFR + "81010000", "BF3103800100 9000"}})
	if len(images) != n+1 {
		t.Fatalf("%d images after EnableProfile, want %d", len(images), n+1)
	}
	r, err := Restore(testConfig(), images[len(images)-1])
	if err != nil || !r.profiles[1].Enabled {
		t.Fatalf("the last image does not hold the enable: %v", err)
	}
}

// Restore reads the applet's state through applet.DecodeState and checks
// it against the image's profiles: the format before the explicit modes is
// migrated; a damaged state, or one that points at a profile the card does
// not hold, is refused with the field named.
func TestRestoreAppletState(t *testing.T) {
	c := newTestCard(t, testConfig())
	img, err := c.NVM()
	if err != nil {
		t.Fatal(err)
	}
	with := func(appletJSON string) []byte {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(img, &m); err != nil {
			t.Fatal(err)
		}
		m["applet"] = json.RawMessage(appletJSON)
		b, _ := json.Marshal(m)
		return b
	}
	for _, tc := range []struct {
		name, applet, err string
		mode              applet.Mode
	}{
		{"never ran", `null`, "", applet.ModeIdle},
		{"version 1, idle with an owed note", `{"original":"89860000000000000019","last_req_id":3,"owed":[{"operator":"sfr","iccid":"89331000000000000029","seq":2}]}`, "", applet.ModeIdle},
		{"version 1, awaiting an attach", `{"profiles":[{"ICCID":"89860000000000000019","Operator":"cmcc","HomePLMN":"46000","Original":true},{"ICCID":"89331000000000000029","Operator":"sfr","HomePLMN":"20810","Enabled":true}],"original":"89860000000000000019","await":{"iccid":"89331000000000000029","operator":"sfr","plmn":"20810"},"list":{"list_id":"1","country":"FR","order_by":"tariff","operators":[{"id":"sfr","plmn":"20810"}]},"cycle":{"next":1,"phase":"attempt","current":"sfr","tried":["sfr"]}}`, "", applet.ModeAttemptAwaitAttach},
		{"version 1, bad owed kind", `{"owed":[{"kind":"gift"}]}`, "owed[0].kind", ""},
		{"unknown mode", `{"version":2,"mode":"dancing","last_req":0}`, `mode: unknown "dancing"`, ""},
		{"unknown field", `{"version":2,"mode":"idle","last_req":0,"colour":"blue"}`, `unknown member "colour"`, ""},
		{"member in another case", `{"version":2,"mode":"idle","Last_Req":0}`, `unknown member "Last_Req"; did you mean "last_req"?`, ""},
		{"future version", `{"version":3}`, "version: 3", ""},
		{"home not on the card", `{"version":2,"mode":"idle","last_req":0,"home":"89491000000000000013"}`, "home: ICCID 89491000000000000013 is not on the card", ""},
		{"target not on the card", `{"version":2,"mode":"attempt.await-attach","last_req":0,"profiles":[{"iccid":"89491000000000000013","operator":"x","home_plmn":"26201"}],` +
			`"cycle":{"trigger":"list","next":0,"current":"x","target":"89491000000000000013"}}`, "cycle.target: ICCID 89491000000000000013 is not on the card", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Restore(testConfig(), with(tc.applet))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) || !strings.HasPrefix(err.Error(), "euicc: NVM image: applet state") {
					t.Fatalf("Restore: %v, want an error naming %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if r.appletState.Mode != tc.mode && !(tc.mode == applet.ModeIdle && r.appletState.Version == 0) {
				t.Fatalf("mode %q, want %q", r.appletState.Mode, tc.mode)
			}
		})
	}
}

// A StoreMetadata that does not decode leaves a failed install result
// that cannot name the profile (NotificationMetadata's iccid is optional):
// the card keeps it pending, and its NVM image, which holds it, restores.
func TestUndecodableMetadataImageRestores(t *testing.T) {
	cfg, _ := rspConfig(t)
	c := newTestCard(t, cfg)
	l := newLPA(t, c)
	l.meta.ProfileName = strings.Repeat("x", 65) // over the module's 64
	if ar := l.authenticate(); ar.ErrorCode != 0 {
		t.Fatalf("AuthenticateServer error %d", ar.ErrorCode)
	}
	if pr := l.prepare(); pr.ErrorCode != 0 {
		t.Fatalf("PrepareDownload error %d", pr.ErrorCode)
	}
	pir := l.pir(l.load(l.bpp()))
	if pir.Data.OK || pir.Data.CommandID != es10.BPPCmdStoreMetadata || pir.Data.Notification.ICCID != "" {
		t.Fatalf("PIR %+v, want a StoreMetadata failure naming no profile", pir.Data)
	}
	r := restored(t, cfg, c)
	if len(r.notifications) != 1 || r.notifications[0].Event != "install" || r.notifications[0].ICCID != "" {
		t.Fatalf("restored notifications %+v, want the failed install result", r.notifications)
	}
}

// TestRestoreRefusesPendingItCannotList: a pending notification whose
// signed encoding ListNotification and RetrieveNotificationsList cannot
// read (a profileManagementOperation that is no DER BIT STRING, X.690
// §11.2.1), or whose seq, event, ICCID or address disagree with what it
// signed, or that has none (t178 N8), is refused with the field named:
// else the card would hold a
// notification it never lists yet removes by its seq (outside tester t168
// F2), or list one operation and report another. The image as the card
// wrote it restores, and the card lists every notification it holds.
func TestRestoreRefusesPendingItCannotList(t *testing.T) {
	cfg, _ := rspConfig(t)
	cfg.Pending = []PendingSpec{
		{Seq: 2, Event: es10.EventEnable, ICCID: "89331000000000000029", Address: "smdp.sfr.test"},
		{Seq: 5, Event: es10.EventDisable, ICCID: "89331000000000000029", Address: "smdp.sfr.test"},
		{Seq: 7, Event: es10.EventInstall, ICCID: "89012345678901234563", Address: "smdp.sfr.test"},
	}
	img, err := newTestCard(t, cfg).NVM()
	if err != nil {
		t.Fatal(err)
	}
	// bend edits notifications[i] of the image.
	bend := func(i int, edit func(n map[string]any)) []byte {
		var m map[string]any
		if err := json.Unmarshal(img, &m); err != nil {
			t.Fatal(err)
		}
		edit(m["notifications"].([]any)[i].(map[string]any))
		b, _ := json.Marshal(m)
		return b
	}
	// signed replaces old by new in the notification's signed bytes.
	signed := func(old, new string) func(n map[string]any) {
		return func(n map[string]any) {
			b, err := base64.StdEncoding.DecodeString(n["pending"].(string))
			if err != nil || !bytes.Contains(b, hexBytes(t, old)) {
				t.Fatalf("pending %X lacks %s", b, old)
			}
			n["pending"] = base64.StdEncoding.EncodeToString(bytes.Replace(b, hexBytes(t, old), hexBytes(t, new), 1))
		}
	}
	set := func(k string, v any) func(n map[string]any) { return func(n map[string]any) { n[k] = v } }
	for _, tc := range []struct {
		name string
		nvm  []byte
		want string // "" restores
	}{
		{"as written", img, ""},
		{"operation with a bit set in its unused bits", bend(1, signed("81020520", "81020510")),
			"notifications[1].pending: not a signed notification ListNotification can read: "},
		{"operation naming two events", bend(1, signed("81020520", "81020560")), "notifications[1].pending: not a signed notification ListNotification can read: "},
		{"event other than the signed operation", bend(1, set("event", "enable")),
			`notifications[1].event: "enable" disagrees with the signed notification's profileManagementOperation, disable`},
		{"install result's event", bend(2, set("event", "delete")),
			`notifications[2].event: "delete" disagrees with the signed notification's profileManagementOperation, install`},
		{"seq other than the signed one", bend(1, set("seq", 3)), "notifications[1].seq: 3 disagrees with the signed notification's seqNumber, 5"},
		{"ICCID other than the signed one", bend(0, set("iccid", "89860000000000000019")),
			`notifications[0].iccid: "89860000000000000019" disagrees with the signed notification's iccid, 89331000000000000029`},
		{"address other than the signed one", bend(0, set("address", "smdp.orange.test")),
			`notifications[0].address: "smdp.orange.test" disagrees with the signed notification's notificationAddress, "smdp.sfr.test"`},
		// t178 N8: with no signed notification the card could neither
		// list nor hand it out, yet removed it by its seq.
		{"no pending", bend(1, func(n map[string]any) { delete(n, "pending") }), "notifications[1].pending: missing: "},
		{"pending empty", bend(1, set("pending", "")), "notifications[1].pending: missing: "},
		{"pending null", bend(2, set("pending", nil)), "notifications[2].pending: missing: "},
		{"address gone with pending", bend(0, func(n map[string]any) { delete(n, "pending"); delete(n, "address") }), "notifications[0].pending: missing: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Restore(cfg, tc.nvm)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("Restore: %v", err)
			case tc.want == "":
				var listed []int
				for _, n := range c.notifications {
					if md, ok := n.metadata(); ok && md.Seq == n.Seq && md.Event.String() == n.Event {
						listed = append(listed, n.Seq)
					}
				}
				if len(listed) != len(cfg.Pending) {
					t.Errorf("the card lists %v of its %d notifications", listed, len(c.notifications))
				}
			case err == nil || !strings.Contains(err.Error(), tc.want):
				t.Errorf("Restore error %v, want one with %q", err, tc.want)
			}
		})
	}
}

func hexBytes(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// restored is the card Restore makes of c's NVM image under cfg, as a
// device powered on again finds it (not yet reset).
func restored(t *testing.T, cfg Config, c *Card) *Card {
	t.Helper()
	img, err := c.NVM()
	if err != nil {
		t.Fatal(err)
	}
	r, err := Restore(cfg, img)
	if err != nil {
		t.Fatalf("Restore: %v", err)
	}
	return r
}
