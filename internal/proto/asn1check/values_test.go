package asn1check

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/internal/codec/tlv"
	"github.com/esimhil/esimhil/internal/proto/es10"
	"github.com/esimhil/esimhil/internal/proto/saip"
)

// saipValues are profile packages as the SM-DP+ builds them (its inputs:
// names, IMSI, secrets derived from the ICCID), each element checked as a
// ProfileElement, and the EUICCResponse of a refused package.
func saipValues(t *testing.T, rec *recorder) {
	for i, p := range []saip.Profile{
		{ICCID: newICC, ProfileType: newName, IMSI: newIMSI, MNCLen: 2, SPN: newName, OperatorPLMNs: []string{"20801"}},
		{ICCID: "8944200000000000009", ProfileType: "three digit MNC", IMSI: "310150123456789", MNCLen: 3, SPN: "AT&T",
			MSISDN: "15551234567", OperatorPLMNs: []string{"310150", "310410"}, EHPLMNs: []string{"310150", "311180"}},
	} {
		ki, opc := sha256.Sum256([]byte("Ki"+p.ICCID)), sha256.Sum256([]byte("OPc"+p.ICCID))
		p.PIN1, p.PUK1, p.ADM1, p.Ki, p.OPc = "0000", "12345678", "88888888", ki[:16], opc[:16]
		pkg, err := saip.Build(p)
		if err != nil {
			t.Fatal(err)
		}
		rec.on("ProfileElement", field("header.major-version", "2"), field("header.minor-version", "3"), field("header.profileType", p.ProfileType),
			exists("header.eUICC-Mandatory-services.usim"), exists("header.eUICC-Mandatory-services.milenage"))
		var last []byte
		for n, rest := 0, pkg; len(rest) > 0; n++ {
			obj, r, err := tlv.ParseOne(rest)
			if err != nil {
				t.Fatalf("package %d element %d: %v", i, n, err)
			}
			el := rest[:len(rest)-len(r)]
			var checks []check
			if obj.Tag == saip.TagOptUSIM && len(p.EHPLMNs) > 0 {
				// EF EHPLMN at ef-ehplmn ([58], BF 3A), not a neighbour.
				checks = append(checks, exists("opt-usim.ef-ehplmn"))
			}
			rec.add(fmt.Sprintf("SM-DP+ profile package %d element %d (%X)", i, n, obj.Tag), "ProfileElement", el, checks...)
			last, rest = el, r
		}
		if i > 0 {
			continue
		}
		// Without its End element the card refuses the package.
		_, err = saip.Parse(pkg[:len(pkg)-len(last)])
		var pe *saip.PEError
		if !errors.As(err, &pe) {
			t.Fatalf("a package without End: %v", err)
		}
		rec.add("card's EUICCResponse to a package without End", "EUICCResponse", pe.Response().Encode(), exists("profileInstallationAborted"))
	}
}

