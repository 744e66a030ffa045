package capture

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"sort"
	"strings"
	"time"

	"github.com/esimhil/esimhil/emulators/rsp"
)

// ES9PathPrefix is the SGP.22 §6.5 ES9+ route prefix; the function name
// follows it.
const ES9PathPrefix = rsp.ES9PathPrefix

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
	Request  map[string]any // nil if the body was empty or not JSON
	Response map[string]any // nil for 204 (handleNotification) or non-JSON
	Status   int            // HTTP status; 0 if the capture has no answer
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
		Function: strings.TrimPrefix(e.Path, ES9PathPrefix), Status: e.Status,
	}
	var errs []string
	if len(bytes.TrimSpace(e.RequestBody)) > 0 {
		if err := json.Unmarshal(e.RequestBody, &m.Request); err != nil {
			errs = append(errs, fmt.Sprintf("request: %v", err))
		}
	}
	if len(bytes.TrimSpace(e.ResponseBody)) > 0 {
		if err := json.Unmarshal(e.ResponseBody, &m.Response); err != nil {
			errs = append(errs, fmt.Sprintf("response: %v", err))
		}
	}
	if h, ok := m.Response["header"].(map[string]any); ok {
		if fes, ok := h["functionExecutionStatus"].(map[string]any); ok {
			m.ExecutionStatus, _ = fes["status"].(string)
			if sc, ok := fes["statusCodeData"].(map[string]any); ok {
				m.SubjectCode, _ = sc["subjectCode"].(string)
				m.ReasonCode, _ = sc["reasonCode"].(string)
				m.StatusMessage, _ = sc["message"].(string)
			}
		}
	}
	m.Error = strings.Join(errs, "; ")
	return m
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
		if strings.HasPrefix(e.Path, ES9PathPrefix) {
			m := DecodeES9(e)
			out = append(out, Message{Time: e.Time, Kind: KindES9, Status: e.Status, Client: e.Client, ES9: &m, Error: m.Error})
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
