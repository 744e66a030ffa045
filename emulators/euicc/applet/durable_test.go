package applet

import (
	"bytes"
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
// "b"; numbers 0, 1, 2; slices nil, empty, one or two elements; pointers
// nil or set.
func fill(v reflect.Value, src *byteSource) {
	switch v.Kind() {
	case reflect.String:
		v.SetString([]string{"", "a", "b"}[src.next()%3])
	case reflect.Bool:
		v.SetBool(src.next()%2 == 1)
	case reflect.Int, reflect.Int64:
		v.SetInt(int64(src.next() % 3))
	case reflect.Uint8, reflect.Uint64:
		v.SetUint(uint64(src.next() % 3))
	case reflect.Float64:
		v.SetFloat(float64(src.next()%3) / 2)
	case reflect.Pointer:
		if src.next()%3 == 0 {
			v.SetZero()
			return
		}
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem(), src)
	case reflect.Slice:
		n := int(src.next() % 4)
		if n == 0 {
			v.SetZero()
			return
		}
		v.Set(reflect.MakeSlice(v.Type(), n-1, n-1))
		for i := range n - 1 {
			fill(v.Index(i), src)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			fill(v.Field(i), src)
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

// FuzzDurableEqual: two states are durableEqual exactly when their
// durable JSON is the same (Step's persistence hangs on it).
func FuzzDurableEqual(f *testing.F) {
	f.Add([]byte{}, []byte{})
	f.Add([]byte{1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1},
		[]byte{1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 2})
	f.Add(bytes.Repeat([]byte{1}, 200), bytes.Repeat([]byte{1}, 200))
	f.Add(bytes.Repeat([]byte{2}, 200), bytes.Repeat([]byte{2}, 199))
	f.Fuzz(func(t *testing.T, x, y []byte) {
		var a, b State
		fill(reflect.ValueOf(&a).Elem(), &byteSource{x})
		fill(reflect.ValueOf(&b).Elem(), &byteSource{y})
		checkDurableEqual(t, a, b)
		checkDurableEqual(t, a, a.clone())
	})
}

// TestDurableEqualCoversEveryField changes one leaf of a state with every
// pointer set and every slice of one element, for each leaf in turn, and
// each slice to nil, empty and two elements: durableEqual must tell the
// change exactly when the durable JSON does (a field it left out would
// lose a write).
func TestDurableEqualCoversEveryField(t *testing.T) {
	full := func() State {
		var s State
		fill(reflect.ValueOf(&s).Elem(), &byteSource{bytes.Repeat([]byte{2}, 1000)})
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
			}
			if len(states) > 1 {
				checkDurableEqual(t, states[0], states[1]) // nil against empty
			}
		})
	}
	if len(paths) < 60 {
		t.Fatalf("walked %d paths: the walk missed fields", len(paths))
	}
}
