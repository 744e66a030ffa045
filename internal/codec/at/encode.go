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
	// S3 and S4 are the characters headers and trailers are made of, CR
	// and LF where "CR" and "LF" are written below (V.250 §6.2.1, §6.2.2);
	// 0 is the default, CR and LF themselves.
	S3, S4 byte
}

// crlf returns S3 and S4.
func (e Encoder) crlf() (cr, lf byte) {
	cr, lf = '\r', '\n'
	if e.S3 != 0 {
		cr = e.S3
	}
	if e.S4 != 0 {
		lf = e.S4
	}
	return cr, lf
}

// frame puts text between the V1 header and trailer (CR LF on both sides),
// in one allocation.
func (e Encoder) frame(text string) []byte {
	return e.appendFrame(make([]byte, 0, len(text)+4), text)
}

func (e Encoder) appendFrame(dst []byte, text string) []byte {
	cr, lf := e.crlf()
	dst = append(dst, cr, lf)
	dst = append(dst, text...)
	return append(dst, cr, lf)
}

// Info frames an information text line. V.250 §5.7.1: in V1 it is preceded
// and followed by CR LF; in V0 it is followed by CR LF only.
func (e Encoder) Info(text string) []byte {
	return e.AppendInfo(make([]byte, 0, len(text)+4), text)
}

// AppendInfo appends Info(text) to dst.
func (e Encoder) AppendInfo(dst []byte, text string) []byte {
	dst = e.AppendInfoHeader(dst)
	dst = append(dst, text...)
	return e.AppendInfoTrailer(dst)
}

// AppendInfoHeader appends what precedes information text (CR LF in V1,
// nothing in V0), AppendInfoTrailer what follows it (CR LF): an answer
// built in place between them is Info's.
func (e Encoder) AppendInfoHeader(dst []byte) []byte {
	if !e.Verbose {
		return dst
	}
	cr, lf := e.crlf()
	return append(dst, cr, lf)
}

// AppendInfoTrailer: see AppendInfoHeader.
func (e Encoder) AppendInfoTrailer(dst []byte) []byte {
	cr, lf := e.crlf()
	return append(dst, cr, lf)
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
		return e.frame(text)
	}
	cr, _ := e.crlf()
	return append(append(make([]byte, 0, len(text)+1), text...), cr)
}

// result frames a result code: V1 text, or the V0 numeric code and CR.
func (e Encoder) result(text string, code int) []byte {
	return e.appendResult(make([]byte, 0, len(text)+4), text, code)
}

func (e Encoder) appendResult(dst []byte, text string, code int) []byte {
	if e.Verbose {
		return e.appendFrame(dst, text)
	}
	cr, _ := e.crlf()
	return append(strconv.AppendInt(dst, int64(code), 10), cr)
}

// OK is the final result of a successful command line.
func (e Encoder) OK() []byte { return e.result("OK", 0) }

// AppendOK appends OK() to dst.
func (e Encoder) AppendOK(dst []byte) []byte { return e.appendResult(dst, "OK", 0) }

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
