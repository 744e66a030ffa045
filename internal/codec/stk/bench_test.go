package stk

import (
	"testing"

	"github.com/esimhil/esimhil/internal/hexdump"
)

// The toolkit messages of one BIP exchange and a location read, as the
// card and the terminal encode and parse them for every proactive command.
func BenchmarkCodec(b *testing.B) {
	cmds := []string{fuzzSeeds[0], fuzzSeeds[1], fuzzSeeds[2]}
	resps := []string{fuzzSeeds[5], fuzzSeeds[7], fuzzSeeds[8]}
	envs := []string{fuzzSeeds[12], fuzzSeeds[13], fuzzSeeds[14]}
	b.Run("ParseCommand+Encode", func(b *testing.B) {
		var in [][]byte
		for _, s := range cmds {
			in = append(in, hexdump.Bytes(b, s))
		}
		b.ReportAllocs()
		for b.Loop() {
			for _, m := range in {
				c, err := ParseCommand(m)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := c.Encode(); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("ParseTerminalResponse+Encode", func(b *testing.B) {
		var in [][]byte
		for _, s := range resps {
			in = append(in, hexdump.Bytes(b, s))
		}
		b.ReportAllocs()
		for b.Loop() {
			for _, m := range in {
				r, err := ParseTerminalResponse(m)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := r.Encode(); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("ParseEnvelope+Encode", func(b *testing.B) {
		var in [][]byte
		for _, s := range envs {
			in = append(in, hexdump.Bytes(b, s))
		}
		b.ReportAllocs()
		for b.Loop() {
			for _, m := range in {
				e, err := ParseEnvelope(m)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := e.Encode(); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}