// encoderValues are structures the flows above do not carry in every form
// (the encrypted ES8+ commands, optional fields the rig's data leaves
// out), made with the encoders the card and the SM-DP+ use.
func encoderValues(t *testing.T, rec *recorder) {
	ppr := es10.BitsOf(es10.PPR1, es10.PPR2)
	key := make([]byte, 16)
	for _, v := range []value{
		{name: "SM-DP+ ConfigureISDP (inside 87)", pdu: "ConfigureISDPRequest", b: es10.ConfigureISDPRequest()},
		{name: "SM-DP+ ReplaceSessionKeys (inside 87)", pdu: "ReplaceSessionKeysRequest", b: es10.ReplaceSessionKeys{MCV: key, ENC: key, MAC: key}.Encode()},
		{name: "StoreMetadata with every optional field", pdu: "StoreMetadataRequest", b: es10.ProfileMetadata{ICCID: newICC, ServiceProviderName: "SP",
			ProfileName: "P", Icon: &es10.Icon{Type: 1, Data: []byte{0x89, 0x50, 0x4E, 0x47}}, Class: es10.ClassTest,
			NotificationConfig: []es10.NotificationConfig{{Events: es10.Events(es10.EventInstall), Address: dpHost}},
			Owner:              &es10.OperatorID{PLMN: "310150"}, PPR: &ppr}.Encode(),
			checks: []check{field("profileClass", "0"), field("notificationConfigurationInfo.NotificationConfigurationInformation.notificationAddress", dpHost)}},
		{name: "ProfileInfoList error", pdu: "ProfileInfoListResponse", b: es10.EncodeProfileInfoList(nil, nil, 1), checks: []check{field("profileInfoListError", "1")}},
		{name: "ProfileInfo with icon, class test and rules", pdu: "ProfileInfoListResponse",
			b: es10.EncodeProfileInfoList([]es10.ProfileInfo{{ICCID: newICC, State: es10.StateDisabled, ProfileName: "P",
				Icon: &es10.Icon{Type: 0, Data: []byte{0xFF, 0xD8}}, Class: es10.ClassTest, PPR: &ppr, Owner: &es10.OperatorID{PLMN: "20801"}}}, es10.DefaultInfoTags, 0),
			checks: []check{field("profileInfoListOk.ProfileInfo.profileClass", "0")}},
		{name: "RetrieveNotificationsList with nothing", pdu: "RetrieveNotificationsListResponse", b: es10.EncodeRetrieveNotificationsListResponse(nil, 1)},
		{name: "a rules authorisation table", pdu: "GetRatResponse", b: es10.EncodeRAT([]es10.PolicyRule{{PPRs: es10.BitsOf(es10.PPR1),
			AllowedOperators: []es10.OperatorID{{PLMN: "20801"}}, ConsentRequired: true}})},
		{name: "ctxParams1 with every capability", pdu: "CtxParams1", b: es10.CtxParams1{MatchingID: "M", DeviceInfo: es10.DeviceInfoFor(imei,
			es10.DeviceCapabilities{GSM: es10.Version{8, 0, 0}, UTRAN: es10.Version{8, 0, 0}, CDMA1x: es10.Version{1, 0, 0}, CDMAHRPD: es10.Version{1, 0, 0},
				CDMAeHRPD: es10.Version{2, 0, 0}, EUTRAN: es10.Version{15, 0, 0}, Contactless: es10.Version{9, 0, 0}, RSPCRL: es10.Version{2, 0, 0},
				RSPRPM: es10.Version{2, 0, 0}})}.Encode()},
		{name: "memory reset of every kind", pdu: "EuiccMemoryResetRequest", b: es10.EuiccMemoryResetRequest(es10.BitsOf(0, 1, 2))},
	} {
		rec.add("encoder: "+v.name, v.pdu, v.b, v.checks...)
	}
}

// extensionPDU names the module type of each X.509 extension the test PKI
// writes (RFC 5280 §4.2.1); others are counted as unchecked.
var extensionPDU = map[string]string{
	"2.5.29.14": "SubjectKeyIdentifier",
	"2.5.29.35": "AuthorityKeyIdentifier",
	"2.5.29.15": "KeyUsage",
	"2.5.29.32": "CertificatePolicies",
	"2.5.29.17": "SubjectAltName",
	"2.5.29.19": "BasicConstraints",
	"2.5.29.30": "NameConstraints",
	"2.5.29.37": "ExtKeyUsageSyntax",
	"2.5.29.31": "CRLDistributionPoints",
}

