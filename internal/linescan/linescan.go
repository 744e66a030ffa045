// Package linescan reads a line-oriented log (events.jsonl, at.log) whose
// lines are bounded: a line longer than the bound is passed over whole and
// reported by its number and length, where bufio.Scanner's ErrTooLong
// ends the read and leaves every line after it unread (outside tester
// sw127 F3: one 2 MiB event hid the 43 after it, and the page then took
// at.log, whose marks named them, for another run's).
package linescan

import (
	"bufio"
	"bytes"
	"io"
)

// Scanner reads lines as bufio.Scanner with bufio.ScanLines does (the
// newline and a CR before it dropped, a last line without a newline
// returned), lines over its bound included as TooLong.
type Scanner struct {
	r    *bufio.Reader
	max  int
	buf  []byte
	line []byte
	n    int
	long int64
	err  error
}

// New reads r's lines of at most max bytes (the newline not counted).
func New(r io.Reader, max int) *Scanner {
	return &Scanner{r: bufio.NewReaderSize(r, 64<<10), max: max}
}

// Scan advances to the next line; false at the end of the input or on a
// read error (Err).
func (s *Scanner) Scan() bool {
	if s.err != nil {
		return false
	}
	s.buf, s.line, s.long = s.buf[:0], nil, 0
	var total int64
	var tail [2]byte // the line's last two bytes: its end, when over the bound
	for {
		chunk, err := s.r.ReadSlice('\n')
		total += int64(len(chunk))
		switch len(chunk) {
		case 0:
		case 1:
			tail = [2]byte{tail[1], chunk[0]}
		default:
			tail = [2]byte{chunk[len(chunk)-2], chunk[len(chunk)-1]}
		}
		if s.long == 0 && len(s.buf)+len(chunk) <= s.max+2 { // room for "\r\n"
			s.buf = append(s.buf, chunk...)
		} else {
			s.long, s.buf = 1, s.buf[:0] // over the bound: counted, not kept
		}
		switch err {
		case bufio.ErrBufferFull:
			continue
		case nil:
		case io.EOF:
			if total == 0 {
				return false
			}
		default:
			s.err = err
			if total == 0 {
				return false
			}
		}
		s.n++
		line := bytes.TrimSuffix(s.buf, []byte{'\n'})
		line = bytes.TrimSuffix(line, []byte{'\r'})
		if s.long == 0 && len(line) > s.max {
			s.long = 1
		}
		if s.long != 0 {
			s.long = total - lineEnd(tail, total)
			return true
		}
		s.line = line
		return true
	}
}

// lineEnd is how many of a line's last bytes (tail, of total) are its
// end: "\n", "\r\n", or none at the end of the input.
func lineEnd(tail [2]byte, total int64) int64 {
	switch {
	case tail[1] != '\n':
		return 0
	case total >= 2 && tail[0] == '\r':
		return 2
	}
	return 1
}

// Bytes is the line read, without its end; nil for a TooLong one. It is
// valid until the next Scan.
func (s *Scanner) Bytes() []byte { return s.line }

// Text is Bytes as a string.
func (s *Scanner) Text() string { return string(s.line) }

// Line is the line's number, from 1.
func (s *Scanner) Line() int { return s.n }

// TooLong reports that the line is over the bound, and its length in
// bytes (its end not counted, as the bound does not count it); its
// content was passed over.
func (s *Scanner) TooLong() (length int64, ok bool) { return s.long, s.long != 0 }

// Err is the read error that ended the scan, nil at the end of the input.
func (s *Scanner) Err() error { return s.err }
