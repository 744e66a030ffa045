package applet

import (
	"bytes"
	"math"
	"reflect"
	"strings"
	"testing"
)

// byteSource hands out the fuzzer's bytes one at a time, then zeros.
type byteSource struct{ b []byte }

func (s *byteSource) next() byte {
	if len(s.b) == 0 {
		return 0
	}
	c := s.b[0]
	s.b = s.b[1:]
	return c
}

// fill sets v from src, every field of every type State uses, drawn from
// a few values each so that two fills are often equal: strings "", "a",
// "b" (and, with bad, two that are not UTF-8 and encode alike); numbers
// 0, 1, 2 (and -0); slices nil, empty, one or two elements; pointers nil
// or set.
func fill(v reflect.Value, src *byteSource, bad bool) {
	switch v.Kind() {
	case reflect.String:
		ss := []string{"", "a", "b", "\xff", "a\xfe"}
		if !bad {
			ss = ss[:3]
		}
		v.SetString(ss[int(src.next())%len(ss)])
	case reflect.Bool:
		v.SetBool(src.next()%2 == 1)
	case reflect.Int, reflect.Int64:
		v.SetInt(int64(src.next() % 3))
	case reflect.Uint8, reflect.Uint64:
		v.SetUint(uint64(src.next() % 3))
	case reflect.Float64:
		f := float64(src.next()%4) / 2
		if f == 1.5 {
			f = math.Copysign(0, -1)
		}
		v.SetFloat(f)
	case reflect.Pointer:
		if src.next()%3 == 0 {
			v.SetZero()
			return
		}
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem(), src, bad)
	case reflect.Slice:
		n := int(src.next() % 4)
		if n == 0 {
			v.SetZero()
			return
		}
		v.Set(reflect.MakeSlice(v.Type(), n-1, n-1))
		for i := range n - 1 {
			fill(v.Index(i), src, bad)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			fill(v.Field(i), src, bad)
		}
	default:
		panic("fill: no case for " + v.Type().String())
	}
}

func durableJSONEqual(a, b State) bool {
	return bytes.Equal(mustJSON(a.durable()), mustJSON(b.durable()))
}

func checkDurableEqual(t *testing.T, a, b State) {
	t.Helper()
	da, db := a.durable(), b.durable()
	if got, want := durableEqual(&da, &db), durableJSONEqual(a, b); got != want {
		t.Errorf("durableEqual = %v, equal JSON = %v\n a: %s\n b: %s", got, want, mustJSON(da), mustJSON(db))
	}
}

// checkDurableChanged: Step persists a state exactly when its durable JSON
// is not the last persisted one's, and what it keeps to compare with
// encodes as the state did.
func checkDurableChanged(t *testing.T, a, saved State) {
	t.Helper()
	da, ds := a.durable(), durableCopy(saved)
	got, plain := durableChanged(&da, &ds, plainDurable(&ds))
	if want := !durableJSONEqual(a, saved); got != want {
		t.Errorf("durableChanged = %v, JSON changed = %v\n a: %s\n saved: %s", got, want, mustJSON(da), mustJSON(ds))
	}
	if got && plain != plainDurable(&da) {
		t.Errorf("durableChanged says the state is plain: %v, plainDurable: %v", plain, !plain)
	}
	if !bytes.Equal(mustJSON(ds), mustJSON(saved.durable())) {
		t.Errorf("durableCopy encodes as %s, the state as %s", mustJSON(ds), mustJSON(saved.durable()))
	}
}

// FuzzDurableEqual: two states are durableEqual exactly when their
// durable JSON is the same, strings UTF-8; whatever the strings,
// durableChanged is whether the JSON changed (Step's persistence hangs on
// it).
func FuzzDurableEqual(f *testing.F) {
	f.Add([]byte{}, []byte{})
	f.Add([]byte{1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1},
		[]byte{1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 2})
	f.Add(bytes.Repeat([]byte{1}, 200), bytes.Repeat([]byte{1}, 200))
	f.Add(bytes.Repeat([]byte{2}, 200), bytes.Repeat([]byte{2}, 199))
	f.Fuzz(func(t *testing.T, x, y []byte) {
		var a, b State
		fill(reflect.ValueOf(&a).Elem(), &byteSource{x}, false)
		fill(reflect.ValueOf(&b).Elem(), &byteSource{y}, false)
		checkDurableEqual(t, a, b)
		checkDurableEqual(t, a, a.clone())
		checkDurableChanged(t, a, b)
		checkDurableChanged(t, a, a)
		fill(reflect.ValueOf(&a).Elem(), &byteSource{x}, true)
		fill(reflect.ValueOf(&b).Elem(), &byteSource{y}, true)
		checkDurableChanged(t, a, b)
		checkDurableChanged(t, b, a)
	})
}

