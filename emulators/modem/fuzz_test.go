package modem

import (
	"testing"

	"github.com/esimhil/esimhil/emulators/clock"
	"github.com/esimhil/esimhil/internal/codec/at"
)

// FuzzInterpreter runs arbitrary bytes through the splitter, the echo and
// the AT interpreter of a booted modem (no pty): no panic, and every line
// gets an answer.
func FuzzInterpreter(f *testing.F) {
	for _, s := range []string{
		"AT\r", "AT+CMEE=2;+CEREG=2;+CEREG?\r", `AT+CSIM=14,"00A40004023F00"` + "\r",
		`AT+CCHO="A0000005591010FFFFFFFF8900000100";+CGLA=1,10,"80E2910000"` + "\r",
		"AT+CRSM=176,28423,0,0,9,,\"3F007FFF\"\r", "AT+CFUN=1,1\r", "AT+CFUN=0;+CPIN?\r",
		"AT+COPS=?;+COPS=2;+COPS=0\r", "ATV0E0Z\r", "AT+CRSM=214,12258,0,0,1,\"FF\"\r", "AT\x00\r",
		`AT+CGDCONT=1,"IP","iot.example";+CGDCONT?;+CGDCONT=?` + "\r", `AT+CGDCONT=5,"ipv6","ims","fd00::1",1,3` + "\r",
		"AT+CGDCONT=2\r", `AT+CGDCONT=1,"IP","apn` + "\r", "AT+CGATT?;+CGATT=0;+CGATT=1;+CGATT=?\r",
		`AT+CCLK="26/02/28,23:59:59-14";+CCLK?;+CCLK=?` + "\r", "AT&FE0V1X1&C1&D2S0=0;S3?;S0=?\r", `AT+COPS=1,2,"20801",7;+COPS?;+COPS=4,0,"Orange F";+COPS=0` + "\r", `AT+CPSMS=1,,,"00100100","00000001";+CPSMS?;+CEDRXS=2,5,"0101";+CEDRXS?;+CEDRXRDP` + "\r", `AT+CSCS="GSM";+CSCS?;+CNUM` + "\r", `AT+CCLK="26/02/30,00:00:00+97"` + "\r",
		"AT+CGACT=1,1,2;+CGACT?;+CGACT=0;+CGACT=?\r", "AT+CFUN=4;+CGACT=1\r", "AT+CGACT=1,x,\r",
		`AT+CPIN="1234";+CPIN?;+CPIN="12345678","0000";+CPINR;+CPINR="SIM*"` + "\r",
		`AT+CLCK="SC",2;+CLCK="SC",1,"0000";+CLCK="SC",0,"0000";+CPWD="SC","0000","1234";+CPWD="P2",1,2` + "\r",
		`AT+CSIM=10,"0020000100";+CSIM=26,"002000010831323334FFFFFFFF"` + "\r",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		loop := clock.NewLoop(clock.NewVirtual(clock.Epoch))
		card := newFakeCard()
		m, err := New(Options{Loop: loop, Card: card, Network: &fakeNet{reg: roaming()}, STK: &fakeSTK{card: card}})
		if err != nil {
			t.Fatal(err)
		}
		loop.Do(func() { m.st.fun = 1; m.boot() })
		var sp at.Splitter
		for _, p := range frameTyped(&sp, data, nil) {
			before := len(m.out.q)
			restarting := m.st.restarting
			loop.Do(func() { m.take(p) })
			if p.ends && !restarting && len(m.out.q) == before {
				t.Fatalf("no answer to %q", p.line.Text)
			}
		}
		if err := loop.Advance(20e9); err != nil {
			t.Fatal(err)
		}
	})
}
