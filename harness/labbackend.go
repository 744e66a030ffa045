package harness

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	"github.com/esimhil/esimhil/harness/lab"
)

// LabBackend is a rig's platform and SM-DP+s serving a lab run (it
// implements lab.Backend): for a real modem, a rig started with NoDevice
// on the address the device reaches; for the emulator behind a transport,
// the emulated device's own rig. Either way the rig's clock follows the
// wall clock at the given speed, as in `esimhil emulate`.
type LabBackend struct {
	Rig *Rig

	cancel  context.CancelFunc
	done    chan struct{}
	mu      sync.Mutex
	errs    []error
	onClose []func() error
	closed  bool
}

var _ lab.Backend = (*LabBackend)(nil)

// FollowWall runs r on the wall clock times speed until Close.
func FollowWall(r *Rig, speed float64) *LabBackend {
	ctx, cancel := context.WithCancel(context.Background())
	b := &LabBackend{Rig: r, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(b.done)
		r.Loop.FollowWall(ctx, speed, 10*time.Millisecond, func(err error) {
			b.mu.Lock()
			defer b.mu.Unlock()
			if len(b.errs) < 8 {
				b.errs = append(b.errs, err)
			}
		})
	}()
	return b
}

// OnClose runs f when the backend closes, before the rig (a ser2net in
// front of the emulated modem, stopped first).
func (b *LabBackend) OnClose(f func() error) { b.onClose = append(b.onClose, f) }

// Describe says where the platform and each SM-DP+ listen.
func (b *LabBackend) Describe() []string {
	r := b.Rig
	scheme := "http"
	if r.Scenario.Platform.TLS {
		scheme = "https"
	}
	out := []string{fmt.Sprintf("platform %s://%s (Host: %s)", scheme, r.Platform.Addr(), PlatformHost)}
	for _, e := range r.SMDPEndpoints() {
		out = append(out, fmt.Sprintf("smdp %s https://%s listening on %s", e.Operator, e.Host, e.Addr))
	}
	return out
}

// Platform is the platform's base URL.
func (b *LabBackend) Platform() string {
	scheme := "http"
	if b.Rig.Scenario.Platform.TLS {
		scheme = "https"
	}
	return fmt.Sprintf("%s://%s", scheme, b.Rig.Platform.Addr())
}

// CaptureFile is the rig's traffic.pcapng.
func (b *LabBackend) CaptureFile() string { return filepath.Join(b.Rig.Dir(), TrafficFile) }

// Close stops the clock and the rig; the capture is complete afterwards.
func (b *LabBackend) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	b.mu.Unlock()
	var errs []error
	for _, f := range b.onClose {
		errs = append(errs, f())
	}
	b.cancel()
	<-b.done
	errs = append(errs, b.Rig.Close())
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, e := range b.errs {
		errs = append(errs, fmt.Errorf("rig clock: %w", e))
	}
	return errors.Join(errs...)
}
