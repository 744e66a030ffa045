// Package dissectorports names the TCP ports of Linux's ephemeral range
// (32768–60999) that Wireshark hands to a protocol dissector of its own
// (EtherCAT, IRC, ADS/AMS, …). Wireshark tries a connection's lower port
// first and a registered port wins over its HTTP and TLS heuristics, so a
// platform exchange on such a port reads as a malformed EtherCAT frame and
// drops out of `tshark -Y http`. The servers never listen on one, and the
// capture tap writes a client's one as a stand-in port.
package dissectorports

// taken are tshark 4.0's tcp.port registrations in 32768–60999 (`tshark
// -G decodes`; TestTakenIsWiresharks checks them against the installed one).
var taken = [...]uint16{34980, 44321, 44322, 44818, 48049, 48898, 57000}

// standInBase is where stand-ins start: past the ephemeral range, where
// Wireshark registers nothing and the kernel gives no client port.
const standInBase = 61000

// Taken reports whether Wireshark dissects port as a protocol of its own.
func Taken(port uint16) bool {
	_, ok := StandIn(port)
	return ok
}

// StandIn gives the port a synthesized frame shows instead of a taken one,
// one per taken port; ok is false for a port that is not taken.
func StandIn(port uint16) (uint16, bool) {
	for i, p := range taken {
		if p == port {
			return standInBase + uint16(i), true
		}
	}
	return 0, false
}
