package dialect

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"regexp"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/harness/atclient"
	"github.com/esimhil/esimhil/harness/transport"
	"github.com/esimhil/esimhil/internal/personality"
)

// An ES10 request longer than one block goes out as STORE DATA blocks
// numbered 00, 01, … in P2, P1 11 on each but the last and 91 on the last
// (SGP.22 §5.7.2): a card that checks the sequence refuses a block
// numbered out of turn. The emulated eUICC does not check it, so only the
// APDU headers on the wire tell.
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
	a, b := net.Pipe()
	seen := make(chan string, 16)
	go func() {
		defer close(seen)
		r := bufio.NewReader(b)
		for {
			line, err := r.ReadString('\r')
			if err != nil {
				return
			}
			ans := "\r\nERROR\r\n"
			if m := cglaAPDU.FindStringSubmatch(strings.TrimSuffix(line, "\r")); m != nil {
				seen <- m[1][:10]
				ans = "\r\n+CGLA: 4,\"9000\"\r\n\r\nOK\r\n"
			}
			if _, err := io.WriteString(b, ans); err != nil {
				return
			}
		}
	}()
	c := atclient.New(transport.Stream("pipe", a))
	h := &Host{AT: c, P: personality.Generic()}
	ch := Channel{h: h, Session: "1", Number: 1}
	if _, err := ch.StoreData(make([]byte, size)); err != nil {
		t.Fatalf("StoreData of %d bytes: %v", size, err)
	}
	c.Close()
	b.Close()
	var got []string
	for h := range seen {
		got = append(got, h)
	}
	return got
}
