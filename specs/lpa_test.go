package specs

// A third-party LPA on the host: it opens the modem's tty itself, speaks AT
// with its own small client (not harness/atclient, not harness/dialect),
// reaches the ISD-R with ES10 in STORE DATA and talks ES9+ to the SM-DP+
// over HTTPS, trusting only the test CI the rig writes to ci.pem.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"golang.org/x/term"

	"github.com/esimhil/esimhil/emulators/modem"
	"github.com/esimhil/esimhil/emulators/rsp"
	"github.com/esimhil/esimhil/harness"
	"github.com/esimhil/esimhil/harness/framework"
	"github.com/esimhil/esimhil/internal/codec/tlv"
)

// lpaScenario: the device stays at home on CMCC; SFR runs an SM-DP+ and its
// subscribers roam on CMCC, so a profile downloaded by the LPA can attach.
const lpaScenario = `
name: lpa-host
seed: 1
network:
  operators:
    - {id: cmcc, plmn: "46000", country: CN, name: China Mobile}
    - {id: sfr, plmn: "20810", country: FR, name: SFR, tariff: 0.5, smdp: smdp.sfr.test}
  roaming:
    - {home: sfr, visited: cmcc}
  cells:
    - {area: CN-Beijing, operator: cmcc, rsrp: -80}
device:
  eid: "89049032000001000000000000000171"
  check_interval: 30m
  profiles:
    - {iccid: "89860000000000000019", operator: cmcc, enabled: true}
platform:
  preferred:
    FR: [sfr]
itinerary:
  - {at: 0s, area: CN-Beijing}
`

// ttyClient is the LPA's AT client: a line reader over the tty's os.File.
type ttyClient struct {
	f     *os.File
	p     modem.Personality
	lines chan string
	urcs  []string
}

func openTTY(path string, p modem.Personality) *ttyClient {
	GinkgoHelper()
	f, err := os.OpenFile(path, os.O_RDWR|syscall.O_NOCTTY, 0)
	Expect(err).NotTo(HaveOccurred())
	rc, err := f.SyscallConn()
	Expect(err).NotTo(HaveOccurred())
	var rawErr error
	Expect(rc.Control(func(fd uintptr) { _, rawErr = term.MakeRaw(int(fd)) })).To(Succeed())
	Expect(rawErr).NotTo(HaveOccurred())
	t := &ttyClient{f: f, p: p, lines: make(chan string, 256)}
	go t.read()
	DeferCleanup(f.Close)
	return t
}

// read splits the byte stream into lines on CR or LF, dropping empty ones.
func (t *ttyClient) read() {
	defer close(t.lines)
	br := bufio.NewReader(t.f)
	var cur []byte
	for {
		b, err := br.ReadByte()
		if err != nil {
			return
		}
		if b != '\r' && b != '\n' {
			cur = append(cur, b)
			continue
		}
		if len(cur) > 0 {
			t.lines <- string(cur)
			cur = cur[:0]
		}
	}
}

func isFinal(l string) bool {
	return l == "OK" || l == "ERROR" || strings.HasPrefix(l, "+CME ERROR:")
}

// cmd sends a command line and returns the lines accepted by answer and the
// final result; everything else that arrives meanwhile is kept as a URC.
func (t *ttyClient) cmd(line string, answer func(string) bool) ([]string, string) {
	GinkgoHelper()
	_, err := io.WriteString(t.f, line+"\r")
	Expect(err).NotTo(HaveOccurred())
	var info []string
	deadline := time.After(5 * time.Second)
	for {
		select {
		case l, ok := <-t.lines:
			Expect(ok).To(BeTrue(), "tty closed while waiting for %s", line)
			switch {
			case l == line: // echo
			case isFinal(l):
				return info, l
			case answer != nil && answer(l):
				info = append(info, l)
			default:
				t.urcs = append(t.urcs, l)
			}
		case <-deadline:
			Fail("no final result for " + line)
		}
	}
}

func prefixed(p string) func(string) bool {
	return func(l string) bool { return strings.HasPrefix(l, p) }
}

