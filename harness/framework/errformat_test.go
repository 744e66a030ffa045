package framework

import (
	"errors"
	"fmt"
	"testing"

	"github.com/onsi/gomega"
	"github.com/onsi/gomega/format"
)

type wrapped struct {
	Op  string
	Err error
}

// A failure prints an error as its message once: no type line, no
// address, no insides, whether the error is the value, one inside a
// struct or a slice, or several lines long.
func TestErrorsPrintAsTheirMessage(t *testing.T) {
	key := format.RegisterCustomFormatter(errorFormatter)
	defer format.UnregisterCustomFormatter(key)
	base := errors.New("at: ERROR")
	err := fmt.Errorf("GetEuiccData: open ISD-R: AT+CCHO: %w", base)
	for _, tc := range []struct {
		name string
		msg  string
		want string
	}{
		{"HaveOccurred", failure(gomega.HaveOccurred(), err, true),
			"Unexpected error:\n    GetEuiccData: open ISD-R: AT+CCHO: at: ERROR\noccurred"},
		{"Succeed", failure(gomega.Succeed(), err, false),
			"Expected success, but got an error:\n    GetEuiccData: open ISD-R: AT+CCHO: at: ERROR"},
		{"two lines", failure(gomega.HaveOccurred(), errors.Join(err, errors.New("closing: EOF")), true),
			"Unexpected error:\n    GetEuiccData: open ISD-R: AT+CCHO: at: ERROR\n    closing: EOF\noccurred"},
		{"inside a struct", failure(gomega.BeNil(), wrapped{"open", err}, false),
			"Expected\n    <framework.wrapped>: {\n        Op: \"open\",\n        Err: GetEuiccData: open ISD-R: AT+CCHO: at: ERROR,\n    }\nto be nil"},
		{"no error", failure(gomega.Equal(2), 1, false), "Expected\n    <int>: 1\nto equal\n    <int>: 2"},
	} {
		if got := cleanErrors(tc.msg); got != tc.want {
			t.Errorf("%s:\n%s\nwant\n%s\n(raw %q)", tc.name, got, tc.want, tc.msg)
		}
	}
}

// failure is a matcher's failure message for actual.
func failure(m interface {
	FailureMessage(any) string
	NegatedFailureMessage(any) string
}, actual any, negated bool) string {
	if negated {
		return m.NegatedFailureMessage(actual)
	}
	return m.FailureMessage(actual)
}
