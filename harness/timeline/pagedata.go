package timeline

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"
	"unicode/utf8"
)

// appendData appends page n's data (pageData as JSON, the bytes
// json.Marshal writes) to b. The rows are appended by hand: through
// reflection they were a tenth of a download scenario's CPU.
func (t *Timeline) appendData(b []byte, pages []pageLink, n int) ([]byte, error) {
	cur := pages[n-1]
	lanes, err := json.Marshal(t.Lanes)
	if err != nil {
		return nil, fmt.Errorf("timeline data: %w", err)
	}
	lane := t.laneIndex()
	b = append(b, `{"start":`...)
	b = appendJSONString(b, t.Start.UTC().Format(time.RFC3339Nano))
	b = append(b, `,"lanes":`...)
	b = append(b, lanes...)
	b = append(b, `,"items":[`...)
	for i, it := range t.Items[cur.From-1 : cur.To] {
		if i > 0 {
			b = append(b, ',')
		}
		if b, err = appendItem(b, float64(it.T.Sub(t.Start))/float64(time.Millisecond), lane(it.From), lane(it.To), it); err != nil {
			return nil, err
		}
	}
	b = append(b, ']')
	if len(pages) > 1 {
		ps, err := json.Marshal(pages)
		if err != nil {
			return nil, fmt.Errorf("timeline data: %w", err)
		}
		b = append(b, `,"page":`...)
		b = strconv.AppendInt(b, int64(n), 10)
		b = append(b, `,"pages":`...)
		b = append(b, ps...)
	}
	return append(b, '}'), nil
}

// laneIndex maps a lane ID to its index in t.Lanes, "" to -1 (no lane).
func (t *Timeline) laneIndex() func(id string) int {
	idx := make(map[string]int, len(t.Lanes))
	for i, l := range t.Lanes {
		idx[l.ID] = i
	}
	return func(id string) int {
		if id == "" {
			return -1
		}
		return idx[id]
	}
}

// appendItem appends a row as pageItem marshals: the same keys, order and
// omissions.
func appendItem(b []byte, ms float64, from, to int, it Item) ([]byte, error) {
	b = append(b, `{"t":`...)
	b, err := appendJSONFloat(b, ms)
	if err != nil {
		return nil, err
	}
	b = append(b, `,"f":`...)
	b = strconv.AppendInt(b, int64(from), 10)
	b = append(b, `,"o":`...)
	b = strconv.AppendInt(b, int64(to), 10)
	b = append(b, `,"k":`...)
	b = appendJSONString(b, string(it.Kind))
	b = append(b, `,"l":`...)
	b = appendJSONString(b, it.Label)
	if it.Detail != "" {
		b = append(b, `,"d":`...)
		b = appendJSONString(b, it.Detail)
	}
	if it.Failed {
		b = append(b, `,"x":true`...)
	}
	if it.Refused != "" {
		b = append(b, `,"n":`...)
		b = appendJSONString(b, it.Refused)
	}
	if it.Reply {
		b = append(b, `,"r":true`...)
	}
	if len(it.Faults) > 0 {
		b = append(b, `,"z":[`...)
		for i, f := range it.Faults {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, f)
		}
		b = append(b, ']')
	}
	if it.Source != "" {
		b = append(b, `,"s":`...)
		b = appendJSONString(b, it.Source)
	}
	return append(b, '}'), nil
}

// appendJSONFloat appends f as encoding/json writes a float64.
func appendJSONFloat(b []byte, f float64) ([]byte, error) {
	if a := math.Abs(f); a == 0 || a >= 1e-6 && a < 1e21 {
		return strconv.AppendFloat(b, f, 'f', -1, 64), nil
	}
	// Exponent form, NaN and infinities: rare enough to ask the library.
	j, err := json.Marshal(f)
	if err != nil {
		return nil, fmt.Errorf("timeline data: %w", err)
	}
	return append(b, j...), nil
}

// jsonSafe holds the ASCII bytes appendJSONString copies as they are.
var jsonSafe = func() (safe [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		safe[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return safe
}()

// appendJSONString appends s quoted as encoding/json quotes it with HTML
// escaping: <, > and & as \u003c, \u003e, \u0026 (the data cannot close
// its script element), U+2028 and U+2029 escaped, invalid UTF-8 as
// U+FFFD. FuzzAppendJSONString holds it to json.Marshal.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if jsonSafe[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, `\b`...)
			case '\f':
				b = append(b, `\f`...)
			case '\n':
				b = append(b, `\n`...)
			case '\r':
				b = append(b, `\r`...)
			case '\t':
				b = append(b, `\t`...)
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