// ok runs a command that must answer OK with exactly one answer line.
func (t *ttyClient) one(line string, answer func(string) bool) string {
	GinkgoHelper()
	info, final := t.cmd(line, answer)
	Expect(final).To(Equal("OK"), line)
	Expect(info).To(HaveLen(1), line)
	return info[0]
}

// takeURCs returns and forgets the URCs seen so far (after an AT round trip
// has flushed the pty).
func (t *ttyClient) takeURCs() []string {
	GinkgoHelper()
	_, final := t.cmd("AT", nil)
	Expect(final).To(Equal("OK"))
	u := t.urcs
	t.urcs = nil
	return u
}

var hexAnswer = regexp.MustCompile(`^\+(CSIM|CGLA): (\d+),"([0-9A-F]*)"$`)

// apdu sends one APDU, through +CGLA on session or, CSIM-only, through
// +CSIM with the channel in CLA; it returns data and SW.
func (t *ttyClient) apdu(session, channel int, csim bool, a []byte) []byte {
	GinkgoHelper()
	x := fmt.Sprintf("%X", a)
	var l string
	if csim {
		l = t.one(fmt.Sprintf(`AT+CSIM=%d,"%s"`, len(x), x), prefixed("+CSIM: "))
	} else {
		l = t.one(fmt.Sprintf(`AT+CGLA=%d,%d,"%s"`, session, len(x), x), prefixed("+CGLA: "))
	}
	m := hexAnswer.FindStringSubmatch(l)
	Expect(m).NotTo(BeNil(), l)
	Expect(strconv.Atoi(m[2])).To(Equal(len(m[3])), "length field of "+l)
	b, err := hex.DecodeString(m[3])
	Expect(err).NotTo(HaveOccurred())
	Expect(len(b)).To(BeNumerically(">=", 2))
	return b
}

// isdr is an open logical channel to the ISD-R.
type isdr struct {
	t                *ttyClient
	session, channel int
	csim             bool
}

const isdrAID = "A0000005591010FFFFFFFF8900000100"

var cchoAnswer = regexp.MustCompile(`^(\+CCHO: )?(\d+)$`)

func (t *ttyClient) openISDR() *isdr {
	GinkgoHelper()
	if t.p.CSIMOnly {
		r := t.apdu(0, 0, true, []byte{0x00, 0x70, 0x00, 0x00, 0x01})
		Expect(r).To(HaveLen(3))
		Expect(r[1:]).To(Equal([]byte{0x90, 0x00}), "MANAGE CHANNEL open")
		c := &isdr{t: t, session: int(r[0]), channel: int(r[0]), csim: true}
		aid, _ := hex.DecodeString(isdrAID)
		sel := c.transmit(append([]byte{0x00, 0xA4, 0x04, 0x00, byte(len(aid))}, aid...))
		Expect(sel[len(sel)-2]).To(Equal(byte(0x90)), "SELECT ISD-R")
		return c
	}
	l := t.one(`AT+CCHO="`+isdrAID+`"`, func(l string) bool { return cchoAnswer.MatchString(l) })
	id, err := strconv.Atoi(cchoAnswer.FindStringSubmatch(l)[2])
	Expect(err).NotTo(HaveOccurred())
	c := &isdr{t: t, session: id}
	if id < 20 {
		c.channel = id
	}
	return c
}

func claFor(cla byte, ch int) byte {
	if ch < 4 {
		return cla&0x90 | byte(ch)
	}
	return cla&0x90 | 0x40 | byte(ch-4)
}

