package modem

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/internal/proto/emm"
)

// TestTADue: the instant the tracking-area lists' period ends, which
// the erase timer is set to, counts from their first entry since they
// were empty, is moved by none after it, and is none while they hold
// nothing — emptied by a registration, deleted, or another USIM's.
func TestTADue(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	const imsi = "208012222222222"
	sfr := emm.Reject{PLMN: "20810", TAC: 0x0101, Cause: 15}
	sfr2 := emm.Reject{PLMN: "20810", TAC: 0x0102, Cause: 12}
	for _, tc := range []struct {
		name  string
		steps func(l *meLists)
		want  time.Time // zero: none
	}{
		{"empty: none", func(l *meLists) {}, time.Time{}},
		{"a #14 alone: none (no period)", func(l *meLists) { l.store(imsi, emm.Reject{PLMN: "20810", Cause: 14}, t0) }, time.Time{}},
		{"the first entry's period", func(l *meLists) { l.store(imsi, sfr, t0) }, t0.Add(emm.TAPeriod)},
		{"a later entry, the other list: the first's still", func(l *meLists) {
			l.store(imsi, sfr, t0)
			l.store(imsi, sfr2, t0.Add(time.Hour))
		}, t0.Add(emm.TAPeriod)},
		{"the same area again: the first's still", func(l *meLists) {
			l.store(imsi, sfr, t0)
			l.store(imsi, sfr, t0.Add(time.Hour))
		}, t0.Add(emm.TAPeriod)},
		{"a registration that empties them: none", func(l *meLists) {
			l.store(imsi, sfr, t0)
			l.registered(emm.TAI{PLMN: "20810", TAC: 0x0101})
		}, time.Time{}},
		{"a registration that leaves one: the first's still", func(l *meLists) {
			l.store(imsi, sfr, t0)
			l.store(imsi, sfr2, t0.Add(time.Hour))
			l.registered(emm.TAI{PLMN: "20810", TAC: 0x0101})
		}, t0.Add(emm.TAPeriod)},
		{"emptied, then an entry: its own", func(l *meLists) {
			l.store(imsi, sfr, t0)
			l.registered(emm.TAI{PLMN: "20810", TAC: 0x0101})
			l.store(imsi, sfr2, t0.Add(time.Hour))
		}, t0.Add(time.Hour + emm.TAPeriod)},
		{"an entry after the period ran out: its own", func(l *meLists) {
			l.store(imsi, sfr, t0)
			l.store(imsi, sfr2, t0.Add(emm.TAPeriod))
		}, t0.Add(2 * emm.TAPeriod)},
		{"deleted: none", func(l *meLists) { l.store(imsi, sfr, t0); l.forget() }, time.Time{}},
		{"another USIM read: none", func(l *meLists) { l.store(imsi, sfr, t0); l.usim("208011111111111") }, time.Time{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var l meLists
			l.forget()
			tc.steps(&l)
			if got := l.taDue(); !got.Equal(tc.want) {
				t.Errorf("due %v, want %v", got, tc.want)
			}
		})
	}
}

// limitedOnSFR is SFR's cell camped on in limited service: every cell in
// sight in a forbidden area.
var limitedOnSFR = Registration{Stat: 2, PLMN: "20810", TAC: 0x0101, CellID: 0x0202, AcT: 7, RSRP: -101}

// sfrUnlessForbidden is a world of SFR's cell alone, which automatic
// selection does not try while its area is on a list: limited service
// there, else served.
func sfrUnlessForbidden(f emm.Forbidden) Registration {
	if f.SkipsCell(emm.TAI{PLMN: "20810", TAC: 0x0101}, "20801") {
		return limitedOnSFR
	}
	return servedOnSFR
}

// erasures are the instants the modem logged its tracking-area lists
// deleted, and the entries they held (regional, roaming).
func erasures(r *rig) ([]time.Time, [][2]int) {
	var at []time.Time
	var held [][2]int
	for _, e := range r.log.Kind(KindTAListsErased) {
		regional, _ := e.Int("regional")
		roaming, _ := e.Int("roaming")
		at, held = append(at, e.T), append(held, [2]int{regional, roaming})
	}
	return at, held
}

// urcsAt are the URCs at.log has the modem send at t.
func urcsAt(t *testing.T, r *rig, at time.Time) []string {
	t.Helper()
	var out []string
	for _, l := range strings.Split(r.atlog.String(), "\n") {
		stamp, rest, ok := strings.Cut(l, " < ")
		if !ok {
			continue
		}
		ts, err := time.Parse(time.RFC3339Nano, stamp)
		if err != nil {
			t.Fatalf("at.log line %q: %v", l, err)
		}
		if ts.Equal(at) && strings.HasPrefix(rest, "+") {
			out = append(out, rest)
		}
	}
	return out
}

