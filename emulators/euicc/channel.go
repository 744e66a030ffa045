package euicc

import (
	"bytes"

	"github.com/esimhil/esimhil/internal/codec/apdu"
	"github.com/esimhil/esimhil/internal/codec/tlv"
	"github.com/esimhil/esimhil/internal/proto/saip"
)

type app int

const (
	appNone app = iota
	appUSIM
	appISDR
)

// channel is the state of one logical channel (7816-4 §7.1.2).
type channel struct {
	fs *fileSystem
	df *node // current DF: MF or ADF USIM
	ef *node // current EF, nil if none
	// rec is the current EF's record pointer (TS 102 221 §11.1.5), 0
	// while none is set: a SELECT or another EF clears it.
	rec int
	app app
	out []byte // response data waiting for GET RESPONSE

	// STORE DATA reassembly (GlobalPlatform §11.11).
	store     []byte
	storeNext int
}

func newChannel(fs *fileSystem) *channel { return &channel{fs: fs, df: fs.mf} }

// selectFile is SELECT (TS 102 221 §11.1.1): P1 00 by file identifier
// (no data: the MF), 01 a child DF, 03 the parent DF, 04 by DF name (AID,
// partial allowed), 08 by path from the MF, 09 by path from the current
// DF; P2 04 returns the FCP, 0C nothing, 00 the FCI (6F), and with an AID
// b7-b6 10 terminates the application's session (§8.5.3). Selecting a
// file does not end the session of the application the channel holds
// (§8.4.1): its ADF answers 7FFF from anywhere until another is selected
// by AID, the session is terminated or the card reset.
func (c *Card) selectFile(ch *channel, cmd apdu.Command) apdu.Response {
	terminate := cmd.P2&0x60 == 0x40
	if p2 := cmd.P2 &^ 0x40; p2 != 0x00 && p2 != 0x04 && p2 != 0x0C || terminate && cmd.P1 != 0x04 {
		return apdu.Response{SW: apdu.SWIncorrectP1P2}
	}
	var target *node
	switch cmd.P1 {
	case 0x00:
		switch {
		case len(cmd.Data) == 0 && cmd.P2 == 0x0C:
			target = c.fs.mf // §11.1.1.2: no data, no answer, the MF
		case len(cmd.Data) != 2:
			return apdu.Response{SW: apdu.SWIncorrectData}
		default:
			target = c.byFID(ch, uint16(cmd.Data[0])<<8|uint16(cmd.Data[1]))
		}
	case 0x01:
		if len(cmd.Data) != 2 {
			return apdu.Response{SW: apdu.SWIncorrectData}
		}
		fid := uint16(cmd.Data[0])<<8 | uint16(cmd.Data[1])
		if n := c.childOf(ch, ch.curDF(c.fs), fid); n != nil && n.kind == kindDF {
			target = n
		}
	case 0x03:
		if len(cmd.Data) != 0 {
			return apdu.Response{SW: apdu.SWIncorrectData}
		}
		if df := ch.curDF(c.fs); df.parent != nil {
			target = df.parent
		}
	case 0x04:
		if len(cmd.Data) < 5 || len(cmd.Data) > 16 {
			return apdu.Response{SW: apdu.SWIncorrectData}
		}
		if bytes.HasPrefix(aidISDR, cmd.Data) && !terminate {
			ch.df, ch.ef, ch.app, ch.rec = c.fs.mf, nil, appISDR, 0
			ch.store, ch.storeNext = nil, 0
			return selectAnswer(ch, cmd, isdrFCI, isdrFCI)
		}
		if c.fs.usim != nil && bytes.HasPrefix(cmd.Data, usimPrefix) && bytes.HasPrefix(aidUSIM, cmd.Data) {
			target = c.fs.usim
		}
		if target != nil && terminate {
			// The session ends; the MF is the current DF.
			ch.df, ch.ef, ch.app, ch.rec = c.fs.mf, nil, appNone, 0
			fcp := c.fs.fcp(target)
			return selectAnswer(ch, apdu.Command{P2: cmd.P2 &^ 0x40}, fcp, tlv.New(0x6F, fcp[2:]).Bytes())
		}
	case 0x08, 0x09:
		if len(cmd.Data) == 0 || len(cmd.Data)%2 != 0 {
			return apdu.Response{SW: apdu.SWIncorrectData}
		}
		target = c.fs.mf
		if cmd.P1 == 0x09 {
			target = ch.curDF(c.fs)
		}
		for i := 0; i < len(cmd.Data) && target != nil; i += 2 {
			fid := uint16(cmd.Data[i])<<8 | uint16(cmd.Data[i+1])
			if i == 0 && fid == fidMF && cmd.P1 == 0x08 {
				continue
			}
			target = c.childOf(ch, target, fid)
		}
	default:
		return apdu.Response{SW: apdu.SWIncorrectP1P2}
	}
	if target == nil {
		return apdu.Response{SW: apdu.SWFileNotFound}
	}
	if target.kind == kindDF {
		ch.df, ch.ef = target, nil
		if target == c.fs.usim {
			ch.app = appUSIM
		} else if ch.app == appISDR {
			ch.app = appNone
		}
	} else {
		ch.df, ch.ef = target.parent, target
		if ch.app == appISDR {
			ch.app = appNone
		}
	}
	ch.rec = 0 // a record pointer is the current EF's
	fcp := c.fs.fcp(target)
	return selectAnswer(ch, cmd, fcp, tlv.New(0x6F, fcp[2:]).Bytes())
}

