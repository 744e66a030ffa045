package capture

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"sort"
	"strings"
	"time"

	"github.com/esimhil/esimhil/internal/proto/es9"
)

// KindES9 marks a Message holding an ES9+ exchange.
const KindES9 = "es9"

// ES9Message is one ES9+ call (card ↔ SM-DP+) decrypted from a capture.
type ES9Message struct {
	Time   time.Time
	Client string // "ip:port"
	// Server is the SM-DP+ host the card addressed (the Host header without
	// port, e.g. "smdp.sfr.test").
	Server string
	// Function is the ES9+ function: initiateAuthentication,
	// authenticateClient, getBoundProfilePackage, handleNotification,
	// cancelSession.
	Function string
	// Request and Response are the function's typed bodies (package es9:
	// *es9.InitiateAuthenticationRequest, …), decoded with the same strict
	// decoder the SM-DP+ uses; nil when a body is absent (handleNotification
	// answers 204) or did not decode (see Error). A failed function's
	// answer is an *es9.HeaderOnly.
	Request  es9.Message
	Response es9.Message
	Status   int // HTTP status; 0 if the capture has no answer
	// ExecutionStatus is header.functionExecutionStatus.status
	// ("Executed-Success", "Failed", …); empty when the answer had no body.
	ExecutionStatus string
	// SubjectCode, ReasonCode and StatusMessage come from
	// functionExecutionStatus.statusCodeData on a failure (SGP.22 §6.5.1.4).
	SubjectCode, ReasonCode, StatusMessage string
	// Error says why a body did not decode as JSON.
	Error string
}

// DecodeES9 turns one exchange on an ES9+ route into an ES9Message. It never
// fails: what does not decode is reported in Error.
func DecodeES9(e Exchange) ES9Message {
	m := ES9Message{
		Time: e.Time, Client: e.Client, Server: hostOnly(e.Host),
		Function: strings.TrimPrefix(e.Path, es9.PathPrefix), Status: e.Status,
	}
	var errs []string
	if len(bytes.TrimSpace(e.RequestBody)) > 0 {
		req := es9.NewRequest(m.Function)
		switch err := decodeInto(e.RequestBody, req); {
		case req == nil:
			errs = append(errs, "request: unknown function "+m.Function)
		case err != nil:
			errs = append(errs, fmt.Sprintf("request: %v", err))
		default:
			m.Request = req
		}
	}
	if e.Cut {
		errs = append(errs, "response: cut short by a connection reset")
	}
	if len(bytes.TrimSpace(e.ResponseBody)) > 0 {
		var hdr es9.HeaderOnly
		resp := es9.NewResponse(m.Function)
		// Decode the header first: a failed function answers with the
		// header alone, whatever the function.
		if err := decodeHeader(e.ResponseBody, &hdr); err != nil {
			errs = append(errs, fmt.Sprintf("response: %v", err))
		} else {
			st := hdr.Header.FunctionExecutionStatus
			m.ExecutionStatus = st.Status
			if d := st.StatusCodeData; d != nil {
				m.SubjectCode, m.ReasonCode, m.StatusMessage = d.SubjectCode, d.ReasonCode, d.Message
			}
			if !hdr.Header.Succeeded() || resp == nil {
				resp = &hdr
			}
			if err := decodeInto(e.ResponseBody, resp); err != nil {
				errs = append(errs, fmt.Sprintf("response: %v", err))
			} else {
				m.Response = resp
			}
		}
	}
	m.Error = strings.Join(errs, "; ")
	return m
}

func decodeInto(b []byte, m es9.Message) error {
	if m == nil {
		return nil
	}
	return es9.Decode(b, m)
}

// decodeHeader reads only the header of an answer (other fields are the
// function's own and are checked by decodeInto).
func decodeHeader(b []byte, h *es9.HeaderOnly) error {
	var raw struct {
		Header es9.ResponseHeader `json:"header"`
	}
	if err := jsonUnmarshal(b, &raw); err != nil {
		return err
	}
	h.Header = raw.Header
	return h.Validate()
}

func hostOnly(h string) string {
	if host, _, err := net.SplitHostPort(h); err == nil {
		return host
	}
	return h
}

// DecodeAll reads a capture (decrypting HTTPS with its key log) and returns
// every platform and ES9+ exchange as a Message, ordered by request time.
func DecodeAll(path string) ([]Message, error) {
	ex, err := ReadHTTP(path)
	if err != nil {
		return nil, err
	}
	return DecodeExchanges(ex)
}

// DecodeExchanges is DecodeAll on exchanges already read.
func DecodeExchanges(ex []Exchange) ([]Message, error) {
	out := make([]Message, 0, len(ex))
	for i, e := range ex {
		if strings.HasPrefix(e.Path, es9.PathPrefix) {
			m := DecodeES9(e)
			out = append(out, Message{Time: e.Time, Kind: KindES9, Status: e.Status, Client: e.Client, ES9: &m, Error: m.Error, Frame: e.Frame, Mark: e.Mark})
			continue
		}
		m, err := decodePlatform(e)
		if err != nil {
			return nil, fmt.Errorf("exchange %d (%s %s at %s): %w", i+1, e.Method, e.Path, e.Time.Format(time.RFC3339Nano), err)
		}
		out = append(out, m)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time.Before(out[j].Time) })
	return out, nil
}

func jsonUnmarshal(b []byte, v any) error {
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%v: %w", err, es9.ErrJSON)
	}
	return nil
}
