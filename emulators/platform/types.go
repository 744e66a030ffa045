// Package platform emulates the third-party management platform of the seed
// patent: it answers the card's preferred-list requests for the area it roams
// in (claims 1 and 5), checks and forwards its download requests to the
// operator's SM-DP+ (claims 2 and 4), and sinks its notifications (claims 2
// and 3). Card requests are signed with the eUICC key (auth.go). It is a
// plain http.Handler with scenario-setting methods, served over real TCP on a
// loopback address. The wire API is documented in docs/platform-api.md.
package platform

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/esimhil/esimhil/internal/ident"
	"github.com/esimhil/esimhil/emulators/platform/wire"
)

// Routes of the API.
const (
	PathPreferredList = "/v1/preferred-list"
	PathNotifications = "/v1/notifications"
	PathInspect       = "/v1/inspect/received"
)

// MaxBody is the largest request body accepted (413 beyond).
const MaxBody = 64 << 10

// Notification kinds accepted by POST /v1/notifications.
const (
	KindAttachSuccess   = wire.KindAttachSuccess
	KindDownloadSuccess = wire.KindDownloadSuccess
	KindAttachFailure   = wire.KindAttachFailure
	KindListExhausted   = wire.KindListExhausted
)

// Ordering rules of a preferred list (claim 5).
const (
	OrderTariff = "tariff" // cheapest first
	OrderSignal = "signal" // strongest reported RSRP first, unreported last
)

// The request and answer bodies live in package wire, shared with the card.
type (
	SignalReport    = wire.SignalReport
	ListRequest     = wire.ListRequest
	ListedOperator  = wire.ListedOperator
	ListResponse    = wire.ListResponse
	Notification    = wire.Notification
	NotificationAck = wire.NotificationAck
	ErrorResponse   = wire.ErrorResponse
)

// DecodeListRequest parses and validates a preferred-list request body.
func DecodeListRequest(b []byte) (ListRequest, error) {
	var r ListRequest
	if err := decodeStrict(b, &r); err != nil {
		return r, err
	}
	return r, r.Validate()
}

// DecodeNotification parses and validates a notification body.
func DecodeNotification(b []byte) (Notification, error) {
	var n Notification
	if err := decodeStrict(b, &n); err != nil {
		return n, err
	}
	return n, n.Validate()
}

// DecodeListResponse parses a preferred-list answer.
func DecodeListResponse(b []byte) (ListResponse, error) {
	var r ListResponse
	if err := decodeStrict(b, &r); err != nil {
		return r, err
	}
	for i, o := range r.Operators {
		if o.ID == "" || !validPLMN(o.PLMN) {
			return r, fmt.Errorf("operators[%d]: missing id or malformed plmn %q", i, o.PLMN)
		}
	}
	return r, nil
}

// decodeStrict decodes exactly one JSON object and rejects unknown fields, so
// a misspelt field name is an error instead of a silently missing value.
func decodeStrict(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			return errors.New("malformed JSON: empty body")
		}
		return fmt.Errorf("malformed JSON: %w", err)
	}
	if d.More() {
		return errors.New("malformed JSON: data after the object")
	}
	return nil
}

func validEID(s string) bool   { return ident.IsEID(s) }
func validICCID(s string) bool { return ident.IsICCID(s) }
func validPLMN(s string) bool  { return ident.IsPLMN(s) }
