package fleet

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/internal/proto/platformapi"
)

const (
	eidA = "89049032000000000000010000000017"
	eidB = "89049032000000000000010000000114"
)

// sentEvent is a card's event of its platform note, as the applet logs it.
func sentEvent(n platformapi.Notification, acked bool) eventlog.Event {
	k := eventlog.Kind("notification_failed")
	if acked {
		k = "notification_sent"
	}
	f := eventlog.F{"kind": n.Kind, "to": "platform", "report": n.Report}
	for key, v := range map[string]string{"iccid": n.ICCID, "operator": n.Operator, "plmn": n.PLMN} {
		if v != "" {
			f[key] = v
		}
	}
	return eventlog.Event{Actor: eventlog.EUICC, Kind: k, Fields: f}
}

// The platform's log is held against each note the cards sent by its
// identity (EID, kind, report) and its content: a log that takes every
// note and records another operator, another card's note or another
// report number is named as such (outside tester sw68 F1, F2), where a
// count per card and kind found all of them whole.
func TestMatchNotes(t *testing.T) {
	noteA := platformapi.Notification{EID: eidA, Kind: platformapi.KindAttachSuccess, ICCID: "89208100005000000001", Operator: "sfr", PLMN: "20810", Report: 1}
	noteB := platformapi.Notification{EID: eidB, Kind: platformapi.KindAttachSuccess, ICCID: "89208100005000000019", Operator: "sfr", PLMN: "20810", Report: 1}
	failA := platformapi.Notification{EID: eidA, Kind: platformapi.KindAttachFailure, ICCID: "89208100005000000027", Operator: "orange-fr", PLMN: "20801", Report: 2}
	with := func(n platformapi.Notification, f func(*platformapi.Notification)) platformapi.Notification {
		f(&n)
		return n
	}
	for _, tc := range []struct {
		name string
		log  []platformapi.Notification
		// lost, mismatched, extra, unconfirmed
		want       [4]int
		named      []string // each in one of the named lists
		unreported bool     // the cards saw failA fail, not acknowledged
	}{
		{name: "as sent", log: []platformapi.Notification{noteA, noteB, failA}},
		{name: "sent again after a lost answer", log: []platformapi.Notification{noteA, noteA, noteB, failA}, want: [4]int{0, 0, 1, 0},
			named: []string{eidA + " attach-success report 1 ×2 for 1 request(s)"}},
		{name: "another operator",
			log: []platformapi.Notification{with(noteA, func(n *platformapi.Notification) { n.Operator, n.PLMN = "orange-fr", "20801" }), noteB, failA}, want: [4]int{0, 1, 0, 0},
			named: []string{eidA + " attach-success report 1: operator sent sfr, logged orange-fr, plmn sent 20810, logged 20801"}},
		{name: "two cards' notes swapped",
			log:  []platformapi.Notification{with(noteB, func(n *platformapi.Notification) { n.EID = eidA }), with(noteA, func(n *platformapi.Notification) { n.EID = eidB }), failA},
			want: [4]int{0, 2, 0, 0},
			named: []string{eidA + " attach-success report 1: iccid sent 89208100005000000001, logged 89208100005000000019",
				eidB + " attach-success report 1: iccid sent 89208100005000000019, logged 89208100005000000001"}},
		{name: "every report one on",
			log: []platformapi.Notification{with(noteA, func(n *platformapi.Notification) { n.Report = 2 }), with(noteB, func(n *platformapi.Notification) { n.Report = 2 }),
				with(failA, func(n *platformapi.Notification) { n.Report = 3 })},
			want: [4]int{3, 0, 3, 0},
			named: []string{"to platform: " + eidA + " attach-success report 1 (operator sfr, plmn 20810, iccid 89208100005000000001)",
				"to platform: " + eidA + " attach-failure report 2 (operator orange-fr, plmn 20801, iccid 89208100005000000027)",
				"to platform: " + eidB + " attach-success report 1 (operator sfr, plmn 20810, iccid 89208100005000000019)",
				eidA + " attach-success report 2 (operator sfr, plmn 20810, iccid 89208100005000000001) ×1, sent by no card",
				eidA + " attach-failure report 3 (operator orange-fr, plmn 20801, iccid 89208100005000000027) ×1, sent by no card",
				eidB + " attach-success report 2 (operator sfr, plmn 20810, iccid 89208100005000000019) ×1, sent by no card"}},
		{name: "a second entry of a report with other content", log: []platformapi.Notification{noteA, with(noteA, func(n *platformapi.Notification) { n.ICCID = "" }), noteB, failA},
			want: [4]int{0, 1, 1, 0},
			// Which entry is told from the card's depends on which came
			// first: once a note is matched only its digest is kept.
			named: []string{eidA + " attach-success report 1: an entry of it holds other content than its card sent: ", eidA + " attach-success report 1 ×2 for 1 request(s)"}},
		{name: "one logged, its card told otherwise", log: []platformapi.Notification{noteA, noteB, failA}, unreported: true, want: [4]int{0, 0, 0, 1}},
		{name: "one missing", log: []platformapi.Notification{noteA, failA}, want: [4]int{1, 0, 0, 0},
			named: []string{"to platform: " + eidB + " attach-success report 1 (operator sfr, plmn 20810, iccid 89208100005000000019)"}},
	} {
		// The log's entries come after the cards' events (an external
		// platform's log read beside the storm) or before them (the
		// emulated platform logs a note before it answers).
		for _, logFirst := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/log first %v", tc.name, logFirst), func(t *testing.T) {
				ns := newNotes()
				cards := func() {
					a, _ := deviceIndex(eidA)
					b, _ := deviceIndex(eidB)
					ns.sent(a, sentEvent(noteA, true), true)
					ns.sent(b, sentEvent(noteB, true), true)
					ns.sent(a, sentEvent(failA, !tc.unreported), !tc.unreported)
				}
				if !logFirst {
					cards()
				}
				for _, n := range tc.log {
					ns.logged(n)
				}
				if logFirst {
					cards()
				}
				m := ns.match()
				if got := [4]int{m.lost, m.mismatched, m.extra, m.unconfirmed}; got != tc.want {
					t.Errorf("lost, mismatched, extra, unconfirmed %v, want %v\nlost %q\nmismatched %q\nextra %q", got, tc.want, m.lostNamed, m.mismatchedNamed, m.extraNamed)
				}
				all := slices.Concat(m.lostNamed, m.mismatchedNamed, m.extraNamed)
				if len(all) != len(tc.named) {
					t.Errorf("named %q, want %q", all, tc.named)
				}
				for _, n := range tc.named {
					if !slices.ContainsFunc(all, func(a string) bool { return strings.HasPrefix(a, n) }) {
						t.Errorf("%q not named in %q", n, all)
					}
				}
				// The figures reach the verdict.
				r := newResult()
				m.apply(r)
				lost, _ := r.Lost()
				if ok := lost+m.mismatched+m.extra == 0; r.OK() != (ok && r.Outcomes[Failed] == 0) || lost != m.lost {
					t.Errorf("OK %v with lost %d (match %d), mismatched %d, extra %d: %q", r.OK(), lost, m.lost, m.mismatched, m.extra, r.Verdict())
				}
			})
		}
	}
}

