package exactjson

import (
	"encoding/json"
	"errors"
	"io"
	"unicode/utf8"
)

// errNotPlain is plainTokens' one refusal: the document is not plain
// JSON, or not JSON at all, and json.Decoder is to say which.
var errNotPlain = errors.New("not plain JSON")

// plainTokens tokenizes a document as json.Decoder does with UseNumber —
// the same tokens, the same More, the same InputOffset at the end of each
// token — but only for plain JSON: strings without escapes or control
// characters, in valid UTF-8. Anything else, well-formed or not, is
// errNotPlain. It is several times faster than json.Decoder, whose Token
// the check calls for every name and value of the platform's and ES9+'s
// messages, and which escapes they do not use.
type plainTokens struct {
	src   []byte
	pos   int
	open  []byte // '{' or '[' of each container the position is in
	state plainState
}

// plainState is what may come next.
type plainState uint8

const (
	ptValue        plainState = iota // a value: the document's, or after ':'
	ptValueOrClose                   // after '['
	ptNameOrClose                    // after '{'
	ptName                           // after ',' in an object
	ptColon                          // after a member's name
	ptCommaOrClose                   // after a value in a container
	ptEnd                            // after the document's value
)

func (t *plainTokens) InputOffset() int64 { return int64(t.pos) }

// More reports whether the container has another element, passing the
// white space before it (as json.Decoder.More does).
func (t *plainTokens) More() bool {
	t.space()
	return t.pos < len(t.src) && t.src[t.pos] != ']' && t.src[t.pos] != '}'
}

func (t *plainTokens) space() {
	for t.pos < len(t.src) {
		switch t.src[t.pos] {
		case ' ', '\t', '\n', '\r':
			t.pos++
		default:
			return
		}
	}
}

func (t *plainTokens) Token() (json.Token, error) {
	for {
		t.space()
		if t.pos == len(t.src) {
			if t.state == ptEnd || t.state == ptValue && len(t.open) == 0 && t.pos == 0 {
				return nil, io.EOF
			}
			return nil, errNotPlain
		}
		c := t.src[t.pos]
		switch t.state {
		case ptEnd:
			return nil, errNotPlain
		case ptColon:
			if c != ':' {
				return nil, errNotPlain
			}
			t.pos++
			t.state = ptValue
			continue
		case ptCommaOrClose:
			if c == ',' {
				t.pos++
				t.state = ptValue
				if t.open[len(t.open)-1] == '{' {
					t.state = ptName
				}
				continue
			}
			return t.close(c)
		case ptNameOrClose, ptName:
			if c == '"' {
				s, err := t.str()
				if err != nil {
					return nil, err
				}
				t.state = ptColon
				return s, nil
			}
			if t.state == ptName {
				return nil, errNotPlain
			}
			return t.close(c)
		case ptValueOrClose:
			if c == ']' {
				return t.close(c)
			}
		}
		return t.value(c)
	}
}

// close reads the '}' or ']' that closes the innermost container.
func (t *plainTokens) close(c byte) (json.Token, error) {
	n := len(t.open)
	if n == 0 || c != t.open[n-1]+2 { // '{'+2 is '}', '['+2 is ']'
		return nil, errNotPlain
	}
	t.pos++
	t.open = t.open[:n-1]
	t.afterValue()
	return json.Delim(c), nil
}

func (t *plainTokens) afterValue() {
	t.state = ptCommaOrClose
	if len(t.open) == 0 {
		t.state = ptEnd
	}
}

// value reads a value, or the opening of one, that starts with c.
func (t *plainTokens) value(c byte) (json.Token, error) {
	switch c {
	case '{', '[':
		t.pos++
		t.open = append(t.open, c)
		t.state = ptNameOrClose
		if c == '[' {
			t.state = ptValueOrClose
		}
		return json.Delim(c), nil
	case '"':
		s, err := t.str()
		if err != nil {
			return nil, err
		}
		t.afterValue()
		return s, nil
	case 't', 'f', 'n':
		for _, lit := range [...]struct {
			text string
			tok  json.Token
		}{{"true", true}, {"false", false}, {"null", nil}} {
			if len(t.src)-t.pos >= len(lit.text) && string(t.src[t.pos:t.pos+len(lit.text)]) == lit.text {
				t.pos += len(lit.text)
				t.afterValue()
				return lit.tok, nil
			}
		}
		return nil, errNotPlain
	}
	n, err := t.number()
	if err != nil {
		return nil, err
	}
	t.afterValue()
	return n, nil
}

// str reads a string without escapes or control characters, in valid
// UTF-8, from its opening quote.
func (t *plainTokens) str() (string, error) {
	start := t.pos + 1
	for i := start; i < len(t.src); i++ {
		switch c := t.src[i]; {
		case c == '"':
			s := t.src[start:i]
			if !utf8.Valid(s) {
				return "", errNotPlain
			}
			t.pos = i + 1
			return string(s), nil
		case c == '\\' || c < 0x20:
			return "", errNotPlain
		}
	}
	return "", errNotPlain
}

// number reads a number by JSON's grammar (RFC 8259 §6):
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (t *plainTokens) number() (json.Number, error) {
	b, i := t.src, t.pos
	digits := func() int {
		n := 0
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
			n++
		}
		return n
	}
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case digits() == 0:
		return "", errNotPlain
	}
	if i < len(b) && b[i] == '.' {
		i++
		if digits() == 0 {
			return "", errNotPlain
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if digits() == 0 {
			return "", errNotPlain
		}
	}
	n := json.Number(b[t.pos:i])
	t.pos = i
	return n, nil
}