// TestTAListsErasedOnTime: the ME's tracking-area lists go when their
// period ends (emm.TAPeriod after the first entry), on the virtual
// clock, logged as ta_lists_erased; "when the lists are erased, the UE
// performs cell selection" (TS 24.301 §5.3.2): a device left in limited
// service by the lists — every cell in sight in a forbidden area —
// selects and registers at that instant, +CEREG saying so then. Before,
// the lists went only when the next selection read them: the T3402
// retry, up to 12 minutes later. A registered device only loses them; a
// device that cannot select (radio off, +COPS=2, an invalid USIM) too.
func TestTAListsErasedOnTime(t *testing.T) {
	// limited: 5 minutes after the reject the device moves, and finds
	// only the forbidden area's cell: limited service, the T3402 retries
	// off the period's grid from then on.
	limited := func(t *testing.T, r *rig) {
		r.net.pick = sfrUnlessForbidden
		r.advance(t, 5*time.Minute)
		r.loop.Do(r.m.Reselect)
		if got := r.m.Registration(); got.Stat != 2 || got.CellID != limitedOnSFR.CellID {
			t.Fatalf("after the move %+v, want limited service on SFR's cell", got)
		}
	}
	then := func(acts ...func(t *testing.T, r *rig)) func(t *testing.T, r *rig) {
		return func(t *testing.T, r *rig) {
			for _, a := range acts {
				a(t, r)
			}
		}
	}
	cmd := func(line string) func(t *testing.T, r *rig) {
		return func(t *testing.T, r *rig) { r.cmd(t, line) }
	}
	homeRefused := Registration{Stat: 1, PLMN: "20801", TAC: 0x3a9c, CellID: 0xc33e, AcT: 7, RSRP: -110,
		Refused: []emm.Reject{{PLMN: "20801", TAC: 0x3a9b, Cause: 15}}}
	invalidated := deniedOnSFR(7)
	invalidated.Refused = []emm.Reject{{PLMN: "20810", TAC: 0x0102, Cause: 15}}
	served := `+CEREG: 5,"0101","00000202",7`
	for _, tc := range []struct {
		name   string
		first  Registration // the attach whose reject starts the period
		act    func(t *testing.T, r *rig)
		held   [2]int                     // the lists' entries (regional, roaming) as they go
		urcs   []string                   // at the period's end; nil: no attach then
		stayed int                        // the <stat> kept when no attach
		late   func(t *testing.T, r *rig) // 5 s before the period's end
	}{
		{"#15, limited service: registers at the period's end", deniedOnSFR(15), limited, [2]int{0, 1}, []string{served}, 0, nil},
		{"#13, limited service: registers at the period's end", deniedOnSFR(13), limited, [2]int{0, 1}, []string{served}, 0, nil},
		{"#12, limited service: registers at the period's end", deniedOnSFR(12), limited, [2]int{1, 0}, []string{served}, 0, nil},
		{"registered elsewhere: the lists go, no selection", homeRefused, nil, [2]int{0, 1}, nil, 1, nil},
		{"limited service, then the radio off (+CFUN=4): no selection", deniedOnSFR(15),
			then(limited, cmd("AT+CFUN=4")), [2]int{0, 1}, nil, 0, nil},
		{"limited service, then +COPS=2: no selection", deniedOnSFR(15),
			then(limited, cmd("AT+COPS=2")), [2]int{0, 1}, nil, 0, nil},
		{"#15 then #7, the USIM invalid: no selection", invalidated, nil, [2]int{0, 1}, nil, 3, nil},
		{"limited service, then manual selection of SFR, denied: no selection", deniedOnSFR(15),
			then(limited, func(t *testing.T, r *rig) {
				r.net.reg = deniedOnSFR(15)
				if got := r.pending(t, `AT+COPS=1,2,"20810"`, 2*time.Second); !strings.HasSuffix(got[0], "ERROR") {
					t.Fatalf("manual selection of SFR: %q, want its denial", got)
				}
			}), [2]int{0, 1}, nil, 3, nil},
		{"limited service, an attach unanswered (T3410) over the period's end: it runs on", deniedOnSFR(15), limited, [2]int{0, 1}, nil, 2,
			func(t *testing.T, r *rig) {
				r.net.pick = func(emm.Forbidden) Registration { return Registration{Timeout: true, PLMN: "20801"} }
				r.loop.Do(r.m.Reselect)
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := meListRig(t, tc.first)
			due := r.loop.Now().Add(emm.TAPeriod) // the reject came at this instant
			r.cmd(t, "AT+CEREG=2")
			if tc.act != nil {
				tc.act(t, r)
			}
			if tc.late != nil {
				r.advance(t, due.Sub(r.loop.Now())-5*time.Second)
				tc.late(t, r)
			}
			r.advance(t, due.Sub(r.loop.Now())-time.Second)
			if at, _ := erasures(r); len(at) != 0 {
				t.Fatalf("lists erased at %v, before their period's end %v", at, due)
			}
			n := len(r.net.attaches)
			r.advance(t, time.Second)
			if at, held := erasures(r); !slices.Equal(at, []time.Time{due}) || held[0] != tc.held {
				t.Errorf("lists erased at %v holding %v, want once at %v holding %v", at, held, due, tc.held)
			}
			got := urcsAt(t, r, due)
			if !slices.Equal(got, tc.urcs) {
				t.Errorf("URCs at the period's end %q, want %q", got, tc.urcs)
			}
			if tc.urcs == nil {
				if len(r.net.attaches) != n {
					t.Errorf("attaches at the period's end %q, want none", r.net.attaches[n:])
				}
				if st := r.m.Registration().Stat; st != tc.stayed {
					t.Errorf("<stat> %d after the period's end, want %d kept", st, tc.stayed)
				}
				return
			}
			if len(r.net.attaches) != n+1 {
				t.Fatalf("attaches at the period's end %q, want one", r.net.attaches[n:])
			}
			if last := r.net.forbiddenTAs[len(r.net.forbiddenTAs)-1]; len(last[0]) != 0 || len(last[1]) != 0 {
				t.Errorf("that selection skipped %q, want no area", last)
			}
			regs := r.log.Kind(KindRegistration)
			if e := regs[len(regs)-1]; !e.T.Equal(due) || e.Get("stat") != 5 {
				t.Errorf("last registration %v, want roaming at %v", e, due)
			}
		})
	}
}

