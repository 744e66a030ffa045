package fieldlog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/esimhil/esimhil/internal/exactjson"
	"github.com/esimhil/esimhil/internal/proto/platformapi"
)

// Request is one request the management platform logged
// (GET /v1/inspect/received, docs/platform-api.md), with the card's
// fields read from its body.
type Request struct {
	File   string
	Line   int // where the entry starts in File
	Index  int
	Time   time.Time
	Method string
	Path   string
	Status int
	Error  string
	Body   string
	// From the body (card routes):
	EID, ICCID, Kind, Operator, PLMN, HomePLMN, ServingPLMN string
	Signal                                                  []Signal
	// Unread says why fields of the body were not read, "" when all
	// were: a body cut (truncated) loses the member it was cut in and
	// any after it, the rest read from the kept bytes; a body that
	// contradicts its body_size or body_sha256 is no record of the bytes
	// sent (platformapi.CheckedBody), and none of it is read.
	Unread string
}

// Signal is one visible network a preferred-list request reports.
type Signal struct {
	PLMN string `json:"plmn"`
	RSRP int    `json:"rsrp"`
}

type inspectEntry struct {
	Index      int       `json:"index"`
	T          time.Time `json:"t"`
	Method     string    `json:"method"`
	Path       string    `json:"path"`
	Status     int       `json:"status"`
	Body       string    `json:"body"`
	BodyEnc    string    `json:"body_encoding"` // platformapi.BodyBase64: Body is the bytes in base64
	BodySize   *int      `json:"body_size"`     // nil: absent (docs/platform-api.md: it may be)
	BodySHA256 string    `json:"body_sha256"`
	Truncated  bool      `json:"truncated"`
	Error      string    `json:"error"`
}

