package capture

import (
	"bufio"
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// TLS content types (RFC 5246 §6.2.1).
const (
	recChangeCipherSpec = 20
	recAlert            = 21
	recHandshake        = 22
	recApplicationData  = 23
)

// Cipher suites the decoder decrypts: AES-128-GCM and AES-128-CBC with
// HMAC-SHA256, each with the SHA-256 PRF (RFC 5289). SGP.22 §2.6.6 has the
// ECDSA ones for ES9+, and the emulated SM-DP+ offers both.
const (
	suiteECDHEECDSAAES128GCM = 0xC02B
	suiteECDHERSAAES128GCM   = 0xC02F
	suiteECDHEECDSAAES128CBC = 0xC023 // TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256
)

// opener decrypts one direction's records in order.
type opener interface {
	open(r record) ([]byte, error)
}

// maxRecord is the largest TLSCiphertext fragment (RFC 5246 §6.2.3).
const maxRecord = 1<<14 + 2048

// ErrNoKey marks a TLS connection whose client random is not in the key log.
var ErrNoKey = errors.New("no key for this TLS session in the key log")

// KeyLog maps a TLS 1.2 client random to its master secret (NSS key-log
// "CLIENT_RANDOM" lines, as tls.Config.KeyLogWriter writes them).
type KeyLog map[[32]byte][]byte

// ParseKeyLog reads NSS key-log lines. Comments, blank lines and TLS 1.3
// labels are skipped; a malformed CLIENT_RANDOM line is an error.
func ParseKeyLog(b []byte) (KeyLog, error) {
	kl := KeyLog{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 1024), 64<<10)
	for n := 1; sc.Scan(); n++ {
		f := strings.Fields(sc.Text())
		if len(f) == 0 || strings.HasPrefix(f[0], "#") || f[0] != "CLIENT_RANDOM" {
			continue
		}
		if len(f) != 3 {
			return nil, fmt.Errorf("key log line %d: want CLIENT_RANDOM <random> <secret>", n)
		}
		cr, err1 := hex.DecodeString(f[1])
		ms, err2 := hex.DecodeString(f[2])
		if err1 != nil || err2 != nil || len(cr) != 32 || len(ms) != 48 {
			return nil, fmt.Errorf("key log line %d: want 32-byte random and 48-byte master secret in hex", n)
		}
		kl[[32]byte(cr)] = ms
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("key log: %w", err)
	}
	return kl, nil
}

// prf is the TLS 1.2 PRF with SHA-256 (RFC 5246 §5): P_SHA256(secret,
// label ‖ seed) cut to n bytes.
func prf(secret []byte, label string, seed []byte, n int) []byte {
	ls := append([]byte(label), seed...)
	out := make([]byte, 0, n+sha256.Size)
	a := ls // A(0)
	for len(out) < n {
		m := hmac.New(sha256.New, secret)
		m.Write(a)
		a = m.Sum(nil) // A(i)
		m.Reset()
		m.Write(a)
		m.Write(ls)
		out = m.Sum(out)
	}
	return out[:n]
}

// record is one TLSPlaintext/TLSCiphertext as it appears in the stream.
type record struct {
	typ     byte
	version uint16
	off     int // stream offset of the record header
	payload []byte
}

// parseRecords splits one direction of a connection into records. A
// trailing partial record — the connection was reset in the middle of it —
// is left out and reported in cut.
func parseRecords(b []byte) (recs []record, cut bool, err error) {
	var out []record
	for off := 0; off < len(b); {
		if len(b)-off < 5 {
			return out, true, nil
		}
		typ, ver, n := b[off], binary.BigEndian.Uint16(b[off+1:]), int(binary.BigEndian.Uint16(b[off+3:]))
		if typ < recChangeCipherSpec || typ > recApplicationData {
			return out, false, fmt.Errorf("TLS record at byte %d: content type %d", off, typ)
		}
		if ver>>8 != 3 {
			return out, false, fmt.Errorf("TLS record at byte %d: version %04x", off, ver)
		}
		if n > maxRecord {
			return out, false, fmt.Errorf("TLS record at byte %d: length %d over %d", off, n, maxRecord)
		}
		if len(b)-off-5 < n {
			return out, true, nil
		}
		out = append(out, record{typ: typ, version: ver, off: off, payload: b[off+5 : off+5+n]})
		off += 5 + n
	}
	return out, false, nil
}

// looksLikeTLS reports whether a client stream starts with a TLS handshake
// record (RFC 5246 §6.2.1: type 22, major version 3).
func looksLikeTLS(b []byte) bool {
	return len(b) >= 3 && b[0] == recHandshake && b[1] == 3
}

// hello is what the decoder needs from the first handshake message of one
// direction: ClientHello or ServerHello (RFC 5246 §7.4.1.2/3).
type hello struct {
	random [32]byte
	suite  uint16 // ServerHello only
}

