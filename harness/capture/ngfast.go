package capture

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"sync"
	"time"

	"github.com/gopacket/gopacket"
)

// ngFast reads the pcapng files the tap writes, in one pass, secrets and
// packets: the section header and interface newNgWriter writes for "tap"
// (little-endian, nanoseconds, Ethernet), then Decryption Secrets
// Blocks, and Enhanced Packet Blocks and Interface Statistics Blocks (the
// receiver's skips a capture ends with) whose only options are comments.
// pcapgo's reader parses every option of every packet into fresh strings
// and slices, which cost more than the rest of the evidence check's read.
//
// Anything else — another block, an option it does not read, a block cut
// short or malformed — is errNotFast, and the caller reads the file again
// with pcapgo (readTLS): what ngFast returns is what pcapgo and
// readSecrets return for the same file (TestNgFastAsPcapgo,
// FuzzNgFastAsPcapgo), and it never returns an error of its own. Read
// through blockCheck, as readCapture and openSource read, both meet a
// block whose trailing length is not its leading one as the same
// *BlockLengthError at the same packet, which ngFast returns as it is:
// Wireshark refuses such a file, so the caller does too, with no second
// reading.
type ngFast struct {
	br      *bufio.Reader
	secrets []byte   // the TLS key logs of the DSBs read so far (readSecrets)
	ends    endSkips // of the ISBs read so far, as pcapgo's StatisticsCallback
}

func (r *ngFast) atEnd() endSkips { return r.ends }

// errNotFast is ngFast's "not mine": the file is read with pcapgo.
var errNotFast = errors.New("capture: not a block the fast reader reads")

// notFast is what ngFast returns for its reader's error: a block whose
// lengths disagree (blockCheck, beneath it in readCapture) as it is, for
// pcapgo meets it too; any other, errNotFast.
func notFast(err error) error {
	var bad *BlockLengthError
	if errors.As(err, &bad) {
		return bad
	}
	return errNotFast
}

// tapHeader is the section header and interface block of a tap file.
var tapHeader = sync.OnceValue(func() []byte {
	var b bytes.Buffer
	w := bufio.NewWriter(&b)
	if _, err := newNgWriter(w, "tap"); err != nil {
		panic(err)
	}
	if err := w.Flush(); err != nil {
		panic(err)
	}
	return b.Bytes()
})

// newNgFast returns a reader past the header when br starts with a tap
// file's header, else false, having read nothing.
func newNgFast(br *bufio.Reader) (*ngFast, bool) {
	h := tapHeader()
	if b, err := br.Peek(len(h)); err != nil || !bytes.Equal(b, h) {
		return nil, false
	}
	if _, err := br.Discard(len(h)); err != nil {
		return nil, false
	}
	return &ngFast{br: br}, true
}

// EPB layout: type, length, interface, timestamp high and low, captured
// and original length, then the data.
const epbHeaderLen = 28

func (r *ngFast) ReadPacketData() ([]byte, gopacket.CaptureInfo, error) {
	data, ci, _, err := r.readMarked()
	return data, ci, err
}

// readMarked returns the next packet; its data is valid until the next call.
func (r *ngFast) readMarked() ([]byte, gopacket.CaptureInfo, Mark, error) {
	le := binary.LittleEndian
	for {
		hdr, err := r.br.Peek(8)
		if err != nil {
			if errors.Is(err, io.EOF) && len(hdr) == 0 {
				return nil, gopacket.CaptureInfo{}, Mark{}, io.EOF
			}
			return nil, gopacket.CaptureInfo{}, Mark{}, notFast(err) // cut short
		}
		typ, total := le.Uint32(hdr), int(le.Uint32(hdr[4:]))
		if total%4 != 0 {
			return nil, gopacket.CaptureInfo{}, Mark{}, errNotFast
		}
		switch typ {
		case blockTypeEPB:
			if total < epbHeaderLen+blockTrailerLen {
				return nil, gopacket.CaptureInfo{}, Mark{}, errNotFast
			}
			b, err := r.br.Peek(total) // fails past the buffer's size too
			if err != nil {
				return nil, gopacket.CaptureInfo{}, Mark{}, notFast(err)
			}
			data, ci, m, ok := parseEPB(b)
			if !ok {
				return nil, gopacket.CaptureInfo{}, Mark{}, errNotFast
			}
			if _, err := r.br.Discard(total); err != nil {
				return nil, gopacket.CaptureInfo{}, Mark{}, errNotFast
			}
			// Discard moves no bytes: data stays valid until the next Peek.
			return data, ci, m, nil
		case blockTypeDSB:
			if err := r.readDSB(total); err != nil {
				return nil, gopacket.CaptureInfo{}, Mark{}, err
			}
		case blockTypeISB:
			if err := r.readISB(total); err != nil {
				return nil, gopacket.CaptureInfo{}, Mark{}, err
			}
		default:
			return nil, gopacket.CaptureInfo{}, Mark{}, errNotFast
		}
	}
}

