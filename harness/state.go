package harness

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	"github.com/esimhil/esimhil/internal/ident"
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
	// A kill in the middle of writeFileAtomic leaves its temporary file
	// (the old state is whole beside it): those are ours to remove.
	for _, p := range []string{path, path + PlatformStateSuffix} {
		dir, base := filepath.Split(p)
		stale, _ := filepath.Glob(filepath.Join(dir, "."+base+".tmp-*"))
		for _, f := range stale {
			os.Remove(f)
		}
	}
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
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&ps); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", pp, err)
	}
	if dec.More() {
		return nil, nil, fmt.Errorf("%s: data after the JSON object", pp)
	}
	if ps.Version != platformStateVersion {
		return nil, nil, fmt.Errorf("%s: version: %d, want %d", pp, ps.Version, platformStateVersion)
	}
	eids := make([]string, 0, len(ps.LastSeq))
	for eid := range ps.LastSeq {
		eids = append(eids, eid)
	}
	sort.Strings(eids)
	for _, eid := range eids {
		if !ident.IsEID(eid) {
			return nil, nil, fmt.Errorf("%s: last_seq[%q]: not an EID (32 digits)", pp, eid)
		}
	}
	return nvm, ps.LastSeq, nil
}

// savePlatformState writes the platform's counters beside the card's file.
func savePlatformState(path string, counters map[string]uint64) error {
	b, err := json.Marshal(platformState{Version: platformStateVersion, LastSeq: counters})
	if err != nil {
		return fmt.Errorf("platform state: %w", err)
	}
	return writeFileAtomic(path+PlatformStateSuffix, b)
}

// writeFileAtomic replaces path with data so that a crash at any point
// leaves either the old file or the new one, whole: temporary file in the
// same directory, fsync, rename, fsync of the directory.
func writeFileAtomic(path string, data []byte) error {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	err = d.Sync()
	d.Close()
	if err != nil {
		return fmt.Errorf("write %s: sync directory: %w", path, err)
	}
	return nil
}
