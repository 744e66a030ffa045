package at

import (
	"errors"
	"strconv"
)

// Encoder writes responses per the current ATV and +CMEE settings
// (V.250 §5.7.1, TS 27.007 §9.1).
type Encoder struct {
	Verbose bool // ATV1: text result codes framed by CR LF
	CMEE    int  // 0: ERROR, 1: numeric +CME ERROR, 2: verbose +CME ERROR
}

// Info frames an information text line. V.250 §5.7.1: in V1 it is preceded
// and followed by CR LF; in V0 it is followed by CR LF only.
func (e Encoder) Info(text string) []byte {
	if e.Verbose {
		return []byte("\r\n" + text + "\r\n")
	}
	return []byte(text + "\r\n")
}

// URC frames an unsolicited result code: an extended syntax result code
// ("+CEREG: 1") or a vendor's ("RDY"), framed as ExtResult frames them.
func (e Encoder) URC(text string) []byte { return e.ExtResult(text) }

// ExtResult frames an extended syntax result code ("+CME ERROR: 10",
// "+CEREG: 1"). It has no number, so it goes as text under V0 too, but V
// sets its header and trailer as it does a basic result code's (V.250
// §5.7.2): CR LF on both sides under V1, a lone CR after it under V0 —
// not information text's CR LF.
func (e Encoder) ExtResult(text string) []byte {
	if e.Verbose {
		return []byte("\r\n" + text + "\r\n")
	}
	return []byte(text + "\r")
}

// result frames a result code: V1 text, or the V0 numeric code and CR.
func (e Encoder) result(text string, code int) []byte {
	if e.Verbose {
		return []byte("\r\n" + text + "\r\n")
	}
	return []byte(strconv.Itoa(code) + "\r")
}

// OK is the final result of a successful command line.
func (e Encoder) OK() []byte { return e.result("OK", 0) }

// Error is the plain final ERROR.
func (e Encoder) Error() []byte { return e.result("ERROR", 4) }

// CME reports a mobile termination error as +CMEE selects.
func (e Encoder) CME(c CMEError) []byte {
	switch e.CMEE {
	case 1:
		return e.ExtResult("+CME ERROR: " + strconv.Itoa(int(c)))
	case 2:
		return e.ExtResult("+CME ERROR: " + c.Text())
	}
	return e.Error()
}

// Final encodes the outcome of a command line: nil is OK, a CMEError (even
// wrapped) is a +CME ERROR, anything else is ERROR.
func (e Encoder) Final(err error) []byte {
	if err == nil {
		return e.OK()
	}
	var c CMEError
	if errors.As(err, &c) {
		return e.CME(c)
	}
	return e.Error()
}
