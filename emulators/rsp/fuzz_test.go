package rsp

import (
	"testing"
)

// FuzzBPPLoader feeds a valid package's segments with fuzzed bytes spliced
// in; the loader must never panic and never finish on a modified package.
func FuzzBPPLoader(f *testing.F) {
	fx := newBPPFixture(f)
	segs := fx.segments(f, fx.params)
	f.Add(uint8(0), uint16(0), byte(1))
	f.Add(uint8(3), uint16(5), byte(0x80))
	f.Add(uint8(200), uint16(0), byte(0))
	f.Fuzz(func(t *testing.T, which uint8, off uint16, x byte) {
		in := append([][]byte{}, segs...)
		i := int(which) % (len(segs) + 1)
		modified := false
		if i < len(segs) && x != 0 && len(in[i]) > 0 {
			in[i] = append([]byte{}, in[i]...)
			in[i][int(off)%len(in[i])] ^= x
			modified = true
		} else if i == len(segs) {
			in = append(in[:len(in)-1], in[int(off)%len(in)])
			modified = int(off)%len(segs) != len(segs)-1
		}
		l := NewBPPLoader(fx.session())
		for _, s := range in {
			if _, err := l.Load(s); err != nil {
				return
			}
		}
		if modified && l.Done() {
			t.Fatalf("modified package installed (segment %d offset %d xor %02X)", i, off, x)
		}
	})
}