// curDF is the channel's current DF, the MF when none is.
func (ch *channel) curDF(fs *fileSystem) *node {
	if ch.df == nil {
		return fs.mf
	}
	return ch.df
}

// childOf is the file fid in df, where the MF's 7FFF is the ADF of the
// channel's application (a path through it, as from the MF, leads into
// the USIM whether or not its session is open).
func (c *Card) childOf(ch *channel, df *node, fid uint16) *node {
	if fid == fidADF && df == c.fs.mf {
		return c.fs.usim
	}
	return df.child(fid)
}

func selectAnswer(ch *channel, cmd apdu.Command, fcp, fci []byte) apdu.Response {
	switch cmd.P2 {
	case 0x04:
		return respond(ch, cmd, fcp, apdu.SWOK)
	case 0x00:
		return respond(ch, cmd, fci, apdu.SWOK)
	}
	return apdu.Response{SW: apdu.SWOK}
}

// byFID finds fid among the current DF, its children, its parent and the
// MF (7816-4 §7.1.1 selection by file identifier).
func (c *Card) byFID(ch *channel, fid uint16) *node {
	switch fid {
	case fidMF:
		return c.fs.mf
	case fidADF:
		if ch.app == appUSIM {
			return c.fs.usim
		}
		return nil
	}
	df := ch.df
	if df == nil {
		df = c.fs.mf
	}
	if n := df.child(fid); n != nil {
		return n
	}
	if df.parent != nil {
		if n := df.parent.child(fid); n != nil && n.kind == kindDF {
			return n
		}
	}
	return nil
}

// transparent is the file and offset a BINARY command addresses
// (7816-4 §11.2.3): P1 b8 set selects by short file identifier in b5-b1,
// which becomes the current EF, with the offset in P2; else the current EF
// at offset P1-P2. A status word other than 0 is why it addresses none,
// or why the file's access rule (its EF ARR record) refuses am there:
// 6982, as an ADM file does on a USIM whose ADM key the terminal lacks.
func (ch *channel) transparent(cmd apdu.Command, am byte) (*node, int, uint16) {
	ef, off := ch.ef, int(cmd.P1)<<8|int(cmd.P2)
	if cmd.P1&0x80 != 0 {
		if cmd.P1&0x60 != 0 || ch.df == nil {
			return nil, 0, apdu.SWIncorrectP1P2
		}
		ef = ch.df.bySFI(cmd.P1 & 0x1F)
		if ef == nil {
			return nil, 0, apdu.SWFileNotFound
		}
		ch.ef, off = ef, int(cmd.P2)
	}
	if ef == nil || ch.app == appISDR {
		return nil, 0, apdu.SWCommandNotAllowed
	}
	if ef.kind != kindTransparent {
		return nil, 0, apdu.SWIncompatibleFile
	}
	if !ch.fs.allows(ef, am, ch.fs.met) {
		return nil, 0, apdu.SWSecurityNotSatisfied
	}
	if off > len(ch.fs.binary(ef)) {
		return nil, 0, apdu.SWWrongP1P2
	}
	return ef, off, 0
}

// readBinary is READ BINARY (7816-4 §11.2.3). The card speaks T=0, where
// P3 is the length it must send: fewer bytes than P3 asks for are
// announced with 6Cxx (TS 102 221 §7.3.1.1.2), P3 00 asking for 256.
func (ch *channel) readBinary(cmd apdu.Command) apdu.Response {
	ef, off, sw := ch.transparent(cmd, saip.AMRead)
	if sw != 0 {
		return apdu.Response{SW: sw}
	}
	data := ch.fs.binary(ef)[off:]
	le := p3(cmd)
	switch {
	case len(data) >= le:
		return apdu.Response{Data: data[:le], SW: apdu.SWOK}
	case len(data) == 0:
		return apdu.Response{SW: apdu.SWWarningEOF}
	}
	return apdu.Response{SW: apdu.WrongLe(len(data))}
}

