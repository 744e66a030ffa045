package fleet

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/esimhil/esimhil/emulators/rsp"
	"github.com/esimhil/esimhil/harness"
	"github.com/esimhil/esimhil/internal/ident"
	"github.com/esimhil/esimhil/internal/proto/platformapi"
)

// The requests an external platform must refuse (docs/platform-api.md,
// Request authentication): a storm only shows what the platform takes
// from honest cards, so before it the fleet sends these, as one more card
// would, and the result says which the platform refused. A platform that
// serves a forged or replayed request fails the run as a lost
// notification does: its figures are of a service nobody should deploy.
const (
	AuthUnsigned             = "unsigned"              // a list request with no authentication headers
	AuthUnsignedDownload     = "unsigned download"     // the same on /v1/download
	AuthUnsignedNotification = "unsigned notification" // and on /v1/notifications: each route is checked
	AuthGood                 = "signed right"          // the one it must take (any answer but 401)
	AuthForged               = "forged signature"      // the chain right, the signature over other bytes
	AuthUnknownCI            = "unknown CI"            // a chain from a CI the platform was not given
	AuthOtherEID             = "another card's EID"    // signed right, for another EID in the body
	AuthLowerSeq             = "lower seq"             // signed right, a seq below the one taken, never sent before
	AuthReplay               = "replay"                // the request taken again, byte for byte
)

// AuthChecks are the checks in the order they are sent: the request
// signed right before those that must be refused, so that their seqs lie
// above the last one the platform accepted (a platform that checks only
// its counter would otherwise refuse a forged request as a replay and
// pass for checking signatures).
var AuthChecks = []string{AuthUnsigned, AuthUnsignedDownload, AuthUnsignedNotification, AuthGood, AuthForged, AuthUnknownCI, AuthOtherEID, AuthLowerSeq, AuthReplay}

// NotChecked begins the finding of a check the platform's answers left
// undecided (no answer, or 429/5xx each time): like an unread log, it
// fails the run unless --accept-unchecked.
const NotChecked = "NOT CHECKED: "

// What each entry of Result.Unchecked starts with: the platform's log, or
// an SM-DP+ (its log, or the SM-DP+ itself when none was given).
const (
	uncheckedPlatform = "platform log: "
	uncheckedSMDP     = "SM-DP+ "
)

// authTries bounds the sends of one check: a 429 or 5xx is the
// platform's load, not its verdict on the request, and is tried again
// after a pause (authPause, or the answer's Retry-After up to
// maxAuthPause).
const authTries = 3

var (
	authPause    = 250 * time.Millisecond // vars: the tests shorten them
	maxAuthPause = 2 * time.Second
)

// seqJump is how far the request signed right moves its seq on when the
// platform refuses it as a replay: this check card's counter from a storm
// run in the same second.
const seqJump = 1000

// replaySends is how often the replay is sent, one right after another:
// behind a load balancer that deals requests round-robin to instances
// that do not share their counters, each of up to this many instances
// gets it once.
const replaySends = 4

// signedReq is one request of the checks, its bytes fixed once made, so
// that the replay is the accepted request byte for byte.
type signedReq struct {
	path   string
	body   []byte
	header http.Header
}

func (r signedReq) http() *http.Request {
	req, _ := http.NewRequest(http.MethodPost, "http://"+harness.PlatformHost+r.path, bytes.NewReader(r.body))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range r.header {
		req.Header[k] = v
	}
	return req
}

// sign makes the request of body to path, signed over signed (body if
// nil) at seq by cert under eum; cert nil makes it unsigned.
func sign(path string, body, signed []byte, seq uint64, cert, eum *rsp.Cert) (signedReq, error) {
	r := signedReq{path: path, body: body}
	if cert == nil {
		return r, nil
	}
	if signed == nil {
		signed = body
	}
	sig, err := rsp.Sign(cert.Key, platformapi.CanonicalBytes(http.MethodPost, path, seq, signed))
	if err != nil {
		return r, err
	}
	r.header = platformapi.AuthHeaders(seq, cert.DER, eum.DER, sig)
	return r, nil
}

// answer is what the platform answered one request of the checks.
type answer struct {
	status int
	body   []byte
	reason string // the JSON error's, if any
	// undecoded is why the body is no JSON error ("" when it is one).
	undecoded string
	retry     time.Duration
	err       error // no HTTP answer
	silent    bool  // none at all within probeTimeout, or nothing there
	ctype     string
	path      string // the route asked
}

