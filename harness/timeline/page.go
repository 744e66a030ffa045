package timeline

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"os"
	"path/filepath"
	"time"
)

// FileName is the page's name in a run's directory.
const FileName = "timeline.html"

var (
	//go:embed page.html
	pageHTML string
	//go:embed page.css
	pageCSS string
	//go:embed page.js
	pageJS string
)

var pageTemplate = template.Must(template.New("page").Funcs(template.FuncMap{
	"dur": func(d time.Duration) string {
		if d >= time.Second {
			return d.Round(time.Millisecond).String()
		}
		return d.Round(time.Microsecond).String()
	},
}).Parse(pageHTML))

// pageItem is an item as the page's script reads it: short keys, time as
// milliseconds since the run's start, lanes as indexes (-1: none).
type pageItem struct {
	T      float64  `json:"t"`
	From   int      `json:"f"`
	To     int      `json:"o"`
	Kind   Kind     `json:"k"`
	Label  string   `json:"l"`
	Detail string   `json:"d,omitempty"`
	Failed bool     `json:"x,omitempty"`
	Reply  bool     `json:"r,omitempty"`
	Faults []string `json:"z,omitempty"`
	Source string   `json:"s,omitempty"`
}

type pageData struct {
	Start string     `json:"start"`
	Lanes []Lane     `json:"lanes"`
	Items []pageItem `json:"items"`
}

// WriteHTML writes the page.
func (t *Timeline) WriteHTML(w io.Writer) error {
	idx := map[string]int{}
	for i, l := range t.Lanes {
		idx[l.ID] = i
	}
	lane := func(id string) int {
		if id == "" {
			return -1
		}
		return idx[id]
	}
	d := pageData{Start: t.Start.UTC().Format(time.RFC3339Nano), Lanes: t.Lanes, Items: make([]pageItem, len(t.Items))}
	failed := 0
	for i, it := range t.Items {
		d.Items[i] = pageItem{
			T: float64(it.T.Sub(t.Start)) / float64(time.Millisecond), From: lane(it.From), To: lane(it.To),
			Kind: it.Kind, Label: it.Label, Detail: it.Detail, Failed: it.Failed, Reply: it.Reply,
			Faults: it.Faults, Source: it.Source,
		}
		if it.Failed {
			failed++
		}
	}
	// json.Marshal escapes <, > and &, so the data cannot close its
	// script element.
	data, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("timeline data: %w", err)
	}
	verdict := t.Run.Verdict
	if verdict == "" {
		verdict = "unknown"
	}
	return pageTemplate.Execute(w, struct {
		Run       Run
		Verdict   string
		Rows      int
		Failed    int
		Artifacts []string
		Notes     []string
		Start     string
		CSS       template.CSS
		JS        template.JS
		Data      template.JS
	}{t.Run, verdict, len(t.Items), failed, t.Artifacts, t.Notes, d.Start,
		template.CSS(pageCSS), template.JS(pageJS), template.JS(data)})
}

// Write builds the timeline of the run in dir and writes it to
// dir/timeline.html, returning the page's path.
func Write(dir string, run Run) (string, error) {
	t, err := Build(dir, run)
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, FileName)
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return "", fmt.Errorf("timeline: %w", err)
	}
	if err := t.WriteHTML(f); err != nil {
		f.Close()
		os.Remove(tmp)
		return "", fmt.Errorf("timeline: %w", err)
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("timeline: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return "", fmt.Errorf("timeline: %w", err)
	}
	return path, nil
}
