package smdp

import (
	"strings"
	"testing"

	"github.com/esimhil/esimhil/internal/codec/tlv"
	"github.com/esimhil/esimhil/internal/proto/es10"
	"github.com/esimhil/esimhil/internal/proto/es9"
)

// TestNoRoom: the eligibility check on the memory the eUICC reports
// (SGP.22 §3.1.3): a package larger than the free NVM, or a card that
// cleared additionalProfile, does not fit; the installed applications'
// count is not read.
func TestNoRoom(t *testing.T) {
	more := es10.BitsOf(es10.RSPAdditionalProfile)
	tests := []struct {
		name string
		info es10.EuiccInfo2
		size int
		want string // a part of the reason; "" fits
	}{
		{"room to spare", es10.EuiccInfo2{RSPCapability: more, ExtCardResource: es10.ExtCardResource{FreeNVM: 256 << 10}}, 2400, ""},
		{"exactly the package", es10.EuiccInfo2{RSPCapability: more, ExtCardResource: es10.ExtCardResource{FreeNVM: 2400}}, 2400, ""},
		{"a byte short", es10.EuiccInfo2{RSPCapability: more, ExtCardResource: es10.ExtCardResource{FreeNVM: 2399}}, 2400, "2399 bytes of free non-volatile memory, the profile package takes 2400"},
		{"no free memory", es10.EuiccInfo2{RSPCapability: more}, 2400, "0 bytes"},
		{"additionalProfile cleared", es10.EuiccInfo2{ExtCardResource: es10.ExtCardResource{FreeNVM: 256 << 10}}, 2400, "additionalProfile is not set"},
		{"many applications, room left", es10.EuiccInfo2{RSPCapability: more, ExtCardResource: es10.ExtCardResource{InstalledApps: 200, FreeNVM: 256 << 10}}, 2400, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := noRoom(tc.info, tc.size)
			if tc.want == "" && got != "" || tc.want != "" && !strings.Contains(got, tc.want) {
				t.Fatalf("noRoom = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestAuthenticateClientNoRoom: the SM-DP+ refuses at authenticateClient,
// 8.1/4.8, a card whose signed EUICCInfo2 reports less free memory than
// the package it would bind, before any package is bound or sent; the
// order stays for the card to come back with room. A euiccInfo2 without
// its mandatory extCardResource is a format error (1.2/2.1), not a 4.8.
func TestAuthenticateClientNoRoom(t *testing.T) {
	tests := []struct {
		name            string
		free            func(size int) int
		drop            bool // extCardResource left out of euiccInfo2
		subject, reason string
		message         string // a part of the refusal's message
	}{
		{"room", func(size int) int { return size }, false, "", "", ""},
		{"no room", func(size int) int { return size - 1 }, false, es9.SubjectEUICC, es9.ReasonInsufficientMemory,
			"eUICC does not have sufficient space for this Profile: extCardResource reports"},
		{"extCardResource missing", func(size int) int { return 0 }, true, es9.SubjectFunction, es9.ReasonInvalidFormat, "84"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, c, mid, size := serverAuthenticated(t)
			resp := c.authServerResponse(func(s *es10.EuiccSigned1) { s.EuiccInfo2.ExtCardResource.FreeNVM = tc.free(size) })
			if tc.drop {
				resp = without(t, resp, 0x84, 0xA0, 0x30, es10.TagGetEUICCInfo2)
			}
			code, m, err := c.authenticateClient(resp)
			if tc.subject == "" {
				mustOK(t, "authenticateClient", code, m, err)
				return
			}
			mustFail(t, tc.name, code, m, err, 200, tc.subject, tc.reason)
			if ev := e.log.Kind("es9_error"); len(ev) != 1 || !strings.Contains(ev[0].Str("message"), tc.message) {
				t.Fatalf("es9_error events %v, want one saying %q", ev, tc.message)
			}
			if n := len(e.log.Kind(KindBPPSent)); n != 0 {
				t.Fatalf("%d packages sent", n)
			}
			if st := e.srv.orders[mid].state; st != "released" {
				t.Fatalf("order %s after the refusal, want released", st)
			}
			// With room, the same order downloads.
			c = e.card(testEID, mid)
			c.upToBPP()
		})
	}
}

// without removes the field drop from the TLV that path leads to inside
// the BF38 encoding b, lengths fixed on the way up.
func without(t *testing.T, b []byte, drop uint32, path ...uint32) []byte {
	t.Helper()
	obj, _, err := tlv.ParseOne(b)
	if err != nil {
		t.Fatal(err)
	}
	var cut func(o tlv.TLV, path []uint32) tlv.TLV
	cut = func(o tlv.TLV, path []uint32) tlv.TLV {
		kids, err := tlv.Parse(o.Value)
		if err != nil {
			t.Fatal(err)
		}
		var out []tlv.TLV
		for _, k := range kids {
			switch {
			case len(path) == 0 && k.Tag == drop:
				continue
			case len(path) > 0 && k.Tag == path[0]:
				k = cut(k, path[1:])
			}
			out = append(out, k)
		}
		return tlv.Constructed(o.Tag, out...)
	}
	return cut(obj, path).Bytes()
}

// TestCancelAfterRefusal: a session that authenticateClient or
// getBoundProfilePackage refused takes the LPA's cancelSession (SGP.22
// §3.0.2: the eUICC's side is still open after such an error, and lpac
// cancels after any), and no other call. A verified cancellation decides
// the order bound to the session by its reason (§5.6.5) — a 8.1/4.8
// refusal's too, which stays released for a postponed one; one refused
// before the eUICC was authenticated, or the error form, only ends the
// session. A second cancellation is for an unknown transaction.
func TestCancelAfterRefusal(t *testing.T) {
	tests := []struct {
		name     string
		refuse   func(t *testing.T, c *card, size int) // leaves c's session refused
		cancel   func(c *card) []byte
		verified bool
		order    string // session_cancelled's order
		again    bool   // the order downloads afterwards
	}{
		{"no room, postponed", refuseNoRoom, signed(es10.CancelPostponed), true, "released", true},
		{"no room, end user rejection", refuseNoRoom, signed(es10.CancelEndUserRejection), true, "error", false},
		{"unknown matching ID, undefined", func(t *testing.T, c *card, _ int) {
			c.mid = "no-such-order"
			code, m, err := c.authenticateClient(c.authServerResponse(nil))
			mustFail(t, "authenticateClient", code, m, err, 200, es9.SubjectMatchingID, es9.ReasonRefused)
		}, signed(es10.CancelUndefinedReason), true, "", true},
		{"eUICC refused, error form", func(t *testing.T, c *card, _ int) {
			resp := es10.AuthenticateServerResponse{TransactionID: c.txBytes, ErrorCode: 2}.Encode()
			code, m, err := c.authenticateClient(resp)
			mustFail(t, "authenticateClient", code, m, err, 200, es9.SubjectEUICC, es9.ReasonRefused)
		}, func(*card) []byte {
			return es10.CancelSessionResponse{ErrorCode: es10.CancelErrInvalidTransID}.Encode()
		}, false, "", true},
		{"euiccSignature2 refused, postponed", func(t *testing.T, c *card, _ int) {
			code, m, err := c.authenticateClient(c.authServerResponse(nil))
			mustOK(t, "authenticateClient", code, m, err)
			if err := c.prepareDownload(m); err != nil {
				t.Fatal(err)
			}
			code, m, err = c.getBPP(c.prepareDownloadResponse(true))
			mustFail(t, "getBoundProfilePackage", code, m, err, 200, es9.SubjectEUICC, es9.ReasonVerifyFailed)
		}, signed(es10.CancelPostponed), true, "released", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, c, mid, size := serverAuthenticated(t)
			tc.refuse(t, c, size)
			// No other call is taken for the refused session.
			code, m, err := c.getBPP(c.prepareDownloadResponse(false))
			mustFail(t, "getBoundProfilePackage after the refusal", code, m, err, 200, es9.SubjectTransactionID, es9.ReasonUnknown)
			cancel := func() (int, map[string]any, error) {
				return e.post(es9.FnCancelSession, map[string]string{"transactionId": c.tx, "cancelSessionResponse": enc(tc.cancel(c))})
			}
			code, m, err = cancel()
			mustOK(t, "cancelSession after the refusal", code, m, err)
			evs := e.log.Kind(KindSessionCancelled)
			if len(evs) != 1 || evs[0].Get("verified") != tc.verified || evs[0].Str("order") != tc.order {
				t.Fatalf("session_cancelled %v, want verified %v order %q", evs, tc.verified, tc.order)
			}
			code, m, err = cancel()
			mustFail(t, "a second cancelSession", code, m, err, 200, es9.SubjectTransactionID, es9.ReasonUnknown)
			code, m, err = authenticateAgain(t, e, mid)
			if tc.again {
				mustOK(t, "authenticateClient on the order", code, m, err)
			} else {
				mustFail(t, "authenticateClient on an order in error", code, m, err, 200, es9.SubjectMatchingID, es9.ReasonAlreadyUsed)
			}
		})
	}
}

// serverAuthenticated is a card on a new order, past authenticateServer
// (the session's next call is authenticateClient), and the size of the
// order's package as the SM-DP+ reckons it.
func serverAuthenticated(t *testing.T) (e *env, c *card, mid string, size int) {
	t.Helper()
	e = newEnv(t)
	_, mid, _ = e.srv.Order(testEID)
	pkg, err := e.srv.profilePackage(e.srv.orders[mid].profile)
	if err != nil {
		t.Fatal(err)
	}
	c = e.card(testEID, mid)
	code, m, err := c.initiate()
	mustOK(t, "initiateAuthentication", code, m, err)
	if err := c.authenticateServer(m); err != nil {
		t.Fatal(err)
	}
	return e, c, mid, len(pkg)
}

// refuseNoRoom has authenticateClient refuse c for lack of memory (8.1/4.8).
func refuseNoRoom(t *testing.T, c *card, size int) {
	t.Helper()
	code, m, err := c.authenticateClient(c.authServerResponse(func(s *es10.EuiccSigned1) { s.EuiccInfo2.ExtCardResource.FreeNVM = size - 1 }))
	mustFail(t, "authenticateClient", code, m, err, 200, es9.SubjectEUICC, es9.ReasonInsufficientMemory)
}

// signed is the card's signed cancellation for reason.
func signed(reason int) func(c *card) []byte {
	return func(c *card) []byte { return c.cancel(reason, nil).Encode() }
}