// noteDiff compares every field of a notification but its identity: a
// field added to the API is compared, or this test says it is not.
func TestNoteDiffCoversEveryField(t *testing.T) {
	identity := map[string]bool{"EID": true, "Kind": true, "Report": true}
	typ := reflect.TypeFor[platformapi.Notification]()
	for i := range typ.NumField() {
		f := typ.Field(i)
		if identity[f.Name] {
			continue
		}
		var a, b platformapi.Notification
		v := reflect.ValueOf(&b).Elem().Field(i)
		switch v.Kind() {
		case reflect.String:
			v.SetString("x")
		case reflect.Pointer:
			v.Set(reflect.New(v.Type().Elem()))
		default:
			t.Fatalf("field %s: a %s, which this test does not set", f.Name, v.Kind())
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if d := noteDiff(a, b); len(d) != 1 || !strings.HasPrefix(d[0], name+" sent ") {
			t.Errorf("field %s (%s): noteDiff says %q", f.Name, name, d)
		}
	}
}

// bentLog is the emulated platform's whole log with its taken
// notifications' bodies bent (in log order) by bend.
func bentLog(t *testing.T, h http.Handler, bend func([]*platformapi.Notification)) []platformapi.Received {
	t.Helper()
	all := wholeLog(t, h)
	var notes []*platformapi.Notification
	var at []int
	for i, e := range all {
		if e.Path != platformapi.PathNotifications || e.Status != http.StatusOK {
			continue
		}
		n, err := platformapi.DecodeNotification([]byte(e.Body))
		if err != nil {
			continue // one of the fleet's checks
		}
		notes, at = append(notes, &n), append(at, i)
	}
	bend(notes)
	for j, n := range notes {
		b, err := json.Marshal(n)
		if err != nil {
			t.Fatal(err)
		}
		all[at[j]].Body = string(b)
		all[at[j]] = asLogged(all[at[j]]) // a lie that holds together
	}
	return all
}

// A platform that acknowledges every note as the card sent it, and logs
// it otherwise, fails the storm, each note named: one that logs another
// operator, one that logs two cards' notes under each other's EID, one
// that logs each report under the next number (outside tester sw68 F1,
// F2: each was "lost 0").
func TestLyingPlatformLog(t *testing.T) {
	notesNeverLogged(t)
	every := func(ns []*platformapi.Notification) {
		for _, n := range ns {
			n.Report++
		}
	}
	for _, tc := range []struct {
		name    string
		devices int // 3 unless said
		bend    func([]*platformapi.Notification)
		// lost, mismatched, extra
		want  [3]int
		lines []string
	}{
		{"another operator", 0, func(ns []*platformapi.Notification) {
			for _, n := range ns {
				if n.Kind == platformapi.KindAttachSuccess {
					n.Operator, n.PLMN = "orange-fr", "20801"
				}
			}
		}, [3]int{0, 3, 0}, []string{"MISMATCH   3 notification(s)", "operator sent sfr, logged orange-fr, plmn sent 20810, logged 20801", "lost       0 (each notification"}},
		{"two cards' notes swapped", 0, func(ns []*platformapi.Notification) {
			for _, n := range ns { // each entry bent alike at every read
				switch n.EID {
				case eidA:
					n.EID = eidB
				case eidB:
					n.EID = eidA
				}
			}
		}, [3]int{0, 2, 0}, []string{"MISMATCH   2 notification(s)", eidA + " attach-success report 1: iccid sent "}},
		{"every report one on", 0, every, [3]int{3, 0, 3}, []string{"LOST       3 notification(s)", "attach-success report 1 (operator sfr", "EXTRA      3 entries", "report 2 (operator sfr, plmn 20810, iccid "}},
		// More lost than the report names (maxLostNamed): each is
		// counted all the same (t167 S3).
		{"every report one on, 15 cards", 15, every, [3]int{15, 0, 15}, []string{"LOST       15 notification(s)", "EXTRA      15 entries", "… (5 more)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tp, srv := behindPlatform(t, cmp.Or(tc.devices, 3), func(h http.Handler, w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == platformapi.PathInspect {
					servePage(t, w, r, bentLog(t, h, tc.bend))
					return
				}
				h.ServeHTTP(w, r)
			})
			r, out := stormReport(t, tp, srv.URL)
			lost, _ := r.Lost()
			if got := [3]int{lost, r.LogMismatched, r.LogExtra}; got != tc.want || r.OK() || r.PlatformUnread || r.Outcomes[Failed] != 0 {
				t.Errorf("lost, mismatched, extra %v, want %v; OK %v, unread %v:\n%s", got, tc.want, r.OK(), r.PlatformUnread, out.String())
			}
			for _, l := range tc.lines {
				if !strings.Contains(out.String(), l) {
					t.Errorf("report without %q:\n%s", l, out.String())
				}
			}
			if strings.Contains(out.String(), "== platform log") {
				t.Errorf("the report says the log agrees:\n%s", out.String())
			}
		})
	}
}

