package harness

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/harness/lab"
)

// LabBackend is a rig's platform and SM-DP+s serving a lab run (it
// implements lab.Backend): for a real modem, a rig started with NoDevice
// on the address the device reaches; for the emulator behind a transport,
// the emulated device's own rig. From Start on, the rig's clock follows
// the wall clock at the given speed, as in `esimhil emulate`.
type LabBackend struct {
	Rig *Rig

	speed   float64
	ctx     context.Context
	cancel  context.CancelFunc
	done    chan struct{}
	mu      sync.Mutex
	started bool
	errs    []error
	onClose []func() error
	closed  bool
}

var (
	_ lab.Backend    = (*LabBackend)(nil)
	_ lab.FailureLog = (*LabBackend)(nil)
)

// Failed logs a lab run's failure (a run that did not open) as the
// harness's error event, which the page draws as a failure.
func (b *LabBackend) Failed(reason string) {
	b.Rig.Log.Emit(eventlog.Harness, eventlog.KindError, eventlog.F{"reason": reason})
}

// NewLabBackend serves a lab run from r; its clock stands still until
// Start (an emulated device answers AT meanwhile, but nothing it does on
// its own, such as the card's periodic check, happens before the host
// looks).
func NewLabBackend(r *Rig, speed float64) *LabBackend {
	ctx, cancel := context.WithCancel(context.Background())
	return &LabBackend{Rig: r, speed: speed, ctx: ctx, cancel: cancel, done: make(chan struct{})}
}

// Speed is how fast the rig's clock follows the wall clock.
func (b *LabBackend) Speed() float64 { return b.speed }

// Start runs the rig on the wall clock times speed until Close.
func (b *LabBackend) Start() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.started || b.closed {
		return
	}
	b.started = true
	go func() {
		defer close(b.done)
		b.Rig.Loop.FollowWall(b.ctx, b.speed, 10*time.Millisecond, func(err error) {
			b.mu.Lock()
			defer b.mu.Unlock()
			if len(b.errs) < 8 {
				b.errs = append(b.errs, err)
			}
		})
	}()
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

// CaptureFile is the rig's traffic.pcapng, "" for a rig that keeps no
// artifacts (Options.Scratch without Dir), whose capture is no file.
func (b *LabBackend) CaptureFile() string {
	if b.Rig.Dir() == "" {
		return ""
	}
	return filepath.Join(b.Rig.Dir(), TrafficFile)
}

// Close stops the clock and the rig; the capture is complete afterwards.
func (b *LabBackend) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	started := b.started
	b.mu.Unlock()
	var errs []error
	for _, f := range b.onClose {
		errs = append(errs, f())
	}
	b.cancel()
	if started {
		<-b.done
	}
	errs = append(errs, b.Rig.Close())
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, e := range b.errs {
		errs = append(errs, fmt.Errorf("rig clock: %w", e))
	}
	return errors.Join(errs...)
}
