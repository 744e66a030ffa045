package applet

import (
	"fmt"

	"github.com/esimhil/esimhil/internal/proto/es9"
)

// es9Answer checks an ES9+ answer to fn — the HTTP exchange, the body
// through the shared strict decoder (internal/proto/es9), then the
// functionExecutionStatus in h, the header of m — and fills m; the error
// says why the call failed.
func es9Answer(fn string, e HTTPResult, m es9.Message, h *es9.ResponseHeader) error {
	if e.Err != "" {
		return fmt.Errorf("%s: %s", fn, e.Err)
	}
	if e.Status != 200 {
		return fmt.Errorf("%s: http status %d", fn, e.Status)
	}
	if err := es9.Decode(e.Body, m); err != nil {
		return fmt.Errorf("%s: %w", fn, err)
	}
	if err := h.Err(); err != nil {
		return fmt.Errorf("%s: %w", fn, err)
	}
	return nil
}
