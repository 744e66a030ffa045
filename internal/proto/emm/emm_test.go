package emm

import "testing"

func TestInvalidatesUSIM(t *testing.T) {
	for cause, want := range map[int]bool{
		3: true, 6: true, 7: true, 8: true,
		0: false, 11: false, 13: false, 15: false, 17: false, 111: false,
	} {
		if got := InvalidatesUSIM(cause); got != want {
			t.Errorf("InvalidatesUSIM(%d) = %v, want %v", cause, got, want)
		}
	}
}
