package align

import (
	"regexp"
	"strings"
	"testing"
)

// render writes an alignment as "=x", "~a/b", "-a", "+b" tokens.
func render(a, b []string, steps []Step) string {
	var out []string
	for _, s := range steps {
		switch s.Op {
		case Same:
			out = append(out, "="+a[s.A])
		case Changed:
			out = append(out, "~"+a[s.A]+"/"+b[s.B])
		case OnlyA:
			out = append(out, "-"+a[s.A])
		case OnlyB:
			out = append(out, "+"+b[s.B])
		}
	}
	return strings.Join(out, " ")
}

func TestLines(t *testing.T) {
	for _, tc := range []struct {
		name, a, b, want string
	}{
		{"equal", "x y z", "x y z", "=x =y =z"},
		{"both empty", "", "", ""},
		{"changed line", "x y z", "x Y z", "=x ~y/Y =z"},
		{"line missing from b", "x y z", "x z", "=x -y =z"},
		{"line only in b", "x z", "x y z", "=x +y =z"},
		{"a empty", "", "x y", "+x +y"},
		{"b empty", "x y", "", "-x -y"},
		{"two changes apart", "a b c d e", "a B c D e", "=a ~b/B =c ~d/D =e"},
		{"moved line", "a b c", "b c a", "-a =b =c +a"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, b := strings.Fields(tc.a), strings.Fields(tc.b)
			steps, err := Lines(a, b)
			if err != nil {
				t.Fatal(err)
			}
			if got := render(a, b, steps); got != tc.want {
				t.Errorf("Lines(%q, %q) = %q, want %q", tc.a, tc.b, got, tc.want)
			}
		})
	}
}

// TestLinesCoversBothSides: every line of each side appears exactly once,
// in order, whatever the input.
func TestLinesCoversBothSides(t *testing.T) {
	a := strings.Fields("a b c a b b a c c a")
	b := strings.Fields("c b a b a c a c b")
	steps, err := Lines(a, b)
	if err != nil {
		t.Fatal(err)
	}
	ia, ib := 0, 0
	for _, s := range steps {
		if s.A >= 0 {
			if s.A != ia {
				t.Fatalf("a index %d, want %d", s.A, ia)
			}
			ia++
		}
		if s.B >= 0 {
			if s.B != ib {
				t.Fatalf("b index %d, want %d", s.B, ib)
			}
			ib++
		}
	}
	if ia != len(a) || ib != len(b) {
		t.Fatalf("covered %d/%d and %d/%d lines", ia, len(a), ib, len(b))
	}
}

func TestLinesTooBig(t *testing.T) {
	n := 5000
	a, b := make([]string, n), make([]string, n)
	for i := range a {
		a[i], b[i] = "a", "b"
	}
	if _, err := Lines(a, b); err == nil || !strings.Contains(err.Error(), "too many to align") {
		t.Fatalf("err = %v, want too many to align", err)
	}
	// The same size with a common head and tail is cheap.
	for i := range b {
		b[i] = "a"
	}
	b[n/2] = "b"
	steps, err := Lines(a, b)
	if err != nil || len(steps) != n {
		t.Fatalf("%d steps, %v", len(steps), err)
	}
}

func TestMasks(t *testing.T) {
	ms := Masks{
		{Name: "eid", Pattern: regexp.MustCompile(`\b89\d{30}\b`)},
		{Name: "n", Pattern: regexp.MustCompile(`\d+`)},
	}
	got := ms.Apply("EID 89049032000001000000000000000171 seen 3 times")
	if want := "EID <eid> seen <n> times"; got != want {
		t.Errorf("Apply = %q, want %q", got, want)
	}
	// Keep: the first group stays before the name.
	keep := Masks{{Name: "location", Pattern: regexp.MustCompile(`^(\+CREG: \d,\d),.+$`), Keep: true}}
	if got, want := keep.Apply("+CREG: 2,1, 550014, 676"), "+CREG: 2,1<location>"; got != want {
		t.Errorf("Apply = %q, want %q", got, want)
	}
}

func FuzzLines(f *testing.F) {
	f.Add("a b c", "a c d")
	f.Add("", "x")
	f.Fuzz(func(t *testing.T, sa, sb string) {
		a, b := strings.Fields(sa), strings.Fields(sb)
		if len(a) > 200 || len(b) > 200 {
			return
		}
		steps, err := Lines(a, b)
		if err != nil {
			t.Fatal(err)
		}
		na, nb := 0, 0
		for _, s := range steps {
			if s.A >= 0 {
				na++
			}
			if s.B >= 0 {
				nb++
			}
			if s.Op == Same && a[s.A] != b[s.B] {
				t.Fatalf("Same step pairs %q with %q", a[s.A], b[s.B])
			}
		}
		if na != len(a) || nb != len(b) {
			t.Fatalf("covered %d of %d and %d of %d", na, len(a), nb, len(b))
		}
	})
}