// A taken notification entry the API cannot read fails the storm, named,
// and the log is not said to agree: a second, lying copy of each note
// with one member more hid behind the strict decoder (outside tester
// sw72).
func TestUnreadableLogEntry(t *testing.T) {
	tp, srv := behindPlatform(t, 3, func(h http.Handler, w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == platformapi.PathInspect {
			var log []platformapi.Received
			for _, e := range wholeLog(t, h) {
				log = append(log, e)
				if e.Path == platformapi.PathNotifications && e.Status == http.StatusOK && strings.Contains(e.Body, `"attach-success"`) {
					e.Body = strings.Replace(strings.Replace(e.Body, `"sfr"`, `"orange-fr"`, 1), "{", `{"x":1,`, 1)
					e = asLogged(e)
					log = append(log, e)
				}
			}
			for i := range log {
				log[i].Index = i
			}
			servePage(t, w, r, log)
			return
		}
		h.ServeHTTP(w, r)
	})
	r, out := stormReport(t, tp, srv.URL)
	if r.LogUnreadable != 3 || r.OK() || !strings.Contains(out.String(), "UNREADABLE 3 taken notification entries") ||
		!strings.Contains(out.String(), `unknown member "x"`) || strings.Contains(out.String(), "== platform log") {
		t.Errorf("unreadable %d, OK %v:\n%s", r.LogUnreadable, r.OK(), out.String())
	}
}

