package euicc

import (
	"testing"
)

// FuzzHTTPReply feeds arbitrary peer bytes, cut at an arbitrary point, to
// the card's HTTP client: it must end (reply or error) once the peer
// closes, never panic, and never keep more than maxHTTPReply of body.
func FuzzHTTPReply(f *testing.F) {
	f.Add([]byte("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}"), 5)
	f.Add([]byte("HTTP/1.1 204 No Content\r\n\r\n"), 0)
	f.Add([]byte("HTTP/1.0 200 OK\r\n\r\nbody to eof"), 30)
	f.Add([]byte("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"), 9)
	f.Add([]byte("HTTP/1.1 200 OK\r\nContent-Length: 99999999\r\n\r\n"), 1)
	f.Add([]byte("garbage"), 3)
	f.Fuzz(func(t *testing.T, data []byte, cut int) {
		var rep httpReply
		co := newCoroutine(roundTrip(httpRequest{Host: "p", Path: "/v1/x", Body: []byte("{}")}, nil, &rep))
		co.resume(nil, false)
		if cut < 0 || cut > len(data) {
			cut = len(data)
		}
		co.resume(data[:cut], false)
		co.resume(data[cut:], true)
		if !co.done {
			t.Fatal("exchange not finished after the peer closed")
		}
		if co.err == nil && len(rep.Body) > maxHTTPReply {
			t.Fatalf("body of %d bytes kept", len(rep.Body))
		}
	})
}
