package dialect

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
)

// An ES10 request longer than one block goes out as STORE DATA blocks
// numbered 00, 01, … in P2, P1 11 on each but the last and 91 on the last
// (SGP.22 §5.7.2): a card that checks the sequence refuses a block
// numbered out of turn. The emulated eUICC takes a block numbered 00 as
// a new sequence (blocks numbered all 00 reach it as the last block
// alone, an ES10 error only a request of more than one block shows, and
// the specs' host-side requests fit in one), so the headers on the wire
// tell.
func TestStoreDataBlocks(t *testing.T) {
	for _, tc := range []struct {
		size int
		want []string // CLA INS P1 P2 Lc of each block
	}{
		{1, []string{"80E2910001"}},
		{255, []string{"80E29100FF"}},
		{256, []string{"80E21100FF", "80E2910101"}},
		{600, []string{"80E21100FF", "80E21101FF", "80E291025A"}},
	} {
		t.Run(fmt.Sprint(tc.size), func(t *testing.T) {
			got := storeDataHeaders(t, tc.size)
			if strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Fatalf("a %d-byte request went out as blocks %v, want %v", tc.size, got, tc.want)
			}
		})
	}
}

var cglaAPDU = regexp.MustCompile(`^AT\+CGLA=1,\d+,"([0-9A-F]+)"$`)

// storeDataHeaders sends a size-byte ES10 request on channel 1 of a modem
// that answers every +CGLA 9000, and returns each APDU's 5-byte header.
func storeDataHeaders(t *testing.T, size int) []string {
	var mu sync.Mutex
	var got []string
	h := pipeHost(t, func(line string) string {
		m := cglaAPDU.FindStringSubmatch(line)
		if m == nil {
			return "\r\nERROR\r\n"
		}
		mu.Lock()
		got = append(got, m[1][:10])
		mu.Unlock()
		return "\r\n+CGLA: 4,\"9000\"\r\n\r\nOK\r\n"
	})
	ch := Channel{h: h, Session: "1", Number: 1}
	if _, err := ch.StoreData(make([]byte, size)); err != nil {
		t.Fatalf("StoreData of %d bytes: %v", size, err)
	}
	// Each header was taken before its answer went back, and StoreData
	// has read the last answer.
	mu.Lock()
	defer mu.Unlock()
	return slices.Clone(got)
}
