package fleet

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
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
	AuthUnsigned  = "unsigned"           // no authentication headers at all
	AuthForged    = "forged signature"   // the chain right, the signature over other bytes
	AuthUnknownCI = "unknown CI"         // a chain from a CI the platform was not given
	AuthOtherEID  = "another card's EID" // signed right, for another EID in the body
	AuthGood      = "signed right"       // the one it must take (any answer but 401)
	AuthReplay    = "replay"             // that request again, byte for byte
)

// AuthChecks are the checks in the order they are sent: the request
// signed right before those that must be refused, so that their seqs lie
// above the last one the platform accepted (a platform that checks only
// its counter would otherwise refuse a forged request as a replay and
// pass for checking signatures).
var AuthChecks = []string{AuthUnsigned, AuthGood, AuthForged, AuthUnknownCI, AuthOtherEID, AuthReplay}

// NotChecked begins the finding of a check the platform's answers left
// undecided (no answer, or 5xx each time): like an unread log, it fails
// the run unless --accept-unchecked.
const NotChecked = "NOT CHECKED: "

// authTries bounds the sends of one check: a 5xx is the platform's load,
// not its verdict on the request, and is tried again.
const authTries = 3

// seqJump is how far the request signed right moves its seq on when the
// platform refuses it as a replay: this check card's counter from a storm
// run in the same second.
const seqJump = 1000

// signedReq is one request of the checks, its bytes fixed once made, so
// that the replay is the accepted request byte for byte.
type signedReq struct {
	body   []byte
	header http.Header
}

func (r signedReq) http() *http.Request {
	req, _ := http.NewRequest(http.MethodPost, "http://"+harness.PlatformHost+platformapi.PathPreferredList, bytes.NewReader(r.body))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range r.header {
		req.Header[k] = v
	}
	return req
}

// sign makes the request of body, signed over signed (body if nil) at seq
// by cert under eum; cert nil makes it unsigned.
func sign(body, signed []byte, seq uint64, cert, eum *rsp.Cert) (signedReq, error) {
	r := signedReq{body: body}
	if cert == nil {
		return r, nil
	}
	if signed == nil {
		signed = body
	}
	sig, err := rsp.Sign(cert.Key, platformapi.CanonicalBytes(http.MethodPost, platformapi.PathPreferredList, seq, signed))
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
	err    error  // no HTTP answer
	silent bool   // none at all within probeTimeout, or nothing there
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
	body := func(eid, serving string) []byte {
		b, _ := json.Marshal(platformapi.ListRequest{EID: eid, ICCID: t.homeICCID(), HomePLMN: t.HomeOp.PLMN, ServingPLMN: serving})
		return b
	}
	serving := t.visitedPLMN()
	good := body(eid, serving)

	found := map[string]string{}
	silent := ""
	send := func(name string, r signedReq) answer {
		if silent != "" {
			return answer{silent: true, err: fmt.Errorf("not sent: the platform did not answer the %s request", silent)}
		}
		var a answer
		p := probe{ctx: ctx, addr: addr, ci: pki.CI.X509, seed: t.Seed, end: t.End(), req: r.http(), want: func(status int, body []byte) error {
			a.status, a.body = status, body
			if e, err := platformapi.DecodeErrorResponse(body); err == nil {
				a.reason = e.Error
			}
			return nil
		}}
		if tlsOn {
			p.tls = harness.PlatformHost
		}
		if a.err = p.run(); a.err != nil && (errors.Is(a.err, errSilent) || errors.Is(a.err, errUnreachable)) {
			a.silent, silent = true, name
		}
		return a
	}
	// refuse sends a request the platform must refuse, until an answer
	// that is not a 5xx.
	refuse := func(name string, mk func() (signedReq, error)) error {
		r, err := mk()
		if err != nil {
			return err
		}
		var a answer
		for range authTries {
			if a = send(name, r); a.err != nil || a.status < 500 {
				break
			}
		}
		found[name] = judgeRefusal(name, a)
		return ctx.Err()
	}

	if err := refuse(AuthUnsigned, func() (signedReq, error) { return sign(good, nil, 0, nil, nil) }); err != nil {
		return nil, context.Cause(ctx)
	}
	// The request signed right: a replay of an earlier storm's check
	// card moves its seq on, a 5xx (which may have consumed the seq) on
	// by one.
	seq := uint64(max(now.Unix(), 1))
	var taken *signedReq
	var a answer
	for range authTries {
		r, err := sign(good, nil, seq, card, pki.EUM)
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
		if a.status >= 500 {
			seq++
			continue
		}
		if a.status != http.StatusUnauthorized {
			taken = &r
		}
		break
	}
	switch {
	case taken != nil:
		found[AuthGood] = ""
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
		name string
		mk   func(seq uint64) (signedReq, error)
	}{
		// Signed over another serving PLMN: a request altered on its way.
		{AuthForged, func(seq uint64) (signedReq, error) { return sign(good, body(eid, t.HomeOp.PLMN), seq, card, pki.EUM) }},
		{AuthUnknownCI, func(seq uint64) (signedReq, error) { return sign(good, nil, seq, rogueCard, rogueEUM) }},
		{AuthOtherEID, func(seq uint64) (signedReq, error) { return sign(body(other, serving), nil, seq, card, pki.EUM) }},
	} {
		if err := refuse(c.name, func() (signedReq, error) { return c.mk(seq + 1 + uint64(i)) }); err != nil {
			return nil, context.Cause(ctx)
		}
	}
	if taken == nil {
		found[AuthReplay] = NotChecked + "the request signed right was not taken, so there was none to replay"
		return found, nil
	}
	if err := refuse(AuthReplay, func() (signedReq, error) { return *taken, nil }); err != nil {
		return nil, context.Cause(ctx)
	}
	return found, nil
}

// judgeRefusal says what the platform did wrong with a request it must
// refuse: "" for 401 with an "auth: " reason ("auth: replay: " for the
// replay), NotChecked when its answers decide nothing.
func judgeRefusal(name string, a answer) string {
	want := "auth: "
	if name == AuthReplay {
		want = platformapi.ReasonReplay
	}
	switch {
	case a.silent:
		return NotChecked + a.err.Error()
	case a.err != nil:
		return a.err.Error()
	case a.status >= 500:
		return fmt.Sprintf("%sanswered %d %s each of %d times", NotChecked, a.status, quoteBody(a.body), authTries)
	case a.status < 300:
		return fmt.Sprintf("ACCEPTED: answered %d %s", a.status, quoteBody(a.body))
	case a.status != http.StatusUnauthorized:
		return fmt.Sprintf("answered %d %s, not 401", a.status, quoteBody(a.body))
	case !strings.HasPrefix(a.reason, want):
		return fmt.Sprintf("answered 401 with %s, not a JSON error whose reason begins %q", quoteBody(a.body), want)
	}
	return ""
}

// homeICCID is the ICCID of the base scenario's enabled profile.
func (t *Template) homeICCID() string {
	for _, p := range t.Base.Device.Profiles {
		if p.Enabled {
			return p.ICCID
		}
	}
	return ""
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
