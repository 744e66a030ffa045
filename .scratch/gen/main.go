package main

import (
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"os"

	"github.com/esimhil/esimhil/internal/proto/es10"
)

func main() {
	ci := []byte{0xF5, 0x41, 0x72, 0xBD, 0xF9, 0x8A, 0x95, 0xD6, 0x5C, 0xBE, 0xB8, 0x8A, 0x38, 0xA1, 0xC1, 0x1D, 0x80, 0x0A, 0x85, 0xC3}
	switch os.Args[1] {
	case "eid":
		fmt.Printf("%X\n", es10.EncodeEID(os.Args[2]))
	case "info2":
		fmt.Printf("%X\n", es10.EuiccInfo2{ProfileVersion: es10.Version{2, 3, 1}, SVN: es10.Version{2, 2, 2}, FirmwareVer: es10.Version{4, 6, 0},
			ExtCardResource: es10.ExtCardResource{InstalledApps: 3, FreeNVM: 290816, FreeVM: 8192},
			UICCCapability:  0, RSPCapability: 0, CiPKIDVerify: [][]byte{ci}, CiPKIDSign: [][]byte{ci}, Category: -1,
			PPVersion: es10.Version{0, 0, 1}, SASAccreditationNumber: "GI-BA-UP-0419"}.Encode())
	case "info1":
		fmt.Printf("%X\n", es10.EuiccInfo1{SVN: es10.Version{2, 2, 2}, CiPKIDVerify: [][]byte{ci}, CiPKIDSign: [][]byte{ci}}.Encode())
	case "addr":
		fmt.Printf("%X\n", es10.ConfiguredAddresses{DefaultDP: os.Args[2], RootDS: "lpa.ds.gsma.com"}.Encode())
	case "challenge":
		ch, _ := hex.DecodeString(os.Args[2])
		fmt.Printf("%X\n", es10.EncodeEuiccChallenge(ch))
	case "cserr":
		fmt.Printf("%X\n", es10.CancelSessionResponse{ErrorCode: 5}.Encode())
	case "authsrv":
		// A structurally real AuthenticateServer: the SM-DP+ certificate of
		// the test PKI, random-looking signature bytes.
		pemb, _ := os.ReadFile("fixtures/pki/smdp-sfr-auth.pem")
		blk, _ := pem.Decode(pemb)
		ch, _ := hex.DecodeString(os.Args[2])
		sig := make([]byte, 64)
		for i := range sig {
			sig[i] = byte(i*37 + 11)
		}
		r := es10.AuthenticateServerRequest{
			ServerSigned1: es10.ServerSigned1{TransactionID: []byte{0x4F, 0x1A, 0x22, 0x93, 0xC0, 0x7E, 0x55, 0x10, 0xD2, 0x8B, 0x3C, 0x91, 0x04, 0xEE, 0x6A, 0x37},
				EuiccChallenge: ch, ServerAddress: "smdp.sfr.test", ServerChallenge: []byte{0x91, 0x22, 0x0C, 0x7F, 0x3A, 0x5E, 0x10, 0x88, 0x41, 0xB2, 0x6D, 0x03, 0xE9, 0x17, 0x5A, 0xC4}},
			ServerSignature1: sig, CiPKIDToBeUsed: ci, ServerCertificate: blk.Bytes,
			CtxParams1: es10.CtxParams1{MatchingID: "MID-7741-0042", DeviceInfo: es10.DeviceInfoFor("866425031284116", es10.DeviceCapabilities{})},
		}
		fmt.Printf("%X\n", r.Encode())
	case "csreq":
		fmt.Printf("%X\n", es10.CancelSessionRequest{TransactionID: []byte{0x4F, 0x1A, 0x22, 0x93, 0xC0, 0x7E, 0x55, 0x10, 0xD2, 0x8B, 0x3C, 0x91, 0x04, 0xEE, 0x6A, 0x37}, Reason: 127}.Encode())
	}
}
