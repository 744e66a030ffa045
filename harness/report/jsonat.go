package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"
)

// jsonAt places a JSON decoding error of file's contents b at its line
// and column ("results.json:3:17: …"), as a YAML error is placed: a
// hand-edited or cut results.json is found by where it breaks, not only
// by its name (outside tester sw127 F14). An error without an offset is
// the file's.
func jsonAt(file string, b []byte, err error) error {
	var off int64 = -1
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		off = se.Offset
	case errors.As(err, &te):
		off = te.Offset
	}
	if off < 0 {
		return fmt.Errorf("%s: %w", file, err)
	}
	// Offset counts the bytes read, the offending one included (the
	// value's last, for a mistyped one; the file's last, for one cut
	// short): the error is placed at the last of them. The column counts
	// characters, as an editor shows it, not bytes (outside tester sw130
	// N5: after "é" the column was one too far per é).
	off = min(max(off-1, 0), int64(len(b)))
	line := 1 + bytes.Count(b[:off], []byte("\n"))
	col := 1 + utf8.RuneCount(b[bytes.LastIndexByte(b[:off], '\n')+1:off])
	return fmt.Errorf("%s:%d:%d: %w", file, line, col, err)
}
