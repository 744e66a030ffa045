package specs

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/esimhil/esimhil/harness"
	"github.com/esimhil/esimhil/harness/dialect"
	"github.com/esimhil/esimhil/harness/framework"
	"github.com/esimhil/esimhil/harness/report"
)

const isdR = "A0000005591010FFFFFFFF8900000100"

var _ = Describe("The modem's AT interface", framework.Emulated, func() {
	DescribeTable("answers malformed lines with an error and keeps the rig running",
		func(line, want string) {
			r := framework.NewRig(framework.Load("roam-fr-preinstalled.yaml"))
			send(r, "AT+CMEE=1")
			if r.Personality.CSIMOnly && (strings.HasPrefix(line, "AT+CCHO") || strings.HasPrefix(line, "AT+CGLA")) {
				want = "ERROR" // the command does not exist in this dialect
			}
			_, final := answer(r, line)
			Expect(final).To(Equal(want))
			Expect(send(r, "AT")).To(BeEmpty(), "the next command still works")
			advanceTo(r, 2*time.Hour)
			Expect(iccid(r)).To(Equal(sfrICCID), "the card still switched")
		},
		Entry("unknown command", "AT+NOSUCH", "ERROR"),
		Entry("overlong line", "AT+CSQ"+strings.Repeat("Q", 2000), "ERROR"),
		Entry("binary junk", "AT\x01\x02\xff", "ERROR"),
		Entry("missing closing quote", `AT+CCHO="A000000559`, "ERROR"),
		Entry("+CSIM length disagrees with the data", `AT+CSIM=10,"00A4"`, "+CME ERROR: 50"),
		Entry("+CGLA on a channel that is not open", `AT+CGLA=3,10,"83F2000000"`, "+CME ERROR: 21"),
	)

	It("reaches the ISD-R the way an LPA does: a logical channel, STORE DATA, close", func() {
		r := framework.NewRig(framework.Load("roam-fr-preinstalled.yaml"))
		advanceTo(r, 2*time.Hour)
		send(r, "AT+CMEE=1")
		h := r.Host()
		ch, err := h.OpenISDR()
		Expect(err).NotTo(HaveOccurred())

		By("GetEuiccData(EID) — BF3E 5C 5A")
		rsp, err := ch.Transmit([]byte{0x80, 0xE2, 0x91, 0x00, 0x06, 0xBF, 0x3E, 0x03, 0x5C, 0x01, 0x5A})
		Expect(err).NotTo(HaveOccurred())
		Expect(fmt.Sprintf("%X", rsp)).To(Equal("BF3E125A10890490320000010000000000000001719000"))

		By("GetProfilesInfo — BF2D: both profiles, SFR enabled")
		rsp, err = ch.Transmit([]byte{0x80, 0xE2, 0x91, 0x00, 0x03, 0xBF, 0x2D, 0x00})
		Expect(err).NotTo(HaveOccurred())
		list := fmt.Sprintf("%X", rsp)
		Expect(list).To(ContainSubstring("5A0A98680000000000000091"), "cmcc ICCID, BCD swapped")
		Expect(list).To(ContainSubstring("5A0A98330100000000000092"), "sfr ICCID, BCD swapped")
		Expect(list).To(HaveSuffix("9000"))

		Expect(ch.Close()).To(Succeed())
		rsp, err = ch.Transmit([]byte{0x80, 0xE2, 0x91, 0x00, 0x03, 0xBF, 0x2D, 0x00})
		switch {
		case r.Personality.CSIMOnly || r.Personality.NoCCHC:
			// Closed with MANAGE CHANNEL: the card itself refuses.
			Expect(err).NotTo(HaveOccurred())
			Expect(dialect.SW(rsp)).NotTo(Equal(uint16(0x9000)), "the channel is closed: the card refuses")
		default:
			Expect(err).To(MatchError(ContainSubstring("+CME ERROR: 21")), "the channel is closed: invalid index")
		}
	})

	It("answers the SIM reads ModemManager makes at start from the enabled profile", func() {
		r := framework.NewRig(framework.Load("home-no-request.yaml"))
		// MM's order: ICCID, IMSI, EF AD (operator id), EF SPN (operator
		// name), EF ECC by READ BINARY (a 2G SIM's layout; a USIM's has
		// records, which the card says).
		Expect(one(r, "AT+CRSM=176,12258,0,0,10")).To(Equal(`+CRSM: 144,0,"98680000000000000091"`))
		Expect(one(r, "AT+CIMI")).To(MatchRegexp(`^46000\d{10}$`))
		Expect(one(r, "AT+CRSM=176,28589,0,0,4")).To(Equal(`+CRSM: 144,0,"00000002"`))
		Expect(one(r, "AT+CRSM=176,28486,0,0,17")).To(Equal(`+CRSM: 144,0,"01` + fmt.Sprintf("%X", "China Mobile") + `FFFFFFFF"`))
		Expect(one(r, "AT+CRSM=176,28599,0,0,15")).To(Equal("+CRSM: 105,129"))
		Expect(one(r, "AT+CRSM=178,28599,1,4,20")).To(Equal(`+CRSM: 144,0,"11F2FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00"`))
		By("GET RESPONSE: the FCP states EF SPN's 17 bytes")
		Expect(one(r, "AT+CRSM=192,28486")).To(ContainSubstring("80020011"))
	})

	It("keeps what the host writes to EF LOCI and EF FPLMN through a modem restart, as a USIM's NVM does", func() {
		r := framework.NewRig(framework.Load("home-no-request.yaml"))
		const loci, fplmn = "1122334464F0000001FF00", "64F010FFFFFFFFFFFFFFFFFF"
		Expect(one(r, `AT+CRSM=214,28542,0,0,11,"`+loci+`"`)).To(Equal("+CRSM: 144,0"))
		Expect(one(r, `AT+CRSM=214,28539,0,0,12,"`+fplmn+`"`)).To(Equal("+CRSM: 144,0"))
		restart(r)
		advance(r, 30*time.Second)
		send(r, "AT") // takes the boot URCs (*ATREADY: 1 of a SIMCom) the restart left
		Expect(one(r, "AT+CRSM=176,28542,0,0,11")).To(Equal(`+CRSM: 144,0,"` + loci + `"`))
		Expect(one(r, "AT+CRSM=176,28539,0,0,12")).To(Equal(`+CRSM: 144,0,"` + fplmn + `"`))
	})

	DescribeTable("passes malformed APDUs to the card, which answers with a status word",
		func(apdu, sw string) {
			r := framework.NewRig(framework.Load("home-no-request.yaml"))
			hex := apdu
			resp := one(r, `AT+CSIM=`+strconv.Itoa(len(hex))+`,"`+hex+`"`)
			Expect(resp).To(HaveSuffix(sw + `"`))
			Expect(send(r, "AT")).To(BeEmpty())
		},
		Entry("unknown instruction", "00FF000000", "6D00"),
		Entry("unknown class", "F0A4000000", "6E00"),
		Entry("file not found", "00A40004023F01", "6A82"),
	)

	// T=0 carries the four short cases only (ISO/IEC 7816-3 §12.2): bytes
	// whose Lc the data contradicts have no TPDU, so the modem refuses
	// them itself and the card (and its lane) never sees them.
	DescribeTable("refuses bytes that are no APDU with +CME ERROR: 50",
		func(apdu string) {
			r := framework.NewRig(framework.Load("home-no-request.yaml"))
			Expect(send(r, "AT+CMEE=1")).To(BeEmpty())
			_, final := answer(r, `AT+CSIM=`+strconv.Itoa(len(apdu))+`,"`+apdu+`"`)
			Expect(final).To(Equal("+CME ERROR: 50"))
			Expect(send(r, "AT")).To(BeEmpty())
		},
		Entry("Lc longer than the data", "00A40004053F00"),
		Entry("Lc shorter than the data", "81E2910004BF3E035C015A"),
		Entry("extended length", "00B000000000FF"),
	)
})

