package stk

// Facility is one bit of the TERMINAL PROFILE (TS 102 223 §5.2): byte
// number (from 1) and bit number (1..8) as the clause numbers them.
type Facility struct{ Byte, Bit int }

// Facilities this rig's terminal announces or the card checks.
var (
	FacProfileDownload = Facility{1, 1}
	FacTimerExpiration = Facility{1, 6}
	FacCommandResult   = Facility{2, 1}
	FacPollInterval    = Facility{3, 6}
	FacPollingOff      = Facility{3, 7}
	FacRefresh         = Facility{3, 8}
	FacPLILocation     = Facility{4, 7} // MCC, MNC, LAC, Cell ID and IMEI
	FacPLINMR          = Facility{4, 8} // GERAN's NMR
	// FacPLINMRUTRANEUTRAN is NMR of UTRAN and E-UTRAN (TS 31.111 §5.2,
	// byte 23 b7; Wireshark's "PROVIDE LOCAL INFORMATION (NMR(UTRAN/
	// E-UTRAN))"): the measurement qualifier form an LTE terminal answers.
	FacPLINMRUTRANEUTRAN   = Facility{23, 7}
	FacSetUpEventList      = Facility{5, 1}
	FacEventLocationStatus = Facility{5, 5}
	FacEventDataAvailable  = Facility{6, 3}
	FacEventChannelStatus  = Facility{6, 4}
	FacTimerStartStop      = Facility{8, 1}
	FacTimerGetValue       = Facility{8, 2}
	FacPLIDateTime         = Facility{8, 3} // date, time and time zone
	FacPLILanguage         = Facility{9, 4}
	FacPLIAccessTech       = Facility{9, 8}
	FacOpenChannel         = Facility{12, 1}
	FacCloseChannel        = Facility{12, 2}
	FacReceiveData         = Facility{12, 3}
	FacSendData            = Facility{12, 4}
	FacGetChannelStatus    = Facility{12, 5}
	FacBearerGPRS          = Facility{13, 2}
	FacNoDisplay           = Facility{14, 6} // a headless module: the card sends it no DISPLAY TEXT
	FacNoKeypad            = Facility{14, 7}
	FacTCPClientRemote     = Facility{17, 1}
	FacBearerEUTRAN        = Facility{17, 7}
	FacRefreshEUICCProfile = Facility{34, 6}
)

// TerminalProfile is the TERMINAL PROFILE data (TS 102 223 §5.2).
type TerminalProfile []byte

// NewTerminalProfile sets the given facilities and the number of BIP
// channels (byte 13 bits 6-8, 0..7); it is as long as the highest byte set.
func NewTerminalProfile(channels int, fs ...Facility) TerminalProfile {
	p := make(TerminalProfile, 13)
	for _, f := range fs {
		if f.Byte < 1 || f.Bit < 1 || f.Bit > 8 {
			continue
		}
		for len(p) < f.Byte {
			p = append(p, 0)
		}
		p[f.Byte-1] |= 1 << (f.Bit - 1)
	}
	p[12] = p[12]&0x1F | byte(min(max(channels, 0), 7))<<5
	return p
}

// Without returns a copy of p with the facilities fs cleared.
func (p TerminalProfile) Without(fs ...Facility) TerminalProfile {
	q := append(TerminalProfile(nil), p...)
	for _, f := range fs {
		if f.Byte >= 1 && f.Byte <= len(q) && f.Bit >= 1 && f.Bit <= 8 {
			q[f.Byte-1] &^= 1 << (f.Bit - 1)
		}
	}
	return q
}

// Has reports whether facility f is announced.
func (p TerminalProfile) Has(f Facility) bool {
	if f.Byte < 1 || f.Byte > len(p) || f.Bit < 1 || f.Bit > 8 {
		return false
	}
	return p[f.Byte-1]&(1<<(f.Bit-1)) != 0
}

// Channels returns the number of BIP channels announced.
func (p TerminalProfile) Channels() int {
	if len(p) < 13 {
		return 0
	}
	return int(p[12] >> 5)
}