// parseHello reads the first handshake message from the handshake records
// before ChangeCipherSpec.
func parseHello(recs []record, wantType byte) (hello, error) {
	var hs []byte
	for _, r := range recs {
		if r.typ == recChangeCipherSpec {
			break
		}
		if r.typ == recHandshake {
			hs = append(hs, r.payload...)
			if len(hs) > 1<<16 {
				break
			}
		}
	}
	var h hello
	if len(hs) < 4 || hs[0] != wantType {
		return h, fmt.Errorf("first handshake message is not type %d", wantType)
	}
	n := int(hs[1])<<16 | int(hs[2])<<8 | int(hs[3])
	body := hs[4:]
	if len(body) < n || n < 2+32+1 {
		return h, errors.New("handshake message truncated")
	}
	body = body[:n]
	copy(h.random[:], body[2:34])
	if wantType == 2 {
		sid := int(body[34])
		if len(body) < 35+sid+2 {
			return h, errors.New("ServerHello truncated")
		}
		h.suite = binary.BigEndian.Uint16(body[35+sid:])
	}
	return h, nil
}

// refusedBeforeHello reports a server that answered the ClientHello with
// alerts only (protocol_version, handshake_failure, ...). A client that
// ends the handshake with its own alert before any answer leaves the
// server's side empty, read as a handshake never answered. Anything else
// the server sends before its ServerHello stays a decode failure.
func refusedBeforeHello(srecs []record) bool {
	for _, r := range srecs {
		if r.typ != recAlert {
			return false
		}
	}
	return len(srecs) > 0
}

// direction holds one side's record keys (RFC 5246 §6.3) and sequence number.
type direction struct {
	aead cipher.AEAD
	salt []byte // 4-byte implicit nonce part (client/server_write_IV)
	seq  uint64
}

// open decrypts one GCM record (RFC 5288 §3): nonce = salt ‖ explicit 8
// bytes; AAD = seq ‖ type ‖ version ‖ plaintext length (RFC 5246 §6.2.3.3).
func (d *direction) open(r record) ([]byte, error) {
	if len(r.payload) < 8+16 {
		return nil, fmt.Errorf("encrypted record at byte %d: %d bytes is too short", r.off, len(r.payload))
	}
	nonce := append(append([]byte(nil), d.salt...), r.payload[:8]...)
	var aad [13]byte
	binary.BigEndian.PutUint64(aad[0:], d.seq)
	aad[8] = r.typ
	binary.BigEndian.PutUint16(aad[9:], r.version)
	binary.BigEndian.PutUint16(aad[11:], uint16(len(r.payload)-8-16))
	pt, err := d.aead.Open(nil, nonce, r.payload[8:], aad[:])
	if err != nil {
		return nil, fmt.Errorf("encrypted record %d at byte %d: %w (wrong key log?)", d.seq, r.off, err)
	}
	d.seq++
	return pt, nil
}

// cbcDirection is one side's keys for a CBC suite with HMAC-SHA256
// (RFC 5246 §6.2.3.2, MAC then encrypt; Go's crypto/tls never negotiates
// encrypt-then-MAC).
type cbcDirection struct {
	blk    cipher.Block
	macKey []byte
	seq    uint64
}

// open decrypts one CBC record: explicit IV (16), then the encrypted
// content ‖ MAC (32) ‖ padding ‖ padding length; the MAC is over seq ‖
// type ‖ version ‖ content length ‖ content.
func (d *cbcDirection) open(r record) ([]byte, error) {
	const bs, macLen = aes.BlockSize, sha256.Size
	n := len(r.payload)
	if n < bs+macLen+1 || n%bs != 0 {
		return nil, fmt.Errorf("encrypted record at byte %d: %d bytes is no CBC record", r.off, n)
	}
	pt := make([]byte, n-bs)
	cipher.NewCBCDecrypter(d.blk, r.payload[:bs]).CryptBlocks(pt, r.payload[bs:])
	pad := int(pt[len(pt)-1])
	if pad+1+macLen > len(pt) || !bytes.Equal(pt[len(pt)-1-pad:len(pt)-1], bytes.Repeat([]byte{byte(pad)}, pad)) {
		return nil, fmt.Errorf("encrypted record %d at byte %d: bad padding (wrong key log?)", d.seq, r.off)
	}
	content, mac := pt[:len(pt)-1-pad-macLen], pt[len(pt)-1-pad-macLen:len(pt)-1-pad]
	var hdr [13]byte
	binary.BigEndian.PutUint64(hdr[0:], d.seq)
	hdr[8] = r.typ
	binary.BigEndian.PutUint16(hdr[9:], r.version)
	binary.BigEndian.PutUint16(hdr[11:], uint16(len(content)))
	m := hmac.New(sha256.New, d.macKey)
	m.Write(hdr[:])
	m.Write(content)
	if !hmac.Equal(m.Sum(nil), mac) {
		return nil, fmt.Errorf("encrypted record %d at byte %d: MAC mismatch (wrong key log?)", d.seq, r.off)
	}
	d.seq++
	return content, nil
}

