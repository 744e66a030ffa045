// Package stkterm is the terminal (ME) side of SIM Toolkit, TS 102 223 and
// TS 31.111: it downloads the terminal profile, fetches and runs the card's
// proactive commands (TIMER MANAGEMENT on the virtual clock, PROVIDE LOCAL
// INFORMATION, SET UP EVENT LIST, OPEN/SEND/RECEIVE/CLOSE CHANNEL over real
// TCP, REFRESH) and sends envelopes (timer expiration, event download).
package stkterm

// Card is the raw card: one APDU in, one response (data + SW1 SW2) out.
type Card interface {
	Transmit(apdu []byte) []byte
}

// Service is the terminal's service state (TS 102 223 §8.27).
type Service byte

const (
	NormalService  Service = 0x00
	LimitedService Service = 0x01
	NoService      Service = 0x02
)

// Cell is one visible cell as the terminal measures it.
type Cell struct {
	PLMN   string // MCC+MNC, e.g. "20801"
	TAC    uint16
	CellID uint32 // 28-bit E-UTRAN cell identity
	RSRP   int    // dBm
}

// Location is what the terminal knows of its radio situation.
type Location struct {
	Service Service
	Serving Cell   // valid unless Service == NoService
	Visible []Cell // strongest first
}

// Host is what the terminal needs from the modem it runs in.
type Host interface {
	// Location returns the current registration and measurements.
	Location() Location
	// IMEI returns the device's IMEI, 15 digits with the check digit (the
	// one +CGSN answers).
	IMEI() string
	// DataReady reports whether a packet-data bearer is available (registered
	// home or roaming); OPEN CHANNEL fails without one.
	DataReady() bool
	// Refresh performs a REFRESH of the given qualifier (TS 102 223 §6.4.7):
	// for UICC reset the modem detaches, resets the card, restarts the
	// terminal and re-attaches. It is called from inside proactive-command
	// handling, so the modem must defer the work (Loop.Post).
	Refresh(qualifier byte)
}
