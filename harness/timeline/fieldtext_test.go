package timeline

import "testing"

// An event's field is shown as its text: JSON's HTML escapes (\u003c for
// '<', \u0026 for '&') are for a document's script, not for a label the
// page escapes itself (outside tester t229: a nested value's "a & b" read
// "a \u0026 b").
func TestFieldTextShowsTheText(t *testing.T) {
	for _, tc := range []struct {
		in   any
		want string
	}{
		{map[string]any{"b": "<script>"}, `{"b":"<script>"}`},
		{map[string]any{"q": "a&b>c"}, `{"q":"a&b>c"}`},
		{[]any{map[string]any{"u": "x?y=1&z=2"}}, `[{"u":"x?y=1&z=2"}]`},
		{3.5, "3.5"},
		{true, "true"},
		{"plain", "plain"},
		{"two words", `"two words"`},
		{nil, "null"},
	} {
		if got := fieldText(tc.in); got != tc.want {
			t.Errorf("fieldText(%#v) = %s, want %s", tc.in, got, tc.want)
		}
	}
}