// certificates checks every certificate of the test PKI and the contents
// of their extensions.
func certificates(t *testing.T, rec *recorder, r *rig) {
	certs := map[string][]byte{"CI": r.pki.CI.DER, "EUM": r.pki.EUM.DER, "eUICC": r.pki.EUICC[eid].DER}
	for op, c := range r.pki.SMDP {
		certs["SM-DP+ "+op+" auth"], certs["SM-DP+ "+op+" pb"], certs["SM-DP+ "+op+" TLS"] = c.Auth.DER, c.PB.DER, c.TLS.DER
	}
	unchecked := map[string]bool{}
	for name, der := range certs {
		rec.add("certificate "+name, "Certificate", der, exists("tbsCertificate.extensions"))
		c, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, e := range c.Extensions {
			pdu, ok := extensionPDU[e.Id.String()]
			if !ok {
				unchecked[e.Id.String()] = true
				continue
			}
			rec.add(fmt.Sprintf("certificate %s extension %s", name, e.Id), pdu, e.Value)
		}
	}
	if len(unchecked) > 0 {
		t.Logf("extensions without a module type here (outer structure checked only): %v", keys(unchecked))
	}
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// refusals hold the check to what it must refuse, so that a green run
// means something: each value breaks one rule.
func refusals(t *testing.T, d *decoder) {
	for _, c := range []struct{ name, pdu, hex, want string }{
		{"trailing byte", "GetEuiccDataRequest", "BF3E035C015A00", "trailing"},
		{"long-form length for 3 bytes", "GetEuiccDataRequest", "BF3E81035C015A", "not DER"},
		{"indefinite length", "GetEuiccDataRequest", "BF3E805C015A0000", "not DER"},
		{"BOOLEAN TRUE as 01", "EnableProfileRequest", "BF3111A00C5A0A98331000000000000021810101", "not DER"},
		{"INTEGER with a leading zero", "EnableProfileResponse", "BF310480020000", "not DER"},
		{"INTEGER DEFAULT present", "ProfileInfo", "E303950102", "DEFAULT"},
		{"INTEGER DEFAULT present in the metadata", "StoreMetadataRequest", "BF25135A0A98331000000000000021910092009501" + "02", "DEFAULT"},
		{"OCTET STRING DEFAULT present (lcsi 05)", "Fcp", "30038A0105", "DEFAULT"},
		{"BOOLEAN DEFAULT present (critical FALSE)", "Extension", "300A0603551D0F0101000400", "DEFAULT"},
		{"named bits with a trailing zero bit", "EuiccMemoryResetRequest", "BF340482020480", "named-bit"},
		{"unused bits not zero", "EuiccMemoryResetRequest", "BF340482020581", "not DER"},
		{"EID of 15 bytes", "GetEuiccDataResponse", "BF3E115A0F890490321234512345123456789012", "constraint"},
		{"unknown component (a later release's)", "EnableProfileRequest", "BF3114A00C5A0A983310000000000000218101FF850100", "not DER"},
		{"OID where the module has [1]", "EuiccCancelSessionSigned", "300B800101060388370A810100", "BER"},
	} {
		_, err := d.check(c.pdu, hexdump(t, c.hex))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %s %s: got %v, want an error with %q", c.name, c.pdu, c.hex, err, c.want)
		}
	}
}

func hexdump(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestModuleDefaultsTranscribed pins the DEFAULTs of SGP.22 v2.2.2's
// RSPDefinitions in our transcription of it. The DEFAULT check (asn1c's
// tables and check.c's own) knows only the DEFAULTs the module declares:
// StoreMetadataRequest's profileClass, transcribed as OPTIONAL, let the
// SM-DP+ send 95 01 02 (operational) in every bound profile package
// unnoticed until a strict peer refused it.
func TestModuleDefaultsTranscribed(t *testing.T) {
	got := map[string]string{}
	for _, d := range moduleDefaults(t) {
		got[d.typ+"."+d.member] = fmt.Sprintf("%X", d.value)
	}
	for _, c := range []struct{ field, value string }{
		{"ProfileInfo.profileClass", "02"},          // operational
		{"StoreMetadataRequest.profileClass", "02"}, // operational
	} {
		if v, ok := got[c.field]; !ok || v != c.value {
			t.Errorf("%s: DEFAULT %q in the module, want %s", c.field, v, c.value)
		}
	}
}