// p3 is the length a case-2 command asks for on T=0: P3, where 00 is 256
// and a command without it (case 1, sent with P3 00) asks for 256 too.
func p3(cmd apdu.Command) int {
	if cmd.HasLe {
		return cmd.Le
	}
	return 256
}

// updateBinary is UPDATE BINARY (TS 102 221 §11.1.4), addressed as READ
// BINARY is.
func (ch *channel) updateBinary(cmd apdu.Command) apdu.Response {
	ef, off, sw := ch.transparent(cmd, saip.AMUpdate)
	if sw != 0 {
		return apdu.Response{SW: sw}
	}
	switch {
	case off == len(ch.fs.binary(ef)):
		// No byte to write there: the offset is outside the EF (READ
		// BINARY there answers 6282, the end reached before any byte).
		return apdu.Response{SW: apdu.SWWrongP1P2}
	case len(cmd.Data) == 0 || off+len(cmd.Data) > len(ch.fs.binary(ef)):
		return apdu.Response{SW: apdu.SWWrongLength}
	}
	ch.fs.writeBinary(ef, off, cmd.Data)
	return apdu.Response{SW: apdu.SWOK}
}

// kept stores what an UPDATE that succeeded (r) wrote into the profile
// whose file system it is, as a USIM's NVM keeps it: it outlives a reset
// and a power cut, and the NVM image carries it.
func (c *Card) kept(ch *channel, r apdu.Response) apdu.Response {
	if p := c.fs.prof; r.SW == apdu.SWOK && p != nil {
		if p.Files == nil {
			p.Files = map[uint16][]byte{}
		}
		p.Files[ch.ef.fid] = c.fs.content(ch.ef)
	}
	return r
}

// linear resolves the record a RECORD command addresses in a linear fixed
// EF (TS 102 221 §11.1.5, §11.1.6): the current EF, or with P2 b8-b4 the
// one of that short file identifier, which becomes the current EF, as
// terminals read EF ECC or EF EPSNSC without a SELECT (7816-4 §11.3.1);
// P2 b3-b1 100 with P1 the record (absolute) or P1 00 the current record,
// 010 the next and 011 the previous one — from none set, the first and the
// last — which moves the record pointer (absolute and current leave it).
// sw says why it addresses none: 6A86 a mode or P1 it lacks, 6982 the
// EF's access rule refusing am, 6A83 no such record (nothing current, past
// the last or before the first).
func (ch *channel) linear(cmd apdu.Command, am byte) (rec int, sw uint16) {
	mode := cmd.P2 & 0x07
	if mode != 0x02 && mode != 0x03 && mode != 0x04 || mode != 0x04 && cmd.P1 != 0 {
		return 0, apdu.SWIncorrectP1P2
	}
	if sfi := cmd.P2 >> 3; sfi != 0 {
		if sfi == 0x1F || ch.df == nil { // 11111 is RFU
			return 0, apdu.SWIncorrectP1P2
		}
		ef := ch.df.bySFI(sfi)
		if ef == nil {
			return 0, apdu.SWFileNotFound
		}
		if ef != ch.ef {
			ch.ef, ch.rec = ef, 0
		}
	}
	switch {
	case ch.ef == nil || ch.app == appISDR:
		return 0, apdu.SWCommandNotAllowed
	case ch.ef.kind != kindLinear:
		return 0, apdu.SWIncompatibleFile
	case !ch.fs.allows(ch.ef, am, ch.fs.met):
		return 0, apdu.SWSecurityNotSatisfied
	}
	n := len(ch.fs.recordList(ch.ef))
	switch {
	case mode == 0x04 && cmd.P1 != 0:
		rec = int(cmd.P1)
	case mode == 0x04:
		rec = ch.rec
	case mode == 0x02 && ch.rec == 0:
		rec = 1
	case mode == 0x02:
		rec = ch.rec + 1
	case ch.rec == 0:
		rec = n
	default:
		rec = ch.rec - 1
	}
	if rec < 1 || rec > n {
		return 0, apdu.SWRecordNotFound
	}
	if mode != 0x04 {
		ch.rec = rec
	}
	return rec, 0
}

// updateRecord is UPDATE RECORD (TS 102 221 §11.1.6): the whole record.
func (ch *channel) updateRecord(cmd apdu.Command) apdu.Response {
	rec, sw := ch.linear(cmd, saip.AMUpdate)
	if sw != 0 {
		return apdu.Response{SW: sw}
	}
	if len(cmd.Data) != ch.ef.recLen {
		return apdu.Response{SW: apdu.SWWrongLength}
	}
	ch.fs.setRecord(ch.ef, rec-1, cmd.Data)
	return apdu.Response{SW: apdu.SWOK}
}

