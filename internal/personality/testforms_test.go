package personality

import (
	"reflect"
	"slices"
	"testing"
)

func TestTestFormVerdicts(t *testing.T) {
	type v = TestFormVerdict
	for _, tc := range []struct {
		name string
		conv []Exchange
		want []TestFormVerdict
	}{
		{"refused, the set form works later", []Exchange{
			{"AT+CGLA=?", "ERROR"}, {`AT+CGLA=1,10,"80CA005A00"`, "OK"},
		}, []v{{0, "+CGLA", true}}},
		{"refused, the set form works before", []Exchange{
			{`AT+CCHO="A0000005591010FFFFFFFF8900000100"`, "OK"}, {"at+ccho=?", "+CME ERROR: 4"},
		}, []v{{1, "+CCHO", true}}},
		{"refused, the read form works", []Exchange{
			{"AT+CFUN?", "OK"}, {"AT+CFUN=?", "ERROR"},
		}, []v{{1, "+CFUN", true}}},
		// A modem that lacks the command refuses every form of it.
		{"refused, the command fails too", []Exchange{
			{"AT+FOO=?", "ERROR"}, {"AT+FOO", "ERROR"},
		}, nil},
		{"refused, the command never sent", []Exchange{
			{"AT+CCHO=?", "ERROR"}, {"AT+CGLA=1,4,\"0070\"", "OK"},
		}, nil},
		{"answered", []Exchange{
			{"AT+CCHO=?", "OK"}, {"AT+CCHC=?", "ERROR"},
		}, []v{{0, "+CCHO", false}}},
		{"no final result", []Exchange{
			{"AT+CGLA=?", ""}, {"AT+CGLA=1,4,\"0070\"", "OK"},
		}, nil},
		// Which of the line's commands failed cannot be told; an OK
		// answers every one.
		{"compound lines", []Exchange{
			{"AT+CEREG=2;+CGLA=?", "ERROR"}, {"AT+CGLA=1,4,\"0070\"", "OK"}, {"AT+CEREG=2;+CCHO=?", "OK"},
		}, []v{{2, "+CCHO", false}}},
		{"not AT", []Exchange{{"+CGLA=?", "ERROR"}, {"AT+CGLA=1,4,\"0070\"", "OK"}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := TestFormVerdicts(tc.conv); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

// TestUnseenRefusals: a refused test form of a command the conversation
// shows neither working nor refused in another form is listed; one whose
// command works has its verdict instead, one whose command is refused
// says the modem lacks it.
func TestUnseenRefusals(t *testing.T) {
	for _, tc := range []struct {
		name     string
		conv     []Exchange
		want     []UnseenRefusal
		answered bool
	}{
		{"alone (lpac issue 300)", []Exchange{{"AT+CCHO=?", "ERROR"}}, []UnseenRefusal{{0, "+CCHO"}}, false},
		{"among answered test forms", []Exchange{{"AT+CSIM=?", "OK"}, {"AT+CCHO=?", "ERROR"}}, []UnseenRefusal{{1, "+CCHO"}}, true},
		{"its command works", []Exchange{{"AT+CGLA=?", "ERROR"}, {"AT+CGLA=1,10,\"80CA005A00\"", "OK"}}, nil, false},
		{"its command refused", []Exchange{{"AT+FOO=?", "ERROR"}, {"AT+FOO", "ERROR"}}, nil, false},
		{"on a line of several", []Exchange{{"AT+CCHO=?;+CGLA=?", "ERROR"}}, nil, false},
		{"no final result", []Exchange{{"AT+CCHO=?", ""}}, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, answered, _ := UnseenRefusals(tc.conv)
			if !slices.Equal(got, tc.want) || answered != tc.answered {
				t.Errorf("UnseenRefusals = %v, %v; want %v, %v", got, answered, tc.want, tc.answered)
			}
		})
	}
}