// readPlatform reads the platform's request log: pages of GET
// /v1/inspect/received one after the other (or in a JSON array), or its
// entries one JSON object per line.
func readPlatform(file string, data []byte) (*Transcript, error) {
	t := &Transcript{File: file, Format: Platform, Clock: Absolute}
	dec := json.NewDecoder(bytes.NewReader(data))
	var starts []int // offset of every line's first byte
	starts = append(starts, 0)
	for i, c := range data {
		if c == '\n' {
			starts = append(starts, i+1)
		}
	}
	lineAt := func(off int64) int {
		return sort.Search(len(starts), func(i int) bool { return int64(starts[i]) > off })
	}
	// at finds where raw, a slice of data found at or after from, starts.
	at := func(raw json.RawMessage, from int64) int64 {
		if i := bytes.Index(data[from:], raw); i >= 0 {
			return from + int64(i)
		}
		return from
	}
	var entry func(raw json.RawMessage, off int64) error
	entry = func(raw json.RawMessage, off int64) error {
		raw = bytes.TrimSpace(raw)
		switch {
		case len(raw) > 0 && raw[0] == '[':
			var list []json.RawMessage
			if err := json.Unmarshal(raw, &list); err != nil {
				return errAt(file, lineAt(off), "%v", err)
			}
			pos := off
			for _, r := range list {
				pos = at(r, pos)
				if err := entry(r, pos); err != nil {
					return err
				}
				pos += int64(len(r))
			}
			return nil
		case len(raw) == 0 || raw[0] != '{':
			return errAt(file, lineAt(off), "want a JSON object (a page of /v1/inspect/received or one entry)")
		}
		var page struct {
			Entries []json.RawMessage `json:"entries"`
			Method  string            `json:"method"`
		}
		if err := json.Unmarshal(raw, &page); err != nil {
			return errAt(file, lineAt(off), "%v", err)
		}
		if page.Entries != nil {
			pos := off
			for _, r := range page.Entries {
				pos = at(r, pos)
				if err := entry(r, pos); err != nil {
					return err
				}
				pos += int64(len(r))
			}
			return nil
		}
		var e inspectEntry
		if err := exactjson.Decode(raw, &e); err != nil {
			if keys := notAnEntry(raw); keys != "" {
				// A JSON document of another kind (a ticket's export
				// with the log in a member): not a request log at all.
				return errAt(file, lineAt(off), "a JSON object with members %s, not a platform request log (its entries have t, method, path and status): if a log is inside it, save that text as a file of its own", keys)
			}
			return errAt(file, lineAt(off), "request entry: %v", err)
		}
		if e.Method == "" || e.Path == "" || e.T.IsZero() || e.Status == 0 {
			return errAt(file, lineAt(off), "a request entry wants t, method, path and status")
		}
		rcv := platformapi.Received{Body: e.Body, BodyEncoding: e.BodyEnc, BodySHA256: e.BodySHA256, Truncated: e.Truncated}
		body, err := rcv.KeptBody()
		if err != nil {
			return errAt(file, lineAt(off), "request entry: %v", err)
		}
		r := Request{File: file, Line: lineAt(off), Index: e.Index, Time: e.T, Method: e.Method, Path: e.Path,
			Status: e.Status, Error: e.Error, Body: string(body)}
		// The one rule for what an entry's body is evidence of, the
		// fleet reader's too (outside tester t166 F7), where the entry
		// gives a body_size to hold it to.
		read := body
		if e.BodySize != nil {
			rcv.BodySize = *e.BodySize
			if _, err := rcv.CheckedBody(); err != nil {
				r.Unread, read = fmt.Sprintf("%v: none of it read", err), nil
			}
		}
		if e.Truncated && read != nil {
			var lost string
			read, lost = wholeMembers(body)
			r.Unread = fmt.Sprintf("body cut at %d bytes (truncated): %s not read", len(body), lost)
			if e.BodySize != nil {
				r.Unread = fmt.Sprintf("body cut at %d of its %d bytes (truncated): %s not read", len(body), *e.BodySize, lost)
			}
		}
		var b struct {
			EID         string   `json:"eid"`
			ICCID       string   `json:"iccid"`
			Kind        string   `json:"kind"`
			Operator    string   `json:"operator"`
			PLMN        string   `json:"plmn"`
			HomePLMN    string   `json:"home_plmn"`
			ServingPLMN string   `json:"serving_plmn"`
			Signal      []Signal `json:"signal"`
		}
		if json.Unmarshal(read, &b) == nil {
			r.EID, r.ICCID, r.Kind, r.Operator, r.PLMN = b.EID, b.ICCID, b.Kind, b.Operator, b.PLMN
			r.HomePLMN, r.ServingPLMN, r.Signal = b.HomePLMN, b.ServingPLMN, b.Signal
		}
		if n := len(t.Requests); n > 0 && r.Time.Before(t.Requests[n-1].Time) {
			p := t.Requests[n-1]
			return errAt(file, r.Line, "time %s is before the %s of line %d: timestamps out of order",
				r.Time.Format(time.RFC3339Nano), p.Time.Format(time.RFC3339Nano), p.Line)
		}
		if len(t.Requests) >= MaxEntries {
			return errAt(file, r.Line, "more than %d requests", MaxEntries)
		}
		t.Requests = append(t.Requests, r)
		return nil
	}
	for {
		off := dec.InputOffset()
		var raw json.RawMessage
		err := dec.Decode(&raw)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var se *json.SyntaxError
			switch {
			case errors.Is(err, io.ErrUnexpectedEOF):
				return nil, errAt(file, lineAt(int64(len(data))), "the log is cut off inside a JSON value that starts on line %d", lineAt(off+1))
			case errors.As(err, &se):
				return nil, errAt(file, lineAt(se.Offset), "not JSON: %v", err)
			}
			return nil, errAt(file, lineAt(off), "%v", err)
		}
		// Decode reads past leading space: find where the value starts.
		start := off + int64(len(data[off:])-len(bytes.TrimLeft(data[off:], " \t\r\n")))
		if err := entry(raw, start); err != nil {
			return nil, err
		}
	}
	if len(t.Requests) == 0 {
		return nil, errAt(file, 0, "no requests in the platform log")
	}
	return t, nil
}

// notAnEntry names the members of a JSON object that has none a request
// entry has (t, method, path, status); "" for one that has some.
func notAnEntry(raw []byte) string {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return ""
	}
	var keys []string
	for k := range m {
		switch k {
		case "t", "method", "path", "status":
			return ""
		}
		keys = append(keys, strconv.Quote(k))
	}
	slices.Sort(keys)
	if len(keys) > 6 {
		keys = append(keys[:6], "…")
	}
	return strings.Join(keys, ", ")
}

// wholeMembers are the members of a JSON object cut short (a truncated
// body) that the kept bytes hold whole, as an object of their own, and
// which are lost: the member the cut falls in, by name when its name is
// whole, and any after it.
func wholeMembers(body []byte) ([]byte, string) {
	dec := json.NewDecoder(bytes.NewReader(body))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, "the whole body (no JSON object)"
	}
	kept := map[string]json.RawMessage{}
	for {
		t, err := dec.Token()
		name, ok := t.(string)
		if err != nil || !ok {
			break
		}
		var v json.RawMessage
		// A number or literal that ends where the bytes do may be cut
		// itself ("rsrp":-9 of -97).
		if dec.Decode(&v) != nil || dec.InputOffset() == int64(len(body)) && !strings.ContainsRune(`"{[`, rune(v[0])) {
			b, _ := json.Marshal(kept)
			return b, strconv.Quote(name) + " and any member after it"
		}
		kept[name] = v
	}
	b, _ := json.Marshal(kept)
	return b, "any member after the last whole one"
}
