package apdu

import (
	"fmt"
	"strings"
)

// InsSelect is SELECT (ETSI TS 102 221 §11.1.1).
const InsSelect = 0xA4

// SelectTarget names what a SELECT's P1 and data select (TS 102 221
// §11.1.1.2, ISO/IEC 7816-4 §11.2.2), as a trace shows it: a file id,
// "3F00" (P1 00); a path from the MF, "3F00/7FFF/6FE3" (P1 08, whose data
// leaves the MF's id out: ADF/EF.EPSLOCI); a path from the current DF,
// "./5F3A/4F09" (P1 09); a DF name (an AID) in hex (P1 04); "parent DF"
// (P1 03). A path from the MF that names the MF itself is flagged, not
// drawn as the MF twice: TS 102 221 leaves 3F00 out of it, so a card
// takes it as a child of the MF's. "" when the data names nothing: none,
// or a path of an odd length.
func SelectTarget(p1 byte, data []byte) string {
	switch p1 {
	case 0x03:
		return "parent DF"
	case 0x04:
		return fmt.Sprintf("%X", data)
	case 0x00, 0x08, 0x09:
		if len(data) == 0 || len(data)%2 != 0 || (p1 == 0x00 && len(data) != 2) {
			return ""
		}
		ids := make([]string, 0, len(data)/2+1)
		switch p1 {
		case 0x08:
			ids = append(ids, "3F00")
		case 0x09:
			ids = append(ids, ".")
		}
		for i := 0; i < len(data); i += 2 {
			ids = append(ids, fmt.Sprintf("%02X%02X", data[i], data[i+1]))
		}
		path := strings.Join(ids, "/")
		if p1 == 0x08 && data[0] == 0x3F && data[1] == 0x00 {
			return "path " + strings.TrimPrefix(path, "3F00/") + " from the MF, naming the MF's own 3F00 (TS 102 221 §11.1.1.2 excludes it)"
		}
		return path
	}
	return ""
}
