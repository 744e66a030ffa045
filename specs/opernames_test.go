package specs

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/esimhil/esimhil/harness/dialect"
	"github.com/esimhil/esimhil/harness/framework"
	"github.com/esimhil/esimhil/internal/codec/at"
	"github.com/esimhil/esimhil/internal/codec/cscs"
)

// An operator the world names outside ASCII is answered in the TE
// character set the host chose (TS 27.007 §5.5) and read back by the host
// as the world named it: whole under UCS2; under GSM whatever the TS
// 23.038 default alphabet and its extension table hold ('@' as 0x00, 'é'
// 0x05, '€' as ESC 0x65), '?' for what they lack; under IRA '?' for all
// that is not ASCII — never the name's UTF-8 bytes (t185 F7).
var _ = Describe("An operator named outside ASCII", framework.Emulated, func() {
	It("is read back by the host under UCS2, GSM and IRA", func() {
		s := framework.Load("subscriber-numbers.yaml")
		const name = "中国移动 @ Télécom €"
		for i := range s.Network.Operators {
			if s.Network.Operators[i].PLMN == "46000" {
				s.Network.Operators[i].Name = name
			}
		}
		r := framework.NewRig(s)
		advance(r, 10*time.Second)
		Expect(servingPLMN(r)).To(Equal("46000"))
		send(r, "AT+CMEE=1;+COPS=3,0")
		for _, c := range []struct{ cs, want string }{
			{"UCS2", name},
			{"GSM", "???? @ Télécom €"},
			{"IRA", "???? @ T?l?com ?"},
		} {
			send(r, `AT+CSCS="`+c.cs+`"`)
			cops, ok := dialect.ReadCOPS(one(r, "AT+COPS?"))
			Expect(ok).To(BeTrue())
			Expect(cops.Format).To(Equal(0))
			got, err := dialect.OperText(cops.Oper, c.cs)
			Expect(err).NotTo(HaveOccurred(), c.cs)
			Expect(got).To(Equal(c.want), c.cs)
		}
	})

	// A quote or a backslash in a name goes as a V.250 string constant's
	// \22 and \5C (§5.4.2.2), so the host finds the closing quote; the
	// host selects by the name with the same escapes, and with \hh for
	// the GSM codes a command line cannot carry as bytes (t190, t197).
	It("is read back and selected by with '\"' and '\\' in it", func() {
		s := framework.Load("subscriber-numbers.yaml")
		const name = `Tele "2" a\b Öl @`
		for i := range s.Network.Operators {
			if s.Network.Operators[i].PLMN == "46000" {
				s.Network.Operators[i].Name = name
			}
		}
		r := framework.NewRig(s)
		advance(r, 10*time.Second)
		Expect(servingPLMN(r)).To(Equal("46000"))
		send(r, "AT+CMEE=1;+COPS=3,0")
		for _, c := range []struct{ cs, want string }{
			{"UCS2", name},
			{"GSM", name},
			{"IRA", `Tele "2" a\b ?l @`},
		} {
			send(r, `AT+CSCS="`+c.cs+`"`)
			cops, ok := dialect.ReadCOPS(one(r, "AT+COPS?"))
			Expect(ok).To(BeTrue(), c.cs)
			Expect(cops.Format).To(Equal(0))
			got, err := dialect.OperText(cops.Oper, c.cs)
			Expect(err).NotTo(HaveOccurred(), c.cs)
			Expect(got).To(Equal(c.want), c.cs)
			sel := `AT+COPS=1,0,"` + at.EscapeCommandString(cscs.Encode(c.cs, got)) + `"`
			if got != name {
				// IRA lost the 'Ö': no visible network has that name.
				_, final := answer(r, sel)
				Expect(final).To(Equal("+CME ERROR: 30"), c.cs)
				continue
			}
			send(r, sel)
			advance(r, 10*time.Second)
			manual, ok := dialect.ReadCOPS(one(r, "AT+COPS?"))
			Expect(ok).To(BeTrue(), c.cs)
			Expect(manual).To(Equal(dialect.COPS{Mode: 1, Format: 0, Oper: cops.Oper, AcT: cops.AcT}), c.cs)
		}
	})
})
