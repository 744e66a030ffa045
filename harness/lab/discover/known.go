package discover

// Known is one USB modem model: its ids, the USB interface that carries
// the AT command port, and the personality to try first.
type Known struct {
	Vendor, Product uint16
	Name            string
	// ATInterface is the bInterfaceNumber of the AT port (-1: not known
	// for this composition; the ports are probed instead).
	ATInterface int
	Personality string
}

// KnownModems are the USB compositions of common LTE modules, from the
// vendors' Linux USB guides and the kernel's option/qcserial tables. The
// AT port is the one ModemManager and LPAs use for +CCHO/+CGLA; the other
// interfaces carry diagnostics (DM), NMEA or PPP and answer no AT, or not
// reliably.
var KnownModems = []Known{
	{0x2c7c, 0x0125, "Quectel EC25/EG25-G", 2, "quectel-eg25"},
	{0x2c7c, 0x0121, "Quectel EC21/EG21-G", 2, "quectel-eg25"},
	{0x2c7c, 0x0296, "Quectel BG96", 2, "quectel-eg25"},
	{0x2c7c, 0x0800, "Quectel RM500Q", 2, "quectel-eg25"},
	{0x1e0e, 0x9001, "SIMCom SIM7500/SIM7600", 2, "simcom-a7600"},
	{0x1e0e, 0x9011, "SIMCom A7600/SIM7600 (RNDIS)", 4, "simcom-a7600"},
	{0x1199, 0x9091, "Sierra Wireless EM7511/EM7565", 3, "sierra-em7511"},
	{0x1199, 0x9071, "Sierra Wireless EM7455/MC7455", 3, "sierra-em7511"},
	{0x1546, 0x1342, "u-blox LARA-L6", -1, "ublox-sara-r5"},
	{0x1546, 0x1141, "u-blox TOBY-L2", -1, "ublox-sara-r5"},
	{0x1bc7, 0x1201, "Telit LE910C4", -1, "generic"},
	{0x1bc7, 0x110a, "Telit ME910G1", -1, "generic"},
	{0x2cb7, 0x0007, "Fibocom L850-GL", 2, "fibocom-l850"},
	{0x2cb7, 0x0104, "Fibocom FM150", -1, "fibocom-l850"},
}

// vendors name the USB vendor ids of modem makers, for a model not in
// KnownModems.
var vendors = map[uint16]string{
	0x2c7c: "Quectel", 0x1e0e: "SIMCom", 0x1199: "Sierra Wireless", 0x1546: "u-blox",
	0x1bc7: "Telit", 0x2cb7: "Fibocom",
}

func lookup(vid, pid uint16) (Known, bool) {
	for _, k := range KnownModems {
		if k.Vendor == vid && k.Product == pid {
			return k, true
		}
	}
	return Known{}, false
}
