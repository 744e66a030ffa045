package fieldlog

import (
	"slices"
	"strconv"

	"github.com/esimhil/esimhil/internal/codec/apdu"
	"github.com/esimhil/esimhil/internal/codec/at"
)

// OverCGLA turns a log that shows the card's APDUs and no AT command —
// lpac under its pcsc, qmi or mbim backend with LIBEUICC_DEBUG_APDU=1 —
// into the AT conversation that carries the same APDUs over a modem: each
// command APDU as AT+CGLA on its logical channel (from its CLA; AT+CSIM on
// the basic channel), the next response APDU as its answer and OK. Lines
// and times are the original's, so what a replay finds points at the log;
// the tool's own lines stay notes. A command with no response after it
// (the backend failed) gets no answer. It returns the logical channels
// (not the basic one) the APDUs use, which the replay opens first; ok is
// false for a log with AT commands or without command APDUs.
func OverCGLA(t *Transcript) (out *Transcript, channels []int, ok bool, err error) {
	if len(t.Commands()) > 0 {
		return nil, nil, false, nil
	}
	var recs []record
	cmd := "" // the command whose answer a response APDU is
	sent := 0
	for _, e := range t.Entries {
		r := record{line: e.Line, t: e.Time, port: e.Port, dir: Tool, text: e.Text, event: e.Event}
		switch {
		case e.APDU == nil:
		case !e.APDU.Response && len(e.APDU.Raw) >= 4:
			ch := apdu.ChannelOf(e.APDU.Raw[0])
			cmd = "+CGLA"
			r.dir, r.text = Host, at.CGLA(strconv.Itoa(ch), e.APDU.Raw)
			if ch == 0 { // the basic channel has no session: +CSIM
				cmd, r.text = "+CSIM", at.CSIM(e.APDU.Raw)
			} else if !slices.Contains(channels, ch) {
				channels = append(channels, ch)
			}
			sent++
		case e.APDU.Response && cmd != "" && len(e.APDU.Raw) >= 2:
			r.dir, r.text = Modem, at.FormatHexAnswer(cmd, e.APDU.Raw, true)
			recs = append(recs, r)
			r.text = "OK"
			cmd = ""
		}
		recs = append(recs, r)
	}
	if sent == 0 {
		return nil, nil, false, nil
	}
	slices.Sort(channels)
	out, err = normalise(t.File, t.Clock, false, recs, false)
	if err != nil {
		return nil, nil, false, err
	}
	out.Format, out.Carried = t.Format, true
	return out, channels, true, nil
}

// Replayable reports whether the log has something a replay can play: an
// AT command, or a command APDU an LPA printed (see OverCGLA).
func (t *Transcript) Replayable() bool {
	return slices.ContainsFunc(t.Entries, func(e Entry) bool {
		return e.Role == Command || e.APDU != nil && !e.APDU.Response && e.Role == Note
	})
}
