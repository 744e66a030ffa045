package harness

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/esimhil/esimhil/fixtures"
	"github.com/esimhil/esimhil/harness/atclient"
	"github.com/esimhil/esimhil/harness/capture"
	"github.com/esimhil/esimhil/harness/lab"
	"github.com/esimhil/esimhil/harness/lab/record"
	"github.com/esimhil/esimhil/harness/scenario"
	"github.com/esimhil/esimhil/harness/transport"
	"github.com/esimhil/esimhil/internal/personality"
	"github.com/esimhil/esimhil/internal/stall"
)

// settle is how long the emulated device runs before a script is played:
// a recording is made on a modem that is on and attached.
const settle = 30 * time.Second

// Playback plays a recording's script against the emulator (the scenario's
// device, under personality p) on the virtual clock and returns the
// emulator's side of the conversation, for record.Diff. Each command is
// given lab record's default --timeout (PlaybackTimeout).
func Playback(s *scenario.Scenario, p personality.Personality, script *record.Script) ([]string, error) {
	return PlaybackWithin(s, p, script, PlaybackTimeout)
}

// PlaybackWithin is Playback giving each command timeout of simulated
// time, the --timeout the recording was made with.
func PlaybackWithin(s *scenario.Scenario, p personality.Personality, script *record.Script, timeout time.Duration) ([]string, error) {
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
	c := atclient.New(counted, atclient.WithTrace(&log), atclient.WithTimestamps(r.Loop.Now), atclient.WithTimeout(timeout))
	defer c.Close()
	// Stopped before the client closes (it may be waiting for the
	// client to read) and before the rig does (it may be running it).
	pump := startAnswerPump(r, counted, timeout)
	defer pump.stop()
	if err := record.Prepare(c); err != nil {
		return nil, fmt.Errorf("playback: %w", err)
	}
	log.Reset()
	if err := record.Run(c, p, script, &log, virtualClock{r, counted, pump}); err != nil {
		return nil, fmt.Errorf("playback: %w", err)
	}
	if err := pump.stop(); err != nil {
		return nil, fmt.Errorf("playback: %w", err)
	}
	return log.Lines(), nil
}

// PlaybackTimeout is the AT client's timeout in playback of a recording
// whose manifest names none, lab record's default --timeout: a command the
// emulator takes longer to answer (in simulated time) times out, as it
// did on a bench recorded with it.
const PlaybackTimeout = 5 * time.Second

// answerPump runs the rig while the AT client waits for the answer to a
// line it sent in playback. Outside a step's wait (virtualClock), nobody
// else advances the rig, and a command the emulator answers only after
// simulated time passes (AT+COPS=1,2,"20810": the attach attempt, then
// the denial) would wait out the client's timeout on the wall clock.
//
// The countingPort tells it each line the client writes. Once the modem
// has taken the line in (at the instant the rig stands at: nothing
// advances meanwhile), the pump runs the rig, as fast as it goes, while
// the modem still owes an answer (modem.Answering), stopping at each
// write of the modem's until the client has read and routed it (as
// virtualClock.Wait does), for at most the command's timeout of
// simulated time from the last line taken in. So the answer comes, and
// the client stamps it, at the same virtual instant on every run. A line
// answered at once (the most) costs a look, no advance.
//
// A step's wait advances the rig itself and polls on its own instants:
// while it does (pause), the pump leaves the lines written alone.
type answerPump struct {
	r      *Rig
	port   *countingPort
	within time.Duration // simulated time a line may take
	base   int64         // the modem's LinesIn before the client's first line

	mu     sync.Mutex
	cond   *sync.Cond
	sent   int64 // lines the client wrote
	served int64 // of them, those the pump has seen answered or given up on
	busy   bool  // serving
	paused bool  // a step's wait runs the rig
	closed bool
	err    error // the first failure; the pump serves no more after it
	exited chan struct{}
}

func startAnswerPump(r *Rig, port *countingPort, within time.Duration) *answerPump {
	p := &answerPump{r: r, port: port, within: within, base: r.Modem.LinesIn(), exited: make(chan struct{})}
	p.cond = sync.NewCond(&p.mu)
	port.mu.Lock()
	port.wrote = p.wrote
	port.mu.Unlock()
	go p.run()
	return p
}

// wrote counts lines the client wrote.
func (p *answerPump) wrote(lines int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sent += int64(lines)
	if p.paused {
		p.served = p.sent // the wait's own polls
	}
	p.cond.Broadcast()
}

func (p *answerPump) run() {
	defer close(p.exited)
	for {
		p.mu.Lock()
		for !p.closed && (p.paused || p.served == p.sent || p.err != nil) {
			p.cond.Wait()
		}
		if p.closed {
			p.mu.Unlock()
			return
		}
		target := p.sent
		p.busy = true
		p.mu.Unlock()
		err := p.serve(target)
		p.mu.Lock()
		p.busy = false
		p.served = max(p.served, target)
		if err != nil && p.err == nil {
			p.err = err
		}
		p.cond.Broadcast()
		p.mu.Unlock()
	}
}