// cardTakes says a 2xx is an answer a card would take: JSON, declared so,
// that the route's own decoder takes (the one the cards use). Anything
// else (an ingress's default page, JSON of another shape) is no
// platform's verdict (outside testers sw95, sw96).
func (a answer) cardTakes() bool { return a.refusedBy() == "" }

// refusedBy says why a card would not take a 2xx as its answer: not
// declared JSON, or what the route's decoder (the cards') says of it; ""
// when a card takes it.
func (a answer) refusedBy() string {
	if !platformapi.Answered(a.status) {
		return fmt.Sprintf("a %d has no body a card reads", a.status) // the cards' rule
	}
	if mt, _, err := mime.ParseMediaType(a.ctype); err != nil || mt != "application/json" {
		return fmt.Sprintf("Content-Type %q, not application/json: an ingress's own page?", a.ctype)
	}
	var err error
	switch a.path {
	case platformapi.PathPreferredList:
		_, err = platformapi.DecodeListResponse(a.body)
	case platformapi.PathNotifications:
		_, err = platformapi.DecodeNotificationAck(a.body)
	case platformapi.PathDownload:
		_, err = platformapi.DecodeDownloadResponse(a.body)
	default:
		if !json.Valid(a.body) {
			return "not JSON"
		}
	}
	if err != nil {
		return "the route's answer does not decode: " + err.Error()
	}
	return ""
}

// busy says the answer is the platform's load, not its verdict.
func (a answer) busy() bool {
	return a.err == nil && (a.status == http.StatusTooManyRequests || a.status >= 500)
}

// lowerSeq is a seq below taken that a platform comparing seqs as text
// takes for a higher one (fewer digits, a leading 9: "999999999" sorts
// after "1800000000"), so a counter compared as strings, or one that
// only remembers the seqs it saw, is caught by the same request.
func lowerSeq(taken uint64) uint64 {
	p := uint64(1)
	for p <= taken/10 {
		p *= 10
	}
	if p > 1 {
		return p - 1
	}
	return max(taken-1, 1)
}

