package specs

import (
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/esimhil/esimhil/harness"
	"github.com/esimhil/esimhil/harness/framework"
	"github.com/esimhil/esimhil/internal/codec/at"
	"github.com/esimhil/esimhil/internal/codec/fcp"
	"github.com/esimhil/esimhil/internal/codec/tlv"
)

// strictEF is a USIM file as a strict reader (pySim-read, a modem at
// power-up) knows it from TS 31.102 §4.2.
type strictEF struct {
	name      string
	fid       int
	mandatory bool  // for every USIM, or read at power-up (EF LI)
	services  []int // EF UST services that make it present
	want      string
}

var strictEFs = []strictEF{
	{name: "LI", fid: 0x6F05, mandatory: true},
	{name: "IMSI", fid: 0x6F07, mandatory: true},
	{name: "ARR", fid: 0x6F06, mandatory: true},
	{name: "Keys", fid: 0x6F08, mandatory: true, want: "07" + strings.Repeat("FF", 32)},
	{name: "KeysPS", fid: 0x6F09, mandatory: true, want: "07" + strings.Repeat("FF", 32)},
	{name: "HPPLMN", fid: 0x6F31, mandatory: true},
	{name: "UST", fid: 0x6F38, mandatory: true},
	{name: "START-HFN", fid: 0x6F5B, mandatory: true, want: "F00000F00000"},
	{name: "THRESHOLD", fid: 0x6F5C, mandatory: true, want: "FFFFFF"},
	{name: "PSLOCI", fid: 0x6F73, mandatory: true},
	{name: "ACC", fid: 0x6F78, mandatory: true},
	{name: "FPLMN", fid: 0x6F7B, mandatory: true},
	{name: "LOCI", fid: 0x6F7E, mandatory: true},
	{name: "AD", fid: 0x6FAD, mandatory: true},
	{name: "ECC", fid: 0x6FB7, mandatory: true},
	{name: "NETPAR", fid: 0x6FC4, mandatory: true},
	{name: "SMS", fid: 0x6F3C, services: []int{10}},
	{name: "SMSS", fid: 0x6F43, services: []int{10}},
	{name: "SMSP", fid: 0x6F42, services: []int{12}},
	{name: "SPN", fid: 0x6F46, services: []int{19}},
	{name: "MSISDN", fid: 0x6F40, services: []int{21}, want: strings.Repeat("FF", 28)},
	{name: "PLMNwAcT", fid: 0x6F60, services: []int{20}},
	{name: "OPLMNwAcT", fid: 0x6F61, services: []int{42}},
	{name: "HPLMNwAcT", fid: 0x6F62, services: []int{43}},
	{name: "EPSLOCI", fid: 0x6FE3, services: []int{85}},
	{name: "EPSNSC", fid: 0x6FE4, services: []int{85}},
}

var crsmLine = regexp.MustCompile(`^\+CRSM: (\d+),(\d+)(?:,"([0-9A-F]*)")?$`)

// crsm runs one +CRSM command that must succeed (144,0) and returns its
// response bytes.
func crsm(r *harness.Rig, cmd string) []byte {
	GinkgoHelper()
	line := one(r, cmd)
	m := crsmLine.FindStringSubmatch(line)
	Expect(m).NotTo(BeNil(), "%s answered %q", cmd, line)
	Expect(m[1]+","+m[2]).To(Equal("144,0"), "%s answered %q", cmd, line)
	b, err := hex.DecodeString(m[3])
	Expect(err).NotTo(HaveOccurred())
	return b
}

// readAll reads a USIM file whole the way a host tool does: GET RESPONSE
// for its FCP, then READ BINARY of its size or READ RECORD of each record.
func readAll(r *harness.Rig, fid int) []byte {
	GinkgoHelper()
	params, err := fcp.Parse(crsm(r, fmt.Sprintf("AT+CRSM=192,%d", fid)))
	Expect(err).NotTo(HaveOccurred())
	n, desc := params.Size, params.Descriptor
	switch desc.Structure {
	case fcp.Transparent:
		b := crsm(r, fmt.Sprintf("AT+CRSM=176,%d,0,0,%d", fid, n))
		Expect(b).To(HaveLen(n))
		return b
	case fcp.LinearFixed:
		Expect(desc.RecLen * desc.Records).To(Equal(n))
		var all []byte
		for i := 1; i <= desc.Records; i++ {
			b := crsm(r, fmt.Sprintf("AT+CRSM=178,%d,%d,4,%d", fid, i, desc.RecLen))
			Expect(b).To(HaveLen(desc.RecLen))
			all = append(all, b...)
		}
		return all
	}
	Fail(fmt.Sprintf("file %04X: a %s", fid, desc.Structure))
	return nil
}