// tlsKeys derives the two directions' keys from the master secret:
// key_block = PRF(master, "key expansion", server_random ‖ client_random),
// cut into client key, server key, client salt, server salt for GCM (no MAC
// keys for AEAD suites), and into client MAC key, server MAC key, client
// key, server key for CBC (its IVs are explicit in TLS 1.2).
func tlsKeys(master []byte, client, server [32]byte, suite uint16) (c, s opener, err error) {
	if suite == suiteECDHEECDSAAES128CBC {
		kb := prf(master, "key expansion", append(server[:], client[:]...), 2*32+2*16)
		cb, err1 := aes.NewCipher(kb[64:80])
		sb, err2 := aes.NewCipher(kb[80:96])
		if err := errors.Join(err1, err2); err != nil {
			return nil, nil, err
		}
		return &cbcDirection{blk: cb, macKey: kb[0:32]}, &cbcDirection{blk: sb, macKey: kb[32:64]}, nil
	}
	kb := prf(master, "key expansion", append(server[:], client[:]...), 2*16+2*4)
	mk := func(key, salt []byte) (*direction, error) {
		blk, err := aes.NewCipher(key)
		if err != nil {
			return nil, err
		}
		g, err := cipher.NewGCM(blk)
		if err != nil {
			return nil, err
		}
		return &direction{aead: g, salt: salt}, nil
	}
	cd, err := mk(kb[0:16], kb[32:36])
	if err != nil {
		return nil, nil, err
	}
	sd, err := mk(kb[16:32], kb[36:40])
	if err != nil {
		return nil, nil, err
	}
	return cd, sd, nil
}

// decryptTLS turns the two halves of a TLS 1.2 connection into the
// application data each side sent, keeping each record's capture time.
func decryptTLS(c2s, s2c *half, keys KeyLog) (client, server *half, err error) {
	crecs, ccut, err := parseRecords(c2s.data)
	if err != nil {
		return nil, nil, fmt.Errorf("client: %w", err)
	}
	srecs, scut, err := parseRecords(s2c.data)
	if err != nil {
		return nil, nil, fmt.Errorf("server: %w", err)
	}
	ch, err := parseHello(crecs, 1)
	if err != nil {
		return nil, nil, fmt.Errorf("ClientHello: %w", err)
	}
	if len(srecs) == 0 {
		return &half{}, &half{}, nil // handshake never answered, or the client's alert ended it
	}
	if refusedBeforeHello(srecs) {
		// A handshake one side ended with an alert before any ServerHello
		// (a version probe, a scanner, an LPA trying TLS 1.3 first): legit
		// traffic that carried no HTTP, not a capture defect.
		return &half{}, &half{}, nil
	}
	sh, err := parseHello(srecs, 2)
	if err != nil {
		return nil, nil, fmt.Errorf("ServerHello: %w", err)
	}
	if sh.suite != suiteECDHEECDSAAES128GCM && sh.suite != suiteECDHERSAAES128GCM && sh.suite != suiteECDHEECDSAAES128CBC {
		return nil, nil, fmt.Errorf("cipher suite 0x%04X: the decoder reads only AES-128-GCM-SHA256 and ECDHE-ECDSA AES-128-CBC-SHA256", sh.suite)
	}
	master, ok := keys[ch.random]
	if !ok {
		if !hasAppData(crecs) && !hasAppData(srecs) {
			// The handshake failed (a refused certificate, a power cut)
			// before any secret was logged: no HTTP to show.
			return &half{}, &half{}, nil
		}
		return nil, nil, fmt.Errorf("client random %x…: %w", ch.random[:8], ErrNoKey)
	}
	cd, sd, err := tlsKeys(master, ch.random, sh.random, sh.suite)
	if err != nil {
		return nil, nil, err
	}
	if client, err = appData(crecs, c2s, cd); err != nil {
		return nil, nil, fmt.Errorf("client: %w", err)
	}
	if server, err = appData(srecs, s2c, sd); err != nil {
		return nil, nil, fmt.Errorf("server: %w", err)
	}
	client.cut, server.cut = ccut, scut
	return client, server, nil
}

// appData decrypts every record after ChangeCipherSpec (the first is
// Finished, which checks the keys) and keeps the application data.
func appData(recs []record, h *half, d opener) (*half, error) {
	out := &half{}
	encrypted := false
	for _, r := range recs {
		if !encrypted {
			encrypted = r.typ == recChangeCipherSpec
			continue
		}
		pt, err := d.open(r)
		if err != nil {
			return nil, err
		}
		if r.typ != recApplicationData {
			continue // Finished, alerts (close_notify)
		}
		if len(out.data)+len(pt) > maxStreamBytes {
			return nil, fmt.Errorf("decrypted data exceeds %d bytes", maxStreamBytes)
		}
		out.chunks = append(out.chunks, chunk{off: len(out.data), at: h.at(r.off)})
		out.data = append(out.data, pt...)
	}
	return out, nil
}

// hasAppData reports whether a side sent application data records.
func hasAppData(recs []record) bool {
	for _, r := range recs {
		if r.typ == recApplicationData {
			return true
		}
	}
	return false
}
