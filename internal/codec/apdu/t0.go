package apdu

// TPDU is cmd as T=0 carries it (ISO/IEC 7816-3 §12.2, ETSI TS 102 221
// §7.3.1.1 and Annex C): T=0 moves data one way per TPDU, so a case-4
// command goes without its Le (P3 is Lc) and the card announces its answer
// with 61xx, for the terminal to fetch with GET RESPONSE (Exchange does).
// Every other command, and one that does not parse, is its own TPDU. The
// result aliases cmd.
func TPDU(cmd []byte) []byte {
	c, err := Parse(cmd)
	if err != nil || len(c.Data) == 0 || !c.HasLe {
		return cmd
	}
	return cmd[:len(cmd)-1]
}
