package stk

import (
	"bytes"
	"slices"
	"testing"

	"github.com/esimhil/esimhil/internal/hexdump"
)

var fuzzSeeds = []string{
	"D0 11 81 03 01 27 00 82 02 81 82 A4 01 01 A5 03 00 50 00",
	"D0 1C 81 03 01 40 01 82 02 81 82 B5 01 03 B9 02 05 78 3C 03 02 1F 90 3E 05 21 7F 00 00 01",
	"D0 0E 81 03 01 43 01 82 02 81 21 B6 03 47 45 54",
	"D0 0E 81 03 01 05 00 82 02 81 82 19 03 03 09 0A",
	"D0 0F 81 03 01 21 80 82 02 81 02 8D 04 04 48 69 21",
	"81 03 01 26 00 82 02 82 81 83 01 00 13 09 02 F8 10 3A 9B 00 0C 33 DF",
	"81 03 02 26 02 82 02 82 81 83 01 00 16 08 02 F8 10 38 02 F8 01 28",
	"81 03 04 42 00 82 02 82 81 83 01 00 B6 03 48 54 54 B7 01 FF",
	"81 03 01 26 01 82 02 82 81 83 01 00 14 08 4A 09 51 24 30 32 57 01",
	"81 03 01 26 03 82 02 82 81 83 01 00 26 07 62 11 03 71 02 44 FF",
	"81 03 01 26 03 82 02 82 81 83 01 00 A6 07 62 20 82 32 95 95 49",
	"81 03 01 26 04 82 02 82 81 83 01 00 2D 02 65 6E",
	"D7 0C 82 02 82 81 A4 01 01 A5 03 00 50 00",
	"D6 15 19 01 03 82 02 82 81 1B 01 00 13 09 02 F8 10 3A 9B 00 0C 33 DF",
	"D6 0E 19 01 09 82 02 82 81 38 02 81 00 B7 01 FF",
	"7F 80 13 01 AA 7F 01 00 00",
	"",
	// POLL INTERVAL and its terminal response, after the seeds the
	// benchmark picks by index.
	"D0 0D 81 03 06 03 00 82 02 81 82 84 02 01 05",
	"81 03 06 03 00 82 02 82 81 83 01 00 84 02 01 0A",
}

func addSeeds(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(hexdump.Bytes(f, s))
	}
}

// FuzzParseTLVs checks that parsing never panics and that encoding what was
// parsed gives bytes that parse to the same objects.
func FuzzParseTLVs(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		objs, err := ParseTLVs(b)
		if err != nil {
			return
		}
		enc, err := EncodeTLVs(objs)
		if err != nil {
			t.Fatalf("encode of parsed objects: %v", err)
		}
		again, err := ParseTLVs(enc)
		if err != nil || len(again) != len(objs) {
			t.Fatalf("reparse: %v", err)
		}
		for i := range objs {
			if again[i].Tag != objs[i].Tag || again[i].Ext != objs[i].Ext || again[i].CR != objs[i].CR || !bytes.Equal(again[i].Value, objs[i].Value) {
				t.Fatalf("object %d: %+v became %+v", i, objs[i], again[i])
			}
		}
		// The encoders' one-allocation BER template is WrapBER's.
		if len(b) > 0 {
			want, wantErr := WrapBER(b[0], enc)
			head, err := encodeTLVs(berHead, objs)
			if err != nil {
				t.Fatalf("encodeTLVs: %v", err)
			}
			got, gotErr := wrapBERHead(b[0], head)
			if !bytes.Equal(got, want) || (gotErr == nil) != (wantErr == nil) || gotErr != nil && gotErr.Error() != wantErr.Error() {
				t.Fatalf("wrapBERHead = % X, %v; WrapBER = % X, %v", got, gotErr, want, wantErr)
			}
		}
	})
}

// FuzzParseCommand checks that decoding never panics and that encoding is
// stable: encode(parse(encode(parse(b)))) == encode(parse(b)).
func FuzzParseCommand(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseCommand(b)
		if err != nil {
			return
		}
		enc, err := c.Encode()
		if err != nil {
			return
		}
		c2, err := ParseCommand(enc)
		if err != nil {
			t.Fatalf("reparse of % X: %v", enc, err)
		}
		enc2, err := c2.Encode()
		if err != nil || !bytes.Equal(enc, enc2) {
			t.Fatalf("unstable: % X then % X (%v)", enc, enc2, err)
		}
	})
}

// FuzzParseTerminalResponse is FuzzParseCommand for terminal responses;
// besides, every object of the input is still in the encoding, so a field
// that decodes but does not encode is found.
func FuzzParseTerminalResponse(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseTerminalResponse(b)
		if err != nil {
			return
		}
		enc, err := r.Encode()
		if err != nil {
			return
		}
		in, _ := ParseTLVs(b)
		out, _ := ParseTLVs(enc)
		for _, o := range in {
			if !slices.ContainsFunc(out, func(e SimpleTLV) bool { return e.Tag == o.Tag && e.Ext == o.Ext }) {
				t.Fatalf("object %s of % X lost: encoded % X", o.name(), b, enc)
			}
		}
		r2, err := ParseTerminalResponse(enc)
		if err != nil {
			t.Fatalf("reparse of % X: %v", enc, err)
		}
		enc2, err := r2.Encode()
		if err != nil || !bytes.Equal(enc, enc2) {
			t.Fatalf("unstable: % X then % X (%v)", enc, enc2, err)
		}
	})
}

// FuzzParseEnvelope is FuzzParseCommand for envelopes.
func FuzzParseEnvelope(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := ParseEnvelope(b)
		if err != nil {
			return
		}
		enc, err := e.Encode()
		if err != nil {
			return
		}
		e2, err := ParseEnvelope(enc)
		if err != nil {
			t.Fatalf("reparse of % X: %v", enc, err)
		}
		enc2, err := e2.Encode()
		if err != nil || !bytes.Equal(enc, enc2) {
			t.Fatalf("unstable: % X then % X (%v)", enc, enc2, err)
		}
	})
}
