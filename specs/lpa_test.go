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
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image/png"
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

	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/harness"
	"github.com/esimhil/esimhil/harness/framework"
	"github.com/esimhil/esimhil/internal/codec/apdu"
	"github.com/esimhil/esimhil/internal/codec/tlv"
	"github.com/esimhil/esimhil/internal/ident"
	"github.com/esimhil/esimhil/internal/personality"
	"github.com/esimhil/esimhil/internal/proto/es10"
	"github.com/esimhil/esimhil/internal/proto/es9"
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
	p     personality.Personality
	lines chan string
	urcs  []string
}

func openTTY(path string, p personality.Personality) *ttyClient {
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
func (t *ttyClient) apdu(session string, csim bool, a []byte) []byte {
	GinkgoHelper()
	x := fmt.Sprintf("%X", a)
	var l string
	if csim {
		l = t.one(fmt.Sprintf(`AT+CSIM=%d,"%s"`, len(x), x), prefixed("+CSIM: "))
	} else {
		l = t.one(fmt.Sprintf(`AT+CGLA=%s,%d,"%s"`, session, len(x), x), prefixed("+CGLA: "))
	}
	m := hexAnswer.FindStringSubmatch(l)
	Expect(m).NotTo(BeNil(), l)
	Expect(strconv.Atoi(m[2])).To(Equal(len(m[3])), "length field of "+l)
	b, err := hex.DecodeString(m[3])
	Expect(err).NotTo(HaveOccurred())
	Expect(len(b)).To(BeNumerically(">=", 2))
	return b
}

// isdr is an open logical channel to the ISD-R: the session id its +CCHO
// answered, kept as printed (a number, or a handle such as a Sierra's
// 000000000385a7cf), or on the +CSIM path the channel number.
type isdr struct {
	t       *ttyClient
	session string
	channel int
	csim    bool
}

// cchoAnswer is "+CCHO: <sessionid>", or the bare number some modems give.
var cchoAnswer = regexp.MustCompile(`^(?:\+CCHO: ([0-9A-Za-z]+)|(\d+))$`)

func (t *ttyClient) openISDR() *isdr {
	GinkgoHelper()
	if t.p.CSIMOnly {
		r := t.apdu("", true, []byte{0x00, 0x70, 0x00, 0x00, 0x01})
		Expect(r).To(HaveLen(3))
		Expect(r[1:]).To(Equal([]byte{0x90, 0x00}), "MANAGE CHANNEL open")
		c := &isdr{t: t, session: strconv.Itoa(int(r[0])), channel: int(r[0]), csim: true}
		aid := es10.ISDRAIDBytes()
		sel := c.transmit(append([]byte{0x00, 0xA4, 0x04, 0x00, byte(len(aid))}, aid...))
		Expect(sel[len(sel)-2]).To(Equal(byte(0x90)), "SELECT ISD-R")
		return c
	}
	l := t.one(`AT+CCHO="`+es10.ISDRAID+`"`, func(l string) bool { return cchoAnswer.MatchString(l) })
	m := cchoAnswer.FindStringSubmatch(l)
	c := &isdr{t: t, session: m[1] + m[2]}
	if n, err := strconv.Atoi(c.session); err == nil && n >= 1 && n <= 19 {
		c.channel = n // the channel itself, not a handle
	}
	return c
}

// transmit sends an APDU on the channel; on the +CSIM path it sets the
// channel in CLA and follows 61xx with GET RESPONSE itself (+CGLA modems
// do both for the host).
func (c *isdr) transmit(a []byte) []byte {
	GinkgoHelper()
	if !c.csim {
		return c.t.apdu(c.session, false, a)
	}
	a = append([]byte(nil), a...)
	a[0] = apdu.WithChannel(a[0], c.channel)
	r, err := apdu.Exchange(func(cmd []byte) ([]byte, error) { return c.t.apdu("", true, cmd), nil }, a)
	Expect(err).NotTo(HaveOccurred())
	return r
}

// es10 sends one ES10 request in STORE DATA blocks and returns the answer
// without its SW, which must be 9000.
func (c *isdr) es10(req []byte) []byte {
	GinkgoHelper()
	r, sw := c.es10SW(req)
	Expect(fmt.Sprintf("%04X", sw)).To(MatchRegexp(`^(9000|91..)$`), "ES10 %X", req[:min(len(req), 2)])
	return r
}

// es10SW sends one ES10 request and returns the answer and the last
// block's status word, whatever it is.
func (c *isdr) es10SW(req []byte) ([]byte, uint16) {
	GinkgoHelper()
	var r []byte
	for blk := 0; ; blk++ {
		n := min(len(req), 255)
		p1 := byte(0x11)
		if n == len(req) {
			p1 = 0x91
		}
		r = c.transmit(append([]byte{0x80, 0xE2, p1, byte(blk), byte(n)}, req[:n]...))
		sw := uint16(r[len(r)-2])<<8 | uint16(r[len(r)-1])
		// 91xx: done, and the card has a proactive command (the REFRESH
		// after an enable) that the modem fetches on its own.
		if p1 == 0x91 || (sw != 0x9000 && sw>>8 != 0x91) {
			return r[:len(r)-2], sw
		}
		req = req[n:]
	}
}

func (c *isdr) close() {
	GinkgoHelper()
	if c.csim || c.t.p.NoCCHC {
		Expect(c.channel).To(BeNumerically(">", 0))
		r := c.t.apdu("", true, []byte{0x00, 0x70, 0x80, byte(c.channel), 0x00})
		Expect(fmt.Sprintf("%X", r)).To(Equal("9000"), "MANAGE CHANNEL close")
		return
	}
	_, final := c.t.cmd("AT+CCHC="+c.session, nil)
	Expect(final).To(Equal("OK"))
}

// iccid reads the ICCID with the personality's command and answer prefix.
func (t *ttyClient) iccid() string {
	GinkgoHelper()
	l := t.one("AT"+t.p.ICCIDCommand, prefixed(t.p.ICCIDPrefix))
	return strings.TrimRight(strings.Trim(strings.TrimPrefix(l, t.p.ICCIDPrefix), `"`), "F")
}

// profileInfos reads GetProfilesInfo with every field.
func profileInfos(c *isdr) []es10.ProfileInfo {
	GinkgoHelper()
	list, code, err := es10.DecodeProfileInfoList(c.es10(es10.ProfileInfoListRequest{}.Encode()))
	Expect(err).NotTo(HaveOccurred())
	Expect(code).To(BeZero(), "profileInfoListOk")
	return list
}

// profiles is the profile list as ICCID → state (1 enabled).
func profiles(c *isdr) map[string]int {
	GinkgoHelper()
	out := map[string]int{}
	for _, p := range profileInfos(c) {
		Expect(p.ICCID).NotTo(BeEmpty())
		out[p.ICCID] = p.State
	}
	return out
}

// es9Client is the LPA's ES9+ client: HTTPS to the SM-DP+ named in the activation
// code, resolved to the listener the rig printed, trusting ci.pem only.
type es9Client struct {
	host string
	http *http.Client
}

func newES9(r *harness.Rig, host string) *es9Client {
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
	return &es9Client{host: host, http: &http.Client{Transport: tr, Timeout: 10 * time.Second}}
}

// call posts one ES9+ function and decodes the answer into out (nil for
// handleNotification's 204) with es9's strict decoder; the header's
// functionExecutionStatus must say success.
func (e *es9Client) call(fn string, req, out es9.Message) {
	GinkgoHelper()
	hr, err := http.NewRequest(http.MethodPost, "https://"+e.host+es9.PathPrefix+fn, bytes.NewReader(es9.Encode(req)))
	Expect(err).NotTo(HaveOccurred())
	hr.Header.Set("Content-Type", es9.ContentType)
	hr.Header.Set(es9.AdminProtocolHeader, es9.AdminProtocol)
	resp, err := e.http.Do(hr)
	Expect(err).NotTo(HaveOccurred(), fn)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	Expect(err).NotTo(HaveOccurred())
	if out == nil {
		Expect(resp.StatusCode).To(Equal(http.StatusNoContent), "%s: %s", fn, b)
		return
	}
	Expect(resp.StatusCode).To(Equal(http.StatusOK), "%s: %s", fn, b)
	var hdr es9.HeaderOnly
	Expect(json.Unmarshal(b, &struct {
		Header *es9.ResponseHeader `json:"header"`
	}{&hdr.Header})).To(Succeed())
	Expect(hdr.Header.Err()).NotTo(HaveOccurred(), "%s: %s", fn, b)
	Expect(es9.Decode(b, out)).To(Succeed(), "%s: %s", fn, b)
}

// tlvValue strips an outer TLV of the given tag (signatures and key ids
// travel wrapped in ES9+ and bare in ES10b).
func tlvValue(tag uint32, b []byte) []byte {
	if obj, rest, err := tlv.ParseOne(b); err == nil && len(rest) == 0 && obj.Tag == tag {
		return obj.Value
	}
	return b
}

// deviceInfo is what this LPA's device says of itself: the IMEI the modem
// reports (AT+CGSN, TS 27.007 §5.4), its TAC, and E-UTRAN Release 13.
func deviceInfo(t *ttyClient) es10.DeviceInfo {
	GinkgoHelper()
	imei := t.one("AT+CGSN", func(l string) bool { return ident.Digits(l, 15, 15) })
	Expect(ident.IsIMEI(imei)).To(BeTrue(), imei)
	return es10.DeviceInfoFor(imei, es10.DeviceCapabilities{EUTRAN: es10.Version{13, 0, 0}})
}

// downloaded is what a download installed.
type downloaded struct {
	ICCID string
	Seq   int
	Meta  es10.ProfileMetadata
}

// download runs SGP.22 profile download as an LPA (§3.1.3): ES10b on the
// card through the tty, ES9+ to the SM-DP+ at host with matchingID ("" for
// the default SM-DP+ case, §3.1.3.1), the device described by dev.
func download(r *harness.Rig, c *isdr, host, matchingID string, dev es10.DeviceInfo) downloaded {
	GinkgoHelper()
	smdp := newES9(r, host)

	challenge, err := es10.DecodeEuiccChallenge(c.es10(es10.GetEuiccChallengeRequest()))
	Expect(err).NotTo(HaveOccurred())
	info1 := c.es10(es10.GetEUICCInfo1Request())

	var ia es9.InitiateAuthenticationResponse
	smdp.call(es9.FnInitiateAuthentication, es9.InitiateAuthenticationRequest{SMDPAddress: host, EuiccChallenge: challenge, EuiccInfo1: info1}, &ia)
	signed1, err := es10.DecodeServerSigned1(ia.ServerSigned1)
	Expect(err).NotTo(HaveOccurred())
	ctx := es10.CtxParams1{MatchingID: matchingID, DeviceInfo: dev}
	authReq := es10.AuthenticateServerRequest{
		ServerSigned1: signed1, ServerSignature1: tlvValue(es10.TagSignature, ia.ServerSignature1),
		CiPKIDToBeUsed: tlvValue(0x04, ia.EuiccCiPKIdToBeUsed), ServerCertificate: ia.ServerCertificate, CtxParams1: ctx,
	}
	authResp := c.es10(authReq.Encode())
	ar, err := es10.DecodeAuthenticateServerResponse(authResp)
	Expect(err).NotTo(HaveOccurred())
	Expect(ar.ErrorCode).To(BeZero(), "AuthenticateServer")
	// SGP.22 §5.7.13: euiccSigned1 carries ctxParams1 as the device sent it.
	Expect(ar.EuiccSigned1.CtxParams1.Raw).To(Equal(ctx.Encode()), "ctxParams1 echoed byte for byte")
	Expect(ar.EuiccSigned1.CtxParams1.DeviceInfo).To(Equal(dev))
	Expect(ar.EuiccSigned1.EuiccInfo2.SASAccreditationNumber).NotTo(BeEmpty(), "EUICCInfo2 is complete")

	var ac es9.AuthenticateClientResponse
	smdp.call(es9.FnAuthenticateClient, es9.AuthenticateClientRequest{TransactionID: ia.TransactionID, AuthenticateServerResponse: authResp}, &ac)
	md, err := es10.DecodeProfileMetadata(ac.ProfileMetadata)
	Expect(err).NotTo(HaveOccurred())
	signed2, err := es10.DecodeSmdpSigned2(ac.SmdpSigned2)
	Expect(err).NotTo(HaveOccurred())
	prep := c.es10(es10.PrepareDownloadRequest{SmdpSigned2: signed2,
		SmdpSignature2: tlvValue(es10.TagSignature, ac.SmdpSignature2), SmdpCertificate: ac.SmdpCertificate}.Encode())
	pr, err := es10.DecodePrepareDownloadResponse(prep)
	Expect(err).NotTo(HaveOccurred())
	Expect(pr.ErrorCode).To(BeZero(), "PrepareDownload")

	var bpp es9.GetBoundProfilePackageResponse
	smdp.call(es9.FnGetBoundProfilePackage, es9.GetBoundProfilePackageRequest{TransactionID: ia.TransactionID, PrepareDownloadResponse: prep}, &bpp)
	segs, err := es10.BPPSegments(bpp.BoundProfilePackage)
	Expect(err).NotTo(HaveOccurred())
	var pirRaw []byte
	for i, s := range segs {
		out := c.es10(s)
		if i < len(segs)-1 {
			Expect(out).To(BeEmpty(), "segment %d answers nothing until the end", i)
		}
		pirRaw = out
	}
	pir, err := es10.DecodeProfileInstallationResult(pirRaw)
	Expect(err).NotTo(HaveOccurred())
	Expect(pir.Data.OK).To(BeTrue(), "install result: command %d reason %d", pir.Data.CommandID, pir.Data.ErrorReason)
	Expect(pir.Data.SimaResponse).NotTo(BeEmpty(), "a valid EUICCResponse (the decoder checked it)")
	smdp.call(es9.FnHandleNotification, es9.HandleNotificationRequest{PendingNotification: pirRaw}, nil)
	iccid := pir.Data.Notification.ICCID
	if iccid == "" {
		iccid = md.ICCID
	}
	return downloaded{ICCID: iccid, Seq: pir.Data.Notification.Seq, Meta: md}
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
		dev := deviceInfo(t)

		c := t.openISDR()
		By("GetEuiccData: the EID")
		eid, err := es10.DecodeEID(c.es10(es10.GetEuiccDataRequest()))
		Expect(err).NotTo(HaveOccurred())
		Expect(eid).To(Equal(r.Scenario.Device.EID))
		Expect(ident.IsEID(eid)).To(BeTrue(), "MOD 97-10 check digits")
		info1, err := es10.DecodeEuiccInfo1(c.es10(es10.GetEUICCInfo1Request()))
		Expect(err).NotTo(HaveOccurred())
		Expect(info1.CiPKIDVerify).NotTo(BeEmpty(), "EUICCInfo1 names the CI it trusts")
		info2, err := es10.DecodeEuiccInfo2(c.es10(es10.GetEUICCInfo2Request()))
		Expect(err).NotTo(HaveOccurred())
		Expect(info2.SVN).To(Equal(es10.SVN))
		Expect(info2.UICCCapability.Has(es10.UICCUSIM)).To(BeTrue())
		freeBefore := info2.ExtCardResource.FreeNVM

		By("GetProfilesInfo: the one preinstalled profile, enabled")
		Expect(profiles(c)).To(Equal(map[string]int{cmccICCID: 1}))

		By("a download from the activation code the rig prints, with the device's full DeviceInfo")
		ac, err := r.ActivationCode("sfr")
		Expect(err).NotTo(HaveOccurred())
		parts := strings.Split(ac, "$")
		Expect(parts).To(HaveLen(3), ac)
		Expect(parts[:2]).To(Equal([]string{"LPA:1", "smdp.sfr.test"}))
		got := download(r, c, parts[1], parts[2], dev)
		Expect(profiles(c)).To(Equal(map[string]int{cmccICCID: 1, got.ICCID: 0}))
		By("the profile list shows the metadata's names and icon, and the profile takes its package's memory")
		for _, p := range profileInfos(c) {
			if p.ICCID == got.ICCID {
				Expect(p.ServiceProviderName).To(Equal(got.Meta.ServiceProviderName))
				Expect(p.ProfileName).To(Equal(got.Meta.ProfileName))
				Expect(p.ProfileName).To(Equal("SFR test profile 1"))
				Expect(p.Owner).To(Equal(&es10.OperatorID{PLMN: "20810"}))
				Expect(p.Icon).To(Equal(got.Meta.Icon), "the operator's icon, as its metadata carried it")
				Expect(p.Icon.Type).To(Equal(es10.IconPNG))
				icon, err := png.Decode(bytes.NewReader(p.Icon.Data))
				Expect(err).NotTo(HaveOccurred(), "an icon an LPA can show")
				Expect(icon.Bounds().Dx()).To(Equal(32))
			}
		}
		info2, err = es10.DecodeEuiccInfo2(c.es10(es10.GetEUICCInfo2Request()))
		Expect(err).NotTo(HaveOccurred())
		Expect(freeBefore-info2.ExtCardResource.FreeNVM).To(BeNumerically(">", 2048), "a profile package of a few KiB")

		By("ListNotification: the install notification, then NotificationSent removes it")
		notes, err := es10.DecodeListNotificationResponse(c.es10(es10.ListNotificationRequest{}.Encode()))
		Expect(err).NotTo(HaveOccurred())
		Expect(notes).To(ContainElement(And(HaveField("Seq", got.Seq), HaveField("ICCID", got.ICCID))))
		code, err := es10.DecodeNotificationSentResponse(c.es10(es10.EncodeNotificationSentRequest(got.Seq)))
		Expect(err).NotTo(HaveOccurred())
		Expect(code).To(BeZero())
		notes, err = es10.DecodeListNotificationResponse(c.es10(es10.ListNotificationRequest{}.Encode()))
		Expect(err).NotTo(HaveOccurred())
		Expect(notes).NotTo(ContainElement(HaveField("Seq", got.Seq)))

		By("EnableProfile with refresh: the modem detaches, resets the card and re-attaches")
		enable := es10.SwitchRequest{Tag: es10.TagEnableProfile, Profile: es10.ProfileID{ICCID: got.ICCID}, Refresh: true}.Encode()
		t.takeURCs()
		result, err := es10.DecodeResult(es10.TagEnableProfile, c.es10(enable))
		Expect(err).NotTo(HaveOccurred())
		Expect(result).To(Equal(es10.ResultOK))
		Expect(r.Advance(time.Minute)).To(Succeed())
		urcs := t.takeURCs()
		Expect(urcs).To(ContainElement("+CEREG: 0"), "detached by the REFRESH")
		Expect(urcs).To(ContainElement("+CEREG: 5"), "SFR's profile roams on CMCC")
		for _, u := range r.Personality.RefreshURCs {
			Expect(urcs).To(ContainElement(u), "the dialect's refresh URC")
		}
		Expect(t.iccid()).To(Equal(got.ICCID))
		c = t.openISDR() // the reset closed every logical channel
		Expect(profiles(c)).To(Equal(map[string]int{cmccICCID: 0, got.ICCID: 1}))
		c.close()
	})

	It("downloads from the default SM-DP+ without an activation code, and runs the ES10a/ES10c housekeeping", func() {
		r := framework.NewRig(framework.Parse("lpa-host", lpaScenario), func(o *harness.Options) { o.NoHost = true })
		t := openTTY(r.Modem.Path(), r.Personality)
		_, final := t.cmd("ATE0", nil)
		Expect(final).To(Equal("OK"))
		Expect(r.Advance(10 * time.Second)).To(Succeed())
		dev := deviceInfo(t)
		c := t.openISDR()

		By("GetEuiccConfiguredAddresses: the root SM-DS, no default SM-DP+ yet")
		addrs, err := es10.DecodeConfiguredAddresses(c.es10(es10.EuiccConfiguredAddressesRequest()))
		Expect(err).NotTo(HaveOccurred())
		Expect(addrs).To(Equal(es10.ConfiguredAddresses{RootDS: "lpa.ds.gsma.com"}))
		By("SetDefaultDpAddress, then the LPA finds it there")
		res, err := es10.DecodeResult(es10.TagSetDefaultDpAddress, c.es10(es10.SetDefaultDpAddressRequest("smdp.sfr.test")))
		Expect(err).NotTo(HaveOccurred())
		Expect(res).To(Equal(es10.SetDefaultDPOK))
		addrs, err = es10.DecodeConfiguredAddresses(c.es10(es10.EuiccConfiguredAddressesRequest()))
		Expect(err).NotTo(HaveOccurred())
		Expect(addrs.DefaultDP).To(Equal("smdp.sfr.test"))

		By("the operator orders a profile for the EID; the LPA downloads with no matching ID (SGP.22 §3.1.3.1)")
		_, err = r.ActivationCode("sfr") // the order; the code itself is not used
		Expect(err).NotTo(HaveOccurred())
		got := download(r, c, addrs.DefaultDP, "", dev)
		Expect(profiles(c)).To(HaveKeyWithValue(got.ICCID, es10.StateDisabled))

		By("SetNickname: shown in the list; one of 65 bytes is refused with 6A80")
		res, err = es10.DecodeResult(es10.TagSetNickname, c.es10(es10.SetNicknameRequest{ICCID: got.ICCID, Nickname: "travel"}.Encode()))
		Expect(err).NotTo(HaveOccurred())
		Expect(res).To(Equal(es10.NicknameOK))
		Expect(profileInfos(c)).To(ContainElement(And(HaveField("ICCID", got.ICCID), HaveField("Nickname", "travel"))))
		_, sw := c.es10SW(es10.SetNicknameRequest{ICCID: got.ICCID, Nickname: strings.Repeat("n", 65)}.Encode())
		Expect(sw).To(Equal(uint16(0x6A80)))
		Expect(profileInfos(c)).To(ContainElement(And(HaveField("ICCID", got.ICCID), HaveField("Nickname", "travel"))), "nothing half-set")
		res, err = es10.DecodeResult(es10.TagSetNickname, c.es10(es10.SetNicknameRequest{ICCID: "89000000000000000004", Nickname: "x"}.Encode()))
		Expect(err).NotTo(HaveOccurred())
		Expect(res).To(Equal(es10.NicknameICCIDUnknown))

		By("GetRAT: no operator may set profile policy rules")
		rat, err := es10.DecodeRAT(c.es10(es10.GetRATRequest()))
		Expect(err).NotTo(HaveOccurred())
		Expect(rat).To(BeEmpty())

		By("an unknown optional field in a request is skipped, not refused")
		req := tlv.Constructed(es10.TagProfileInfoList, tlv.New(0x9F7F, []byte{1}), tlv.New(es10.TagTagList, tlv.EncodeTags([]uint32{es10.TagICCID})))
		list, _, err := es10.DecodeProfileInfoList(c.es10(req.Bytes()))
		Expect(err).NotTo(HaveOccurred())
		Expect(list).To(HaveLen(2))

		By("DeleteProfile, then eUICCMemoryReset of the default SM-DP+ address")
		res, err = es10.DecodeResult(es10.TagDeleteProfile, c.es10(es10.DeleteProfileRequest(es10.ProfileID{ICCID: got.ICCID})))
		Expect(err).NotTo(HaveOccurred())
		Expect(res).To(Equal(es10.ResultOK))
		Expect(profiles(c)).NotTo(HaveKey(got.ICCID))
		res, err = es10.DecodeResult(es10.TagEuiccMemoryReset, c.es10(es10.EuiccMemoryResetRequest(es10.BitsOf(es10.ResetDefaultSmdpAddress))))
		Expect(err).NotTo(HaveOccurred())
		Expect(res).To(Equal(es10.ResetOK))
		res, err = es10.DecodeResult(es10.TagEuiccMemoryReset, c.es10(es10.EuiccMemoryResetRequest(es10.BitsOf(es10.ResetDefaultSmdpAddress))))
		Expect(err).NotTo(HaveOccurred())
		Expect(res).To(Equal(es10.ResetNothingToDelete))
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
			eid, err := es10.DecodeEID(c.es10(es10.GetEuiccDataRequest()))
			Expect(err).NotTo(HaveOccurred(), "the next ES10 works")
			Expect(eid).To(Equal(r.Scenario.Device.EID))
			c.close()
		},
		Entry("STORE DATA to a closed channel", func(t *ttyClient) (string, string) {
			c := t.openISDR()
			c.close()
			if c.csim || t.p.NoCCHC {
				// The modem passes it on; the card answers with a status word.
				a := []byte{apdu.WithChannel(0x80, c.channel), 0xE2, 0x91, 0x00, 0x03, 0xBF, 0x2D, 0x00}
				r := t.apdu("", true, a)
				return "CSIM", statusKind(r)
			}
			_, final := t.cmd(`AT+CGLA=`+c.session+`,16,"80E2910003BF2D00"`, prefixed("+CGLA"))
			return "CGLA", final
		}, "ERROR or CME"),
		Entry("a wrong AID", func(t *ttyClient) (string, string) {
			if t.p.CSIMOnly {
				r := t.apdu("", true, []byte{0x00, 0x70, 0x00, 0x00, 0x01})
				ch := int(r[0])
				sel := t.apdu("", true, []byte{apdu.WithChannel(0x00, ch), 0xA4, 0x04, 0x00, 0x05, 0xA0, 0x00, 0x00, 0x09, 0x99})
				t.apdu("", true, []byte{0x00, 0x70, 0x80, byte(ch), 0x00})
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
	_, final := t.cmd(fmt.Sprintf(`AT+CGLA=%s,%d,%s`, c.session, n, data), prefixed("+CGLA"))
	return "CGLA", final
}

// heldScenario is lpaScenario with a card that has not delivered three
// notifications: the install and delete of an SFR profile it no longer
// holds, and the disable of its CMCC profile (SGP.22 §3.5), that one's
// address in upper case, as an activation code (a QR code's alphanumeric
// mode) gives it: a host name has no case (RFC 4343).
var heldScenario = strings.Replace(lpaScenario, "  profiles:\n", `  notifications:
    - {seq: 4, event: install, iccid: "89331000000000000094", address: smdp.sfr.test}
    - {seq: 5, event: delete, iccid: "89331000000000000094", address: smdp.sfr.test}
    - {seq: 7, event: disable, iccid: "89860000000000000019", address: SMDP.SFR.TEST}
  profiles:
`, 1)

var _ = Describe("A card that starts with pending notifications", framework.Emulated, func() {
	It("lists them to a host LPA, delivers them itself once attached, and numbers its own above them", func() {
		r := framework.NewRig(framework.Parse("lpa-host", heldScenario), func(o *harness.Options) { o.NoHost = true })
		t := openTTY(r.Modem.Path(), r.Personality)
		_, final := t.cmd("ATE0", nil)
		Expect(final).To(Equal("OK"))
		dev := deviceInfo(t)

		By("before the attach, ListNotification over AT+CGLA: the three, as the scenario gives them")
		c := t.openISDR()
		notes, err := es10.DecodeListNotificationResponse(c.es10(es10.ListNotificationRequest{}.Encode()))
		Expect(err).NotTo(HaveOccurred())
		Expect(notes).To(Equal([]es10.NotificationMetadata{
			{Seq: 4, Event: es10.EventInstall, Address: "smdp.sfr.test", ICCID: "89331000000000000094"},
			{Seq: 5, Event: es10.EventDelete, Address: "smdp.sfr.test", ICCID: "89331000000000000094"},
			{Seq: 7, Event: es10.EventDisable, Address: "SMDP.SFR.TEST", ICCID: cmccICCID},
		}))
		pending, code, err := es10.DecodeRetrieveNotificationsListResponse(c.es10(es10.RetrieveNotificationsListRequest{}.Encode()))
		Expect(err).NotTo(HaveOccurred())
		Expect(code).To(BeZero())
		Expect(pending).To(HaveLen(3))
		Expect(pending[0].Install).NotTo(BeNil(), "an install result (BF37)")
		c.close()

		By("once attached the card sends them (SGP.22 §3.5): the SM-DP+ takes the delete and the disable")
		Expect(r.Advance(10 * time.Second)).To(Succeed())
		var got []string
		for _, e := range framework.ActorEvents(r, eventlog.SMDP, "notification_received") {
			got = append(got, fmt.Sprintf("%s %v", e.Str("kind"), e.Get("seq")))
		}
		Expect(got).To(Equal([]string{"delete 5", "disable 7"}))
		// The card names each recipient as it knows it: by the address, an
		// SM-DP+ it never downloaded from (not the CMCC profile's operator).
		var sent []string
		for _, e := range framework.ActorEvents(r, eventlog.EUICC, "notification_sent") {
			sent = append(sent, fmt.Sprintf("%s@%s %v", e.Str("kind"), e.Str("to"), e.Get("seq")))
		}
		Expect(sent).To(ContainElements("delete@smdp.sfr.test 5", "disable@SMDP.SFR.TEST 7"))
		// The install result is of a download this SM-DP+ never ran: it
		// knows no such transactionId. SGP.22 gives handleNotification no
		// error, so it acknowledges (204) and discards it, its event log
		// saying why; the card, told nothing else, forgets it as sent.
		errs := framework.ActorEvents(r, eventlog.SMDP, "es9_error")
		Expect(errs).To(HaveLen(1))
		Expect(errs[0].Str("message")).To(Equal("install result for an unknown transactionId (discarded, acknowledged 204)"))
		refused := map[string]string{}
		for _, e := range framework.ActorEvents(r, eventlog.EUICC, "notification_sent") {
			refused[fmt.Sprintf("%s %v", e.Str("kind"), e.Get("seq"))] = e.Str("refused")
		}
		Expect(refused).To(HaveKeyWithValue("install 4", ""))
		Expect(refused).To(HaveKeyWithValue("delete 5", ""))
		Expect(refused).To(HaveKeyWithValue("disable 7", ""))

		By("a download: the card's own install result is numbered 8")
		c = t.openISDR()
		ac, err := r.ActivationCode("sfr")
		Expect(err).NotTo(HaveOccurred())
		parts := strings.Split(ac, "$")
		Expect(download(r, c, parts[1], parts[2], dev).Seq).To(Equal(8))
		c.close()
	})
})

// A card that is full (64 of 64 profiles) orders no download (README, "A
// card with no room"). When a host LPA has its ISD-R delete a profile
// (ES10c DeleteProfile over AT+CGLA), the card that executed the delete
// counts the freed slot at once: the applet logs no_room_lifted and the
// next periodic check downloads SFR's profile — no reset, no switch in
// between.
var _ = Describe("A slot a host LPA frees on a full card", framework.Emulated, func() {
	It("is counted at once: the next roaming check downloads the operator passed over", func() {
		home := "    - {iccid: \"89860000000000000019\", operator: cmcc, enabled: true}\n"
		lines, filler := home, ""
		for i := 1; i < 64; i++ {
			id, err := ident.MakeICCID(fmt.Sprintf("8986000000001%06d", i))
			Expect(err).NotTo(HaveOccurred())
			lines += "    - {iccid: \"" + id + "\", operator: cmcc}\n"
			filler = id
		}
		sc := framework.Variant("roam-fr-download.yaml", "roam-fr-full-card-lpa-delete", map[string]string{home: lines, "FR: [sfr, orange-fr]": "FR: [sfr]"})
		r := framework.NewRig(sc, func(o *harness.Options) { o.NoHost = true })
		t := openTTY(r.Modem.Path(), r.Personality)
		_, final := t.cmd("ATE0", nil)
		Expect(final).To(Equal("OK"))

		By("in France, the full card passes SFR over and stays on its own profile")
		advanceTo(r, 90*time.Minute)
		Expect(events(r, "list_passed_over")).NotTo(BeEmpty())
		Expect(framework.ActorEvents(r, eventlog.EUICC, "download_requested")).To(BeEmpty())
		Expect(events(r, "no_room_lifted")).To(BeEmpty())

		By("a host LPA deletes a disabled profile through the ISD-R")
		c := t.openISDR()
		res, err := es10.DecodeResult(es10.TagDeleteProfile, c.es10(es10.DeleteProfileRequest(es10.ProfileID{ICCID: filler})))
		Expect(err).NotTo(HaveOccurred())
		Expect(res).To(Equal(es10.ResultOK))
		c.close()
		lifted := events(r, "no_room_lifted")
		Expect(lifted).To(HaveLen(1), "logged as the ISD-R executes the delete")
		Expect(lifted[0].Get("full_card")).To(Equal(true))
		Expect(lifted[0].Strs("iccids")).To(Equal([]string{filler}))

		By("the next check orders and downloads SFR's profile, with no reset in between")
		advanceTo(r, 2*time.Hour)
		Expect(framework.ActorEvents(r, eventlog.EUICC, "download_requested")).To(HaveLen(1))
		Expect(events(r, "profile_installed")).To(HaveLen(1))
		enabled := events(r, "profile_enabled")
		Expect(enabled).NotTo(BeEmpty())
		Expect(enabled[len(enabled)-1].Str("iccid")).To(Equal(downloadedSFR))
		Expect(framework.ActorEvents(r, eventlog.EUICC, "cycle_resumed")).To(BeEmpty(), "no reset between the delete and the download")
	})
})