var _ = Describe("The enabled profile's USIM", framework.Emulated, func() {
	It("answers +CRSM for every file TS 31.102 makes mandatory and every file a service of its EF UST needs", func() {
		r := framework.NewRig(framework.Load("home-no-request.yaml"))
		ust := readAll(r, 0x6F38)
		announced := map[int]bool{}
		for n := 1; n <= 8*len(ust); n++ {
			announced[n] = ust[(n-1)/8]&(1<<((n-1)%8)) != 0
		}
		tied := map[int]bool{33: true} // TS 31.102 §4.2.8: set to '1', no files of its own
		for _, f := range strictEFs {
			for _, s := range f.services {
				tied[s] = true
			}
		}
		for n, on := range announced {
			Expect(!on || tied[n]).To(BeTrue(), "EF UST announces service %d, which the table does not know", n)
		}
		// The read pySim-read and a modem at power-up make of EF Keys.
		Expect(one(r, "AT+CRSM=176,28424,0,0,33")).To(Equal(`+CRSM: 144,0,"07` + strings.Repeat("FF", 32) + `"`))
		for _, f := range strictEFs {
			needed := f.mandatory
			for _, s := range f.services {
				needed = needed || announced[s]
			}
			if !needed {
				continue
			}
			By(fmt.Sprintf("EF %s (%04X)", f.name, f.fid))
			b := readAll(r, f.fid)
			if f.want != "" {
				Expect(fmt.Sprintf("%X", b)).To(Equal(f.want))
			}
		}
	})

	It("holds its operator's hplmn_search in EF HPPLMN, preinstalled and downloaded", func() {
		s := framework.Load("roam-fr-download.yaml")
		off, twoHours := time.Duration(0), 2*time.Hour
		for i, o := range s.Network.Operators {
			switch o.ID {
			case "cmcc":
				s.Network.Operators[i].HPLMNSearch = &off
			case "sfr":
				s.Network.Operators[i].HPLMNSearch = &twoHours
			}
		}
		r := framework.NewRig(s)
		By("China Mobile's preinstalled profile: no search, '00'")
		Expect(readAll(r, 0x6F31)).To(Equal([]byte{0x00}))
		advanceTo(r, 2*time.Hour)
		Expect(servingPLMN(r)).To(Equal("20810"), "on SFR's downloaded profile")
		By("SFR's profile, from its SM-DP+: 2 h, 20 × 6 min, '14'")
		Expect(readAll(r, 0x6F31)).To(Equal([]byte{0x14}))
	})

	It("keeps what the host writes to EF Keys, START-HFN, SMS, SMSS and EPSNSC through a modem restart", func() {
		r := framework.NewRig(framework.Load("home-no-request.yaml"))
		writes := []struct{ write, read, data string }{
			{"AT+CRSM=214,28424,0,0,33", "AT+CRSM=176,28424,0,0,33", "02" + strings.Repeat("11", 32)},
			{"AT+CRSM=214,28507,0,0,6", "AT+CRSM=176,28507,0,0,6", "F00123F00456"},
			{"AT+CRSM=220,28476,2,4,176", "AT+CRSM=178,28476,2,4,176", "01" + strings.Repeat("5A", 175)},
			{"AT+CRSM=214,28483,0,0,2", "AT+CRSM=176,28483,0,0,2", "2AFE"},
			{"AT+CRSM=220,28644,1,4,80", "AT+CRSM=178,28644,1,4,80", "A0348001018120" + strings.Repeat("AB", 32) +
				"820400000005830400000007840112" + strings.Repeat("FF", 26)},
		}
		for _, w := range writes {
			Expect(one(r, w.write+`,"`+w.data+`"`)).To(Equal("+CRSM: 144,0"), w.write)
		}
		Expect(one(r, `AT+CRSM=214,28508,0,0,3,"F00100"`)).To(Equal("+CRSM: 105,130"), "EF THRESHOLD is the operator's (ADM)")
		restart(r)
		advance(r, 30*time.Second)
		send(r, "AT") // takes the boot URCs the restart left
		for _, w := range writes {
			Expect(one(r, w.read)).To(Equal(`+CRSM: 144,0,"`+w.data+`"`), w.read)
		}
		Expect(one(r, "AT+CRSM=176,28508,0,0,3")).To(Equal(`+CRSM: 144,0,"FFFFFF"`))
	})
})

