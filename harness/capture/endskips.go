package capture

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// SkippedAtEnd is a datagram a SIMtrace receiver skipped after the last
// frame from its sender, one that may have carried an exchange: with no
// frame after it to carry the mark (Mark.LostBefore), the capture ends
// with an Interface Statistics Block saying so (re-tester t145 F5: the
// skip of the exchange the sniffer was cut in was in no saved file).
type SkippedAtEnd struct {
	Src      netip.AddrPort
	Received int // its number among the datagrams the receiver got
}

// skippedAtEndPrefix starts the ISB comment of a capture's SkippedAtEnd:
// "esimhil:receiver-skipped-at-end=3@127.0.0.1:40000", one per sender,
// space-separated.
const skippedAtEndPrefix = "esimhil:receiver-skipped-at-end="

// maxSkippedAtEnd bounds the senders the comment names (and a reader
// takes): the receiver's own bound on senders.
const maxSkippedAtEnd = 1024

// blockTypeISB is pcapng's Interface Statistics Block (§4.6).
const blockTypeISB = 0x00000005

// SkippedAtEnd has the capture end, after its last frame, with the
// receiver's skips that no later frame marks, as of at (the block's
// time: the receiver's clock); the last call's list is written when the
// session closes.
func (s *Session) SkippedAtEnd(at time.Time, list []SkippedAtEnd) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.skippedAtEnd = slices.Clone(list[:min(len(list), maxSkippedAtEnd)])
	s.skippedAt = at
}

// skippedAtEndBlock is the ISB of list for the interface the datagrams
// are written on, stamped now; nil for none.
func skippedAtEndBlock(iface int, now time.Time, list []SkippedAtEnd) []byte {
	if len(list) == 0 {
		return nil
	}
	parts := make([]string, len(list))
	for i, k := range list {
		parts[i] = strconv.Itoa(k.Received) + "@" + k.Src.String()
	}
	le := binary.LittleEndian
	ts := uint64(now.UnixNano())
	b := le.AppendUint32(nil, blockTypeISB)
	b = le.AppendUint32(b, 0) // total length, set below
	b = le.AppendUint32(b, uint32(iface))
	b = le.AppendUint32(b, uint32(ts>>32))
	b = le.AppendUint32(b, uint32(ts))
	b = appendText(b, skippedAtEndPrefix+strings.Join(parts, " "))
	b = le.AppendUint16(b, optEndOfOptions)
	b = le.AppendUint16(b, 0)
	total := len(b) + blockTrailerLen
	le.PutUint32(b[4:], uint32(total))
	return le.AppendUint32(b, uint32(total))
}

// parseSkippedAtEnd reads an ISB comment; false when it is another's.
func parseSkippedAtEnd(comment string) ([]SkippedAtEnd, bool) {
	rest, ok := strings.CutPrefix(comment, skippedAtEndPrefix)
	if !ok {
		return nil, false
	}
	var out []SkippedAtEnd
	for _, f := range strings.Fields(rest) {
		n, addr, ok := strings.Cut(f, "@")
		k, err := strconv.Atoi(n)
		if !ok || err != nil || k <= 0 {
			return nil, false
		}
		src, err := netip.ParseAddrPort(addr)
		if err != nil {
			return nil, false
		}
		out = append(out, SkippedAtEnd{Src: src, Received: k})
	}
	return out[:min(len(out), maxSkippedAtEnd)], len(out) > 0
}

// ReadSkippedAtEnd returns the receiver's skips a pcapng file of ours
// ends with (SkippedAtEnd): none for a pcap, or a file from elsewhere.
// It walks the blocks' headers, reading only Interface Statistics Blocks.
func ReadSkippedAtEnd(path string) ([]SkippedAtEnd, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read capture: %w", err)
	}
	defer f.Close()
	br := bufio.NewReader(f)
	le := binary.LittleEndian
	var out []SkippedAtEnd
	hdr := make([]byte, 8)
	for {
		if _, err := io.ReadFull(br, hdr); err != nil {
			// The end, or a file cut short: what came before stands.
			return out, nil
		}
		typ, total := le.Uint32(hdr), int(le.Uint32(hdr[4:]))
		if typ == 0x0A0D0D0A {
			// Its byte-order magic: a section written big-endian is
			// none of ours.
			if m, err := br.Peek(4); err != nil || le.Uint32(m) != 0x1A2B3C4D {
				return out, nil
			}
		}
		if total < 12 || total%4 != 0 || total > maxBlockLen {
			return out, nil
		}
		if typ != blockTypeISB {
			if _, err := br.Discard(total - 8); err != nil {
				return out, nil
			}
			continue
		}
		body := make([]byte, total-8)
		if _, err := io.ReadFull(br, body); err != nil {
			return out, nil
		}
		// Interface, timestamp (12 bytes), then options, then the length.
		for opts := body[12 : len(body)-4]; len(opts) >= 4; {
			code, l := le.Uint16(opts), int(le.Uint16(opts[2:]))
			if code == optEndOfOptions || 4+l > len(opts) {
				break
			}
			if code == optComment {
				if list, ok := parseSkippedAtEnd(string(opts[4 : 4+l])); ok {
					out = list
				}
			}
			opts = opts[min(len(opts), 4+(l+3)&^3):]
		}
	}
}
