package euicc

import (
	"net/http"

	"github.com/esimhil/esimhil/emulators/euicc/applet"
	"github.com/esimhil/esimhil/internal/proto/es9"
)

// ES9+ transport facts (SGP.22 §6.5.1): HTTPS on port 443 unless the
// address names another, POST /gsma/rsp2/es9plus/<function>, JSON body.

// es9Op is the BIP exchange of one ES9+ call: TLS 1.2 to the SM-DP+ named
// by the address, verified against the test CI at the card's now.
func (r *runtime) es9Op(e applet.ES9Call) (*bipOp, error) {
	host, ap, err := r.c.resolve(e.Address, es9.Port)
	if err != nil {
		return nil, err
	}
	return newBIPOp(r, ap, es9Request(host, e.Function, e.Body), r.c.tlsParams(&r.tls), e.ReqID), nil
}

// es9Request is the POST of one ES9+ function to host.
func es9Request(host, function string, body []byte) httpRequest {
	h := http.Header{}
	h.Set("Content-Type", es9.ContentType)
	h.Set(es9.AdminProtocolHeader, es9.AdminProtocol)
	// The card runs the LPA functions itself: an LPAe (SGP.22 §6.5.1).
	return httpRequest{Host: host, Path: es9.PathPrefix + function, Header: h, Body: body, Agent: es9.UserAgentLPAe, MaxReply: es9.MaxBody, ES9Answers: true}
}
