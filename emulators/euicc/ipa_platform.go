package euicc

import (
	"net/http"

	"github.com/esimhil/esimhil/emulators/euicc/applet"
	"github.com/esimhil/esimhil/internal/proto/platformapi"
)

// platformOp is the BIP exchange of an applet's HTTPPost to the management
// platform: HTTP/1.1 (HTTPS with Config.PlatformTLS; docs/platform-api.md),
// JSON body, signed with the eUICC key.
func (r *runtime) platformOp(e applet.HTTPPost) (*bipOp, error) {
	c := r.c.cfg
	h := http.Header{}
	h.Set("Content-Type", platformapi.ContentType)
	if err := r.c.signPlatform(h, e.Path, e.Seq, e.Body); err != nil {
		return nil, err
	}
	req := httpRequest{Host: c.PlatformHost, Path: e.Path, Header: h, Body: e.Body, JSONAnswers: true}
	var tp *tlsParams
	if c.PlatformTLS {
		tp = r.c.tlsParams(&r.tls)
	}
	return newBIPOp(r, c.PlatformAddr, req, tp, e.ReqID), nil
}