// determinismSeed is the seed the determinism specs run every run of a
// scenario with (and name in their JUnit cases).
const determinismSeed = 42

var _ = Describe("Determinism", framework.Emulated, func() {
	DescribeTable("gives byte-identical events.jsonl for the same scenario and seed", func(file string) {
		s := framework.Load(file)
		dir := GinkgoT().TempDir()
		var logs [][]byte
		AddReportEntry(report.EntrySeed, int64(determinismSeed), ReportEntryVisibilityNever)
		for i := range 2 {
			res := harness.RunScenario(s, harness.Options{Seed: determinismSeed, Dir: filepath.Join(dir, strconv.Itoa(i))})
			Expect(res.Err).NotTo(HaveOccurred())
			Expect(res.Mismatches).To(BeEmpty())
			b, err := os.ReadFile(filepath.Join(res.Dir, harness.EventsFile))
			Expect(err).NotTo(HaveOccurred())
			logs = append(logs, b)
		}
		Expect(bytes.Count(logs[0], []byte("\n"))).To(BeNumerically(">", 10))
		Expect(logs[1]).To(Equal(logs[0]))
	},
		Entry("preinstalled switch", "roam-fr-preinstalled.yaml"),
		Entry("download over TLS, with a tampered package first (TLS randomness never reaches the log)", "roam-fr-download-tampered.yaml"),
		Entry("a second-country fallback", "second-country.yaml"),
		Entry("hours of back-off", "backoff-all-fail.yaml"),
	)

	// The card's request is on its way when the cut strikes: the platform
	// handles it at that instant on its own goroutine. Its events come
	// before the cut's in every run, not wherever the goroutines go.
	It("orders a server's handling of a request before the power cut that follows it", func() {
		s := framework.Variant("roam-fr-download.yaml", "cut-download-requested", nil, "{power_cut: download_requested, actor: euicc}")
		dir := GinkgoT().TempDir()
		var first []byte
		AddReportEntry(report.EntrySeed, int64(determinismSeed), ReportEntryVisibilityNever)
		for i := range 4 {
			res := harness.RunScenario(s, harness.Options{Seed: determinismSeed, Dir: filepath.Join(dir, strconv.Itoa(i))})
			Expect(res.Err).NotTo(HaveOccurred())
			b, err := os.ReadFile(filepath.Join(res.Dir, harness.EventsFile))
			Expect(err).NotTo(HaveOccurred())
			if i == 0 {
				first = b
				served, cut := -1, -1
				for j, line := range strings.Split(string(b), "\n") {
					switch {
					case served < 0 && strings.Contains(line, `"actor":"platform","event":"download_requested"`):
						served = j
					case cut < 0 && strings.Contains(line, `"fault":"power_cut"`):
						cut = j
					}
				}
				Expect(cut).To(BeNumerically(">=", 0), "the cut happened")
				Expect(served).To(BeNumerically(">=", 0), "the platform handled the request")
				Expect(served).To(BeNumerically("<", cut), "the platform's handling comes before the cut")
				continue
			}
			Expect(string(b)).To(Equal(string(first)), "run %d's events.jsonl", i)
		}
	})
})

var _ = Describe("Scenario fixtures", framework.Emulated, func() {
	files, _ := filepath.Glob(filepath.Join(framework.Root(), "fixtures", "scenarios", "*.yaml"))
	for _, f := range files {
		It("meets the expectations of "+filepath.Base(f), func() {
			s := framework.Load(filepath.Base(f))
			res := harness.RunScenario(s, harness.Options{Seed: GinkgoRandomSeed(), Dir: GinkgoT().TempDir()})
			// What the run can say of itself; its artifacts go with
			// the temporary directory, so it names none.
			AddReportEntry(report.EntrySeed, res.Seed, ReportEntryVisibilityNever)
			AddReportEntry(report.EntrySimulated, res.Simulated.String(), ReportEntryVisibilityNever)
			Expect(res.Err).NotTo(HaveOccurred())
			Expect(res.Mismatches).To(BeEmpty())
		})
	}
})