// serve runs the rig until the modem, having taken in the client's
// first n lines, owes no answer, or the time a line may take has passed
// since it took in the last.
func (p *answerPump) serve(n int64) error {
	m := p.r.Modem
	if !m.AwaitLinesIn(p.base+n-1, syncWait) {
		return fmt.Errorf("the modem did not take in the AT client's line %d within %v", n, syncWait)
	}
	took := int64(-1)
	var end time.Duration
	for {
		if err := p.port.caughtUp(m.Written()); err != nil {
			return err
		}
		var owes bool
		var in int64
		p.r.Loop.Do(func() { owes, in = m.Answering(), m.LinesIn() })
		if in != took {
			// A line taken in since (the next command, typed as
			// soon as this one was answered) gets its own time.
			took, end = in, p.r.Now()+p.within
		}
		if !owes || p.r.Now() >= end {
			return nil
		}
		seen := m.Written()
		if _, err := p.r.AdvanceUntil(end, func() bool {
			if m.Written() != seen {
				return true
			}
			p.r.Loop.Do(func() { owes = m.Answering() })
			return !owes // answered without a byte (ATQ1)
		}); err != nil {
			return err
		}
	}
}

// pause waits until the pump has served every line written and stops it
// serving the lines written from now on, until resume: a step's wait runs
// the rig. It returns the pump's failure, if it failed.
func (p *answerPump) pause() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	for p.busy || p.served < p.sent && p.err == nil && !p.closed {
		p.cond.Wait()
	}
	p.paused = true
	return p.err
}

func (p *answerPump) resume() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.paused = false
	p.served = p.sent
	p.cond.Broadcast()
}

// stop ends the pump, once it has served the line it serves, and returns
// its failure, if it failed. It may be called more than once.
func (p *answerPump) stop() error {
	p.mu.Lock()
	p.closed = true
	p.cond.Broadcast()
	p.mu.Unlock()
	<-p.exited
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

// virtualClock is a script's clock in playback: while a step waits (the
// modem restarting), nobody else advances the rig, so the wait does; the
// answerPump, which runs the rig for a command's answer, pauses meanwhile.
type virtualClock struct {
	r    *Rig
	port *countingPort
	pump *answerPump
}

func (v virtualClock) Now() time.Time { return v.r.Loop.Now() }

// Wait runs the rig, stopping whenever the modem says something so that
// done, asked once the client has read it, sees it at the virtual instant
// it was said: the wait ends at the same time on every run.
func (v virtualClock) Wait(d time.Duration, done func() (bool, error)) (bool, error) {
	if err := v.pump.pause(); err != nil {
		return false, fmt.Errorf("playback: %w", err)
	}
	defer v.pump.resume()
	return v.wait(d, done)
}

func (v virtualClock) wait(d time.Duration, done func() (bool, error)) (bool, error) {
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
	if err := v.pump.pause(); err != nil {
		return 0, false, fmt.Errorf("playback: %w", err)
	}
	defer v.pump.resume()
	start := v.r.Now()
	never := func() (bool, error) { return false, nil }
	for n := 1; time.Duration(n)*every <= d; n++ {
		if _, err := v.wait(start+time.Duration(n)*every-v.r.Now(), never); err != nil {
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

// syncWait bounds, in the time the process ran (internal/stall), how long playback waits for the client to
// read what the modem wrote: immediate on a quiet machine.
const syncWait = 10 * time.Second

// countingPort counts what the AT client read of the modem's output and
// how much it had read when it last asked for more. The client's line
// reader asks only once every byte it holds is framed, and the client
// routes each line before framing the next: so once it asks having read
// n bytes, every line among them is traced and routed. It tells wrote
// of the command lines the client writes.
type countingPort struct {
	transport.Port
	mu    sync.Mutex
	cond  *sync.Cond
	total int64 // bytes read
	asked int64 // total when the reader last asked for more
	wrote func(lines int)
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

// Write counts the command lines written (the client writes each with
// its terminator, CR, in one write).
func (p *countingPort) Write(b []byte) (int, error) {
	n, err := p.Port.Write(b)
	p.mu.Lock()
	wrote := p.wrote
	p.mu.Unlock()
	if lines := bytes.Count(b[:max(n, 0)], []byte{'\r'}); lines > 0 && wrote != nil {
		wrote(lines)
	}
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
	w := stall.Begin(nil, syncWait)
	p.mu.Lock()
	defer p.mu.Unlock()
	if !w.Await(p.cond, func() bool { return p.asked >= n }) {
		return fmt.Errorf("the AT client read %d of the modem's %d bytes within %v", p.asked, n, syncWait)
	}
	return nil
}

// DiffRecording plays a recording's script against the emulator and
// compares: personality, scenario and the time each command is given
// (timeout 0) default to the recording's.
func DiffRecording(dir, pers, scen string, timeout time.Duration) ([]record.Difference, *record.Recording, error) {
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
	if timeout <= 0 {
		timeout = rec.Manifest.Timeout
	}
	if timeout <= 0 {
		timeout = PlaybackTimeout
	}
	rec.Manifest.Timeout = timeout
	played, err := PlaybackWithin(s, p, rec.Script, timeout)
	if err != nil {
		return nil, rec, err
	}
	// URCs told from answers as the recording's client told them (the
	// modem's unprefixed boot and REFRESH URCs).
	ds, err := record.Diff(rec, played, lab.ModemURCs(p)...)
	return ds, rec, err
}
