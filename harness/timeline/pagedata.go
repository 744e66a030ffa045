package timeline

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/esimhil/esimhil/internal/jsonappend"
)

// appendData appends page n's data (pageData as JSON, the bytes
// json.Marshal writes) to b. The rows are appended by hand: through
// reflection they were a tenth of a download scenario's CPU.
func (t *Timeline) appendData(b []byte, pages []pageLink, n int) ([]byte, error) {
	cur := pages[n-1]
	lanes, err := json.Marshal(t.Lanes)
	if err != nil {
		return nil, fmt.Errorf("timeline data: %w", err)
	}
	lane := t.laneIndex()
	b = append(b, `{"start":`...)
	// startWords, as the header: a timeline without items may have no
	// start, and year 1 is no start anybody recorded.
	b = jsonappend.String(b, startWords(t.Start))
	b = append(b, `,"lanes":`...)
	b = append(b, lanes...)
	b = append(b, `,"items":[`...)
	rows := t.Items[cur.From-1 : cur.To]
	for i := range rows {
		if i > 0 {
			b = append(b, ',')
		}
		it := &rows[i] // not a copy: an Item is ~200 bytes
		if b, err = appendItem(b, float64(it.T.Sub(t.Start))/float64(time.Millisecond), lane(it.From), lane(it.To), it); err != nil {
			return nil, err
		}
	}
	b = append(b, ']')
	if len(pages) > 1 {
		ps, err := json.Marshal(pages)
		if err != nil {
			return nil, fmt.Errorf("timeline data: %w", err)
		}
		b = append(b, `,"page":`...)
		b = strconv.AppendInt(b, int64(n), 10)
		b = append(b, `,"pages":`...)
		b = append(b, ps...)
	}
	return append(b, '}'), nil
}

// laneIndex maps a lane ID to its index in t.Lanes, "" to -1 (no lane).
func (t *Timeline) laneIndex() func(id string) int {
	idx := make(map[string]int, len(t.Lanes))
	for i, l := range t.Lanes {
		idx[l.ID] = i
	}
	return func(id string) int {
		if id == "" {
			return -1
		}
		return idx[id]
	}
}

// appendItem appends a row as pageItem marshals: the same keys, order and
// omissions.
func appendItem(b []byte, ms float64, from, to int, it *Item) ([]byte, error) {
	b = append(b, `{"t":`...)
	b, err := jsonappend.Float(b, ms)
	if err != nil {
		return nil, fmt.Errorf("timeline data: %w", err)
	}
	b = append(b, `,"f":`...)
	b = strconv.AppendInt(b, int64(from), 10)
	b = append(b, `,"o":`...)
	b = strconv.AppendInt(b, int64(to), 10)
	b = append(b, `,"k":`...)
	b = jsonappend.String(b, string(it.Kind))
	b = append(b, `,"l":`...)
	b = jsonappend.String(b, it.Label)
	if it.Detail != "" {
		b = append(b, `,"d":`...)
		b = jsonappend.String(b, it.Detail)
	}
	if it.Failed {
		b = append(b, `,"x":true`...)
	}
	if it.Refused != "" {
		b = append(b, `,"n":`...)
		b = jsonappend.String(b, it.Refused)
	}
	if it.Reply {
		b = append(b, `,"r":true`...)
	}
	if len(it.Faults) > 0 {
		b = append(b, `,"z":[`...)
		for i, f := range it.Faults {
			if i > 0 {
				b = append(b, ',')
			}
			b = jsonappend.String(b, f)
		}
		b = append(b, ']')
	}
	if it.Source != "" {
		b = append(b, `,"s":`...)
		b = jsonappend.String(b, it.Source)
	}
	return append(b, '}'), nil
}
