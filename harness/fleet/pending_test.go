package fleet

import (
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/emulators/platform"
	"github.com/esimhil/esimhil/internal/httpserve"
	"github.com/esimhil/esimhil/internal/proto/platformapi"
)

// The emulated platform logs a request where it arrived and shows no
// entry before its answer is decided: its pages stop before a request
// still unanswered (another client's slow body) and resume once it is.
// The reader neither skips it nor takes the cards' notes behind it as
// lost: it reads again after the storm until they come, and a log that
// stays stopped past pendingWait is NOT CHECKED, naming the request
// (outside tester t71, F2).
func TestInspectorWaitsForAnUnansweredRequest(t *testing.T) {
	const eid = "89049032000000000000010000000017"
	note := fmt.Sprintf(`{"eid":%q,"kind":"attach-success","iccid":"89208100005000006594","operator":"sfr","plmn":"20810"}`, eid)
	defer func(old time.Duration) { pendingWait = old }(pendingWait)
	pendingWait = 2 * time.Second
	for _, tc := range []struct {
		name     string
		answered bool // the slow request gets its body during finish
		counted  int
		problem  string
	}{
		{"answered after the storm", true, 1, ""},
		{"never answered", false, 0, "not read to its end: its pages stopped before request 0 for 2s after the storm (a request not answered yet holds back those after it)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := platform.New(platform.Config{Operators: []platform.Operator{{ID: "sfr", PLMN: "20810", Country: "FR"}},
				Limits: httpserve.Limits{Read: time.Minute}})
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Start("127.0.0.1:0", nil); err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			addr := s.Addr().String()
			in := newInspector("http://"+addr, nil)
			if err := in.probe("platform.test", 1); err != nil {
				t.Fatal(err)
			}
			slow, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer slow.Close()
			fmt.Fprintf(slow, "POST %s HTTP/1.1\r\nHost: p\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{", platformapi.PathNotifications)
			for tick := time.NewTicker(5 * time.Millisecond); ; <-tick.C {
				if n, _ := s.ReceivedCount(); n == 1 {
					tick.Stop()
					break
				}
			}
			// A card's note, answered, behind the slow request.
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(c, "POST %s HTTP/1.1\r\nHost: p\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s", platformapi.PathNotifications, len(note), note)
			if ans, _ := io.ReadAll(c); !strings.HasPrefix(string(ans), "HTTP/1.1 200 ") {
				t.Fatalf("the card's note: %q", ans)
			}
			c.Close()

			in.poll()
			if !in.short || in.offset != 0 || len(in.log) != 0 {
				t.Fatalf("read while the first request is unanswered: short %v, offset %d, counted %v", in.short, in.offset, in.log)
			}
			if tc.answered {
				go func() {
					io.WriteString(slow, "}")
					io.Copy(io.Discard, slow)
				}()
			}
			r := newResult()
			in.finish(r)
			if got := r.PlatformLog[eid+"|attach-success"]; got != tc.counted {
				t.Errorf("counted %d, want %d", got, tc.counted)
			}
			if got := strings.Join(r.Unchecked, "; "); got != "" && tc.problem == "" || tc.problem != "" && got != uncheckedPlatform+tc.problem {
				t.Errorf("unchecked %q, want %q", got, tc.problem)
			}
		})
	}
}
