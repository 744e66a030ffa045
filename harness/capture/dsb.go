package capture

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// pcapng Decryption Secrets Block (pcapng spec, section "Decryption Secrets
// Block"): type 0x0000000A, total length, secrets type, secrets length,
// secrets padded to 32 bits, no options, total length again.
const (
	blockTypeSHB  = 0x0A0D0D0A
	blockTypeDSB  = 0x0000000A
	dsbTypeTLS    = 0x544c534b // "TLSK": NSS key log
	byteOrderMagc = 0x1A2B3C4D
	maxBlockLen   = 32 << 20
)

// dsbBlock encodes one DSB in little-endian order, the byte order of the
// section pcapgo's writer produces.
func dsbBlock(secretsType uint32, secrets []byte) []byte {
	pad := (4 - len(secrets)%4) % 4
	total := 4 + 4 + 4 + 4 + len(secrets) + pad + 4
	b := make([]byte, total)
	le := binary.LittleEndian
	le.PutUint32(b[0:], blockTypeDSB)
	le.PutUint32(b[4:], uint32(total))
	le.PutUint32(b[8:], secretsType)
	le.PutUint32(b[12:], uint32(len(secrets)))
	copy(b[16:], secrets)
	le.PutUint32(b[total-4:], uint32(total))
	return b
}

// maxDSBSecrets bounds the secrets of one block dsbBlocks writes, far
// under maxBlockLen (and any reader's bound on a block): a key log of up
// to MaxKeyLog goes into the file as several blocks.
const maxDSBSecrets = 1 << 20

// dsbBlocks encodes a key log as TLS key-log DSBs back to back, each of
// at most maxDSBSecrets bytes of whole lines (a longer line alone).
func dsbBlocks(secrets []byte) []byte {
	var out []byte
	for len(secrets) > 0 {
		n := len(secrets)
		if n > maxDSBSecrets {
			n = bytes.LastIndexByte(secrets[:maxDSBSecrets], '\n') + 1
			if n == 0 {
				n = bytes.IndexByte(secrets, '\n') + 1
				if n == 0 {
					n = len(secrets)
				}
			}
		}
		out = append(out, dsbBlock(dsbTypeTLS, secrets[:n])...)
		secrets = secrets[n:]
	}
	return out
}

// readSecrets walks the blocks of a pcapng stream and returns the TLS key
// logs of every Decryption Secrets Block, concatenated in file order. A
// pcap (not pcapng) stream has none.
func readSecrets(r io.Reader) ([]byte, error) {
	br := bufio.NewReaderSize(r, readBuffer) // r itself if it is one of that size
	var order binary.ByteOrder = binary.LittleEndian
	var out []byte
	hdr := make([]byte, 8)
	for n := 0; ; n++ {
		if _, err := io.ReadFull(br, hdr); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return out, nil // the end, or a file cut short: the packet reader says which
			}
			return nil, fmt.Errorf("pcapng block %d: %w", n, err)
		}
		typ := binary.LittleEndian.Uint32(hdr[0:4])
		if n == 0 && typ != blockTypeSHB {
			return nil, nil // classic pcap: no secrets blocks
		}
		if typ == blockTypeSHB {
			// The byte-order magic follows the length (the SHB type is a
			// palindrome, so it reads the same either way).
			bom, err := br.Peek(4)
			if err != nil {
				return nil, fmt.Errorf("pcapng section header: %w", err)
			}
			switch {
			case binary.LittleEndian.Uint32(bom) == byteOrderMagc:
				order = binary.LittleEndian
			case binary.BigEndian.Uint32(bom) == byteOrderMagc:
				order = binary.BigEndian
			default:
				return nil, errors.New("pcapng section header: bad byte-order magic")
			}
		} else {
			typ = order.Uint32(hdr[0:4])
		}
		total := order.Uint32(hdr[4:8])
		if total < 12 || total%4 != 0 || total > maxBlockLen {
			return nil, fmt.Errorf("pcapng block %d: bad length %d", n, total)
		}
		if typ != blockTypeDSB {
			// Only secrets are kept: the packets are passed over unread.
			if _, err := br.Discard(int(total - 8)); err != nil {
				if errors.Is(err, io.EOF) {
					return out, nil // cut short: the packet reader says so
				}
				return nil, fmt.Errorf("pcapng block %d: %w", n, err)
			}
			continue
		}
		body := make([]byte, total-8)
		if _, err := io.ReadFull(br, body); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return out, nil // cut short: the packet reader says so
			}
			return nil, fmt.Errorf("pcapng block %d: %w", n, err)
		}
		if len(body) < 12 {
			return nil, fmt.Errorf("pcapng block %d: decryption secrets block too short", n)
		}
		st, sl := order.Uint32(body[0:4]), order.Uint32(body[4:8])
		if uint64(sl) > uint64(len(body)-12) {
			return nil, fmt.Errorf("pcapng block %d: secrets length %d exceeds the block", n, sl)
		}
		if st == dsbTypeTLS {
			out = append(out, body[8:8+sl]...)
			if len(out) > 0 && out[len(out)-1] != '\n' {
				out = append(out, '\n')
			}
		}
	}
}
