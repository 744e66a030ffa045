package harness

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/esimhil/esimhil/internal/atomicfile"
	"github.com/esimhil/esimhil/internal/exactjson"
	"github.com/esimhil/esimhil/internal/proto/platformapi"
)

// The durable state of a rig (Options.State, `esimhil emulate --state
// FILE`): the card's NVM image in FILE and the platform's replay counters
// in FILE.platform.json. Each is written atomically — a temporary file in
// the same directory, fsync, rename over the old one, fsync of the
// directory — every time it changes and before the change is acknowledged
// (the card answers the command, the platform serves the request), so a
// kill -9 at any point leaves the last acknowledged state, whole.

// PlatformStateSuffix names the platform's file beside the card's.
const PlatformStateSuffix = ".platform.json"

// platformStateVersion is bumped when the file's meaning changes.
const platformStateVersion = 1

// platformState is the platform's file: the last X-Esimhil-Seq it accepted
// per EID, so a request recorded in one run is a replay in the next.
type platformState struct {
	Version int               `json:"version"`
	LastSeq map[string]uint64 `json:"last_seq"`
}

// loadState reads the state files at path; missing ones mean a new card
// or platform (nil results). The card's image is checked by the card
// (euicc.Restore); the platform's here, naming file and field.
func loadState(path string) (nvm []byte, counters map[string]uint64, err error) {
	// A kill in the middle of a write leaves its temporary file (the old
	// state is whole beside it): those are ours to remove.
	atomicfile.RemoveStale(path)
	atomicfile.RemoveStale(path + PlatformStateSuffix)
	nvm, err = os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		nvm, err = nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("state: %w", err)
	}
	pp := path + PlatformStateSuffix
	b, err := os.ReadFile(pp)
	if errors.Is(err, fs.ErrNotExist) {
		return nvm, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("state: %w", err)
	}
	var ps platformState
	if err := exactjson.Decode(b, &ps); err != nil {
		return nil, nil, inFile(pp, b, err)
	}
	if ps.Version != platformStateVersion {
		return nil, nil, fmt.Errorf("%s: version: %d, want %d", pp, ps.Version, platformStateVersion)
	}
	if err := platformapi.CheckReplayCounters("last_seq", ps.LastSeq); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", pp, err)
	}
	return nvm, ps.LastSeq, nil
}

// inFile names path as the place of err, a problem with its contents src:
// with the line and column where a file that is not JSON stops reading as
// JSON (cut short by a crash, edited by hand), as other files' errors give
// them (outside tester t135 F9: "malformed JSON: unexpected EOF", where?).
func inFile(path string, src []byte, err error) error {
	var je *exactjson.Error
	if errors.As(err, &je) && je.Syntax {
		line, col := exactjson.Where(src, je.Offset)
		return fmt.Errorf("%s:%d:%d: %w", path, line, col, err)
	}
	return fmt.Errorf("%s: %w", path, err)
}

// savePlatformState writes the platform's counters beside the card's file.
func savePlatformState(path string, counters map[string]uint64) error {
	b, err := json.Marshal(platformState{Version: platformStateVersion, LastSeq: counters})
	if err != nil {
		return fmt.Errorf("platform state: %w", err)
	}
	return atomicfile.WriteFile(path+PlatformStateSuffix, b, 0o600, true)
}
