package fleet

import (
	"strings"
	"testing"
)

func TestBenchSize(t *testing.T) {
	const env = "ESIMHIL_BENCH_FLEET_MEM"
	for _, tc := range []struct {
		value string
		want  int // 0: refused
	}{
		{"", 10000},
		{"200", 200},
		{"1", 1},
		{"1000000", 1000000},
		{"0", 0},
		{"-5", 0},
		{"abc", 0},
		{"1e4", 0},
		{" 200", 0},
		{"99999999999999999999", 0},
		{"2000000", 0},
	} {
		n, err := benchSize(env, tc.value, 10000)
		switch {
		case tc.want == 0 && (err == nil || !strings.Contains(err.Error(), env+`="`+tc.value+`"`) || !strings.Contains(err.Error(), "from 1 to 1000000")):
			t.Errorf("%s=%q: %d, %v; want it refused, naming the variable, the value and what is wanted", env, tc.value, n, err)
		case tc.want != 0 && (err != nil || n != tc.want):
			t.Errorf("%s=%q: %d, %v; want %d", env, tc.value, n, err, tc.want)
		}
	}
}

func TestBenchVerdict(t *testing.T) {
	// healthy is a storm of 3 devices that passes: 2 notes to the
	// platform and 1 to the SM-DP+, each in its server's log.
	healthy := func() *Result {
		return &Result{
			Devices:        3,
			Outcomes:       map[string]int{Switched: 3},
			CardToPlatform: map[string]int{"e1|switch": 1, "e2|switch": 1},
			PlatformLog:    map[string]int{"e1|switch": 1, "e2|switch": 1},
			CardToSMDP:     map[string]int{"sfr|install": 1},
			SMDPLog:        map[string]int{"sfr|install": 1},
		}
	}
	for _, tc := range []struct {
		name    string
		edit    func(*Result)
		checked int
		err     string // a part of the error, "" for a pass
	}{
		{"healthy", func(*Result) {}, 3, ""},
		{"a note lost", func(r *Result) { r.PlatformLog["e2|switch"] = 0 }, 3, "1 notifications lost"},
		{"a device failed", func(r *Result) { r.Outcomes = map[string]int{Switched: 2, Failed: 1} }, 3, "1 of 3 devices failed"},
		// What Lost alone, the benchmark's old check, let pass:
		{"notes undelivered or dropped after a 4xx", func(r *Result) { r.UndeliveredPlatform, r.DroppedPlatform = 5, 2 }, 3, "5 notifications undelivered"},
		{"extra entries in the log", func(r *Result) { r.LogExtra = 3 }, 3, "the platform's log holds 3 notification entries no card's request made"},
		{"notes dropped from full outboxes", func(r *Result) { r.DroppedFull = 4 }, 3, "4 notifications dropped by their cards from full outboxes"},
		{"the platform's log unread", func(r *Result) { r.PlatformUnread = true }, 1, "platform log NOT CHECKED"},
		{"nothing acknowledged, nothing logged", func(r *Result) {
			r.CardToPlatform, r.PlatformLog, r.CardToSMDP, r.SMDPLog = map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}
		}, 0, "no notification checked: the cards of 3 devices"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := healthy()
			tc.edit(r)
			if n := notesChecked(r); n != tc.checked {
				t.Errorf("notesChecked = %d, want %d", n, tc.checked)
			}
			err := benchVerdict(r)
			switch {
			case tc.err == "" && err != nil:
				t.Errorf("benchVerdict = %v, want a pass", err)
			case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
				t.Errorf("benchVerdict = %v, want an error with %q", err, tc.err)
			}
		})
	}
}