// transmit sends an APDU on the channel; on the +CSIM path it follows 61xx
// with GET RESPONSE itself (+CGLA modems do it for the host).
func (c *isdr) transmit(a []byte) []byte {
	GinkgoHelper()
	if !c.csim {
		return c.t.apdu(c.session, c.channel, false, a)
	}
	a = append([]byte(nil), a...)
	a[0] = claFor(a[0], c.channel)
	r := c.t.apdu(0, 0, true, a)
	var data []byte
	for i := 0; r[len(r)-2] == 0x61; i++ {
		Expect(i).To(BeNumerically("<", 64), "endless 61xx")
		data = append(data, r[:len(r)-2]...)
		r = c.t.apdu(0, 0, true, []byte{claFor(0x00, c.channel), 0xC0, 0x00, 0x00, r[len(r)-1]})
	}
	return append(data, r...)
}

// es10 sends one ES10 request in STORE DATA blocks and returns the answer
// without its SW, which must be 9000.
func (c *isdr) es10(req []byte) []byte {
	GinkgoHelper()
	var r []byte
	for blk := 0; ; blk++ {
		n := min(len(req), 255)
		p1 := byte(0x11)
		if n == len(req) {
			p1 = 0x91
		}
		r = c.transmit(append([]byte{0x80, 0xE2, p1, byte(blk), byte(n)}, req[:n]...))
		// 91xx: done, and the card has a proactive command (the REFRESH
		// after an enable) that the modem fetches on its own.
		Expect(fmt.Sprintf("%X", r[len(r)-2:])).To(MatchRegexp(`^(9000|91..)$`), "STORE DATA block %d", blk)
		req = req[n:]
		if p1 == 0x91 {
			return r[:len(r)-2]
		}
	}
}

func (c *isdr) close() {
	GinkgoHelper()
	if c.csim || c.t.p.NoCCHC {
		Expect(c.channel).To(BeNumerically(">", 0))
		r := c.t.apdu(0, 0, true, []byte{0x00, 0x70, 0x80, byte(c.channel), 0x00})
		Expect(fmt.Sprintf("%X", r)).To(Equal("9000"), "MANAGE CHANNEL close")
		return
	}
	_, final := c.t.cmd(fmt.Sprintf("AT+CCHC=%d", c.session), nil)
	Expect(final).To(Equal("OK"))
}

// iccid reads the ICCID with the personality's command and answer prefix.
func (t *ttyClient) iccid() string {
	GinkgoHelper()
	l := t.one("AT"+t.p.ICCIDCommand, prefixed(t.p.ICCIDPrefix))
	return strings.TrimRight(strings.Trim(strings.TrimPrefix(l, t.p.ICCIDPrefix), `"`), "F")
}

// profiles decodes GetProfilesInfo: ICCID → state (1 enabled).
func profiles(c *isdr) map[string]byte {
	GinkgoHelper()
	obj, _, err := tlv.ParseOne(c.es10([]byte{0xBF, 0x2D, 0x00}))
	Expect(err).NotTo(HaveOccurred())
	Expect(obj.Tag).To(Equal(uint32(0xBF2D)))
	top, err := obj.Children()
	Expect(err).NotTo(HaveOccurred())
	list, ok := tlv.Find(top, 0xA0)
	Expect(ok).To(BeTrue(), "profileInfoListOk")
	infos, err := list.Children()
	Expect(err).NotTo(HaveOccurred())
	out := map[string]byte{}
	for _, pi := range infos {
		fs, err := pi.Children()
		Expect(err).NotTo(HaveOccurred())
		id, ok := tlv.Find(fs, 0x5A)
		Expect(ok).To(BeTrue())
		st, ok := tlv.Find(fs, 0x9F70)
		Expect(ok).To(BeTrue())
		iccid, err := rsp.ParseICCID(id.Value)
		Expect(err).NotTo(HaveOccurred())
		out[iccid] = st.Value[0]
	}
	return out
}

// es9 is the LPA's ES9+ client: HTTPS to the SM-DP+ named in the activation
// code, resolved to the listener the rig printed, trusting ci.pem only.
type es9 struct {
	host string
	http *http.Client
}

