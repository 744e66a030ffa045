package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"

	"github.com/esimhil/esimhil/harness"
	"github.com/esimhil/esimhil/harness/report"
)

// runRecordFiles are the files that mark a directory as holding a run's
// record (esimhil run): its results (results.json, beside the scenarios'
// directories) or a scenario's own evidence (at.log). serve writing its
// events.jsonl there would replace the run's, which the record's digests
// name (outside tester t86 F3).
var runRecordFiles = []string{report.ScenariosFile, harness.ATLogFile}

// refuseRunRecord is an error when dir holds a run's record.
func refuseRunRecord(dir string) error {
	for _, f := range runRecordFiles {
		if _, err := os.Lstat(filepath.Join(dir, f)); err == nil {
			return fmt.Errorf("--out %s holds a run's record (%s): serve would replace its %s; give serve its own --out", dir, f, harness.EventsFile)
		}
	}
	return nil
}

// keepEarlierEvents moves a non-empty events.jsonl in dir (an earlier
// serve's) aside, to events-<its mtime, UTC>.jsonl — with -2, -3… when
// that is taken, never overwriting —, so that a restart with the same
// --out keeps what the last serve recorded (outside tester t86 F3: it was
// emptied without a word). It returns the new name, "" when there was
// nothing to keep. What is no regular file (a link, a device) is left as
// it is. The caller holds dir's lock.
func keepEarlierEvents(dir string) (string, error) {
	path := filepath.Join(dir, harness.EventsFile)
	fi, err := os.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "", nil
	case err != nil:
		return "", err
	case !fi.Mode().IsRegular() || fi.Size() == 0:
		return "", nil
	}
	stem := "events-" + fi.ModTime().UTC().Format("20060102T150405Z")
	for n := 1; ; n++ {
		name := stem + ".jsonl"
		if n > 1 {
			name = stem + "-" + strconv.Itoa(n) + ".jsonl"
		}
		to := filepath.Join(dir, name)
		if _, err := os.Lstat(to); !errors.Is(err, fs.ErrNotExist) {
			if err != nil {
				return "", err
			}
			continue
		}
		if err := os.Rename(path, to); err != nil {
			return "", err
		}
		return to, nil
	}
}
