package capture

import (
	"fmt"
	"net/http"
	"time"

	"github.com/esimhil/esimhil/internal/proto/platformapi"
)

// Message kinds.
const (
	KindPreferredList = "preferred-list"
	KindNotification  = "notification"
	KindDownload      = "download"
	KindOther         = "other"
)

// Message is one platform exchange decoded into the platform's types.
// A rejected request (4xx) keeps its typed request when it decodes and
// carries the platform's reason in Error.
type Message struct {
	Time         time.Time
	Kind         string
	Status       int
	Client       string
	ListRequest  *platformapi.ListRequest
	ListResponse *platformapi.ListResponse
	Notification *platformapi.Notification
	Ack          *platformapi.NotificationAck
	Download     *platformapi.DownloadRequest
	DownloadResp *platformapi.DownloadResponse
	ES9          *ES9Message // Kind "es9" (DecodeAll)
	Error        string      // platform's {"error"} reason on a 4xx/5xx answer; ES9+ decode problems
	// Malformed is why a 200 answer's body is not the API's (a garbled
	// platform, or a platform bug): the exchange is whole, only its body
	// does not decode, so it is a message, not a broken capture. Its
	// typed answer field is nil.
	Malformed string
	// Frame and Mark are the request's first frame and its place among
	// the run's events (Exchange.Frame, Exchange.Mark): where the message
	// falls in events.jsonl, which its simulated time alone cannot say.
	Frame int
	Mark  Mark
}

// DecodePlatform turns exchanges into typed platform messages. The request
// of an exchange the platform answered 200 must decode, else it is an
// error; a 200 answer that does not decode is the platform's doing, kept
// in Message.Malformed; a rejected exchange may hold any bytes.
func DecodePlatform(ex []Exchange) ([]Message, error) {
	out := make([]Message, 0, len(ex))
	for i, e := range ex {
		m, err := decodePlatform(e)
		if err != nil {
			return nil, fmt.Errorf("exchange %d (%s %s at %s): %w", i+1, e.Method, e.Path, e.Time.Format(time.RFC3339Nano), err)
		}
		out = append(out, m)
	}
	return out, nil
}

func decodePlatform(e Exchange) (Message, error) {
	m := Message{Time: e.Time, Kind: KindOther, Status: e.Status, Client: e.Client, Frame: e.Frame, Mark: e.Mark}
	ok := platformapi.Answered(e.Status) // as the card takes it
	if e.Status >= 400 {
		if er, err := platformapi.DecodeErrorResponse(e.ResponseBody); err == nil {
			m.Error = er.Error
		}
	}
	var err error
	switch {
	case e.Method == http.MethodPost && e.Path == platformapi.PathPreferredList:
		m.Kind = KindPreferredList
		if req, rerr := platformapi.DecodeListRequest(e.RequestBody); rerr == nil {
			m.ListRequest = &req
		} else if ok {
			err = fmt.Errorf("request: %w", rerr)
		}
		if ok && err == nil {
			resp, rerr := platformapi.DecodeListResponse(e.ResponseBody)
			if rerr != nil {
				m.Malformed = rerr.Error()
			} else {
				m.ListResponse = &resp
			}
		}
	case e.Method == http.MethodPost && e.Path == platformapi.PathNotifications:
		m.Kind = KindNotification
		if n, rerr := platformapi.DecodeNotification(e.RequestBody); rerr == nil {
			m.Notification = &n
		} else if ok {
			err = fmt.Errorf("request: %w", rerr)
		}
		if ok && err == nil {
			ack, rerr := platformapi.DecodeNotificationAck(e.ResponseBody)
			if rerr != nil {
				m.Malformed = rerr.Error()
			} else {
				m.Ack = &ack
			}
		}
	case e.Method == http.MethodPost && e.Path == platformapi.PathDownload:
		m.Kind = KindDownload
		if d, rerr := platformapi.DecodeDownloadRequest(e.RequestBody); rerr == nil {
			m.Download = &d
		} else if ok {
			err = fmt.Errorf("request: %w", rerr)
		}
		if ok && err == nil {
			resp, rerr := platformapi.DecodeDownloadResponse(e.ResponseBody)
			if rerr != nil {
				m.Malformed = rerr.Error()
			} else {
				m.DownloadResp = &resp
			}
		}
	}
	return m, err
}
