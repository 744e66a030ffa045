package capture

import (
	"bytes"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The reader counts what each ring block says of loss, as the kernel
// writes it (packet(7), TPACKET_V3): a block flagged TP_STATUS_LOSING
// and a packet cut to its snap length are each loss, which fails the
// capture (Stats.Lost), whatever PACKET_STATISTICS says (t167 S9: the
// LOSING count could go unnoticed). Built in memory: no socket, no root.
func TestRingCountsLosingBlocks(t *testing.T) {
	frame := bytes.Repeat([]byte{0xE3}, 60)
	for _, tc := range []struct {
		name     string
		status   uint32
		wire     uint32 // the packet's length on the wire (≥ len(frame))
		want     Stats
		wantLost bool
	}{
		{"a whole block", unix.TP_STATUS_USER, 60, Stats{}, false},
		{"a block flagged losing", unix.TP_STATUS_USER | unix.TP_STATUS_LOSING, 60, Stats{LosingBlocks: 1}, true},
		{"a packet truncated", unix.TP_STATUS_USER, 1500, Stats{Truncated: 1}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const blockSize, pktOff, macOff = 4096, 64, 128 // the frame after the packet header
			r := &ring{fd: -1, mem: make([]byte, 2*blockSize), blockSize: blockSize, blocks: 2}
			hdr := (*unix.TpacketHdrV1)(unsafe.Pointer(&r.mem[blockHdrOff]))
			hdr.Num_pkts, hdr.Offset_to_first_pkt = 1, pktOff
			ph := (*unix.Tpacket3Hdr)(unsafe.Pointer(&r.mem[pktOff]))
			ph.Mac, ph.Snaplen, ph.Len, ph.Sec = macOff-pktOff, uint32(len(frame)), tc.wire, 1
			copy(r.mem[macOff:], frame)
			hdr.Block_status = tc.status

			var got [][]byte
			ok, err := r.next(time.Millisecond, func(_ time.Time, data []byte) error {
				got = append(got, bytes.Clone(data))
				return nil
			})
			if !ok || err != nil || len(got) != 1 || !bytes.Equal(got[0], frame) {
				t.Fatalf("block read %v, %v: %d packets", ok, err, len(got))
			}
			if r.stats != tc.want || r.stats.Lost() != tc.wantLost {
				t.Errorf("stats %+v (lost %v), want %+v (lost %v)", r.stats, r.stats.Lost(), tc.want, tc.wantLost)
			}
			if hdr.Block_status != unix.TP_STATUS_KERNEL || r.cur != 1 {
				t.Errorf("block status %#x, next block %d: the block was not given back", hdr.Block_status, r.cur)
			}
		})
	}
}
