package exactjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"testing"
)

// plainTokens gives what json.Decoder gives — tokens, errors at the end,
// More, InputOffset — for as long as it takes the document, whatever the
// calls' order; it may only give up (errNotPlain).
func FuzzPlainTokensAsDecoder(f *testing.F) {
	for _, s := range []string{``, ` `, `{}`, `[]`, `{"a":1,"b":[true,false,null,"x",-0.5e+3]}`, ` [ 1 , [ ] , { } ] `,
		`{"a":"\u00e9"}`, `{"a" 1}`, `[1 2]`, `[1,]`, `{"a":1,}`, `01`, `-`, `1.`, `1e`, `"é"`, "\"\xff\"", "\"a\tb\"",
		`truex`, `nul`, `{"a":{"b":{"c":[[[]]]}}}`, `1 2`, `{}}`, `]`, `{"a":1}x`, `[-1.0E-2,0,10]`} {
		f.Add(s, uint16(0x5555))
	}
	f.Fuzz(func(t *testing.T, doc string, more uint16) {
		p := &plainTokens{src: []byte(doc)}
		d := json.NewDecoder(bytes.NewReader([]byte(doc)))
		d.UseNumber()
		for i := 0; i < 1000; i++ {
			if more&(1<<(i%16)) != 0 {
				if pm, dm := p.More(), d.More(); pm != dm {
					t.Fatalf("%q, call %d: More %v, json.Decoder %v", doc, i, pm, dm)
				}
			}
			pt, perr := p.Token()
			if errors.Is(perr, errNotPlain) {
				return
			}
			dt, derr := d.Token()
			if perr != nil || derr != nil {
				if !errors.Is(perr, io.EOF) || !errors.Is(derr, io.EOF) {
					t.Fatalf("%q, token %d: %v, json.Decoder %v (%v)", doc, i, perr, derr, dt)
				}
				return
			}
			if pt != dt || p.InputOffset() != d.InputOffset() {
				t.Fatalf("%q, token %d: %#v at %d, json.Decoder %#v at %d", doc, i, pt, p.InputOffset(), dt, d.InputOffset())
			}
		}
	})
}