// checkPlatformAuth sends the checks to the platform at addr, each over
// its own connection as a card makes its requests (TLS as the cards speak
// it when tlsOn), and returns each check's finding by name: "" when the
// platform answered as docs/platform-api.md says, NotChecked and why when
// its answers decide nothing, else what it did wrong. A platform that
// does not answer one within probeTimeout is sent no more.
//
// The checks use a card of the test PKI that is none of the fleet's
// devices: EID index 1+shard, below eidBase (deviceIndex refuses it; the
// other card's EID is index 0), so that the shards of a storm, run side
// by side against one platform, do not share its counter. Its seq counts
// from the wall clock's seconds, below 2^32 as the API requires of an
// EID's first: the platform keeps the last it accepted, and a storm run
// again later counts on above it.
func checkPlatformAuth(ctx context.Context, t *Template, pki *rsp.PKI, shard int, addr netip.AddrPort, tlsOn bool, now time.Time) (map[string]string, error) {
	fail := func(err error) (map[string]string, error) {
		return nil, fmt.Errorf("platform auth checks: %w", err)
	}
	eid, err := ident.MakeEID(fmt.Sprintf("%s%018d", eidPrefix, 1+shard%(eidBase-1)))
	if err != nil {
		return fail(err)
	}
	other, err := ident.MakeEID(fmt.Sprintf("%s%018d", eidPrefix, 0))
	if err != nil {
		return fail(err)
	}
	card, err := rsp.IssueEUICC(pki.EUM, eid, t.Seed)
	if err != nil {
		return fail(err)
	}
	// Another CI, and the same card under it: everything checks out but
	// the root, which the platform was not given.
	rogueCI, err := rsp.NewCI("esimhil ROGUE CI", t.Seed)
	if err != nil {
		return fail(err)
	}
	rogueEUM, err := rsp.NewEUM(rogueCI, t.Seed, rsp.DefaultEIDPrefixes...)
	if err != nil {
		return fail(err)
	}
	rogueCard, err := rsp.IssueEUICC(rogueEUM, eid, t.Seed)
	if err != nil {
		return fail(err)
	}
	list := platformapi.PathPreferredList
	body := func(eid, serving string) []byte {
		b, _ := json.Marshal(platformapi.ListRequest{EID: eid, ICCID: t.HomeICCID, HomePLMN: t.HomeOp.PLMN, ServingPLMN: serving})
		return b
	}
	serving := t.visitedPLMN()
	good := body(eid, serving)
	// Bodies each route takes as well-formed (its 400 comes before
	// authentication); a platform that took them unsigned would order a
	// profile or log a notification for a card that never asked.
	download, _ := json.Marshal(platformapi.DownloadRequest{EID: eid, Operator: t.visitedOperator(), ServingPLMN: serving})
	note, _ := json.Marshal(platformapi.Notification{EID: eid, Kind: platformapi.KindListExhausted})

	found := map[string]string{}
	silent := ""
	send := func(name string, r signedReq) answer {
		if silent != "" {
			return answer{silent: true, err: fmt.Errorf("not sent: the platform did not answer the %s request", silent)}
		}
		a := answer{path: r.path}
		p := probe{ctx: ctx, addr: addr, ci: pki.CI.X509, seed: t.Seed, end: t.End(), req: r.http(), want: func(status int, body []byte) error {
			a.status, a.body = status, body
			if e, err := platformapi.DecodeErrorResponse(body); err == nil {
				a.reason = e.Error
			} else {
				a.undecoded = err.Error()
			}
			return nil
		}, header: func(h http.Header) {
			a.retry = retryAfter(h, time.Now(), maxAuthPause)
			a.ctype = h.Get("Content-Type")
		}}
		if tlsOn {
			p.tls = harness.PlatformHost
		}
		if a.err = p.run(); a.err != nil && (errors.Is(a.err, errSilent) || errors.Is(a.err, errUnreachable)) {
			a.silent, silent = true, name
		}
		return a
	}
	// pause waits before a busy check is sent again; false when the
	// storm is stopped meanwhile.
	pause := func(a answer, try int) bool {
		d := authPause * time.Duration(try+1)
		if a.retry > 0 {
			d = a.retry
		}
		select {
		case <-time.After(min(d, maxAuthPause)):
			return true
		case <-ctx.Done():
			return false
		}
	}
	// refuse sends a request the platform must refuse until an answer
	// that is not its load, and judges it.
	refuse := func(name string, r signedReq, wantReplay bool) (answer, error) {
		var a answer
		for try := range authTries {
			if a = send(name, r); !a.busy() || try == authTries-1 {
				break
			}
			if !pause(a, try) {
				break
			}
		}
		if ctx.Err() != nil {
			return a, context.Cause(ctx)
		}
		found[name] = judgeRefusal(a, wantReplay)
		return a, nil
	}
	unsigned := []struct {
		name string
		req  signedReq
	}{
		{AuthUnsigned, signedReq{path: list, body: good}},
		{AuthUnsignedDownload, signedReq{path: platformapi.PathDownload, body: download}},
		{AuthUnsignedNotification, signedReq{path: platformapi.PathNotifications, body: note}},
	}
	for _, u := range unsigned {
		if _, err := refuse(u.name, u.req, false); err != nil {
			return nil, err
		}
	}
	// The request signed right: a replay of an earlier storm's check
	// card moves its seq on, a 429/5xx (which may have consumed the seq)
	// on by one.
	seq := uint64(max(now.Unix(), 1))
	var taken *signedReq
	var a answer
	for try := range authTries {
		r, err := sign(list, good, nil, seq, card, pki.EUM)
		if err != nil {
			return fail(err)
		}
		a = send(AuthGood, r)
		if ctx.Err() != nil {
			return nil, context.Cause(ctx)
		}
		if a.err != nil {
			break
		}
		if a.status == http.StatusUnauthorized && strings.HasPrefix(a.reason, platformapi.ReasonReplay) {
			seq += seqJump
			continue
		}
		if a.busy() {
			seq++
			if try < authTries-1 && !pause(a, try) {
				return nil, context.Cause(ctx)
			}
			continue
		}
		if a.status != http.StatusUnauthorized && (a.status >= 300 || a.cardTakes()) {
			taken = &r
		}
		break
	}
	switch {
	case taken != nil:
		found[AuthGood] = ""
	case a.err == nil && a.status < 300:
		found[AuthGood] = fmt.Sprintf("%sanswered %d %s, which no card takes as an answer (%s)", NotChecked, a.status, quoteBody(a.body), a.refusedBy())
	case a.err != nil:
		found[AuthGood] = NotChecked + a.err.Error()
	case a.status == http.StatusUnauthorized && strings.HasPrefix(a.reason, platformapi.ReasonReplay):
		found[AuthGood] = fmt.Sprintf("%srefused as a replay each of %d times, %d seqs apart (%s): the platform holds a counter for the checks' card above this clock's seconds", NotChecked, authTries, seqJump, quoteBody(a.body))
	case a.status == http.StatusUnauthorized:
		found[AuthGood] = fmt.Sprintf("refused (401 %s): the cards' own requests are signed so", quoteBody(a.body))
	default:
		found[AuthGood] = fmt.Sprintf("%sanswered %d %s each of %d times", NotChecked, a.status, quoteBody(a.body), authTries)
	}
	// Above the seq just taken: each of these would be taken if its
	// one flaw went unnoticed.
	for i, c := range []struct {
		name         string
		body, signed []byte
		cert, eum    *rsp.Cert
	}{
		// Signed over another serving PLMN: a request altered on its way.
		{AuthForged, good, body(eid, t.HomeOp.PLMN), card, pki.EUM},
		{AuthUnknownCI, good, nil, rogueCard, rogueEUM},
		{AuthOtherEID, body(other, serving), nil, card, pki.EUM},
	} {
		r, err := sign(list, c.body, c.signed, seq+1+uint64(i), c.cert, c.eum)
		if err != nil {
			return fail(err)
		}
		if _, err := refuse(c.name, r, false); err != nil {
			return nil, err
		}
	}
	if taken == nil {
		why := "the request signed right was not taken"
		if a.err != nil {
			why = "the request signed right got no answer"
		}
		found[AuthLowerSeq] = NotChecked + why + ", so there is no seq to go below"
		found[AuthReplay] = NotChecked + why + ", so there was none to replay"
		return found, nil
	}
	low, err := sign(list, good, nil, lowerSeq(seq), card, pki.EUM)
	if err != nil {
		return fail(err)
	}
	if _, err := refuse(AuthLowerSeq, low, false); err != nil {
		return nil, err
	}
	for n := range replaySends {
		a, err := refuse(AuthReplay, *taken, true)
		if err != nil {
			return nil, err
		}
		if why := found[AuthReplay]; why != "" {
			if !a.silent && n > 0 {
				found[AuthReplay] = fmt.Sprintf("%s at its send %d of %d in a row (refused before it: instances behind a load balancer that do not share their counters?)", why, n+1, replaySends)
			}
			break
		}
	}
	return found, nil
}

