package capture

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
)

// maxKeyLog bounds the secrets a session keeps (one NSS line is ~180 bytes).
const maxKeyLog = 4 << 20

// keyLog collects NSS key-log lines in the order they were written, and
// appends each to the key-log file at once (as browsers do with
// SSLKEYLOGFILE): a run killed before Close still leaves the secrets that
// decrypt what its capture holds.
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
}

func (k *keyLog) Write(p []byte) (int, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.closed {
		return len(p), nil // secrets after Close have no packets to decrypt
	}
	if k.err != nil {
		return 0, k.err
	}
	if len(k.buf)+len(p) > maxKeyLog {
		k.err = fmt.Errorf("capture: key log larger than %d bytes", maxKeyLog)
		return 0, k.err
	}
	if k.file != nil {
		if _, err := k.file.Write(p); err != nil {
			k.err = fmt.Errorf("capture: key log: %w", err)
			return 0, k.err
		}
	}
	if k.inline != nil {
		if err := k.inline(p); err != nil {
			k.err = err
			return 0, k.err
		}
	}
	k.buf = append(k.buf, p...)
	return len(p), nil
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
	block := dsbBlock(dsbTypeTLS, secrets)
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
