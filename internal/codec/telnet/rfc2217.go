package telnet

import (
	"encoding/binary"
	"fmt"
)

// COM-PORT-OPTION commands, client to server (RFC 2217 §3). A server
// answers each with the same command plus ServerOffset.
const (
	CPSignature         byte = 0
	CPSetBaudRate       byte = 1
	CPSetDataSize       byte = 2
	CPSetParity         byte = 3
	CPSetStopSize       byte = 4
	CPSetControl        byte = 5
	CPNotifyLineState   byte = 6
	CPNotifyModemState  byte = 7
	CPFlowSuspend       byte = 8
	CPFlowResume        byte = 9
	CPSetLineStateMask  byte = 10
	CPSetModemStateMask byte = 11
	CPPurgeData         byte = 12

	ServerOffset byte = 100
)

// SET-PARITY values.
const (
	ParityRequest byte = 0
	ParityNone    byte = 1
	ParityOdd     byte = 2
	ParityEven    byte = 3
	ParityMark    byte = 4
	ParitySpace   byte = 5
)

// SET-STOPSIZE values.
const (
	StopRequest byte = 0
	Stop1       byte = 1
	Stop2       byte = 2
	Stop15      byte = 3
)

// SET-CONTROL values (the ones a modem host uses).
const (
	ControlFlowRequest  byte = 0
	ControlFlowNone     byte = 1
	ControlFlowXonXoff  byte = 2
	ControlFlowHardware byte = 3
	ControlDTROn        byte = 8
	ControlDTROff       byte = 9
	ControlRTSOn        byte = 11
	ControlRTSOff       byte = 12
)

// Modem state bits (NOTIFY-MODEMSTATE, SET-MODEMSTATE-MASK).
const (
	ModemCD       byte = 0x80
	ModemRI       byte = 0x40
	ModemDSR      byte = 0x20
	ModemCTS      byte = 0x10
	ModemDeltaCD  byte = 0x08
	ModemTERI     byte = 0x04
	ModemDeltaDSR byte = 0x02
	ModemDeltaCTS byte = 0x01
)

// ComPort is one decoded COM-PORT-OPTION message.
type ComPort struct {
	Cmd   byte   // the command without ServerOffset
	Reply bool   // sent by the server (command + ServerOffset)
	Value []byte // the raw value, IACs undoubled
}

// Baud returns the value of a SET-BAUDRATE (4 bytes, network order).
func (c ComPort) Baud() (uint32, error) {
	if c.Cmd != CPSetBaudRate || len(c.Value) != 4 {
		return 0, fmt.Errorf("rfc2217: not a SET-BAUDRATE value: %s", c)
	}
	return binary.BigEndian.Uint32(c.Value), nil
}

// Byte returns the one-byte value of the other setting commands.
func (c ComPort) Byte() (byte, error) {
	if len(c.Value) != 1 {
		return 0, fmt.Errorf("rfc2217: want a one-byte value: %s", c)
	}
	return c.Value[0], nil
}

func (c ComPort) String() string {
	dir := "client"
	if c.Reply {
		dir = "server"
	}
	return fmt.Sprintf("%s %s % X", dir, cpName(c.Cmd), c.Value)
}

// Setting is the command and its value as on the wire, without the
// direction: "SET-CONTROL 02".
func (c ComPort) Setting() string { return fmt.Sprintf("%s % X", cpName(c.Cmd), c.Value) }

func cpName(c byte) string {
	names := [...]string{"SIGNATURE", "SET-BAUDRATE", "SET-DATASIZE", "SET-PARITY", "SET-STOPSIZE",
		"SET-CONTROL", "NOTIFY-LINESTATE", "NOTIFY-MODEMSTATE", "FLOWCONTROL-SUSPEND",
		"FLOWCONTROL-RESUME", "SET-LINESTATE-MASK", "SET-MODEMSTATE-MASK", "PURGE-DATA"}
	if int(c) < len(names) {
		return names[c]
	}
	return fmt.Sprintf("command %d", c)
}

// ParseComPort decodes the payload of an IAC SB 44 ... IAC SE.
func ParseComPort(payload []byte) (ComPort, error) {
	if len(payload) == 0 {
		return ComPort{}, fmt.Errorf("rfc2217: empty COM-PORT-OPTION subnegotiation")
	}
	c := ComPort{Cmd: payload[0], Value: payload[1:]}
	if c.Cmd >= ServerOffset {
		c.Cmd -= ServerOffset
		c.Reply = true
	}
	if c.Cmd > CPPurgeData {
		return ComPort{}, fmt.Errorf("rfc2217: unknown COM-PORT-OPTION command %d", payload[0])
	}
	want := map[byte]int{CPSetBaudRate: 4, CPSetDataSize: 1, CPSetParity: 1, CPSetStopSize: 1, CPSetControl: 1,
		CPNotifyLineState: 1, CPNotifyModemState: 1, CPSetLineStateMask: 1, CPSetModemStateMask: 1, CPPurgeData: 1}
	if n, ok := want[c.Cmd]; ok && len(c.Value) != n {
		return ComPort{}, fmt.Errorf("rfc2217: %s with %d value bytes, want %d", cpName(c.Cmd), len(c.Value), n)
	}
	return c, nil
}

// EncodeComPort encodes a client's COM-PORT-OPTION command (reply false)
// or a server's answer (reply true) as a whole subnegotiation.
func EncodeComPort(cmd byte, reply bool, value []byte) []byte {
	if reply {
		cmd += ServerOffset
	}
	return Subneg(OptComPort, append([]byte{cmd}, value...))
}

// SetBaudRate is the client's SET-BAUDRATE (0 asks for the current rate).
func SetBaudRate(baud uint32) []byte {
	return EncodeComPort(CPSetBaudRate, false, binary.BigEndian.AppendUint32(nil, baud))
}

// SetByte is a client's one-byte setting command (data size, parity, stop
// size, control, masks).
func SetByte(cmd, value byte) []byte { return EncodeComPort(cmd, false, []byte{value}) }
