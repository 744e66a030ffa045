package capture

import (
	"encoding/binary"
	"fmt"
	"io"
)

// BlockLengthError is a pcapng block whose trailing Block Total Length is
// not its leading one (pcapng §3.1: both give the block's size, so a
// reader can walk the file either way). Wireshark refuses such a file
// ("pcapng: total block lengths (first 160 and second 164) don't match"),
// where pcapgo and ngFast, which skip the trailer, read on: the evidence
// check would pass a capture nobody can open (mutation tester t233, M09).
type BlockLengthError struct {
	Offset        int64  // the block's first byte in the file
	Type          uint32 // its Block Type
	First, Second uint32 // its leading and trailing Block Total Length
}

func (e *BlockLengthError) Error() string {
	return fmt.Sprintf("pcapng: the block at byte %d (type 0x%08X): total block lengths (first %d and second %d) don't match, and Wireshark refuses the file",
		e.Offset, e.Type, e.First, e.Second)
}

// blockCheck passes a file on as it is read, checking each pcapng block's
// trailing Block Total Length against its leading one as the bytes go by,
// so that ngFast and pcapgo, reading through it, meet a *BlockLengthError
// where Wireshark would stop: the bytes before the bad trailer's last are
// passed on, then the error. It keeps a few bytes of state and reads no
// more than it is asked for. A file that does not start with a Section
// Header Block (classic pcap), or a block it cannot walk past (a length
// under its header and trailer or not a multiple of 4, a byte-order magic
// neither way), is passed on unchecked from there: the readers refuse
// those in their own terms.
type blockCheck struct {
	r     io.Reader
	start int64  // the current block's first byte in the file
	pos   uint32 // bytes of the current block passed on
	head  [12]byte
	trail [4]byte
	total uint32           // the block's leading length, once its header is in
	order binary.ByteOrder // the section's, from its SHB
	off   bool             // not walking the file (any more)
	err   error
}

func checkBlocks(r io.Reader) *blockCheck { return &blockCheck{r: r} }

func (c *blockCheck) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.r.Read(p)
	if k, bad := c.scan(p[:n]); bad != nil {
		c.err = bad
		return k, bad
	}
	return n, err
}

// scan walks b, the file's next bytes; on a bad trailer it returns the
// error and how many of b come before that trailer's last byte.
func (c *blockCheck) scan(b []byte) (int, error) {
	for i := 0; i < len(b) && !c.off; {
		switch hl := c.headLen(); {
		case c.pos < hl:
			c.head[c.pos] = b[i]
			c.pos++
			i++
			if c.pos == hl {
				c.readHead()
			}
		case c.pos < c.total-4:
			skip := min(uint32(len(b)-i), c.total-4-c.pos)
			c.pos += skip
			i += int(skip)
		default:
			c.trail[c.pos-(c.total-4)] = b[i]
			c.pos++
			if c.pos == c.total {
				if second := c.order.Uint32(c.trail[:]); second != c.total {
					return i, &BlockLengthError{Offset: c.start, Type: c.order.Uint32(c.head[:4]), First: c.total, Second: second}
				}
				c.start += int64(c.total)
				c.pos, c.total = 0, 0
			}
			i++
		}
	}
	return len(b), nil
}

// headLen is how much of the current block's start its length needs: 8
// bytes, 12 for a Section Header Block, whose byte-order magic says how
// to read it (its type reads the same either way).
func (c *blockCheck) headLen() uint32 {
	if c.pos >= 4 && binary.LittleEndian.Uint32(c.head[:4]) == blockTypeSHB {
		return 12
	}
	return 8
}

// readHead takes the block's length once its header is in.
func (c *blockCheck) readHead() {
	shb := binary.LittleEndian.Uint32(c.head[:4]) == blockTypeSHB
	switch {
	case c.start == 0 && !shb:
		c.off = true // not pcapng
		return
	case shb && binary.LittleEndian.Uint32(c.head[8:]) == byteOrderMagc:
		c.order = binary.LittleEndian
	case shb && binary.BigEndian.Uint32(c.head[8:]) == byteOrderMagc:
		c.order = binary.BigEndian
	case shb:
		c.off = true
		return
	}
	c.total = c.order.Uint32(c.head[4:8])
	if c.total%4 != 0 || c.total < c.headLen()+4 {
		c.off = true
	}
}
