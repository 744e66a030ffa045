package dialect

import (
	"bufio"
	"io"
	"net"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/harness/atclient"
	"github.com/esimhil/esimhil/harness/transport"
	"github.com/esimhil/esimhil/internal/personality"
)

// pipeHost is a generic host whose modem, at the other end of a pipe,
// answers each command line (CR stripped) with answer's text; both ends
// close when the test ends.
func pipeHost(t *testing.T, answer func(line string) string) *Host {
	t.Helper()
	a, b := net.Pipe()
	t.Cleanup(func() { b.Close() })
	go func() {
		r := bufio.NewReader(b)
		for {
			line, err := r.ReadString('\r')
			if err != nil {
				return
			}
			if _, err := io.WriteString(b, answer(strings.TrimSuffix(line, "\r"))); err != nil {
				return
			}
		}
	}()
	c := atclient.New(transport.Stream("pipe", a))
	t.Cleanup(func() { c.Close() })
	return &Host{AT: c, P: personality.Generic()}
}

// scripted answers each line from answers, ERROR for any other.
func scripted(answers map[string]string) func(string) string {
	return func(line string) string {
		if ans, ok := answers[line]; ok {
			return ans
		}
		return "\r\nERROR\r\n"
	}
}
