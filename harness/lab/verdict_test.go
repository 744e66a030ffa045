package lab

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestAfterEnable(t *testing.T) {
	for _, tc := range []struct {
		name       string
		urcs       []string
		want, nots []string
	}{
		{"denied, fell back", []string{"+CEREG: 0", `+CEREG: 3,"1000","00010001",7`, "+CEREG: 0", `+CEREG: 1,"1000","00010001",7`},
			[]string{"EnableProfile(8933) answered ok, but the card is on 8986", `+CEREG: 3,"1000","00010001",7 (registration denied)`, "+CEREG: 0 (not registered)", "denied registration on the new profile, and the card fell back"}, nil},
		{"no denial", []string{"+CEREG: 0", "+CEREG: 1"},
			[]string{"+CEREG: 1 (registered, home)"}, []string{"denied"}},
		{"no registration", []string{"+CPIN: READY"},
			[]string{"reported no registration (+CEREG) after the enable"}, []string{"+CPIN"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := AfterEnable("8933", "8986", tc.urcs)
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("AfterEnable = %q, want it to hold %q", got, w)
				}
			}
			for _, n := range tc.nots {
				if strings.Contains(got, n) {
					t.Errorf("AfterEnable = %q, want no %q", got, n)
				}
			}
		})
	}
}

func TestEnableOutcome(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"answered", nil, "0 (ok)"},
		{"failed call", errors.New("open ISD-R: at: client closed"), "not done: open ISD-R: at: client closed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := EnableOutcome("0 (ok)", tc.err); got != tc.want {
				t.Errorf("EnableOutcome = %q, want %q", got, tc.want)
			}
		})
	}
}

type fileBackend struct{ capture string }

func (fileBackend) Start()                {}
func (fileBackend) Describe() []string    { return nil }
func (fileBackend) Close() error          { return nil }
func (b fileBackend) CaptureFile() string { return b.capture }
func (fileBackend) Platform() string      { return "" }

// A lab spec's report lists every file its directory holds for a reader:
// the event log and the timeline page beside the transcript and capture.
func TestArtifacts(t *testing.T) {
	for _, tc := range []struct {
		name    string
		backend bool
		files   []string
		want    []string
	}{
		{"no backend", false, []string{EventsFile}, []string{TranscriptFile}},
		{"capture only", true, nil, []string{TranscriptFile, CaptureFile}},
		{"events and timeline", true, []string{EventsFile, TimelineFile}, []string{TranscriptFile, CaptureFile, EventsFile, TimelineFile}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, f := range tc.files {
				if err := os.WriteFile(filepath.Join(dir, f), nil, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			r := &Rig{Config: Config{Dir: dir}}
			if tc.backend {
				r.Backend = fileBackend{filepath.Join(dir, CaptureFile)}
			}
			var got []string
			for _, a := range r.Artifacts() {
				got = append(got, filepath.Base(a))
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("Artifacts = %q, want %q", got, tc.want)
			}
		})
	}
}