// readDSB keeps a Decryption Secrets Block's TLS key log, as readSecrets.
func (r *ngFast) readDSB(total int) error {
	if total < 8+12 || total > maxBlockLen {
		return errNotFast
	}
	if _, err := r.br.Discard(8); err != nil {
		return errNotFast
	}
	body := make([]byte, total-8)
	if _, err := io.ReadFull(r.br, body); err != nil {
		return notFast(err)
	}
	le := binary.LittleEndian
	st, sl := le.Uint32(body[0:4]), le.Uint32(body[4:8])
	if uint64(sl) > uint64(len(body)-12) {
		return errNotFast
	}
	if st == dsbTypeTLS {
		r.secrets = append(r.secrets, body[8:8+sl]...)
		if len(r.secrets) > 0 && r.secrets[len(r.secrets)-1] != '\n' {
			r.secrets = append(r.secrets, '\n')
		}
	}
	return nil
}

// ISB layout: type, length, interface, timestamp high and low, then the
// options.
const isbHeaderLen = 20

// readISB takes an Interface Statistics Block of interface 0 whose
// options, if any, are comments, as pcapgo reads it: its comment is the
// block's last (NgInterfaceStatistics.Comment), handed to ends.
func (r *ngFast) readISB(total int) error {
	if total < isbHeaderLen+blockTrailerLen {
		return errNotFast
	}
	b, err := r.br.Peek(total) // fails past the buffer's size too
	if err != nil {
		return notFast(err)
	}
	if binary.LittleEndian.Uint32(b[8:]) != 0 {
		return errNotFast
	}
	var comment []byte
	if !commentOptions(b[isbHeaderLen:total-blockTrailerLen], func(c []byte) { comment = c }) {
		return errNotFast
	}
	r.ends.take(string(comment))
	if _, err := r.br.Discard(total); err != nil {
		return errNotFast
	}
	return nil
}

// commentOptions hands f each opt_comment of a block's options when they
// are all comments and end at the block's end (with or without
// opt_endofopt), as pcapgo reads them; false for any other.
func commentOptions(opts []byte, f func(comment []byte)) bool {
	le := binary.LittleEndian
	for len(opts) > 0 {
		if len(opts) < optionHeaderLen {
			return false
		}
		code, n := le.Uint16(opts), int(le.Uint16(opts[2:]))
		opts = opts[optionHeaderLen:]
		if code == optEndOfOptions {
			return n == 0 && len(opts) == 0
		}
		pn := n + (4-n&3)&3
		if code != optComment || pn > len(opts) {
			return false
		}
		f(opts[:n])
		opts = opts[pn:]
	}
	return true
}

// parseEPB reads one Enhanced Packet Block of interface 0 whose options,
// if any, are comments and end at the block's end (with or without
// opt_endofopt), as pcapgo reads it; ok is false for any other.
func parseEPB(b []byte) (data []byte, ci gopacket.CaptureInfo, m Mark, ok bool) {
	le := binary.LittleEndian
	if le.Uint32(b[8:]) != 0 {
		return nil, ci, m, false // another interface: the header has one
	}
	ts := uint64(le.Uint32(b[12:]))<<32 | uint64(le.Uint32(b[16:]))
	capLen, origLen := int(le.Uint32(b[20:])), int(le.Uint32(b[24:]))
	opts := b[epbHeaderLen : len(b)-blockTrailerLen]
	padded := capLen + (4-capLen&3)&3
	if capLen > len(opts) || padded > len(opts) {
		return nil, ci, m, false
	}
	data, opts = opts[:capLen], opts[padded:]
	var c commentMarks
	if !commentOptions(opts, c.add) {
		return nil, ci, m, false
	}
	// pcapgo's nanosecond interface, without an offset (tapHeader).
	ci = gopacket.CaptureInfo{
		Timestamp:     time.Unix(int64(ts/1e9), int64(ts%1e9)).UTC(),
		CaptureLength: capLen, Length: origLen,
	}
	return data, ci, c.mark(), true
}

// commentMarks is markOf over comments as bytes, which it does not copy.
type commentMarks struct{ m Mark }

func (c *commentMarks) add(comment []byte) {
	if n, ok := parseCountBytes(comment, markPrefix); ok && !c.m.OK {
		c.m.Events, c.m.OK = n, true
	}
	if n, ok := parseCountBytes(comment, commandPrefix); ok && !c.m.CommandOK {
		c.m.Command, c.m.CommandOK = n, true
	}
	c.m.Outside = c.m.Outside || string(comment) == OutsideComment
	c.m.AfterEnd = c.m.AfterEnd || string(comment) == AfterEndComment
	if n, ok := parseCountBytes(comment, lostBeforePrefix); ok && n > 0 && c.m.LostBefore == 0 {
		c.m.LostBefore = n
	}
	if n, ok := parseCountBytes(comment, kernelDroppedPrefix); ok && n > 0 && c.m.KernelDropped == 0 {
		c.m.KernelDropped = n
	}
}

func (c *commentMarks) mark() Mark {
	if !c.m.OK {
		return Mark{LostBefore: c.m.LostBefore, KernelDropped: c.m.KernelDropped}
	}
	return c.m
}

// parseCountBytes is parseCount on bytes: up to 18 digits, so no overflow.
func parseCountBytes(comment []byte, prefix string) (int, bool) {
	if len(comment) < len(prefix) || string(comment[:len(prefix)]) != prefix {
		return 0, false
	}
	digits := comment[len(prefix):]
	if len(digits) == 0 || len(digits) > 18 {
		return 0, false
	}
	n := 0
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}
