package transport

import (
	"context"
	"errors"
	"testing"
)

// WatchRefusals counts every ser2net refusal retried and notes each text
// once; other failures are not refusals.
func TestWatchRefusals(t *testing.T) {
	var first []string
	ctx, r := WatchRefusals(context.Background(), func(e *RefusedError) { first = append(first, e.Text) })
	retry, _ := ctx.Value(onRetryKey{}).(func(error))
	if r.String() != "" {
		t.Errorf("none yet: %q", r)
	}
	for _, err := range []error{
		&RefusedError{Text: "Device open failure"},
		errors.New("connection refused"),
		&RefusedError{Text: "Device open failure"},
		&RefusedError{Text: "Port's device already in use"},
	} {
		retry(err)
	}
	if r.Count() != 3 || r.String() != "ser2net refused 3 times" || len(first) != 2 {
		t.Errorf("count %d %q, first %q", r.Count(), r, first)
	}
}