// csimAPDU sends one APDU through +CSIM, which is transparent (no GET
// RESPONSE), and returns the response: data, then the status word.
func csimAPDU(r *harness.Rig, x string) (data []byte, sw string) {
	GinkgoHelper()
	line := one(r, fmt.Sprintf(`AT+CSIM=%d,"%s"`, len(x), x))
	a, ok, err := at.ParseHexAnswer(line, "+CSIM")
	Expect(ok).To(BeTrue(), "%s answered %q", x, line)
	Expect(err).NotTo(HaveOccurred(), line)
	Expect(a.LengthOK()).To(BeTrue(), line)
	n := len(a.Data)
	return a.Data[:n-2], fmt.Sprintf("%X", a.Data[n-2:])
}

// csimSelect selects as pySim does over a modem: SELECT with P2 04 (return
// the FCP) and no Le, answered 61xx, then GET RESPONSE of those bytes.
func csimSelect(r *harness.Rig, sel string) tlv.TLV {
	GinkgoHelper()
	_, sw := csimAPDU(r, sel)
	Expect(sw).To(HavePrefix("61"), sel)
	data, sw := csimAPDU(r, "00C00000"+sw[2:])
	Expect(sw).To(Equal("9000"))
	fcp, rest, err := tlv.ParseOne(data)
	Expect(err).NotTo(HaveOccurred())
	Expect(rest).To(BeEmpty())
	Expect(fcp.Tag).To(Equal(uint32(0x62)), "%X", data)
	return fcp
}

var _ = Describe("The USIM's file control parameters", framework.Emulated, func() {
	It("tell a host reading EF LOCI over +CSIM as pySim does its SFI, size and access rule, and the rule is in EF ARR", func() {
		r := framework.NewRig(framework.Load("home-no-request.yaml"))
		// The USIM's AID from EF DIR, then ADF USIM by it, then EF LOCI.
		csimSelect(r, "00A40004023F00")
		dir := csimSelect(r, "00A40004022F00")
		desc, _ := dir.Find(0x82)
		Expect(desc.Value).To(HaveLen(5))
		rec, sw := csimAPDU(r, fmt.Sprintf("00B20104%02X", desc.Value[3]))
		Expect(sw).To(Equal("9000"))
		app, _, err := tlv.ParseOne(rec)
		Expect(err).NotTo(HaveOccurred())
		aid, ok := app.Find(0x4F)
		Expect(ok).To(BeTrue(), "EF DIR record %X", rec)
		adf := csimSelect(r, fmt.Sprintf("00A4040410%X", aid.Value))
		pins, ok := adf.Find(0xC6)
		Expect(ok).To(BeTrue(), "ADF USIM FCP without a PIN status template")
		Expect(fmt.Sprintf("%X", pins.Value)).To(Equal("90016083010183018183010A"), "PIN1 disabled, PIN2 and ADM1 enabled")

		loci := csimSelect(r, "00A40004026F7E")
		want := map[uint32]string{
			0x82: "4121",   // transparent
			0x83: "6F7E",   //
			0x8A: "05",     // operational, activated
			0x8B: "6F0605", // EF ARR 6F06, record 5
			0x80: "000B",   // 11 bytes
			0x88: "58",     // SFI 0B in b8-b4
		}
		for tag, v := range want {
			got, ok := loci.Find(tag)
			Expect(ok).To(BeTrue(), "EF LOCI FCP without %X", tag)
			Expect(fmt.Sprintf("%X", got.Value)).To(Equal(v), "EF LOCI FCP's %X", tag)
		}
		// Record 5 of the EF ARR beside it: read and update PIN1 (disabled).
		csimSelect(r, "00A40004026F06")
		rule, sw := csimAPDU(r, "00B2050428")
		Expect(sw).To(Equal("9000"))
		Expect(fmt.Sprintf("%X", rule)).To(HavePrefix("800103A406830101950108FF"))
		// EF SPN has no SFI, which an empty 88 says (absent, it would be 06).
		spn := csimSelect(r, "00A40004026F46")
		sfi, ok := spn.Find(0x88)
		Expect(ok).To(BeTrue())
		Expect(sfi.Value).To(BeEmpty())
	})
})

// epsLOCI is EF EPSLOCI's content as TS 31.102 §4.2.91 lays it out:
// the GUTI's PLMN (its EPS mobile identity: length, type, then the PLMN),
// the last visited registered TAI and the update status, in hex.
type epsLOCI struct{ gutiHead, tai, status string }

func parseEPSLOCI(b []byte) epsLOCI {
	GinkgoHelper()
	Expect(b).To(HaveLen(18), "EF EPSLOCI %X", b)
	return epsLOCI{gutiHead: fmt.Sprintf("%X", b[:5]), tai: fmt.Sprintf("%X", b[12:17]), status: fmt.Sprintf("%02X", b[17])}
}

