package es9

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/esimhil/esimhil/internal/bodyread"
)

// CheckAnswer checks the HTTP headers of an SM-DP+'s 2xx answer to an
// ES9+ request of this release (SGP.22 §6.5.1): every answer names the
// protocol it speaks, X-Admin-Protocol gsma/rsp/v2.x.y — another release's
// answer (or none named) is not read as a v2 one —, and one with content
// is declared JSON (application/json, bare or with a UTF-8 charset, as
// bodyread.JSONType takes a request's). A 204 has no content to declare.
// An error status is taken for its status, whatever its headers: the
// card fails the call either way. The emulated SM-DP+ writes answers
// that pass it; the card refuses those that do not (outside tester t180
// F6).
func CheckAnswer(status int, h http.Header) error {
	if status/100 != 2 {
		return nil
	}
	if err := answerProtocol(h.Values(AdminProtocolHeader)); err != nil {
		return err
	}
	if status == http.StatusNoContent {
		return nil
	}
	return bodyread.JSONType(h.Values("Content-Type"))
}

// answerProtocol checks X-Admin-Protocol values: once, and a v2 release
// in TakesProtocol's form.
func answerProtocol(values []string) error {
	switch len(values) {
	case 0:
		return fmt.Errorf("%s missing, want gsma/rsp/v2.x.y", AdminProtocolHeader)
	case 1:
	default:
		return errors.New(AdminProtocolHeader + " given more than once")
	}
	v := values[0]
	if !TakesProtocol(v) || !strings.HasPrefix(v, "gsma/rsp/v2.") {
		if len(v) > 100 { // the reason names, not echoes
			v = v[:100] + "…"
		}
		return fmt.Errorf("%s %q, want gsma/rsp/v2.x.y (the SGP.22 v2 answers this card reads)", AdminProtocolHeader, v)
	}
	return nil
}
