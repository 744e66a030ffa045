package world

import (
	"crypto/sha256"
	"fmt"
	"net/netip"
	"slices"
)

// PDNAddresses are the addresses the network gives a PDN connection: an
// IPv4 address and an IPv6 one (the /64 prefix the router advertisement
// carries with the interface identifier of the PDN address IE, TS 24.301
// §9.9.4.9), each invalid when that family was not asked for.
type PDNAddresses struct{ V4, V6 netip.Addr }

// PDNAddress is the address pair the subscriber imsi's PDN connection cid
// gets (TS 23.401 §5.3.1: the PDN GW allocates it at the connection's
// establishment). The connection is home routed, as roaming IoT
// subscriptions are: the home operator's PDN GW allocates from its pool.
// The pools are the operator's by its place in the world — IPv4 in
// 100.64.0.0/10 (RFC 6598, the carrier-grade NAT range), 100.(64+i).0.0/16;
// IPv6 in 2001:db8::/32 (RFC 3849, documentation), 2001:db8:i+1::/48 —
// and the address in it follows from the IMSI and cid: stable for a
// subscriber's connection, another for each cid, subscriber and operator.
// ok is false for an IMSI no operator of the world owns (one no network
// registers).
func (w *World) PDNAddress(imsi string, cid int) (PDNAddresses, bool) {
	i := w.homeIndex(imsi)
	if i < 0 {
		return PDNAddresses{}, false
	}
	// A digest spreads IMSIs that differ in a digit over the whole pool.
	b := sha256.Sum256(fmt.Appendf(nil, "%s/%d", imsi, cid))
	v4 := netip.AddrFrom4([4]byte{100, byte(64 + i%64), b[0], 1 + b[1]%254})
	var v6 [16]byte
	copy(v6[:], []byte{0x20, 0x01, 0x0d, 0xb8, byte((i + 1) >> 8), byte(i + 1), b[2], b[3]})
	copy(v6[8:], b[4:12])
	v6[15] |= 1 // never the all-zero interface identifier
	return PDNAddresses{V4: v4, V6: netip.AddrFrom16(v6)}, true
}

// homeIndex is the place in the world's operators of imsi's home
// operator, -1 for none.
func (w *World) homeIndex(imsi string) int {
	home, ok := w.HomePLMN(imsi)
	if !ok {
		return -1
	}
	return slices.IndexFunc(w.ops, func(o Operator) bool { return o.PLMN == home })
}
