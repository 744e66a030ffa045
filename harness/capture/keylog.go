package capture

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
)

// MaxKeyLog bounds the secrets a session keeps: 64 MiB, about 381,000
// key-log lines of KeyLogLineLen, one a TLS handshake. A run at the event
// limit (harness.DefaultMaxEvents, 250,000) cannot reach it: a
// download-heavy run logs about 7 events a handshake. 4 MiB (24,000
// handshakes) was reached at close by a 168 h run of downloads the loader
// accepted (sw53, F2).
const MaxKeyLog = 64 << 20

// KeyLogLineLen is the length of one TLS 1.2 key-log line:
// "CLIENT_RANDOM ", 32 bytes and 48 bytes in hex, a space and a newline.
const KeyLogLineLen = len("CLIENT_RANDOM ") + 64 + 1 + 96 + 1

// keyLog collects NSS key-log lines in the order they were written, and
// appends each to the key-log file at once (as browsers do with
// SSLKEYLOGFILE): a run killed before Close still leaves the secrets that
// decrypt what its capture holds. A line the same as the last one of its
// label and client random is not written again: both ends of a full
// handshake the rig makes with itself (the card and the SM-DP+) log the
// same secret, which doubled the file and the capture's secrets blocks
// (sw53, F6). A later line for a random with another secret is kept: it
// replaces the earlier one for Wireshark and ParseKeyLog, as when a
// server declines the session the card offered.
type keyLog struct {
	mu     sync.Mutex
	file   *os.File // nil with Config.NoKeysFile
	buf    []byte
	closed bool
	err    error
	// inline, when set, puts each secret in the capture at once as its
	// own Decryption Secrets Block (Session.writeDSB): a capture cut by a
	// kill then decrypts on its own up to where it stops.
	inline func([]byte) error
	// last is where in buf the last line of each label and client random
	// starts; labels interns the labels, a handful.
	last   map[keyLine]int
	labels map[string]string
}

// keyLine names a key-log line by its label and client random.
type keyLine struct {
	label  string
	random [32]byte
}

func (k *keyLog) Write(p []byte) (int, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.closed {
		return len(p), nil // secrets after Close have no packets to decrypt
	}
	// crypto/tls and the card write one line a call; more are taken apart.
	for rest := p; len(rest) > 0; {
		line := rest
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			line = rest[:i+1]
		}
		rest = rest[len(line):]
		if err := k.writeLine(line); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// writeLine writes one line, unless it repeats the last of its label and
// client random; k.mu is held.
func (k *keyLog) writeLine(line []byte) error {
	if k.err != nil {
		return k.err
	}
	if k.repeated(line) {
		return nil
	}
	if len(k.buf)+len(line) > MaxKeyLog {
		k.err = fmt.Errorf("capture: key log larger than %d bytes (about %d TLS handshakes)", MaxKeyLog, MaxKeyLog/KeyLogLineLen)
		return k.err
	}
	if k.file != nil {
		if _, err := k.file.Write(line); err != nil {
			k.err = fmt.Errorf("capture: key log: %w", err)
			return k.err
		}
	}
	if k.inline != nil {
		if err := k.inline(line); err != nil {
			k.err = err
			return k.err
		}
	}
	k.buf = append(k.buf, line...)
	return nil
}

// repeated reports whether line is the same as the last line of its label
// and client random, and else records it as that last line, about to be
// written at the end of buf. Only whole "LABEL <32-byte random> <secret>"
// lines are compared.
func (k *keyLog) repeated(line []byte) bool {
	f := bytes.Fields(line)
	if len(f) != 3 || line[len(line)-1] != '\n' || hex.DecodedLen(len(f[1])) != 32 {
		return false
	}
	var key keyLine
	if _, err := hex.Decode(key.random[:], f[1]); err != nil {
		return false
	}
	label, ok := k.labels[string(f[0])]
	if !ok {
		if k.labels == nil {
			k.labels, k.last = map[string]string{}, map[keyLine]int{}
		}
		label = string(f[0])
		k.labels[label] = label
	}
	key.label = label
	if at, ok := k.last[key]; ok && at+len(line) <= len(k.buf) && bytes.Equal(k.buf[at:at+len(line)], line) {
		return true
	}
	k.last[key] = len(k.buf)
	return false
}

// writeDSB writes secrets as a Decryption Secrets Block among the packets,
// ahead of every packet written after it: the handshake logs its secrets
// before any record they decrypt is sent, so the block precedes those
// records in the file (pcapng allows any number of DSBs, each applying to
// the packets after it).
func (s *Session) writeDSB(secrets []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	if _, err := s.bw.Write(dsbBlock(dsbTypeTLS, secrets)); err != nil {
		return fmt.Errorf("capture: write secrets block: %w", err)
	}
	return nil
}

// KeyLog returns the writer to set as tls.Config.KeyLogWriter on every TLS
// endpoint the capture records (the SM-DP+ servers, the card's client), or
// nil when Config.KeyLog is off.
func (s *Session) KeyLog() io.Writer {
	if s.keys == nil {
		return nil
	}
	return s.keys
}

// KeysPathFor is the default key-log file of a capture: "x.pcapng" → "x.keys".
func KeysPathFor(pcapng string) string {
	return strings.TrimSuffix(pcapng, ".pcapng") + ".keys"
}

// writeSecrets runs at Close, after the last packet: it closes the key
// log file and, unless the secrets went into the file as they came
// (keyLog.inline), moves the packet blocks behind a Decryption Secrets
// Block, since readers (Wireshark) need the secrets before the packets
// they decrypt. The packets are re-read into memory; captures of the rig
// are small.
func (s *Session) writeSecrets() error {
	s.keys.mu.Lock()
	secrets := append([]byte(nil), s.keys.buf...)
	s.keys.closed = true
	kerr := s.keys.err
	inline := s.keys.inline != nil
	s.keys.mu.Unlock()
	if s.keys.file != nil {
		if err := s.keys.file.Close(); err != nil && kerr == nil {
			kerr = fmt.Errorf("capture: key log: %w", err)
		}
	}
	if kerr != nil {
		return kerr
	}
	if len(secrets) == 0 || inline {
		return nil
	}
	block := dsbBlocks(secrets)
	if s.file == nil {
		s.dsb = block // in memory: read between the header and the packets
		return nil
	}
	f := s.file // opened read-write by os.Create, not closed yet
	if s.holding {
		// The packets were held for this (Config.NoKeysFile): the file
		// holds the header alone, and the packets go behind the block.
		// Held is not taken by writePacket once closed.
		if _, err := f.WriteAt(block, s.hdrEnd); err != nil {
			return fmt.Errorf("capture: write secrets block: %w", err)
		}
		if _, err := f.WriteAt(*s.held, s.hdrEnd+int64(len(block))); err != nil {
			return fmt.Errorf("capture: write packets: %w", err)
		}
		s.holding = false // written
		return nil
	}
	end, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return fmt.Errorf("capture: secrets: %w", err)
	}
	// The block and the packets behind it, in one buffer for one write.
	buf := make([]byte, len(block)+int(end-s.hdrEnd))
	copy(buf, block)
	if _, err := f.ReadAt(buf[len(block):], s.hdrEnd); err != nil {
		return fmt.Errorf("capture: secrets: re-read packets: %w", err)
	}
	if _, err := f.WriteAt(buf, s.hdrEnd); err != nil {
		return fmt.Errorf("capture: write secrets block: %w", err)
	}
	return nil
}