func newES9(r *harness.Rig, host string) *es9 {
	GinkgoHelper()
	ci, err := r.WriteCI()
	Expect(err).NotTo(HaveOccurred())
	pemBytes, err := os.ReadFile(ci)
	Expect(err).NotTo(HaveOccurred())
	pool := x509.NewCertPool()
	Expect(pool.AppendCertsFromPEM(pemBytes)).To(BeTrue())
	addr := ""
	for _, e := range r.SMDPEndpoints() {
		if e.Host == host {
			addr = e.Addr
		}
	}
	Expect(addr).NotTo(BeEmpty(), "the rig runs an SM-DP+ for "+host)
	dial := func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}
	tr := &http.Transport{DialContext: dial, TLSClientConfig: &tls.Config{
		RootCAs: pool, ServerName: host, MinVersion: tls.VersionTLS12,
		// Test certificates count from the rig's simulated epoch.
		Time: func() time.Time { return r.Loop.Now() },
	}}
	DeferCleanup(tr.CloseIdleConnections)
	return &es9{host: host, http: &http.Client{Transport: tr, Timeout: 10 * time.Second}}
}

// call posts one ES9+ function and decodes the answer into out; the header's
// functionExecutionStatus must say success.
func (e *es9) call(fn string, req, out any) {
	GinkgoHelper()
	body, err := json.Marshal(req)
	Expect(err).NotTo(HaveOccurred())
	hr, err := http.NewRequest(http.MethodPost, "https://"+e.host+rsp.ES9PathPrefix+fn, bytes.NewReader(body))
	Expect(err).NotTo(HaveOccurred())
	hr.Header.Set("Content-Type", rsp.ES9ContentType)
	hr.Header.Set(rsp.AdminProtocolHeader, rsp.AdminProtocol)
	resp, err := e.http.Do(hr)
	Expect(err).NotTo(HaveOccurred(), fn)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	Expect(err).NotTo(HaveOccurred())
	if out == nil {
		Expect(resp.StatusCode).To(BeElementOf(http.StatusOK, http.StatusNoContent), "%s: %s", fn, b)
		return
	}
	Expect(resp.StatusCode).To(Equal(http.StatusOK), "%s: %s", fn, b)
	var hdr struct {
		Header struct {
			FunctionExecutionStatus struct {
				Status string `json:"status"`
			} `json:"functionExecutionStatus"`
		} `json:"header"`
	}
	Expect(json.Unmarshal(b, &hdr)).To(Succeed())
	Expect(hdr.Header.FunctionExecutionStatus.Status).To(Equal(rsp.StatusSuccess), "%s: %s", fn, b)
	Expect(json.Unmarshal(b, out)).To(Succeed())
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func unb64(s string) []byte {
	GinkgoHelper()
	b, err := base64.StdEncoding.DecodeString(s)
	Expect(err).NotTo(HaveOccurred())
	return b
}

// tlvValue strips an outer TLV of the given tag (signatures and key ids
// travel wrapped in ES9+ and bare in ES10b).
func tlvValue(tag uint32, b []byte) []byte {
	if obj, rest, err := tlv.ParseOne(b); err == nil && len(rest) == 0 && obj.Tag == tag {
		return obj.Value
	}
	return b
}

// download runs SGP.22 profile download as an LPA (§3.1.3): ES10b on the
// card through the tty, ES9+ to the SM-DP+; it returns the new ICCID and
// the install notification's sequence number.
func download(r *harness.Rig, c *isdr, activationCode string) (string, int) {
	GinkgoHelper()
	parts := strings.Split(activationCode, "$")
	Expect(parts).To(HaveLen(3), activationCode)
	Expect(parts[0]).To(Equal("LPA:1"))
	host, matchingID := parts[1], parts[2]
	smdp := newES9(r, host)

	challenge, err := rsp.DecodeEuiccChallenge(c.es10(rsp.GetEuiccChallengeRequest()))
	Expect(err).NotTo(HaveOccurred())
	info1 := c.es10(rsp.GetEUICCInfo1Request())

	var ia struct {
		TransactionID       string `json:"transactionId"`
		ServerSigned1       string `json:"serverSigned1"`
		ServerSignature1    string `json:"serverSignature1"`
		EuiccCiPKIdToBeUsed string `json:"euiccCiPKIdToBeUsed"`
		ServerCertificate   string `json:"serverCertificate"`
	}
	smdp.call(rsp.FnInitiateAuthentication, map[string]string{
		"smdpAddress": host, "euiccChallenge": b64(challenge), "euiccInfo1": b64(info1)}, &ia)
	signed1, err := rsp.DecodeServerSigned1(unb64(ia.ServerSigned1))
	Expect(err).NotTo(HaveOccurred())
	authReq := rsp.AuthenticateServerRequest{
		ServerSigned1: signed1, ServerSignature1: tlvValue(rsp.TagSignature, unb64(ia.ServerSignature1)),
		CiPKIDToBeUsed: tlvValue(0x04, unb64(ia.EuiccCiPKIdToBeUsed)), ServerCertificate: unb64(ia.ServerCertificate),
		CtxParams1: rsp.CtxParams1{MatchingID: matchingID},
	}
	authResp := c.es10(authReq.Encode())
	ar, err := rsp.DecodeAuthenticateServerResponse(authResp)
	Expect(err).NotTo(HaveOccurred())
	Expect(ar.ErrorCode).To(BeZero(), "AuthenticateServer")

	var ac struct {
		TransactionID   string `json:"transactionId"`
		ProfileMetadata string `json:"profileMetadata"`
		SmdpSigned2     string `json:"smdpSigned2"`
		SmdpSignature2  string `json:"smdpSignature2"`
		SmdpCertificate string `json:"smdpCertificate"`
	}
	smdp.call(rsp.FnAuthenticateClient, map[string]string{
		"transactionId": ia.TransactionID, "authenticateServerResponse": b64(authResp)}, &ac)
	md, err := rsp.DecodeProfileMetadata(unb64(ac.ProfileMetadata))
	Expect(err).NotTo(HaveOccurred())
	signed2, err := rsp.DecodeSmdpSigned2(unb64(ac.SmdpSigned2))
	Expect(err).NotTo(HaveOccurred())
	prep := c.es10(rsp.PrepareDownloadRequest{SmdpSigned2: signed2,
		SmdpSignature2: tlvValue(rsp.TagSignature, unb64(ac.SmdpSignature2)), SmdpCertificate: unb64(ac.SmdpCertificate)}.Encode())
	pr, err := rsp.DecodePrepareDownloadResponse(prep)
	Expect(err).NotTo(HaveOccurred())
	Expect(pr.ErrorCode).To(BeZero(), "PrepareDownload")

	var bpp struct {
		BoundProfilePackage string `json:"boundProfilePackage"`
	}
	smdp.call(rsp.FnGetBoundProfilePackage, map[string]string{
		"transactionId": ia.TransactionID, "prepareDownloadResponse": b64(prep)}, &bpp)
	segs, err := rsp.BPPSegments(unb64(bpp.BoundProfilePackage))
	Expect(err).NotTo(HaveOccurred())
	var pirRaw []byte
	for i, s := range segs {
		out := c.es10(s)
		if i < len(segs)-1 {
			Expect(out).To(BeEmpty(), "segment %d answers nothing until the end", i)
		}
		pirRaw = out
	}
	pir, err := rsp.DecodeProfileInstallationResult(pirRaw)
	Expect(err).NotTo(HaveOccurred())
	Expect(pir.Data.OK).To(BeTrue(), "install result: command %d reason %d", pir.Data.CommandID, pir.Data.ErrorReason)
	smdp.call(rsp.FnHandleNotification, map[string]string{"pendingNotification": b64(pirRaw)}, nil)
	iccid := pir.Data.Notification.ICCID
	if iccid == "" {
		iccid = md.ICCID
	}
	return iccid, pir.Data.Notification.Seq
}

var _ = Describe("A host LPA over the tty", framework.Emulated, func() {
	It("reads the EID, lists, downloads from an activation code, lists notifications and enables", func() {
		r := framework.NewRig(framework.Parse("lpa-host", lpaScenario), func(o *harness.Options) { o.NoHost = true })
		t := openTTY(r.Modem.Path(), r.Personality)
		_, final := t.cmd("ATE0", nil)
		Expect(final).To(Equal("OK"))
		_, final = t.cmd("AT+CEREG=1", nil)
		Expect(final).To(Equal("OK"))
		Expect(r.Advance(10 * time.Second)).To(Succeed())
		Expect(t.takeURCs()).To(ContainElement("+CEREG: 1"), "attached at home")
		Expect(t.iccid()).To(Equal(cmccICCID))

		c := t.openISDR()
		By("GetEuiccData: the EID")
		Expect(fmt.Sprintf("%X", c.es10([]byte{0xBF, 0x3E, 0x03, 0x5C, 0x01, 0x5A}))).
			To(Equal("BF3E125A1089049032000001000000000000000123"))
		info1, err := rsp.DecodeEuiccInfo1(c.es10(rsp.GetEUICCInfo1Request()))
		Expect(err).NotTo(HaveOccurred())
		Expect(info1.CiPKIDVerify).NotTo(BeEmpty(), "EUICCInfo1 names the CI it trusts")

		By("GetProfilesInfo: the one preinstalled profile, enabled")
		Expect(profiles(c)).To(Equal(map[string]byte{cmccICCID: 1}))

		By("a download from the activation code the rig prints")
		ac, err := r.ActivationCode("sfr")
		Expect(err).NotTo(HaveOccurred())
		Expect(ac).To(MatchRegexp(`^LPA:1\$smdp\.sfr\.test\$\S+$`))
		iccid, seq := download(r, c, ac)
		Expect(profiles(c)).To(Equal(map[string]byte{cmccICCID: 1, iccid: 0}))

		By("ListNotification: the install notification, then NotificationSent removes it")
		notes, err := rsp.DecodeListNotificationResponse(c.es10(rsp.ListNotificationRequest{}.Encode()))
		Expect(err).NotTo(HaveOccurred())
		Expect(notes).To(ContainElement(And(HaveField("Seq", seq), HaveField("ICCID", iccid))))
		code, err := rsp.DecodeNotificationSentResponse(c.es10(rsp.EncodeNotificationSentRequest(seq)))
		Expect(err).NotTo(HaveOccurred())
		Expect(code).To(BeZero())
		notes, err = rsp.DecodeListNotificationResponse(c.es10(rsp.ListNotificationRequest{}.Encode()))
		Expect(err).NotTo(HaveOccurred())
		Expect(notes).NotTo(ContainElement(HaveField("Seq", seq)))

		By("EnableProfile with refresh: the modem detaches, resets the card and re-attaches")
		enable := tlv.Constructed(0xBF31, tlv.Constructed(0xA0, tlv.New(0x5A, rsp.ICCIDBytes(iccid))), tlv.New(0x81, []byte{0xFF})).Bytes()
		t.takeURCs()
		Expect(fmt.Sprintf("%X", c.es10(enable))).To(Equal("BF3103800100"), "enableResult ok")
		Expect(r.Advance(time.Minute)).To(Succeed())
		urcs := t.takeURCs()
		Expect(urcs).To(ContainElement("+CEREG: 0"), "detached by the REFRESH")
		Expect(urcs).To(ContainElement("+CEREG: 5"), "SFR's profile roams on CMCC")
		for _, u := range r.Personality.RefreshURCs {
			Expect(urcs).To(ContainElement(u), "the dialect's refresh URC")
		}
		Expect(t.iccid()).To(Equal(iccid))
		c = t.openISDR() // the reset closed every logical channel
		Expect(profiles(c)).To(Equal(map[string]byte{cmccICCID: 0, iccid: 1}))
		c.close()
	})

	DescribeTable("answers an LPA's bad input as a real modem does, and the next command works",
		func(bad func(t *ttyClient) (string, string), want string) {
			r := framework.NewRig(framework.Parse("lpa-host", lpaScenario), func(o *harness.Options) { o.NoHost = true })
			t := openTTY(r.Modem.Path(), r.Personality)
			_, final := t.cmd("AT+CMEE=1", nil)
			Expect(final).To(Equal("OK"))
			line, got := bad(t)
			if want == "ERROR or CME" {
				Expect(got).To(Or(Equal("ERROR"), HavePrefix("+CME ERROR: ")), line)
			} else {
				Expect(got).To(Equal(want), line)
			}
			c := t.openISDR()
			Expect(fmt.Sprintf("%X", c.es10([]byte{0xBF, 0x3E, 0x03, 0x5C, 0x01, 0x5A}))).To(HaveSuffix("0123"), "the next ES10 works")
			c.close()
		},
		Entry("STORE DATA to a closed channel", func(t *ttyClient) (string, string) {
			c := t.openISDR()
			c.close()
			if c.csim || t.p.NoCCHC {
				// The modem passes it on; the card answers with a status word.
				a := []byte{claFor(0x80, c.channel), 0xE2, 0x91, 0x00, 0x03, 0xBF, 0x2D, 0x00}
				r := t.apdu(0, 0, true, a)
				return "CSIM", statusKind(r)
			}
			_, final := t.cmd(fmt.Sprintf(`AT+CGLA=%d,16,"80E2910003BF2D00"`, c.session), prefixed("+CGLA"))
			return "CGLA", final
		}, "ERROR or CME"),
		Entry("a wrong AID", func(t *ttyClient) (string, string) {
			if t.p.CSIMOnly {
				r := t.apdu(0, 0, true, []byte{0x00, 0x70, 0x00, 0x00, 0x01})
				ch := int(r[0])
				sel := t.apdu(0, 0, true, []byte{claFor(0x00, ch), 0xA4, 0x04, 0x00, 0x05, 0xA0, 0x00, 0x00, 0x09, 0x99})
				t.apdu(0, 0, true, []byte{0x00, 0x70, 0x80, byte(ch), 0x00})
				return "CSIM SELECT", statusKind(sel)
			}
			_, final := t.cmd(`AT+CCHO="A0000000099999"`, func(l string) bool { return cchoAnswer.MatchString(l) })
			return "CCHO", final
		}, "ERROR or CME"),
		Entry("+CGLA or +CSIM with an odd hex length", func(t *ttyClient) (string, string) {
			return oddOrMismatch(t, `"80E291000"`, 9)
		}, "ERROR or CME"),
		Entry("+CGLA or +CSIM whose length disagrees with the data", func(t *ttyClient) (string, string) {
			return oddOrMismatch(t, `"80E2910003BF2D00"`, 20)
		}, "ERROR or CME"),
		Entry("+CSIM longer than the card accepts", func(t *ttyClient) (string, string) {
			x := "80E29100FF" + strings.Repeat("00", 300)
			_, final := t.cmd(fmt.Sprintf(`AT+CSIM=%d,"%s"`, len(x), x), prefixed("+CSIM"))
			return "CSIM", final
		}, "ERROR or CME"),
	)
})

// statusKind turns a card answer into a final-result-like word for the
// table: a failing status word counts as the modem's refusal.
func statusKind(r []byte) string {
	if len(r) >= 2 && (r[len(r)-2] == 0x90 || r[len(r)-2] == 0x61) {
		return "OK"
	}
	return "+CME ERROR: card SW " + fmt.Sprintf("%X", r[len(r)-2:])
}

// oddOrMismatch sends a malformed APDU argument on the dialect's path.
func oddOrMismatch(t *ttyClient, data string, n int) (string, string) {
	GinkgoHelper()
	if t.p.CSIMOnly {
		_, final := t.cmd(fmt.Sprintf(`AT+CSIM=%d,%s`, n, data), prefixed("+CSIM"))
		return "CSIM", final
	}
	c := t.openISDR()
	defer c.close()
	_, final := t.cmd(fmt.Sprintf(`AT+CGLA=%d,%d,%s`, c.session, n, data), prefixed("+CGLA"))
	return "CGLA", final
}
