package harness

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/esimhil/esimhil/fixtures"
	"github.com/esimhil/esimhil/harness/atclient"
	"github.com/esimhil/esimhil/harness/capture"
	"github.com/esimhil/esimhil/harness/lab/record"
	"github.com/esimhil/esimhil/harness/scenario"
	"github.com/esimhil/esimhil/harness/transport"
	"github.com/esimhil/esimhil/internal/personality"
)

// settle is how long the emulated device runs before a script is played:
// a recording is made on a modem that is on and attached.
const settle = 30 * time.Second

// Playback plays a recording's script against the emulator (the scenario's
// device, under personality p) on the virtual clock and returns the
// emulator's side of the conversation, for record.Diff.
func Playback(s *scenario.Scenario, p personality.Personality, script *record.Script) ([]string, error) {
	dir, err := os.MkdirTemp("", "esimhil-playback-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	r, err := NewRig(s, Options{Dir: dir, NoHost: true, Dialect: &p, Capture: capture.Tap})
	if err != nil {
		return nil, fmt.Errorf("playback: %w", err)
	}
	defer r.Close()
	if err := r.Advance(settle); err != nil {
		return nil, fmt.Errorf("playback: %w", err)
	}
	var log record.Log
	port, err := transport.Open(context.Background(), r.Modem.Path(), transport.Config{Shared: true})
	if err != nil {
		return nil, fmt.Errorf("playback: %w", err)
	}
	counted := newCountingPort(port)
	c := atclient.New(counted, atclient.WithTrace(&log), atclient.WithTimestamps(r.Loop.Now))
	defer c.Close()
	if err := record.Prepare(c); err != nil {
		return nil, fmt.Errorf("playback: %w", err)
	}
	log.Reset()
	if err := record.Run(c, p, script, &log, virtualClock{r, counted}); err != nil {
		return nil, fmt.Errorf("playback: %w", err)
	}
	return log.Lines(), nil
}

// virtualClock is a script's clock in playback: while a step waits (the
// modem restarting), nobody else advances the rig, so the wait does.
type virtualClock struct {
	r    *Rig
	port *countingPort
}

func (v virtualClock) Now() time.Time { return v.r.Loop.Now() }

// Wait runs the rig, stopping whenever the modem says something so that
// done, asked once the client has read it, sees it at the virtual instant
// it was said: the wait ends at the same time on every run.
func (v virtualClock) Wait(d time.Duration, done func() (bool, error)) (bool, error) {
	end := v.r.Now() + d
	for {
		if err := v.port.caughtUp(v.r.Modem.Written()); err != nil {
			return false, fmt.Errorf("playback: %w", err)
		}
		if ok, err := done(); ok || err != nil {
			return ok, err
		}
		if v.r.Now() >= end {
			return false, nil
		}
		seen := v.r.Modem.Written()
		if _, err := v.r.AdvanceUntil(end, func() bool { return v.r.Modem.Written() != seen }); err != nil {
			return false, fmt.Errorf("playback: %w", err)
		}
	}
}

// Poll lets the rig run to each poll's instant, as Wait does, and tries
// only when the emulator listens: one that restarts ignores the line, and
// the client would wait out its timeout on the wall clock. The polls fall
// on the same virtual instants, and the wait ends at the same one, on
// every run.
func (v virtualClock) Poll(d, every time.Duration, try func(time.Duration) (bool, error)) (int, bool, error) {
	start := v.r.Now()
	never := func() (bool, error) { return false, nil }
	for n := 1; time.Duration(n)*every <= d; n++ {
		if _, err := v.Wait(start+time.Duration(n)*every-v.r.Now(), never); err != nil {
			return n, false, err
		}
		var listening bool
		v.r.Loop.Do(func() { listening = v.r.Modem.Listening() })
		if !listening {
			continue
		}
		if ok, err := try(syncWait); ok || err != nil {
			return n, ok, err
		}
	}
	return int(d / every), false, nil
}

// syncWait bounds, in wall time, how long playback waits for the client to
// read what the modem wrote: immediate on a quiet machine.
const syncWait = 10 * time.Second

// countingPort counts what the AT client read of the modem's output and
// how much it had read when it last asked for more. The client's line
// reader asks only once every byte it holds is framed, and the client
// routes each line before framing the next: so once it asks having read
// n bytes, every line among them is traced and routed.
type countingPort struct {
	transport.Port
	mu    sync.Mutex
	cond  *sync.Cond
	total int64 // bytes read
	asked int64 // total when the reader last asked for more
}

func newCountingPort(p transport.Port) *countingPort {
	c := &countingPort{Port: p}
	c.cond = sync.NewCond(&c.mu)
	return c
}

func (p *countingPort) Read(b []byte) (int, error) {
	p.mu.Lock()
	p.asked = p.total
	p.cond.Broadcast()
	p.mu.Unlock()
	n, err := p.Port.Read(b)
	p.mu.Lock()
	p.total += int64(n)
	p.mu.Unlock()
	return n, err
}

// SetReadDeadline passes through: the client reads differently on a port
// without read deadlines.
func (p *countingPort) SetReadDeadline(t time.Time) error {
	d, ok := p.Port.(interface{ SetReadDeadline(time.Time) error })
	if !ok {
		return os.ErrNoDeadline
	}
	return d.SetReadDeadline(t)
}

// caughtUp waits until the client has read and routed n bytes.
func (p *countingPort) caughtUp(n int64) error {
	wake := time.AfterFunc(syncWait, func() {
		p.mu.Lock()
		p.cond.Broadcast()
		p.mu.Unlock()
	})
	defer wake.Stop()
	deadline := time.Now().Add(syncWait)
	p.mu.Lock()
	defer p.mu.Unlock()
	for p.asked < n {
		if !time.Now().Before(deadline) {
			return fmt.Errorf("the AT client read %d of the modem's %d bytes within %v", p.asked, n, syncWait)
		}
		p.cond.Wait()
	}
	return nil
}

// DiffRecording plays a recording's script against the emulator and
// compares: personality and scenario default to the recording's.
func DiffRecording(dir, pers, scen string) ([]record.Difference, *record.Recording, error) {
	rec, err := record.Load(dir)
	if err != nil {
		return nil, nil, err
	}
	if pers == "" {
		pers = rec.Manifest.Personality
	}
	p, err := personality.LoadNameOrFile(pers)
	if err != nil {
		return nil, rec, err
	}
	rec.Manifest.Personality = p.Name
	var s *scenario.Scenario
	if b, ok := fixtures.Scenario(rec.Manifest.Scenario); scen == "" && ok {
		// A built-in scenario named by its name (`lab record`'s default).
		s, err = scenario.Parse(rec.Manifest.Scenario+".yaml", b)
	} else {
		if scen == "" {
			scen = rec.Manifest.Scenario
			if !filepath.IsAbs(scen) {
				scen = filepath.Join(dir, scen)
			}
		}
		s, err = scenario.Load(scen)
	}
	if err != nil {
		return nil, rec, err
	}
	played, err := Playback(s, p, rec.Script)
	if err != nil {
		return nil, rec, err
	}
	ds, err := record.Diff(rec, played)
	return ds, rec, err
}
