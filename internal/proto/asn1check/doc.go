// Package asn1check holds the independent check of the rig's encodings: its
// tests compile the SGP.22 v2.2.2 RSPDefinitions module, the TCA
// PEDefinitions v2.3.1 module and the PKIX modules they import
// (testdata/*.asn, written from the standards, not from this code) with
// Debian's asn1c, build a small C decoder on the generated tables
// (testdata/check.c), and decode with it what the card, the SM-DP+, the
// card's applet and a host LPA really exchange in an emulated run: every
// ES10 request and response, the ES9+ bodies' binary members, the SAIP
// profile elements, the EUICCResponse and the certificates with their
// extensions. Each must decode completely, be DER, and say what was meant.
package asn1check
