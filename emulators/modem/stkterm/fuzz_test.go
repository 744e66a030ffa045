package stkterm

import (
	"testing"

	"github.com/esimhil/esimhil/internal/codec/stk"
)

// FuzzProactiveCommand feeds arbitrary bytes to the terminal as a fetched
// proactive command: it must answer (or, for REFRESH with reset, stay
// silent) and never panic. DataReady is false so no fuzzed address is
// dialled.
func FuzzProactiveCommand(f *testing.F) {
	for _, c := range []stk.Command{
		stk.NewTimerStart(1, 1, 90),
		stk.NewProvideLocalInfo(1, stk.PLINMR),
		stk.NewProvideLocalInfo(1, stk.PLIIMEI),
		stk.NewProvideLocalInfo(1, stk.PLIDateTime),
		stk.NewProvideLocalInfo(1, stk.PLILanguage),
		stk.NewSetUpEventList(1, stk.EventLocationStatus),
		stk.NewReceiveData(1, 1, 10),
		stk.NewRefresh(1, stk.RefreshUICCReset),
	} {
		b, err := c.Encode()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte{0xD0, 0x03, 0x81, 0x01})
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) == 0 || len(b) > 255 {
			return
		}
		r := newRig(t)
		r.host.dataReady = false
		r.card.pushRaw(b)
		r.start(t)
		sawTR := len(r.card.trs) == 1
		if !sawTR && len(r.host.refreshes) == 0 {
			t.Fatalf("no terminal response to % X", b)
		}
	})
}