// judgeRefusal says what the platform did wrong with a request it must
// refuse: "" for 401 with an "auth: " reason ("auth: replay: " for a
// replay), NotChecked when its answers decide nothing — no HTTP answer at
// all (silence, a connection closed or reset, bytes that are no answer)
// says nothing of whether it would have taken the request, as with the
// request signed right.
func judgeRefusal(a answer, replay bool) string {
	want := "auth: "
	if replay {
		want = platformapi.ReasonReplay
	}
	switch {
	case a.err != nil:
		return NotChecked + a.err.Error()
	case a.busy():
		return fmt.Sprintf("%sanswered %d %s each of %d times", NotChecked, a.status, quoteBody(a.body), authTries)
	case a.status < 300 && !a.cardTakes():
		// An ingress's default page, a route to another service: the
		// request never reached a platform that could refuse it (outside
		// tester sw95: read as forged requests taken).
		return fmt.Sprintf("%sanswered %d %s, which no card takes as an answer (%s): no verdict on the request", NotChecked, a.status, quoteBody(a.body), a.refusedBy())
	case a.status < 300:
		return fmt.Sprintf("ACCEPTED: answered %d %s", a.status, quoteBody(a.body))
	case a.status != http.StatusUnauthorized:
		return fmt.Sprintf("answered %d %s, not 401", a.status, quoteBody(a.body))
	case a.reason == "" && !json.Valid(a.body):
		// A 401 whose body is cut or mangled on the way (a Content-
		// Length that lies): refused, its reason unread, as a 2xx no
		// card takes is no verdict (outside tester sw106).
		return fmt.Sprintf("%sanswered 401 with %s, a body that is no JSON (%s): refused, but its reason cannot be read", NotChecked, quoteBody(a.body), a.undecoded)
	case !strings.HasPrefix(a.reason, want):
		return fmt.Sprintf("answered 401 with %s, not a JSON error whose reason begins %q", quoteBody(a.body), want)
	}
	return ""
}

// visitedOperator is the first preferred operator where the fleet
// arrives (the home operator when there is none).
func (t *Template) visitedOperator() string {
	if len(t.Preferred) > 0 {
		return t.Preferred[0]
	}
	return t.HomeOp.ID
}

// visitedPLMN is the PLMN of the first preferred operator where the fleet
// arrives (the home operator's when there is none).
func (t *Template) visitedPLMN() string {
	if len(t.Preferred) > 0 {
		if o, ok := t.operator(t.Preferred[0]); ok {
			return o.PLMN
		}
	}
	return t.HomeOp.PLMN
}
