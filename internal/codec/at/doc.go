// Package at is the AT command codec shared by the modem emulator and the
// harness client (3GPP TS 27.007, ITU-T V.250). It is layered like the
// warthog618/modem library: a Splitter frames command lines, Parse turns a
// line into Commands, an Encoder writes responses honouring ATV and +CMEE,
// and on the host side a LineReader frames response lines and Classify tells
// final result codes from information text. EscapeString,
// EscapeCommandString and UnescapeString code the inside of a V.250
// string constant (§5.4.2.2: '\' and two hex digits), for both sides.
// For the readers of a port's log: ParseLogLine reads a line of at.log,
// and ResultForm follows whether the modem answers in words or digits
// (ATV1/ATV0).
package at