// A platform that logs a note a moment after answering it is read again
// until the note is there: 50 ms made two notes lost (outside tester sw72).
// Each note shows from the request for the log after the one it was
// first due in, not after a span of wall time, so the final read lags
// however slow the machine, and only reading again finds its notes.
func TestLogThatLagsItsAnswers(t *testing.T) {
	var mu sync.Mutex
	due := map[int]bool{} // notification entries a request has hidden
	hid := 0
	tp, srv := behindPlatform(t, 3, func(h http.Handler, w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == platformapi.PathInspect {
			mu.Lock()
			var log []platformapi.Received
			cut := false
			for _, e := range wholeLog(t, h) {
				if e.Path == platformapi.PathNotifications && !due[e.Index] {
					due[e.Index], cut = true, true
					hid++
				}
				if !cut {
					log = append(log, e) // the logger has caught up to here
				}
			}
			mu.Unlock()
			servePage(t, w, r, log)
			return
		}
		h.ServeHTTP(w, r)
	})
	r, out := stormReport(t, tp, srv.URL)
	if lost, _ := r.Lost(); lost != 0 || !r.OK() {
		t.Errorf("lost %d, OK %v:\n%s", lost, r.OK(), out.String())
	}
	mu.Lock()
	defer mu.Unlock()
	if hid == 0 {
		t.Error("no request for the log came while a note lagged: the test did not exercise the lag")
	}
}

// The emulated platform's log is held against the cards note by note
// too: its events name every field it took.
func TestEmulatedPlatformNotesMatched(t *testing.T) {
	tp := loadTemplate(t, 6, 0)
	r, err := Run(context.Background(), Config{Template: tp})
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	r.Print(&out)
	if !r.PlatformByReport || !r.OK() || r.PlatformLost+r.LogMismatched+r.LogExtra+r.PlatformUnconfirmed != 0 || len(r.CardToPlatform) == 0 {
		t.Errorf("by report %v, OK %v, lost %d, mismatched %d, extra %d, unconfirmed %d:\n%s",
			r.PlatformByReport, r.OK(), r.PlatformLost, r.LogMismatched, r.LogExtra, r.PlatformUnconfirmed, out.String())
	}
}
