package at

import (
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/esimhil/esimhil/internal/codec/uphex"
)

// +CSIM (TS 27.007 §8.17) and +CGLA (§8.43) carry APDUs as hex. Their
// answers: the name, the
// length of the response in hex characters, and the response as a quoted
// hex string — "+CGLA: 4,\"9000\"". Some modems leave out the space after
// the colon ("+CGLA:4,\"611A\"", a SIMCom A7908E).

// HexAnswer is one such answer.
type HexAnswer struct {
	Data   []byte // the response APDU: data and status word
	Length int    // the length field (-1 when it is not a number)
}

// LengthOK reports a length field that counts the hex characters, as
// 27.007 says it does.
func (a HexAnswer) LengthOK() bool { return a.Length == 2*len(a.Data) }

// CGLA is the command line that sends apdu on session (TS 27.007 §8.43).
func CGLA(session string, apdu []byte) string {
	return fmt.Sprintf(`AT+CGLA=%s,%d,"%X"`, session, 2*len(apdu), apdu)
}

// CSIM is the command line that sends apdu as it is (§8.17).
func CSIM(apdu []byte) string { return fmt.Sprintf(`AT+CSIM=%d,"%X"`, 2*len(apdu), apdu) }

// FormatHexAnswer is name's answer line carrying rsp, in upper-case hex;
// space false leaves out the space after the colon.
func FormatHexAnswer(name string, rsp []byte, space bool) string {
	var buf [256]byte // the line of a short answer is built on the stack
	return string(AppendHexAnswer(buf[:0], name, rsp, space))
}

// AppendHexAnswer appends FormatHexAnswer's line to dst: a modem
// answering APDUs in a loop builds each in the buffer of the last.
func AppendHexAnswer(dst []byte, name string, rsp []byte, space bool) []byte {
	dst = append(dst, name...)
	dst = append(dst, ':')
	if space {
		dst = append(dst, ' ')
	}
	dst = strconv.AppendInt(dst, int64(2*len(rsp)), 10)
	dst = append(dst, ',', '"')
	dst = slices.Grow(dst, 2*len(rsp)+1)
	return append(uphex.Append(dst, rsp...), '"')
}

// HexAnswerError is why an answer line of name is no response APDU;
// a log reader shows Why beside the line.
type HexAnswerError struct {
	Name string // "+CGLA"
	Why  string // "45 hex digits, not whole bytes"
}

func (e *HexAnswerError) Error() string { return e.Name + " answer: " + e.Why }

// HexAnswerWhy is the Why of err when it is a *HexAnswerError, else its
// whole text.
func HexAnswerWhy(err error) string {
	if e, ok := errors.AsType[*HexAnswerError](err); ok {
		return e.Why
	}
	return err.Error()
}

// ParseHexAnswer reads line as name's answer ("+CGLA"; the name in any
// case, the space after the colon or not). ok is false when the line is
// not one; err, a *HexAnswerError, says why one is not readable (no length
// field, a response that is not hex, or shorter than a status word).
func ParseHexAnswer(line, name string) (a HexAnswer, ok bool, err error) {
	if len(line) <= len(name) || !strings.EqualFold(line[:len(name)], name) || line[len(name)] != ':' {
		return HexAnswer{}, false, nil
	}
	n, q, found := strings.Cut(line[len(name)+1:], ",")
	if !found {
		return HexAnswer{}, true, &HexAnswerError{name, fmt.Sprintf("no length and response in %q", line)}
	}
	a.Length = -1
	if v, err := strconv.Atoi(strings.TrimSpace(n)); err == nil {
		a.Length = v
	}
	q = strings.Trim(strings.TrimSpace(q), `"`)
	if a.Data, err = hex.DecodeString(q); err != nil {
		return HexAnswer{}, true, &HexAnswerError{name, HexProblem(q)}
	}
	if len(a.Data) < 2 {
		return HexAnswer{}, true, &HexAnswerError{name, fmt.Sprintf("%d bytes, no status word", len(a.Data))}
	}
	return a, true, nil
}

// HexProblem says why s, which hex.DecodeString refused, is not an APDU in
// hex, as a person would look for it: where the first character that is
// not a hex digit stands, or how many digits there are when they are not
// whole bytes. It does not repeat s, which can be a kilobyte long.
func HexProblem(s string) string {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' {
			continue
		}
		r := s[i:]
		if len(r) > 8 {
			r = r[:8]
		}
		return fmt.Sprintf("character %d (%q…) is not a hex digit", i+1, r)
	}
	if len(s)%2 != 0 {
		return fmt.Sprintf("%d hex digits, not whole bytes", len(s))
	}
	return "not hex"
}
