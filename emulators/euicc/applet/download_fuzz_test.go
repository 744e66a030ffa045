package applet

import (
	"testing"
)

// FuzzDownloadAnswers feeds arbitrary platform and ES9+ bodies and ES10
// responses at every download step: the applet must never panic, its state
// must stay valid, and each step ends in a next request, or in the
// attempt's failure (the list goes on) with the mode left.
func FuzzDownloadAnswers(f *testing.F) {
	f.Add(0, 200, []byte(`{"smdp_address":"a","matching_id":"b"}`), []byte{0xBF, 0x2E, 0x12, 0x80, 0x10})
	f.Add(3, 200, []byte(`{"header":{"functionExecutionStatus":{"status":"Executed-Success"}},"transactionId":"01","serverSigned1":"MAA="}`), []byte{})
	f.Add(8, 204, []byte{}, []byte{0xBF, 0x37, 0x00})
	f.Add(7, 200, []byte(`{"header":{"functionExecutionStatus":{"status":"Executed-Success"}},"boundProfilePackage":"vzYA"}`), []byte{0xBF, 0x21, 0x00})
	f.Fuzz(func(t *testing.T, step, status int, body, resp []byte) {
		s := DownloadSteps[uint(step)%uint(len(DownloadSteps))]
		p := Profile{ICCID: "89330100000000000012", Operator: "orange-fr", HomePLMN: "20801"}
		kind := answerHTTP
		if es10Step(s) {
			kind = answerES10
		}
		st := State{Version: StateVersion, Profiles: testProfiles(), Home: "89860000000000000019", Mode: ModeAttemptDownloading,
			LastReq: 5, InFlight: []Request{{ID: 5, Answer: kind, Owner: ownerDownload}}, Online: true,
			Cycle: &Cycle{Trigger: TriggerList, Area: "208", Original: "89860000000000000019", Ops: []ListOperator{{ID: "orange-fr", PLMN: "20801"}},
				Next: 1, Tried: []string{"orange-fr"}, Attempts: 1, Current: "orange-fr",
				Download: &Download{Operator: "orange-fr", PLMN: "20801", Step: s, SMDP: "smdp.orange.test", TxID: "0102", Profile: &p,
					Segments: [][]byte{{0xBF, 0x36, 0x00}, {0xA0, 0x00}}}}}
		if err := st.Validate(); err != nil {
			t.Fatal(err)
		}
		a := New(testCfg, st)
		w := &watch{lastReq: 5}
		if kind == answerES10 {
			w.step(t, a, ES10Result{ReqID: 5, Resp: resp, SW: uint16(status)})
		} else {
			w.step(t, a, HTTPResult{ReqID: 5, Status: status, Body: body})
		}
		// Whatever happened, the next answers may follow.
		for i := 0; i < 4; i++ {
			w.step(t, a, ES10Result{ReqID: a.st.LastReq, Resp: resp, SW: 0x9000})
			w.step(t, a, HTTPResult{ReqID: a.st.LastReq, Status: 200, Body: body})
		}
	})
}
