package applet

import (
	"testing"
)

// FuzzDownloadAnswers feeds arbitrary platform and ES9+ bodies and ES10
// responses at every download step: the applet must never panic and must
// end each failed step with a download_result or go on with a request.
func FuzzDownloadAnswers(f *testing.F) {
	f.Add(0, 200, []byte(`{"smdp_address":"a","matching_id":"b"}`), []byte{0xBF, 0x2E, 0x12, 0x80, 0x10})
	f.Add(3, 200, []byte(`{"header":{"functionExecutionStatus":{"status":"Executed-Success"}},"transactionId":"01","serverSigned1":"MAA="}`), []byte{})
	f.Add(8, 204, []byte{}, []byte{0xBF, 0x37, 0x00})
	f.Add(5, 200, []byte(`{"header":{"functionExecutionStatus":{"status":"Executed-Success"}},"boundProfilePackage":"vzYA"}`), []byte{0xBF, 0x21, 0x00})
	steps := []string{dlPlatform, dlChallenge, dlInfo1, dlInitAuth, dlAuthServer, dlAuthClient, dlPrepare, dlGetBPP, dlLoad, dlHandleNotif, dlNotifSent, dlPlatformNote, dlCancelCard, dlCancelServer}
	f.Fuzz(func(t *testing.T, step, status int, body, resp []byte) {
		a := New(testCfg, State{Profiles: testProfiles()})
		p := Profile{ICCID: "89330100000000000019", Operator: "orange-fr", HomePLMN: "20801"}
		s := steps[uint(step)%uint(len(steps))]
		a.st.DL = &Download{Operator: "orange-fr", Step: s, Req: 5, SMDP: "smdp.orange.test", TxID: "0102", Profile: &p,
			Segments: [][]byte{{0xBF, 0x36, 0x00}, {0xA0, 0x00}}}
		if a.st.DL.es10Step() {
			a.Step(ES10Result{ReqID: 5, Resp: resp, SW: uint16(status)})
		} else {
			a.Step(HTTPResult{ReqID: 5, Status: status, Body: body})
		}
		// Whatever happened, a new step may follow without panicking.
		a.Step(ES10Result{ReqID: a.st.LastES10, Resp: resp, SW: 0x9000})
		a.Step(HTTPResult{ReqID: a.st.LastReqID, Status: 200, Body: body})
	})
}
