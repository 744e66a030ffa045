package specs

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/esimhil/esimhil/harness/dialect"
	"github.com/esimhil/esimhil/harness/framework"
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
})
