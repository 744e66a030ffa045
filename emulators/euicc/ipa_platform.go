package euicc

import (
	"net/http"

	"github.com/esimhil/esimhil/emulators/euicc/applet"
)

// platformOp is the BIP exchange of an applet's HTTPPost to the management
// platform: plain HTTP/1.1 on loopback (docs/platform-api.md), JSON body,
// signed with the eUICC key.
func (r *runtime) platformOp(e applet.HTTPPost) (*bipOp, error) {
	c := r.c.cfg
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	if err := r.c.signPlatform(h, e.Path, e.Seq, e.Body); err != nil {
		return nil, err
	}
	req := httpRequest{Host: c.PlatformHost, Path: e.Path, Header: h, Body: e.Body}
	return newBIPOp(r, c.PlatformAddr, req, nil, func(rep httpReply, err string) applet.Event {
		if err != "" {
			return applet.HTTPResult{ReqID: e.ReqID, Err: err}
		}
		return applet.HTTPResult{ReqID: e.ReqID, Status: rep.Status, Body: rep.Body}
	}), nil
}
