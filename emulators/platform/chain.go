package platform

import "github.com/esimhil/esimhil/emulators/rsp"

// verifyEUICC is the chain check the server uses: CI → EUM → eUICC at the
// platform's clock, key usage, and the EID inside the EUM's permitted range
// (SGP.22 §4.5.2.1); it returns the EID and the eUICC public key.
var verifyEUICC chainVerifier = rsp.VerifyEUICC