// TestDurableCoversEveryField changes one leaf of a state with every
// pointer set and every slice of one element, for each leaf in turn, and
// each slice to nil, empty and two elements: durableEqual must tell the
// change exactly when the durable JSON does (a field it left out would
// lose a write).
func TestDurableCoversEveryField(t *testing.T) {
	full := func() State {
		var s State
		fill(reflect.ValueOf(&s).Elem(), &byteSource{bytes.Repeat([]byte{2}, 1000)}, false)
		return s
	}
	var paths [][]int // field and element indexes from State to a leaf or slice
	var walk func(v reflect.Value, path []int)
	walk = func(v reflect.Value, path []int) {
		switch v.Kind() {
		case reflect.Pointer:
			walk(v.Elem(), path)
		case reflect.Struct:
			for i := range v.NumField() {
				walk(v.Field(i), append(append([]int(nil), path...), i))
			}
		case reflect.Slice:
			paths = append(paths, path)
			if v.Type().Elem().Kind() != reflect.Uint8 {
				walk(v.Index(0), append(append([]int(nil), path...), -1))
			}
		default:
			paths = append(paths, path)
		}
	}
	walk(reflect.ValueOf(full()), nil)
	at := func(s *State, path []int) reflect.Value {
		v := reflect.ValueOf(s).Elem()
		for _, i := range path {
			for v.Kind() == reflect.Pointer {
				v = v.Elem()
			}
			if i < 0 {
				v = v.Index(0)
			} else {
				v = v.Field(i)
			}
		}
		return v
	}
	name := func(path []int) string {
		var b strings.Builder
		v := reflect.TypeOf(State{})
		for _, i := range path {
			for v.Kind() == reflect.Pointer {
				v = v.Elem()
			}
			if i < 0 {
				b.WriteString("[0]")
				v = v.Elem()
				continue
			}
			b.WriteString("." + v.Field(i).Name)
			v = v.Field(i).Type
		}
		return b.String()
	}
	for _, path := range paths {
		t.Run(name(path), func(t *testing.T) {
			base := full()
			v := at(&base, path)
			var changes []func(reflect.Value)
			switch v.Kind() {
			case reflect.String:
				changes = append(changes, func(v reflect.Value) { v.SetString("other") })
			case reflect.Bool:
				changes = append(changes, func(v reflect.Value) { v.SetBool(!v.Bool()) })
			case reflect.Int, reflect.Int64:
				changes = append(changes, func(v reflect.Value) { v.SetInt(v.Int() + 1) })
			case reflect.Uint8, reflect.Uint64:
				changes = append(changes, func(v reflect.Value) { v.SetUint(v.Uint() + 1) })
			case reflect.Float64:
				changes = append(changes, func(v reflect.Value) { v.SetFloat(v.Float() + 1) })
			case reflect.Slice:
				changes = append(changes,
					func(v reflect.Value) { v.SetZero() },
					func(v reflect.Value) { v.Set(reflect.MakeSlice(v.Type(), 0, 0)) },
					func(v reflect.Value) { v.Set(reflect.Append(v, v.Index(0))) })
			default:
				t.Fatalf("no change for %s", v.Type())
			}
			var states []State
			for _, change := range changes {
				s := full()
				change(at(&s, path))
				states = append(states, s)
			}
			for _, s := range states {
				checkDurableEqual(t, base, s)
				checkDurableChanged(t, base, s)
				checkDurableChanged(t, s, base)
			}
			if len(states) > 1 {
				checkDurableEqual(t, states[0], states[1]) // nil against empty
			}
		})
	}
	if len(paths) < 60 {
		t.Fatalf("walked %d paths: the walk missed fields", len(paths))
	}
	// plainDurable finds a bad string or float in any field.
	for _, path := range paths {
		s := full()
		v := at(&s, path)
		switch v.Kind() {
		case reflect.String:
			v.SetString("\xff")
		case reflect.Float64:
			v.SetFloat(math.NaN())
		default:
			continue
		}
		if plainDurable(&s) {
			t.Errorf("plainDurable misses a bad %s in %s", v.Kind(), name(path))
		}
	}
	if s := full(); !plainDurable(&s) {
		t.Errorf("plainDurable refuses a plain state")
	}
}

// TestCloneKeepsSegmentsApart: a clone shares a download's segment list
// (copying it at every segment's Persist cost the list's length each
// time), so an append to the applet's list afterwards must not reach the
// clone, nor an append to the clone's reach the applet's. (A new package,
// or the list dropped when loaded, replaces the applet's list in its own
// Download: the first check fails too if the clone shared that.)
func TestCloneKeepsSegmentsApart(t *testing.T) {
	segs := [][]byte{{0x87}, {0x88}, {0x86, 1}, {0x86, 2}}
	live := State{Cycle: &Cycle{Download: &Download{Segments: segs[:3], Seg: 1}}}
	nvm := live.clone()
	live.Cycle.Download.Segments = append(live.Cycle.Download.Segments, []byte{0xFF})
	if got := nvm.Cycle.Download.Segments; len(got) != 3 || cap(got) != 3 {
		t.Fatalf("the clone's list %X (capacity %d), want the 3 segments it was made with", got, cap(got))
	}
	nvm.Cycle.Download.Segments = append(nvm.Cycle.Download.Segments, []byte{0xEE})
	if live.Cycle.Download.Segments[3][0] != 0xFF {
		t.Fatalf("the clone's append reached the applet: %X", live.Cycle.Download.Segments)
	}
}
