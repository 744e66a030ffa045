package stk

// COMPREHENSION-TLV tag values (TS 101 220 §7.2, TS 102 223 §9.3), without
// the comprehension-required bit.
const (
	TagCommandDetails    = 0x01
	TagDeviceIdentities  = 0x02
	TagResult            = 0x03
	TagDuration          = 0x04
	TagAlphaIdentifier   = 0x05
	TagFileList          = 0x12
	TagLocationInfo      = 0x13
	TagIMEI              = 0x14
	TagNMR               = 0x16
	TagEventList         = 0x19
	TagLocationStatus    = 0x1B
	TagTimerID           = 0x24
	TagTimerValue        = 0x25
	TagDateTime          = 0x26
	TagLanguage          = 0x2D
	TagAID               = 0x2F
	TagBearerDescription = 0x35
	TagChannelData       = 0x36
	TagChannelDataLength = 0x37
	TagChannelStatus     = 0x38
	TagBufferSize        = 0x39
	TagTransportLevel    = 0x3C
	TagOtherAddress      = 0x3E
	TagAccessTechnology  = 0x3F
)

// Type of command (TS 102 223 §9.4).
const (
	CmdRefresh          = 0x01
	CmdPollInterval     = 0x03
	CmdPollingOff       = 0x04
	CmdSetUpEventList   = 0x05
	CmdProvideLocalInfo = 0x26
	CmdTimerManagement  = 0x27
	CmdOpenChannel      = 0x40
	CmdCloseChannel     = 0x41
	CmdReceiveData      = 0x42
	CmdSendData         = 0x43
)

// Time units of the duration object (TS 102 223 §8.8).
const (
	UnitMinutes = 0x00
	UnitSeconds = 0x01
	UnitTenths  = 0x02
)

// Command qualifiers (TS 102 223 §8.6).
const (
	// TIMER MANAGEMENT.
	TimerStart      = 0x00
	TimerDeactivate = 0x01
	TimerGetValue   = 0x02

	// PROVIDE LOCAL INFORMATION.
	PLILocation         = 0x00
	PLIIMEI             = 0x01
	PLINMR              = 0x02
	PLIDateTime         = 0x03 // date, time and time zone
	PLILanguage         = 0x04
	PLIAccessTechnology = 0x06

	// SEND DATA: bit 1 set sends the buffer immediately, clear stores it.
	SendImmediately = 0x01

	// OPEN CHANNEL: bit 1 set asks for immediate link establishment.
	OpenImmediate = 0x01

	// REFRESH.
	RefreshNAAInitFullFileChange = 0x00
	RefreshFileChange            = 0x01
	RefreshNAAInitFileChange     = 0x02
	RefreshNAAInit               = 0x03
	RefreshUICCReset             = 0x04
	RefreshNAAAppReset           = 0x05
	RefreshNAASessionReset       = 0x06
	RefreshEUICCProfileChange    = 0x09 // "eUICC Profile State Change" mode
)

// Device identities (TS 102 223 §8.7).
const (
	DevKeypad   = 0x01
	DevDisplay  = 0x02
	DevUICC     = 0x81
	DevTerminal = 0x82
	DevNetwork  = 0x83
	DevChannel1 = 0x21 // channel n is 0x20+n, n = 1..7
)

// ChannelDevice returns the device identity of BIP channel n (1..7).
func ChannelDevice(n byte) byte { return 0x20 | n&0x07 }

// General results (TS 102 223 §8.12).
const (
	ResultOK                 = 0x00
	ResultPartial            = 0x01
	ResultMissingInfo        = 0x02
	ResultLimitedService     = 0x06
	ResultModified           = 0x07
	ResultTerminalUnable     = 0x20
	ResultNetworkUnable      = 0x21
	ResultBeyondCapabilities = 0x30
	ResultTypeNotUnderstood  = 0x31
	ResultDataNotUnderstood  = 0x32
	ResultNumberNotKnown     = 0x33
	ResultValuesMissing      = 0x36
	ResultTimerContradiction = 0x24
	ResultBIPError           = 0x3A
)

// Additional information for ResultTerminalUnable (TS 102 223 §8.12.2).
const (
	UnableNoCause   = 0x00
	UnableBusy      = 0x02
	UnableNoService = 0x04
)

// Additional information for ResultBIPError (TS 102 223 §8.12.11).
const (
	BIPNoCause              = 0x00
	BIPNoChannel            = 0x01
	BIPChannelClosed        = 0x02
	BIPChannelIDInvalid     = 0x03
	BIPBufferSizeNotAvail   = 0x04
	BIPSecurityError        = 0x05
	BIPTransportNotAvail    = 0x06
	BIPRemoteNotReachable   = 0x07
	BIPServiceError         = 0x08
	BIPServiceIDUnknown     = 0x09
	BIPPortNotAvailable     = 0x10
	BIPLaunchParamsMissing  = 0x11
	BIPApplicationLaunchErr = 0x12
)

// Events of the event list (TS 102 223 §8.25).
const (
	EventMTCall         = 0x00
	EventLocationStatus = 0x03
	EventDataAvailable  = 0x09
	EventChannelStatus  = 0x0A
	EventAccessTech     = 0x0B
)

// Location status (TS 102 223 §8.27).
const (
	LocNormal  = 0x00
	LocLimited = 0x01
	LocNone    = 0x02
)

// Access technology (TS 102 223 §8.62).
const (
	AccessGSM    = 0x00
	AccessUTRAN  = 0x03
	AccessEUTRAN = 0x08
	AccessNGRAN  = 0x0A
)

// Bearer types (TS 102 223 §8.52).
const (
	BearerCSD           = 0x01
	BearerGPRS          = 0x02
	BearerDefault       = 0x03
	BearerEUTRANPackets = 0x0B
)

// Transport protocol types (TS 102 223 §8.59).
const (
	TransportUDPClientRemote = 0x01
	TransportTCPClientRemote = 0x02
	TransportTCPServer       = 0x03
	TransportUDPClientLocal  = 0x04
	TransportTCPClientLocal  = 0x05
)

// Type of address in Other address (TS 102 223 §8.58).
const (
	AddrIPv4 = 0x21
	AddrIPv6 = 0x57
)

// Channel status additional information (TS 102 223 §8.56).
const (
	ChannelNoInfo      = 0x00
	ChannelLinkDropped = 0x05
)

// Instruction bytes of the toolkit APDUs (TS 102 221 §10.1.2), CLA 80.
const (
	InsTerminalProfile  = 0x10
	InsFetch            = 0x12
	InsTerminalResponse = 0x14
	InsEnvelope         = 0xC2
)