var _ = Describe("EF EPSLOCI", framework.Emulated, func() {
	It("is written by the modem as it registers: the network's GUTI and TAI after an attach, roaming not allowed after a reject that says so", func() {
		r := framework.NewRig(framework.Load("fallback-reject-then-preinstalled.yaml"))
		// At home on China Mobile (46000: 64F000 in BCD), TAI of its cell.
		advance(r, time.Minute)
		send(r, "AT+CEREG=2")
		tac := regexp.MustCompile(`^\+CEREG: 2,1,"([0-9A-Fa-f]{4})"`).FindStringSubmatch(one(r, "AT+CEREG?"))
		Expect(tac).NotTo(BeNil())
		home := parseEPSLOCI(crsm(r, "AT+CRSM=176,28643,0,0,18"))
		Expect(home).To(Equal(epsLOCI{gutiHead: "0BF664F000", tai: "64F000" + strings.ToUpper(tac[1]), status: "00"}))

		advanceTo(r, 2*time.Hour)
		// Orange (20801: 02F810) at home, on the Paris cell's TAC 3A9B.
		Expect(parseEPSLOCI(crsm(r, "AT+CRSM=176,28643,0,0,18"))).To(Equal(epsLOCI{gutiHead: "0BF602F810", tai: "02F8103A9B", status: "00"}))

		// Every write on the wire, in order: China Mobile at home, then
		// roaming on Orange; the SFR profile's attach ends rejected (SFR
		// says EMM #15, then Orange #11: no roaming agreement), which
		// deletes the GUTI and the TAI (TAC FFFE) with EU3; China Mobile
		// back on Orange; Orange at home.
		var writes []epsLOCI
		l := apduLane(r)
		selected := uint16(0)
		for _, a := range l.APDUs {
			switch {
			case a.Name == "SELECT" && a.P1 == 0x00:
				selected = a.File
			case a.Name == "SELECT" && a.P1 == 0x08: // by path from the MF, as a baseband selects
				Expect(fmt.Sprintf("%X", a.Data)).To(Equal("7FFF6FE3"))
				Expect(a.SW).To(Equal(uint16(0x9000)))
				selected = 0x6FE3
			case a.Name == "UPDATE BINARY" && selected == 0x6FE3:
				Expect(a.SW).To(Equal(uint16(0x9000)))
				writes = append(writes, parseEPSLOCI(a.Data))
			}
		}
		Expect(writes).To(Equal([]epsLOCI{
			{"0BF664F000", "64F000" + strings.ToUpper(tac[1]), "00"},
			{"0BF602F810", "02F8103A9B", "00"},
			{"FFFFFFFFFF", "02F810FFFE", "02"},
			{"0BF602F810", "02F8103A9B", "00"},
			{"0BF602F810", "02F8103A9B", "00"},
		}))
	})
})

var _ = Describe("EF FPLMN", framework.Emulated, func() {
	It("gets the network that rejected the attach with EMM #11 (PLMN not allowed), on the profile it rejected, and nothing for other causes", func() {
		r := framework.NewRig(framework.Load("fallback-reject-then-preinstalled.yaml"))
		advanceTo(r, 2*time.Hour)
		// Orange's own profile, enabled at the end, was never refused.
		Expect(fmt.Sprintf("%X", crsm(r, "AT+CRSM=176,28539,0,0,12"))).To(Equal(strings.Repeat("FF", 12)))

		// The SFR profile was: SFR said #15 (no suitable cells: no entry),
		// then Orange #11, with no roaming agreement for SFR's
		// subscribers: Orange (20801, 02F810 in BCD) into the first entry,
		// read whole first (its size from the FCP), written once.
		l := apduLane(r)
		var reads, writes []string
		selected := uint16(0)
		for _, a := range l.APDUs {
			switch {
			case a.Name == "SELECT" && a.P1 == 0x00:
				selected = a.File
			case a.Name == "SELECT" && a.P1 == 0x08:
				selected = 0
			case a.Name == "READ BINARY" && selected == 0x6F7B:
				Expect(a.SW).To(Equal(uint16(0x9000)))
				reads = append(reads, fmt.Sprintf("%X", a.Response))
			case a.Name == "UPDATE BINARY" && selected == 0x6F7B:
				Expect(a.SW).To(Equal(uint16(0x9000)))
				writes = append(writes, fmt.Sprintf("%X", a.Data))
			}
		}
		Expect(writes).To(Equal([]string{"02F810" + strings.Repeat("FF", 9)}))
		Expect(reads).NotTo(BeEmpty())
		Expect(reads[0]).To(Equal(strings.Repeat("FF", 12)))
	})
})
