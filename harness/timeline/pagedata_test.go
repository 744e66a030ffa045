package timeline

import (
	"encoding/json"
	"math"
	"testing"
	"time"
)

// marshalled is page n's data as json.Marshal writes pageData: what the
// page held before appendData wrote it by hand, and must still hold.
func marshalled(t *Timeline, pages []pageLink, n int) ([]byte, error) {
	lane := t.laneIndex()
	cur := pages[n-1]
	d := pageData{Start: startWords(t.Start), Lanes: t.Lanes}
	for _, it := range t.Items[cur.From-1 : cur.To] {
		d.Items = append(d.Items, pageItem{
			T: float64(it.T.Sub(t.Start)) / float64(time.Millisecond), From: lane(it.From), To: lane(it.To),
			Kind: it.Kind, Label: it.Label, Detail: it.Detail, Failed: it.Failed, Refused: it.Refused, Reply: it.Reply,
			Faults: it.Faults, Source: it.Source,
		})
	}
	if d.Items == nil {
		d.Items = []pageItem{}
	}
	if len(pages) > 1 {
		d.Page, d.Pages = n, pages
	}
	return json.Marshal(d)
}

func TestAppendDataAsMarshalled(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tl := &Timeline{
		Start: t0,
		Lanes: []Lane{laneFor(LaneCard), laneFor(LaneModem), laneFor(LanePlatform)},
		Items: []Item{
			{T: t0, From: LaneModem, To: LaneCard, Kind: KindAT, Label: `AT+CGLA=1,10,"80E29100"`, Source: "at.log:3"},
			{T: t0.Add(1500 * time.Microsecond), From: LaneCard, Kind: KindAPDU, Label: "STORE DATA <GetEID> & more",
				Detail: "frame 4\ncommand\t80 E2\r\x01\x1f \u2028\u2029 \xff end", Failed: true},
			{T: t0.Add(-time.Nanosecond), From: "no-such-lane", Kind: KindEvent, Label: "before the start", Reply: true},
			{T: t0.Add(36 * time.Hour), From: LanePlatform, To: LaneCard, Kind: KindHTTP, Label: "POST /v1/lists",
				Refused: "no service", Faults: []string{"drop", `"quoted"`}},
			{T: t0.Add(time.Duration(math.MaxInt64)), Kind: KindFault, Label: "ü 中 \\ end"},
			{T: t0.Add(time.Nanosecond), Kind: KindES9, Label: "", Faults: []string{}},
		},
	}
	for _, per := range []int{0, 2, 4, 100} {
		tl.PageRows = per
		pages := tl.pages()
		for n := 1; n <= len(pages); n++ {
			got, err := tl.appendData(nil, pages, n)
			if err != nil {
				t.Fatal(err)
			}
			want, err := marshalled(tl, pages, n)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(want) {
				t.Errorf("%d rows a page, page %d:\n got %s\nwant %s", per, n, got, want)
			}
		}
	}
	// A timeline without rows.
	empty := &Timeline{Start: t0}
	pages := empty.pages()
	got, _ := empty.appendData(nil, pages, 1)
	if want, _ := marshalled(empty, pages, 1); string(got) != string(want) {
		t.Errorf("no rows:\n got %s\nwant %s", got, want)
	}
}
