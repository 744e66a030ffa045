package euicc

// A profile package interrupted mid-install (SGP.22 §2.5.6 errorReason
// installFailedDueToInterruption, §3.1.3.3). The package's segments go
// into the ISD-P being built as they come; what NVM holds of that install
// is the record below, from the first segment to the install result. A
// reset (power loss, a modem reset, a REFRESH that resets the card)
// between two segments leaves it there: the next activation discards the
// partial profile — it never reaches the profile list, so its ICCID and
// ISD-P are free — and keeps the failed ProfileInstallationResult as a
// pending notification for the SM-DP+ (docs/conformance.md says why). A
// new session that abandons the install before its last segment ends it
// the same way, at once.

import (
	"encoding/hex"
	"fmt"

	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/internal/ident"
	"github.com/esimhil/esimhil/internal/proto/es10"
)

// installRecord is the install in progress, as NVM keeps it (hex for the
// bytes, as the image's AIDs).
type installRecord struct {
	TxID     string `json:"transaction_id"`
	SmdpOID  string `json:"smdp_oid"` // DER contents
	Address  string `json:"address"`
	Operator string `json:"operator,omitempty"`
	ICCID    string `json:"iccid,omitempty"` // once StoreMetadata verified
	// Command is the bppCommandId in progress (rsp.BPPLoader.Due).
	Command int `json:"command"`
}

// setSession replaces the ISD-R's session. An install in progress that
// the LPA abandons for another session (a new GetEUICCChallenge, an
// AuthenticateServer or PrepareDownload out of turn, before the package's
// last segment) ends as a reset ends it (endInstall): its SM-DP+, which
// sent the whole package and hears no cancellation, is owed the failed
// result (outside tester t168 F4: it was owed nothing, and its order
// stayed "downloaded"). CancelSession ends it on its own
// (cancelInstall): the SM-DP+ gets the signed cancellation instead.
func (c *Card) setSession(s *rspSession) {
	c.sess = s
	if c.installing != nil {
		c.endInstall("new session")
	}
}

// cancelInstall drops the install in progress that CancelSession ends
// (SGP.22 §5.7.14): the LPA hands the SM-DP+ the card's signed
// cancellation, which tells it; no install result is made.
func (c *Card) cancelInstall() {
	if c.installing != nil {
		c.installing = nil
		c.persistLocked()
	}
}

// installStored records, after a segment that did not end the load, the
// install in progress: written when it begins, and when the command in
// progress or the profile's ICCID changes (not at every segment).
func (c *Card) installStored(sess *rspSession) {
	meta, _ := sess.loader.Result()
	c.installing = &installRecord{TxID: hex.EncodeToString(sess.txID), SmdpOID: hex.EncodeToString(sess.smdpOID),
		Address: sess.serverAddress, Operator: sess.operator, ICCID: meta.ICCID, Command: sess.loader.Due()}
	c.persistLocked()
}

// InterruptedInstall is the install a power cut left recorded in NVM on a
// card still off, whose failed result (errorReason 11) the next activation
// makes and owes the SM-DP+ (interruptedInstall): the address that result
// goes to, and whether there is one. On a powered card a record is an
// install still running: nothing is owed yet.
func (c *Card) InterruptedInstall() (address string, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.installing == nil || c.powered {
		return "", false
	}
	return c.installing.Address, true
}

// interruptedInstall, at activation, discards an install a reset cut
// short and keeps its failed result as a pending notification.
func (c *Card) interruptedInstall() {
	if c.installing != nil {
		c.endInstall("reset")
	}
}

// endInstall discards the install in progress, which by ("reset", "new
// session") cut short: its partial profile never reached the profile
// list, so its ICCID and ISD-P are free; its failed
// ProfileInstallationResult (errorReason 11, the bppCommandId in
// progress) is kept as a pending notification for its SM-DP+.
func (c *Card) endInstall(by string) {
	r := c.installing
	c.installing = nil
	tx, _ := hex.DecodeString(r.TxID) // checked when read back
	oid, _ := hex.DecodeString(r.SmdpOID)
	data := es10.ProfileInstallationResultData{TransactionID: tx, SmdpOID: oid,
		Notification: es10.NotificationMetadata{Event: es10.EventInstall, Address: r.Address, ICCID: r.ICCID},
		CommandID:    r.Command, ErrorReason: es10.ReasonInstallInterrupted}
	_, ok := c.signInstallResult(data)
	c.persistLocked()
	f := eventlog.F{"operator": r.Operator, "command": r.Command, "by": by}
	if r.ICCID != "" {
		f["iccid"] = r.ICCID
	}
	if ok {
		f["seq"] = c.notifSeq
	}
	c.cfg.Log.Emit(eventlog.EUICC, KindInstallInterrupted, f)
}

// check validates a record read back from NVM.
func (r *installRecord) check() error {
	tx, err := hex.DecodeString(r.TxID)
	switch {
	case err != nil || len(tx) < 1 || len(tx) > 16:
		return fmt.Errorf("transaction_id: %q: want 1 to 16 bytes in hex", r.TxID)
	case !isOIDContents(r.SmdpOID):
		return fmt.Errorf("smdp_oid: %q: want an OID's DER contents in hex", r.SmdpOID)
	case !isHost(r.Address):
		return fmt.Errorf("address: %q is not an SM-DP+ address", r.Address)
	case len(r.Operator) > maxNotifAddressLen:
		return fmt.Errorf("operator: %d bytes, at most %d", len(r.Operator), maxNotifAddressLen)
	case r.ICCID != "" && !ident.IsICCID(r.ICCID):
		return fmt.Errorf("iccid: %q is not an ICCID", r.ICCID)
	case r.Command < es10.BPPCmdInitialiseSecureChannel || r.Command > es10.BPPCmdLoadProfileElements:
		return fmt.Errorf("command: %d is not a bppCommandId (%d..%d)", r.Command, es10.BPPCmdInitialiseSecureChannel, es10.BPPCmdLoadProfileElements)
	}
	return nil
}

// isOIDContents reports whether s is the hex of an OID's DER contents:
// 1 to 64 bytes, the last one ending a sub-identifier.
func isOIDContents(s string) bool {
	b, err := hex.DecodeString(s)
	return err == nil && len(b) >= 1 && len(b) <= 64 && b[len(b)-1]&0x80 == 0
}