// readRecord is READ RECORD (TS 102 221 §11.1.5, 7816-4 §11.3.3).
func (ch *channel) readRecord(cmd apdu.Command) apdu.Response {
	rec, sw := ch.linear(cmd, saip.AMRead)
	if sw != 0 {
		return apdu.Response{SW: sw}
	}
	r := ch.fs.recordList(ch.ef)[rec-1]
	if p3(cmd) != len(r) {
		return apdu.Response{SW: apdu.WrongLe(len(r))}
	}
	return apdu.Response{Data: r, SW: apdu.SWOK}
}

// getResponse is GET RESPONSE (7816-4 §11.5.4, TS 102 221 §12.1.1): P3
// bytes of the pending response, 61xx while more remain; more than is
// pending gets 6Cxx with what is (nothing consumed). Out of sequence —
// nothing pending — it is "technical problem, no precise diagnosis"
// (§12.1.1.1).
func (ch *channel) getResponse(cmd apdu.Command) apdu.Response {
	if cmd.P1 != 0 || cmd.P2 != 0 {
		return apdu.Response{SW: apdu.SWIncorrectP1P2}
	}
	if len(ch.out) == 0 {
		// Not right after the command it belongs to: "technical problem,
		// no precise diagnosis" (TS 102 221 §12.1.1.1), not ISO 7816-4's
		// usual 6985 (outside tester sw65 asked).
		return apdu.Response{SW: apdu.SWUnknown}
	}
	le := p3(cmd)
	if le > len(ch.out) {
		return apdu.Response{SW: apdu.WrongLe(len(ch.out))}
	}
	data := ch.out[:le]
	ch.out = ch.out[le:]
	if len(ch.out) > 0 {
		return apdu.Response{Data: data, SW: apdu.BytesAvailable(min(len(ch.out), 256))}
	}
	ch.out = nil
	return apdu.Response{Data: data, SW: apdu.SWOK}
}

// status is STATUS (TS 102 221 §11.1.2): P2 00 the FCP of the current DF,
// 01 its DF name, 0C nothing (the terminal's proactive polling).
func (ch *channel) status(cmd apdu.Command) apdu.Response {
	if cmd.P1 > 0x02 {
		return apdu.Response{SW: apdu.SWIncorrectP1P2}
	}
	aid := []byte(nil) // the current application's (§11.1.2), wherever the current DF is
	switch {
	case ch.app == appISDR:
		aid = aidISDR
	case ch.app == appUSIM && ch.fs.usim != nil:
		aid = ch.fs.usim.aid
	}
	switch cmd.P2 {
	case 0x0C:
		return apdu.Response{SW: apdu.SWOK}
	case 0x00:
		if ch.app == appISDR {
			return exactly(cmd, isdrFCI)
		}
		return exactly(cmd, ch.fs.fcp(ch.df))
	case 0x01:
		if aid == nil {
			return apdu.Response{SW: apdu.SWOK}
		}
		return exactly(cmd, tlv.New(0x84, aid).Bytes())
	}
	return apdu.Response{SW: apdu.SWIncorrectP1P2}
}

// manageChannel is MANAGE CHANNEL (7816-4 §11.1.2): P1 00 opens (P2 00:
// the card picks and returns the number), P1 80 closes channel P2.
func (c *Card) manageChannel(cmd apdu.Command) apdu.Response {
	switch cmd.P1 {
	case 0x00:
		n := int(cmd.P2)
		if n == 0 {
			for i := 1; i < maxChannels; i++ {
				if c.chans[i] == nil {
					n = i
					break
				}
			}
			if n == 0 {
				return apdu.Response{SW: apdu.SWFunctionNotSupported}
			}
		} else if n >= maxChannels || c.chans[n] != nil {
			return apdu.Response{SW: apdu.SWIncorrectP1P2}
		}
		if cmd.P2 == 0 && p3(cmd) != 1 { // T=0: the one byte of the number is all it sends
			return apdu.Response{SW: apdu.WrongLe(1)}
		}
		c.chans[n] = newChannel(c.fs)
		if cmd.P2 == 0 {
			return apdu.Response{Data: []byte{byte(n)}, SW: apdu.SWOK}
		}
		return apdu.Response{SW: apdu.SWOK}
	case 0x80:
		n := int(cmd.P2)
		if n == 0 || n >= maxChannels {
			return apdu.Response{SW: apdu.SWIncorrectP1P2}
		}
		if c.chans[n] == nil {
			return apdu.Response{SW: apdu.SWChannelNotSupported}
		}
		c.chans[n] = nil
		return apdu.Response{SW: apdu.SWOK}
	}
	return apdu.Response{SW: apdu.SWIncorrectP1P2}
}