// TestTAEraseTimerFollowsTheLists: the erase timer goes with the lists.
// Deleted — power off, a restart, the card out, another USIM read —,
// the lists' old period ends with nothing logged, and the entry the
// device's next attach stores (SFR's #15 again) starts a period of its
// own. Kept — the same USIM read again, +CFUN=0 and 1, another area
// refused later, the same area again at each T3402 retry — the first
// entry's period stands. A registration in the area, which empties them,
// leaves nothing to erase.
func TestTAEraseTimerFollowsTheLists(t *testing.T) {
	const (
		old     = iota // the first entry's period
		renewed        // the period of the entry after the act
		none           // no erasure
	)
	otherArea := func(t *testing.T, r *rig) {
		r.net.reg = Registration{Stat: 3, PLMN: "20810", TAC: 0x0102, CellID: 0x0203, AcT: 7, Cause: 13}
		r.loop.Do(r.m.Reselect)
	}
	for _, tc := range []struct {
		name string
		act  func(t *testing.T, r *rig)
		want int
		held [2]int
	}{
		{"power off", actPowerOff, renewed, [2]int{0, 1}},
		{"a restart", actRestart, renewed, [2]int{0, 1}},
		{"the card out and back", actCardOut, renewed, [2]int{0, 1}},
		{"another USIM read (a profile switch)", actUICCReset("082980012143658709"), renewed, [2]int{0, 1}},
		{"the same USIM read again", actUICCReset(""), old, [2]int{0, 1}},
		{"+CFUN=0 and 1", actCFUN, old, [2]int{0, 1}},
		{"another area refused later", otherArea, old, [2]int{0, 2}},
		{"the T3402 retries refused again", actT3402, old, [2]int{0, 1}},
		{"a manual registration in the area", actManualOnSFR, none, [2]int{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := meListRig(t, deniedOnSFR(15))
			oldDue := r.loop.Now().Add(emm.TAPeriod)
			r.advance(t, time.Hour)
			mark := len(r.log.Kind(KindRegistration))
			tc.act(t, r)
			var entry time.Time // the first #15 after the act
			for _, e := range r.log.Kind(KindRegistration)[mark:] {
				if e.Get("cause") == 15 {
					entry = e.T
					break
				}
			}
			var want []time.Time
			switch tc.want {
			case old:
				want = []time.Time{oldDue}
			case renewed:
				if entry.IsZero() {
					t.Fatal("no #15 after the act")
				}
				want = []time.Time{entry.Add(emm.TAPeriod)}
			}
			end := oldDue
			if !entry.IsZero() && entry.Add(emm.TAPeriod).After(end) {
				end = entry.Add(emm.TAPeriod)
			}
			r.advance(t, end.Sub(r.loop.Now())+time.Minute)
			at, held := erasures(r)
			if !slices.Equal(at, want) {
				t.Fatalf("lists erased at %v, want %v (the first entry's period ends %v)", at, want, oldDue)
			}
			if len(held) != 0 && held[0] != tc.held {
				t.Errorf("erased holding %v, want %v", held[0], tc.held)
			}
		})
	}
}

// TestTAEraseReadFirst: the lists used or changed at their period's
// very instant before the timer runs — a move the world had scheduled
// earlier, its selection reading them; a manual selection's #15 storing
// its area again — find them gone, and the erasure is logged once, then.
func TestTAEraseReadFirst(t *testing.T) {
	for _, tc := range []struct {
		name   string
		manual bool
		reg    Registration // the network's answer at the period's end
		after  []string     // the roaming list after it
	}{
		{"a move: automatic selection", false, servedOnSFR, nil},
		{"a manual selection's #15", true, deniedOnSFR(15), []string{"20810/0101"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			r.card.mu.Lock()
			r.card.sized = true
			r.card.files[0x6F7B] = mustHex(emptyFPLMN)
			r.card.files[0x6FAD] = mustHex("00000002")
			r.card.mu.Unlock()
			r.net.reg = deniedOnSFR(15)
			due := r.loop.Now().Add(2*time.Second + emm.TAPeriod) // the boot attach's reject, then the period
			r.loop.Clock().AfterFunc(due.Sub(r.loop.Now()), func() {
				r.net.reg = tc.reg
				r.m.Reselect()
			})
			r.powerCycle(t)
			r.advance(t, 2*time.Second)
			if tc.manual {
				r.pending(t, `AT+COPS=1,2,"20810"`, 2*time.Second)
			}
			r.advance(t, due.Sub(r.loop.Now())+time.Minute)
			if at, held := erasures(r); !slices.Equal(at, []time.Time{due}) || held[0] != [2]int{0, 1} {
				t.Errorf("lists erased at %v holding %v, want once at %v holding [0 1]", at, held, due)
			}
			var after []string
			r.loop.Do(func() {
				for _, x := range r.m.forbiddenLists().Roaming {
					after = append(after, fmt.Sprintf("%s/%04x", x.PLMN, x.TAC))
				}
			})
			if !slices.Equal(after, tc.after) {
				t.Errorf("the list for roaming after %q, want %q", after, tc.after)
			}
		})
	}
}

// TestTAEraseAfterClose: the erase timer does nothing once the modem is
// closed: no erasure logged, no selection.
func TestTAEraseAfterClose(t *testing.T) {
	r := meListRig(t, Registration{Stat: 1, PLMN: "20801", TAC: 0x3a9c, CellID: 0xc33e, AcT: 7, RSRP: -110,
		Refused: []emm.Reject{{PLMN: "20801", TAC: 0x3a9b, Cause: 15}}})
	n := len(r.net.attaches)
	if err := r.m.Close(); err != nil {
		t.Fatal(err)
	}
	r.advance(t, emm.TAPeriod+time.Minute)
	if at, _ := erasures(r); len(at) != 0 {
		t.Errorf("lists erased at %v after the modem closed", at)
	}
	if len(r.net.attaches) != n {
		t.Errorf("attaches after the modem closed: %q", r.net.attaches[n:])
	}
}

// TestRetryAfterClose: the T3402 retry of a denied attach, armed when the
// modem closes, attaches nowhere after: a closed modem's timers do
// nothing, whichever armed them (afterFunc).
func TestRetryAfterClose(t *testing.T) {
	r := meListRig(t, Registration{Stat: 3, PLMN: "20801", TAC: 0x3a9b, CellID: 0xc33e, AcT: 7, RSRP: -110, Cause: 17,
		Refused: []emm.Reject{{PLMN: "20801", TAC: 0x3a9b, Cause: 17}}})
	n := len(r.net.attaches)
	r.advance(t, 13*time.Minute)
	if len(r.net.attaches) == n {
		t.Fatal("no T3402 retry while open: the test shows nothing")
	}
	n = len(r.net.attaches)
	if err := r.m.Close(); err != nil {
		t.Fatal(err)
	}
	r.advance(t, time.Hour)
	if len(r.net.attaches) != n {
		t.Errorf("attaches after the modem closed: %q", r.net.attaches[n:])
	}
}
