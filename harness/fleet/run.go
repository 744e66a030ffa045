package fleet

import (
	"bufio"
	"cmp"
	"container/heap"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/netip"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/esimhil/esimhil/emulators/clock"
	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/emulators/modem/stkterm"
	"github.com/esimhil/esimhil/harness"
	"github.com/esimhil/esimhil/harness/progress"
	"github.com/esimhil/esimhil/harness/scenario"
	"github.com/esimhil/esimhil/internal/proto/platformapi"
)

// Config is one storm run.
type Config struct {
	Template *Template
	// Shard and Shards cut the fleet: this run takes the devices
	// Template.ShardOf gives it. Shards 0 means 1.
	Shard, Shards int
	// Platform, if set, is an external platform (http[s]://host:port)
	// implementing docs/platform-api.md and trusting the test CI of
	// Template.Seed; SMDP maps operators to external SM-DP+s.
	Platform string
	SMDP     map[string]string
	// Progress receives the progress line (nil: none).
	Progress io.Writer
	// GiveUpAfter stops the storm when no exchange with its servers has
	// ended otherwise than at the cards' 10 s limit for this long (wall
	// clock) while some ended so: a platform
	// that went silent costs each request the cards' 10 s BIP limit, and
	// a large storm against one would otherwise run for hours to say so.
	// 0: never.
	GiveUpAfter time.Duration
	// Lists is how the cards' preferred lists are held against the
	// template's (ListsStrict, the default, or ListsReport).
	Lists string
}

// MinGiveUpAfter is the least GiveUpAfter: below the cards' own BIP limit
// one slow exchange would stop a storm.
const MinGiveUpAfter = 10 * time.Second

// ErrSilentServers is the cause of a storm stopped by GiveUpAfter.
var ErrSilentServers = errors.New("stopped: its servers answered nothing")

// stallLimit bounds how long (wall clock) the shared loop waits for the
// servers' answers: longer than the cards' own BIP idle limit (10 s), so
// a slow server ends in per-device failures, not a stopped storm.
const stallLimit = 30 * time.Second

// storm is a run in progress.
type storm struct {
	cfg Config
	t   *Template
	// downloads says some of the storm's devices (this shard's) download:
	// only they reach an SM-DP+.
	downloads bool
	loop      *clock.Loop
	sh        *harness.Shared
	res       *Result
	meter     *progress.Meter
	inproc    *Servers
	ext       *inspector
	// smdpLogs read the external SM-DP+s' notification logs (one each,
	// for the SM-DP+s of a storm with download devices).
	smdpLogs []*smdpReader

	mu sync.Mutex // guards res's notification and request counters
	// notes holds the cards' numbered notes to the platform (what each
	// sent, how often, whether it saw it acknowledged) against the
	// platform's log of them (the emulated one's events, or an external
	// one's log as ext reads it), note by note.
	notes *notes
	// smdpTried holds the notifications (EID|seq) the cards tried to
	// send to an SM-DP+, delivered or not: an SM-DP+ log entry taken
	// under none of them is another storm's (smdpReader.finish).
	smdpTried map[string]bool
	// givenUp, once set, stops the storm as a signal does, for its own
	// cause (Config.GiveUpAfter). silence counts from the last time
	// checkSilence saw an exchange answered (answeredWall, wall clock).
	givenUp      error
	silence      progressGate
	answeredWall time.Time
}

// live is a device between power-on and retirement.
type live struct {
	p      plan
	d      *harness.Device
	kind   string
	retire time.Time
	arrive time.Time
	// From the device's own log (written in loop work, read at retirement).
	switched time.Duration
	home     string
	// why is the last failure the device's log gave (a download refused,
	// an attach rejected), for the report of devices that stayed; first
	// is the first: the injected fault, which later retries may meet in
	// another form (the platform's daily quota on a download retried).
	why, first string
	// replayed is the first request of the card's the platform refused
	// as a replay ("" for none): its counters were ahead of the card's.
	replayed string
	// listFirst is the first operator of the last preferred list the
	// card got, firstFailed the last failure of a download of its
	// profile since that list; passedOver, set at each attach on a
	// visited network, says the card got there past the list's first by
	// such a failure ("" if not): an SM-DP+ that fails every download
	// passed while its cards went on to the next operator (outside tester
	// sw126). Only a server's failure counts, not the radio's: a list
	// whose first operator has no coverage where the device is makes the
	// card fall back as designed (outside tester sw129).
	listFirst, firstFailed, passedOver string
	// servedBy is the serving network of the card's last preferred-list
	// request: the country of a list that names none (listDeparture);
	// reported its signal report, by PLMN (nil: none logged), which the
	// list's rsrp must be.
	servedBy string
	reported map[string]int
	// listBad is why a list the card got fails the device: it breaks
	// what the API fixes, or (--lists strict) departs from the
	// template's (outside tester t146 F1); "" when none did.
	listBad string
	// silent is what the card read of the last exchange it failed
	// ("reply: connection closed without a reply") when the terminal had
	// dropped that link at its 10 s limit, "" otherwise.
	silent string
	// cutBy is the terminal's limit that dropped that link:
	// stkterm.ErrIdleLimit (a silent peer), or ErrHoldLimit (a peer that
	// kept it up past 60 s of wall time by dripping its answer, which the
	// card reads as a body cut short: outside tester t180 F4).
	cutBy error
	// failing holds, by addressee ("platform" or an operator), the
	// notifications (by number) whose last delivery failed and that no
	// acknowledgement has followed: at retirement they are undelivered,
	// and so are the notes the card holds behind such a one (heldBehind).
	// A note made just before retirement, never tried (the card had no
	// bearer yet), is not among them.
	failing map[string]map[string]bool
	// lastFail is, by addressee, the last failed delivery's reason and
	// when it failed: what a device stopped while it still owed them
	// says (cutShort).
	lastFail map[string]noteFail
	// on is the operator of the device's last attach since it arrived
	// ("" for none), got the operator of its last profile downloaded:
	// where a stopped device was, without asking its host.
	on, got string
}

// noteFail is a failed delivery: why, and when (simulated time since the
// storm's start).
type noteFail struct {
	why string
	at  time.Duration
}

// ErrRefused is in the error Run returns (errors.Is) when it would not
// start the storm: a flag that does not fit the template, or an external
// server its probe refused — the user's to mend. Without it, nothing
// ran because the fleet itself failed (its test PKI, its emulated
// servers).
var ErrRefused = errors.New("refused before the storm")

// refusal marks err as a refusal, its message unchanged.
type refusal struct{ error }

func (r refusal) Is(target error) bool { return target == ErrRefused }
func (r refusal) Unwrap() error        { return r.error }

func refused(format string, a ...any) error { return refusal{fmt.Errorf(format, a...)} }

// Run runs the storm and returns its figures. It stops when ctx ends,
// returning what it measured so far and the context's error; a nil
// result means the storm never started (ErrRefused says whose fault).
func Run(ctx context.Context, cfg Config) (*Result, error) {
	t := cfg.Template
	if cfg.Shards == 0 {
		cfg.Shards = 1
	}
	if cfg.Shard < 0 || cfg.Shard >= cfg.Shards {
		return nil, refused("shard %d/%d: want 0 ≤ i < n", cfg.Shard, cfg.Shards)
	}
	if err := CheckLists(cfg.Lists, cfg.Platform); err != nil {
		return nil, refusal{err}
	}
	if len(cfg.SMDP) > 0 && cfg.Platform == "" {
		return nil, refused("--smdp needs --platform: the emulated platform orders profiles only from the SM-DP+s it runs itself")
	}
	var plans []plan
	for i := range t.Devices {
		if t.ShardOf(i, cfg.Shards) != cfg.Shard {
			continue
		}
		p, err := t.planFor(i)
		if err != nil {
			return nil, err
		}
		plans = append(plans, p)
	}
	sort.SliceStable(plans, func(i, j int) bool { return plans[i].Start < plans[j].Start })
	ptys := t.PTYsOf(cfg.Shard, cfg.Shards)
	vclk := clock.NewVirtual(clock.Epoch)
	s := &storm{cfg: cfg, t: t, loop: clock.NewLoop(vclk), res: newResult(), notes: newNotes(), smdpTried: map[string]bool{},
		downloads: slices.ContainsFunc(plans, func(p plan) bool { return p.Part.Kind == KindDownload })}
	s.loop.Stall = stallLimit
	s.loop.Together = true // devices due at one second load the servers at once
	s.res.Template, s.res.Seed, s.res.Devices, s.res.PTYs = t.Name, t.Seed, len(plans), ptys
	s.res.ListsMode = orStrict(cfg.Lists)
	s.res.Fleet, s.res.FleetDevices, s.res.Cycle = t.Fingerprint(), t.Devices, t.cycle()
	s.res.Shards = []string{fmt.Sprintf("%d/%d", cfg.Shard, cfg.Shards)}
	if err := s.servers(ctx); err != nil {
		if ctx.Err() != nil {
			// Stopped while a server was being checked: the storm never
			// started, by the signal's doing, not the input's.
			return nil, fmt.Errorf("%w before the storm, while its external servers were being checked", context.Cause(ctx))
		}
		return nil, err
	}
	if s.ext != nil {
		s.ext.ours = make(map[string]bool, len(plans))
		for _, p := range plans {
			s.ext.ours[p.EID] = true
		}
		for _, r := range s.smdpLogs {
			r.ours = s.ext.ours
		}
	}
	defer s.inproc.Close()
	// While the loop waits on real I/O the line says on how much: a slow
	// external platform then reads as what it is, not as a hung run.
	// Answers that come while simulated time waits for the rest (the
	// storm's devices due at one instant go on together) are counted from
	// the instant simulated time last moved: progress, though the clock
	// stands still.
	var lastNow time.Time
	var releasedAt, expiredAt uint64
	waiting := func() string {
		now, expired := s.loop.Now(), s.loop.Expired()
		// Ended before the BIP limit: answered, or refused. An expiry is
		// counted before its release, so released may lag it by one.
		released := max(s.loop.Released(), expired) - expired
		if !now.Equal(lastNow) {
			lastNow, releasedAt, expiredAt = now, released, expired
		}
		var what string
		switch n := s.loop.InFlight(); n {
		case 0:
			return ""
		case 1:
			what = "1 exchange with a server in flight"
		default:
			what = fmt.Sprintf("%d exchanges with servers in flight", n)
		}
		if a := released - releasedAt; a > 0 {
			what += fmt.Sprintf(", %d answered since simulated time last moved", a)
		}
		if x := expired - expiredAt; x > 0 {
			what += fmt.Sprintf(", %d ran out the 10 s BIP limit unanswered", x)
		}
		return what
	}
	s.meter = progress.New(orDiscard(cfg.Progress), "fleet", len(plans), progress.Unit("devices"), progress.Extra(waiting))
	// The loop ticks the meter between its steps; while it waits on an
	// external server's answers (up to the 10 s BIP limit an exchange)
	// it takes none, so the line goes on by the wall clock. The emulated
	// servers answer at once: their storm needs no wall-clock timer.
	stopBeat := func() {}
	if cfg.Platform != "" {
		stopBeat = s.meter.Heartbeat()
	}
	s.res.peakRSSLifetime = resetPeakRSS()
	wall := time.Now()
	if s.ext != nil {
		s.ext.ctx = ctx // a stop ends a read of the log in flight
	}
	// A stop is said at once: the devices still on end only as their
	// exchanges in flight end, up to the cards' 10 s BIP limit each.
	noted := make(chan struct{})
	stopNote := context.AfterFunc(ctx, func() {
		defer close(noted)
		// None in flight at the signal: the step under way may still
		// start one, whose answer is waited for (outside tester sw82:
		// "now", then 10.7 s).
		when := "at the storm's next step (an exchange with a server it starts ends first, within the cards' 10 s BIP limit)"
		switch n := s.loop.InFlight(); n {
		case 0:
		case 1:
			when = "once the exchange with a server in flight ends (within the cards' 10 s BIP limit)"
		default:
			when = fmt.Sprintf("once the %d exchanges with servers in flight end (each within the cards' 10 s BIP limit)", n)
		}
		s.meter.Printf("stopping (%v): the devices still on are judged as they stand (failed, saying what they were doing, unless every step was done) %s; a second signal ends the process at once, with no result\n", context.Cause(ctx), when)
	})
	err := s.drive(ctx, plans)
	if !stopNote() {
		// The note is being written: Run's caller owns the progress
		// writer once Run returns, so its line must be out by then.
		<-noted
	}
	s.res.Wall = time.Since(wall)
	// The line's last figures are the storm's, as the result's are: the
	// platform's log read after it (up to finishRetryFor while reads
	// fail) made it "1.6/s, 38.1s elapsed" beside a result of 7.5/s over
	// 8 s (outside tester sw126).
	stopBeat()
	if s.res.StoppedBy != "" {
		// Its last line says why in the ETA's place: a stopped storm
		// has none.
		s.meter.Stop(s.res.StoppedBy)
	} else {
		s.meter.Finish()
	}
	if pc := s.sh.WallPeers; pc != nil {
		// The last exchanges' connections close within their grace,
		// which is no part of the storm's time.
		pc.Wait()
		s.res.KeptOpen = int(pc.KeptOpen())
	}
	// A server that stopped serving (out of file descriptors, say) made
	// its devices fail; the storm says why as well.
	if cerr := s.inproc.Close(); cerr != nil {
		err = errors.Join(err, fmt.Errorf("emulated servers: %w", cerr))
	}
	s.res.Simulated = s.loop.Now().Sub(clock.Epoch)
	if s.ext != nil {
		if why := s.ext.retrying(); why != "" {
			// The bound said is the whole phase's: a read in flight, the
			// retries, and the last retry's own limit (outside tester
			// o308: "up to 30s" took 50 s).
			fmt.Fprintf(orDiscard(s.cfg.Progress), "the storm is over; the platform's log is read again, %v of retries after the read in flight (up to %v in all, each read up to %v): %s\n", finishRetryFor, finishRetryFor+2*inspectTimeout, inspectTimeout, why)
		}
		s.ext.finish(s.res)
	}
	for _, r := range s.smdpLogs {
		r.finish(ctx, s.res, s.smdpTried)
	}
	if !s.res.PlatformUnread {
		s.notes.match().apply(s.res)
	}
	// The storm's own figures meet the bounds merge holds a result file
	// to: one that does not would pass here and be refused there.
	if aerr := s.res.notesAddUp(); aerr != nil {
		err = errors.Join(err, fmt.Errorf("the result does not add up (fleet merge would refuse it): %w", aerr))
	}
	s.res.PeakRSS = peakRSS()
	slices.Sort(s.res.SwitchTimes)
	// When it ran, by the wall clock (UTC, no monotonic reading: it is
	// compared with other machines' shards), for the merged rates.
	start := wall.Round(0).UTC()
	s.res.Runs = []ShardRun{{
		Shard: s.res.Shards[0], Start: start, End: start.Add(s.res.Wall), Wall: s.res.Wall,
		Devices: s.res.Devices, PlatformRequests: s.res.PlatformRequests, PlatformUnreached: s.res.PlatformUnreached,
	}}
	return s.res, err
}

func orDiscard(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}

// servers starts the emulated servers or points the cards at external
// ones, and sets what the devices share.
func (s *storm) servers(ctx context.Context) error {
	t := s.t
	pki, err := NewPKI(t.Base, t.Seed)
	if err != nil {
		return err
	}
	s.sh = &harness.Shared{Loop: s.loop, CI: pki.CI, EUM: pki.EUM, Resolve: map[string]netip.AddrPort{}}
	if s.cfg.Platform == "" {
		// One log for the servers, kept by nobody: its entries are
		// counted as they come.
		log := eventlog.NewPassing(s.loop.Clock().Now)
		log.Subscribe(s.serverEvent)
		if s.inproc, err = StartServers(t.Base, pki, t.Seed, s.loop.Clock(), log, "127.0.0.1:0", nil, true); err != nil {
			return err
		}
		s.sh.Platform, s.sh.PlatformTLS = s.inproc.Platform.Addr(), t.Base.Platform.TLS
		for host, op := range s.inproc.Hosts {
			s.sh.Resolve[host] = s.inproc.SMDP[op].Addr()
		}
		s.res.Platform = "emulated " + s.sh.Platform.String()
		for _, op := range slices.Sorted(maps.Keys(s.inproc.SMDP)) {
			s.res.SMDP[op] = "emulated " + s.inproc.SMDP[op].Addr().String()
		}
		return nil
	}
	addr, tlsOn, err := ParseEndpoint(s.cfg.Platform)
	if err != nil {
		return refused("--platform %w", err)
	}
	s.sh.WallPeers = &stkterm.PeerCloses{}
	for op := range s.cfg.SMDP {
		if _, ok := t.operator(op); !ok {
			return refused("--smdp %s: no such operator in %s", op, t.Base.File)
		}
	}
	// Every external server is tried once, as the cards will use it, and
	// all that fail are named: a dead one would otherwise fail the storm
	// device by device. The probes run side by side — stalled servers
	// take one probe's timeout, not one each — and their problems are
	// named in the order the servers are listed.
	var probs []*error
	var probing sync.WaitGroup
	problem := func(err error) { probs = append(probs, &err) }
	check := func(f func() error, name string) {
		slot := new(error)
		probs = append(probs, slot)
		probing.Go(func() {
			if err := f(); err != nil {
				*slot = fmt.Errorf("%s: %w", name, err)
			}
		})
	}
	check(func() error { return probePlatform(ctx, addr, tlsOn, pki.CI.X509, t.Seed, t.End()) }, "--platform "+s.cfg.Platform)
	s.sh.Platform, s.sh.PlatformTLS = addr, tlsOn
	s.res.Platform = s.cfg.Platform
	// Only download devices reach an SM-DP+: a storm without them — its
	// mix has none, or too few devices to reach them (outside tester
	// sw126: 10 devices of storm-fr) — has no SM-DP+ log to leave unread.
	downloads := s.downloads
	for _, o := range t.Base.Network.Operators {
		if o.SMDP == "" {
			continue
		}
		raw, ok := s.cfg.SMDP[o.ID]
		if !ok && !downloads {
			continue
		}
		if !ok {
			s.res.Unchecked = append(s.res.Unchecked, fmt.Sprintf(uncheckedSMDP+"%s: not given (--smdp %s=URL); its downloads fail", o.ID, o.ID))
			s.res.SMDPUnread = true
			continue
		}
		a, tlsOn, err := ParseEndpoint(raw)
		switch {
		case strings.HasPrefix(strings.ToLower(raw), "http://") || err == nil && !tlsOn:
			// Said before any failure to resolve its host: the scheme
			// alone is wrong.
			problem(fmt.Errorf("--smdp %s=%s: ES9+ is HTTPS (SGP.22 §2.6.6), the cards speak nothing else: want https://host:port", o.ID, raw))
			continue
		case err != nil:
			problem(fmt.Errorf("--smdp %s: %w", o.ID, err))
			continue
		}
		check(func() error { return probeSMDP(ctx, a, o.SMDP, pki.CI.X509, t.Seed, t.End()) }, fmt.Sprintf("--smdp %s=%s", o.ID, raw))
		s.sh.Resolve[o.SMDP] = a
		s.res.SMDP[o.ID] = raw
		if downloads {
			s.smdpLogs = append(s.smdpLogs, newSMDPReader(o.ID, a, cardTrust(pki.CI.X509, o.SMDP, s.loop.Clock().Now)))
		}
	}
	probing.Wait()
	var msgs []string
	for _, e := range probs {
		if *e != nil {
			msgs = append(msgs, (*e).Error())
		}
	}
	if len(msgs) > 0 {
		return fmt.Errorf("%w:\n  %s", ErrRefused, strings.Join(msgs, "\n  "))
	}
	// Where each SM-DP+'s notification log starts, or why it cannot be
	// read: the emulated SM-DP+'s route (esimhil serve's); a third
	// party's SM-DP+ has none, and its log is NOT CHECKED without failing
	// the storm.
	for _, r := range s.smdpLogs {
		r.probe(ctx)
	}
	// What the platform refuses, before its log's start is taken: the
	// checks are not the storm's requests.
	if s.res.PlatformAuth, err = checkPlatformAuth(ctx, t, pki, s.cfg.Shard, addr, tlsOn, time.Now()); err != nil {
		return err
	}
	// Where the platform's log starts (requests before the storm are not
	// the storm's), or why it cannot be read.
	var tc *tls.Config
	if tlsOn {
		tc = cardTrust(pki.CI.X509, harness.PlatformHost, s.loop.Clock().Now)
	}
	s.ext = newInspector(s.cfg.Platform, tc)
	s.ext.notes = s.notes
	s.ext.ctx = ctx
	if err := s.ext.probe(harness.PlatformHost, t.Seed); err != nil {
		// Worded as the probes above word theirs.
		return fmt.Errorf("%w:\n  --platform %s: %w", ErrRefused, s.cfg.Platform, err)
	}
	return nil
}

// smdpKeepUp reads the external SM-DP+s' notification logs when due
// (smdpReader.keepUp), between the storm's steps.
func (s *storm) smdpKeepUp(ctx context.Context) {
	for _, r := range s.smdpLogs {
		s.mu.Lock()
		sent := 0
		for k, n := range s.res.CardToSMDP {
			if strings.HasPrefix(k, r.op+"|") {
				sent += n
			}
		}
		s.mu.Unlock()
		r.keepUp(ctx, sent)
	}
}

// serverEvent counts the emulated servers' log entries (from the
// servers' goroutines).
func (s *storm) serverEvent(e eventlog.Event) {
	if e.Kind != "notification_received" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch e.Actor {
	case eventlog.Platform:
		s.res.PlatformLog[e.Str("eid")+"|"+e.Str("kind")]++
		if n, ok := noteFromEvent(e); ok {
			s.notes.logged(n)
		}
	case eventlog.SMDP:
		s.res.SMDPLog[e.Str("operator")+"|"+e.Str("kind")]++
	}
}

// progressGate tells simulated time that moves as progress from time that
// creeps only because exchanges with a silent server ran out (the BIP
// limit, then a retry a simulated second on), from the loop's counts of
// ended (Released) and expired (Expired) exchanges when time last moved
// as progress.
type progressGate struct{ rel, exp uint64 }

// progress reports whether the storm progressed by the counts now: no
// exchange expired since, or one was answered (ended, not expired). It
// counts from now when it did.
func (g *progressGate) progress(rel, exp uint64) bool {
	if exp != g.exp && int64(rel-g.rel)-int64(exp-g.exp) <= 0 {
		return false
	}
	g.rel, g.exp = rel, exp
	return true
}

// retireHeap orders live devices by retirement time.
type retireHeap []*live

func (h retireHeap) Len() int           { return len(h) }
func (h retireHeap) Less(i, j int) bool { return h[i].retire.Before(h[j].retire) }
func (h retireHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *retireHeap) Push(x any)        { *h = append(*h, x.(*live)) }
func (h *retireHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// drive powers devices on at their start times and retires them after
// their dwell, running the shared loop in between.
func (s *storm) drive(ctx context.Context, plans []plan) error {
	epoch := s.loop.Now()
	var active retireHeap
	next := 0
	// The storm ends when its last device retires: its span in simulated
	// time is how far along it is (devices finish only after their
	// dwell, so their count says little until late).
	var span time.Duration
	for _, p := range plans {
		span = max(span, p.Arrive+time.Duration(s.t.Dwell))
	}
	var lastTick time.Time // wall clock: what the line shows, not what the storm does
	gate := progressGate{rel: s.loop.Released(), exp: s.loop.Expired()}
	note := func() string {
		sim := s.loop.Now().Sub(epoch)
		return fmt.Sprintf("%d on, %v of %v simulated", len(active), sim.Truncate(time.Second), span.Truncate(time.Second))
	}
	tick := func() {
		lastTick = time.Now()
		sim := s.loop.Now().Sub(epoch)
		if span > 0 {
			if gate.progress(s.loop.Released(), s.loop.Expired()) {
				s.meter.SetFraction(float64(sim) / float64(span))
			} else {
				s.meter.Creep(float64(sim) / float64(span))
			}
		}
		s.meter.Tick(note())
	}
	// retireNext retires the next device, the line its Done may draw
	// saying how many are on without it (outside tester sw127: "1/300
	// devices … 300 on", the count of the tick before).
	retireNext := func(stopped string) {
		l := heap.Pop(&active).(*live)
		s.meter.SetNote(note())
		s.retire(l, stopped)
	}
	for next < len(plans) || len(active) > 0 {
		if err := cmp.Or(ctx.Err(), s.givenUp); err != nil {
			cause, short := stopCause(ctx, s.givenUp, s.cfg.GiveUpAfter)
			for len(active) > 0 {
				retireNext("still on when the storm was " + short)
			}
			s.stopBefore(plans[next:], cause)
			tick() // the last line says none is on any more
			return err
		}
		var at time.Time
		switch {
		case next < len(plans) && (len(active) == 0 || !epoch.Add(plans[next].Start).After(active[0].retire)):
			at = epoch.Add(plans[next].Start)
		default:
			at = active[0].retire
		}
		if at.After(s.loop.Now()) {
			// A signal is seen between steps, not only between arrivals.
			// Checked after every step of the loop: a signal stops the
			// storm mid-run; progress is shown now and then (a storm
			// takes millions of steps).
			steps := 0
			step := func() bool {
				// Every 1024 steps, or, where steps are few and slow (an
				// external server's answers), every 200 ms of wall time:
				// the line's simulated time then moves as the storm does.
				if steps++; steps%1024 == 0 || time.Since(lastTick) >= 200*time.Millisecond {
					tick()
				}
				s.checkSilence()
				if s.ext != nil {
					// Between arrivals and retirements lie long spans
					// (the dwell after the last arrival) whose periodic
					// checks fill the log: it is read as they go.
					s.mu.Lock()
					sent := s.res.PlatformRequests
					s.mu.Unlock()
					s.ext.keepUp(sent)
					s.smdpKeepUp(ctx)
				}
				return ctx.Err() != nil || s.givenUp != nil
			}
			if _, err := s.loop.RunUntil(at, step); err != nil {
				for len(active) > 0 {
					retireNext("storm stopped: " + err.Error())
				}
				s.stopBefore(plans[next:], "stopped by an error of the storm: "+err.Error())
				return fmt.Errorf("storm: %w", err)
			}
		}
		for len(active) > 0 && !active[0].retire.After(s.loop.Now()) {
			retireNext("")
		}
		for next < len(plans) && !epoch.Add(plans[next].Start).After(s.loop.Now()) {
			if l := s.start(plans[next], epoch); l != nil {
				heap.Push(&active, l)
			}
			next++
		}
		if s.ext != nil {
			s.mu.Lock()
			sent := s.res.PlatformRequests
			s.mu.Unlock()
			s.ext.keepUp(sent)
			s.smdpKeepUp(ctx)
		}
		tick()
	}
	return nil
}

// checkSilence gives the storm up (Config.GiveUpAfter) when no exchange
// with its servers has ended otherwise than at the cards' 10 s limit for
// that long while some did end so (clock.Loop.Expire): a silent server
// still lets the storm step on, one exchange limit at a time. It runs
// between the loop's steps; time spent otherwise (waiting for a slow log
// route) expires no exchange and gives nothing up.
func (s *storm) checkSilence() {
	if s.cfg.GiveUpAfter <= 0 {
		return
	}
	rel, exp := s.loop.Released(), s.loop.Expired()
	if s.answeredWall.IsZero() || s.silence.progress(rel, exp) {
		s.silence, s.answeredWall = progressGate{rel: rel, exp: exp}, time.Now()
		return
	}
	if quiet := time.Since(s.answeredWall); quiet >= s.cfg.GiveUpAfter {
		s.givenUp = fmt.Errorf("%w for %v: %d exchanges with them ran out the cards' 10 s BIP limit, none answered (--give-up-after %v)",
			ErrSilentServers, quiet.Truncate(time.Second), exp-s.silence.exp, s.cfg.GiveUpAfter)
		s.meter.Printf("stopping (%v): the devices still on are judged as they stand now (failed, saying what they were doing, unless every step was done)\n", s.givenUp)
	}
}

// stopBefore records why the storm stopped early and the devices it
// never powered on (rest): they have no outcome — neither finished nor
// failed — so they are counted apart (Result.NotStarted), which keeps
// the result's counts adding up to its devices.
func (s *storm) stopBefore(rest []plan, cause string) {
	s.res.StoppedBy = cause
	s.res.NotStarted += len(rest)
}

// kindName names a part of the mix for the report.
func kindName(p Part) string {
	n := p.Kind
	if p.CardFault != "" {
		n += " + card fault " + p.CardFault
	}
	if p.AttachReject != 0 {
		n += " + attach reject #" + strconv.Itoa(p.AttachReject)
	}
	return n
}

// start builds and powers on one device.
func (s *storm) start(p plan, epoch time.Time) *live {
	l := &live{p: p, kind: kindName(p.Part), arrive: epoch.Add(p.Arrive), retire: epoch.Add(p.Arrive + time.Duration(s.t.Dwell))}
	sc, err := s.t.scenarioFor(p)
	if err != nil {
		s.fail(l, err)
		return nil
	}
	l.home = s.t.HomeOp.ID
	log := eventlog.NewPassing(s.loop.Clock().Now)
	log.Subscribe(func(e eventlog.Event) { s.deviceEvent(l, e) })
	d, err := harness.NewDevice(s.sh, harness.DeviceConfig{
		Scenario: sc, Seed: p.Seed, Log: log, InMemory: p.Index >= s.t.PTYs, CardFault: p.Part.CardFault,
	})
	if err != nil {
		s.fail(l, err)
		return nil
	}
	if err := d.Start(); err != nil {
		d.Close()
		s.fail(l, err)
		return nil
	}
	l.d = d
	return l
}

// emptyList is why a device whose platform listed no operator stays.
const emptyList = "preferred list: empty (the platform listed no operator for the visited area's country)"

// deviceEvent reads what a device's log says (in loop work, or from its
// BIP completions, which run in loop work too).
func (s *storm) deviceEvent(l *live, e eventlog.Event) {
	if why, ok := cardFailure(e, l.silent, l.cutBy); ok {
		l.why = why
		if e.Kind == "download_result" && l.listFirst != "" && e.Str("operator") == l.listFirst {
			l.firstFailed = why
		}
		if l.first == "" {
			l.first = why
		}
		if l.replayed == "" && strings.Contains(why, "http status 401: "+platformapi.ReasonReplay) {
			l.replayed = why
		}
		if e.Kind != "attach_failed" {
			s.mu.Lock()
			s.res.RequestFailures++
			countWhy(&s.res.RequestWhy, why, 1)
			if unreached(e) {
				s.res.PlatformUnreached++
			}
			s.mu.Unlock()
		}
		return
	}
	switch {
	case e.Actor == eventlog.EUICC && e.Kind == "download_result" && e.Get("ok") == true:
		l.got = e.Str("operator")
	case e.Actor == eventlog.EUICC && e.Kind == "bip_error":
		// Logged as the exchange fails, before its channel is closed:
		// the terminal's LinkError is this exchange's.
		l.silent, l.cutBy = "", nil
		if l.d == nil {
			break
		}
		if by, ok := linkCut(l.d.Terminal.LinkError()); ok {
			_, l.silent, _ = strings.Cut(e.Str("reason"), ": ") // after "POST /v1/…: "
			l.cutBy = by
		}
	case e.Actor == eventlog.EUICC && e.Kind == "preferred_list_empty":
		// No failure, and yet why the device stays: the platform
		// answered, with no operator to go to.
		l.why = emptyList
		if l.first == "" {
			l.first = l.why
		}
	case e.Actor == eventlog.EUICC && e.Kind == "preferred_list_received":
		l.listFirst, l.firstFailed = "", ""
		if ops := e.Strs("operators"); len(ops) > 0 {
			l.listFirst = ops[0]
		}
		s.heldToTemplate(l, listOf(e))
	case e.Actor == eventlog.EUICC && e.Kind == "preferred_already_enabled":
		// No failure, and yet why the device stays: the list's first
		// operator is the one it is on (outside tester t146 F2).
		l.why = "preferred list: its first operator " + e.Str("operator") + " is the one in use: nothing to switch to"
		if l.first == "" {
			l.first = l.why
		}
	case e.Actor == eventlog.World && e.Kind == "attach_result" && e.Get("ok") == true:
		op := e.Str("operator")
		if e.T.Before(l.arrive) {
			break
		}
		l.on = op
		if op == l.home {
			break
		}
		if l.switched == 0 {
			l.switched = e.T.Sub(l.arrive)
		}
		l.passedOver = ""
		if op != l.listFirst && l.firstFailed != "" {
			l.passedOver = fmt.Sprintf("%s, past the list's first %s, whose download failed: %s", op, l.listFirst, l.firstFailed)
		}
	case e.Actor == eventlog.EUICC && e.Kind == "notification_sent" && e.Str("refused") == "":
		if id, ok := noteID(e); ok {
			delete(l.failing[e.Str("to")], id)
		}
		s.mu.Lock()
		if to := e.Str("to"); to == "platform" {
			s.res.CardToPlatform[l.p.EID+"|"+e.Str("kind")]++
			s.res.PlatformRequests++
			s.notes.sent(l.p.Index, e, true)
		} else {
			s.res.CardToSMDP[to+"|"+e.Str("kind")]++
			s.smdpTried[smdpKey(l.p.EID, e)] = true
		}
		s.mu.Unlock()
	case e.Actor == eventlog.EUICC && (e.Kind == "notification_failed" || e.Kind == "notification_sent"):
		// Failed, or answered with a refusal (an SM-DP+'s Failed header:
		// the card forgets it, undelivered, never counted as taken).
		why := silentWhy(e.Str("reason"), l.silent, l.cutBy)
		if r := e.Str("refused"); r != "" {
			why = "refused: " + r
		}
		if id, ok := noteID(e); ok {
			to := e.Str("to")
			if l.failing[to] == nil {
				if l.failing == nil {
					l.failing = map[string]map[string]bool{}
				}
				l.failing[to] = map[string]bool{}
			}
			l.failing[to][id] = true
			if l.lastFail == nil {
				l.lastFail = map[string]noteFail{}
			}
			l.lastFail[to] = noteFail{why, e.T.Sub(clock.Epoch)}
		}
		s.mu.Lock()
		s.res.NotificationFailures++
		if e.Kind == "notification_sent" {
			s.res.DroppedSMDP++ // refused: the card forgot it
		}
		s.res.notificationFailedBecause(e.Str("to"), why)
		if e.Str("to") == "platform" || e.Str("to") == "" {
			s.res.PlatformRequests++
			if unreached(e) {
				s.res.PlatformUnreached++
			}
			s.notes.sent(l.p.Index, e, false)
		} else {
			s.smdpTried[smdpKey(l.p.EID, e)] = true
		}
		s.mu.Unlock()
	case scenario.DroppedForRoom(e):
		// Dropped for room in a full outbox: the platform never gets it,
		// tried or not.
		s.mu.Lock()
		s.res.DroppedFull++
		s.mu.Unlock()
	case e.Actor == eventlog.EUICC && e.Kind == "note_dropped" && e.Get("reason") != nil:
		// Dropped on a final 4xx (the note has failed, so it is already
		// undelivered).
		s.mu.Lock()
		s.res.DroppedPlatform++
		s.mu.Unlock()
	case e.Actor == eventlog.EUICC && (e.Kind == "preferred_list_requested" || e.Kind == "download_requested"):
		if e.Kind == "preferred_list_requested" {
			l.servedBy = e.Str("serving_plmn")
			l.reported = signalOf(e)
		}
		s.mu.Lock()
		s.res.PlatformRequests++
		s.mu.Unlock()
	}
}

// heldToTemplate counts a list a card got and holds it against what the
// API fixes and, by Config.Lists, against the template's list for its
// country: a platform serving lists in the wrong order, or leaving an
// operator out, passed storms whose devices went where their lists said
// (outside tester t146 F1).
func (s *storm) heldToTemplate(l *live, got platformapi.ListResponse) {
	bad := s.t.listBroken(got, l.reported)
	dep := ""
	if bad == "" {
		dep = s.t.listDeparture(got, l.servedBy, l.reported)
	}
	s.mu.Lock()
	countWhy(&s.res.Lists, listKey(got), 1)
	if dep != "" {
		countWhy(&s.res.ListDepartures, dep, 1)
	}
	s.mu.Unlock()
	switch {
	case l.listBad != "":
	case bad != "":
		l.listBad = "preferred list: " + bad
	case dep != "" && s.cfg.Lists != ListsReport:
		l.listBad = "preferred list: " + dep + " (--lists strict)"
	}
}

// smdpKey names a card's notification to an SM-DP+ as the SM-DP+'s log
// does: EID|seq.
func smdpKey(eid string, e eventlog.Event) string {
	return fmt.Sprintf("%s|%v", eid, e.Get("seq"))
}

// unreached reports whether a card's failed platform request (a note's
// delivery, a preferred list, a download's platform step) never reached
// the platform: the card's channel to it did not open (OPEN CHANNEL
// failed, TS 102 223 §6.4.27: the terminal made no connection). Such a
// request is counted, and left out of the rate the platform was sent.
func unreached(e eventlog.Event) bool {
	const noChannel = "open channel: result "
	reason := e.Str("reason")
	switch e.Kind {
	case "notification_failed", "preferred_list_failed":
		return strings.HasPrefix(reason, noChannel)
	case "download_result":
		return strings.HasPrefix(reason, "platform: "+noChannel)
	}
	return false
}

// heldBehind is what the card still holds for the platform behind a note
// whose last delivery failed: the card sends its notes one at a time, in
// order, so while the platform refuses the head (a 503 it keeps
// answering) every note after it waits, never tried. They are as
// undelivered as the head. Without a failed head nothing is: a note made
// just before retirement and not yet tried is not counted (a healthy storm
// ends with none).
func (s *storm) heldBehind(l *live) []string {
	if l.d == nil || len(l.failing["platform"]) == 0 {
		return nil
	}
	held := l.d.Card.HeldNotes()
	if len(held) == 0 || !l.failing["platform"][fmt.Sprintf("report %d", held[0])] {
		return nil
	}
	var ids []string
	for _, r := range held[1:] {
		if id := fmt.Sprintf("report %d", r); !l.failing["platform"][id] {
			ids = append(ids, id)
		}
	}
	return ids
}

// noteID names the notification a notification_sent or _failed event is
// about by its number: a platform note's report or an SGP.22
// notification's seq. An event with neither (a card that could not list
// its notifications) names none. Both numbers are the card's own, unique
// per card, so the kind (which a resend may name differently) is left out.
func noteID(e eventlog.Event) (string, bool) {
	for _, k := range []string{"report", "seq"} {
		if v := e.Get(k); v != nil {
			return fmt.Sprintf("%s %v", k, v), true
		}
	}
	return "", false
}

// cardFailure is the failure a card's event reports, as the fleet's
// reasons name it ("download: …", "attach: …", "preferred list: …"), and
// whether it reports one. A reason that already names its step (a card
// whose applet predates the fix said "preferred list: …" itself) keeps
// its one prefix. silent is what the card read of an exchange the
// terminal dropped at a limit (by, nil for its 10 s one): the card cannot
// tell a silent peer from one that closed, so a reason holding it is
// named by the limit.
func cardFailure(e eventlog.Event, silent string, by error) (string, bool) {
	if e.Actor != eventlog.EUICC {
		return "", false
	}
	var step string
	switch {
	case e.Kind == "download_result" && e.Get("ok") == false:
		step = "download"
	case e.Kind == "attach_failed":
		step = "attach"
	case e.Kind == "preferred_list_failed":
		step = "preferred list"
	default:
		return "", false
	}
	reason := e.Str("reason")
	if step != "attach" {
		reason = silentWhy(reason, silent, by)
	}
	if step == "download" && strings.HasSuffix(reason, unknownMatchingID) {
		// What a platform's card sees when the platform answered a
		// matching ID it never ordered: the cause, not only the code.
		reason += " (the SM-DP+ holds no order for the matching ID the platform answered: did the platform order it? ES2+ DownloadOrder/ConfirmOrder, docs/platform-api.md)"
	}
	if strings.HasPrefix(reason, step+": ") {
		return reason, true
	}
	return step + ": " + reason, true
}

// linkCut is what a failed exchange's reason names in place of the
// card's words, from the terminal's LinkError: the limit that dropped the
// link, or what the host lacked to open it (stkterm.ErrHostShort, the
// error itself: the device failed for the host's want, not the
// platform's — outside tester t216); false for a link its peer ended.
func linkCut(err error) (error, bool) {
	switch {
	case errors.Is(err, stkterm.ErrHoldLimit):
		return stkterm.ErrHoldLimit, true
	case errors.Is(err, stkterm.ErrIdleLimit):
		return stkterm.ErrIdleLimit, true
	case errors.Is(err, stkterm.ErrHostShort):
		return err, true
	}
	return nil, false
}

// silentWhy names the terminal's limit (by: its 10 s one when nil, or
// the 60 s wall-time one) in a reason that ends with what the card read
// of an exchange the terminal dropped there (silent; "" for none): the
// card's own words cannot tell a silent or dripping peer from one that
// closed.
func silentWhy(reason, silent string, by error) string {
	if silent == "" {
		return reason
	}
	if by == nil {
		by = stkterm.ErrIdleLimit
	}
	if before, ok := strings.CutSuffix(reason, silent); ok {
		return before + by.Error() + " (the card read: " + silent + ")"
	}
	return reason
}

// unknownMatchingID ends an SM-DP+'s refusal of a matching ID it holds no
// order for (SGP.22 §5.6.3: matching ID 8.2.6, refused 3.8).
const unknownMatchingID = "subject 8.2.6 reason 3.8: unknown matching ID"

// retire reads the device's final state from its host, as a person
// would (the registration and the subscriber), records its outcome and
// powers it off.
func (s *storm) retire(l *live, stopped string) {
	defer func() { l.d = nil }()
	queued := len(s.heldBehind(l))
	s.res.UndeliveredPlatform += len(l.failing["platform"]) + queued
	s.res.QueuedPlatform += queued
	for to, keys := range l.failing {
		if to != "platform" {
			s.res.UndeliveredSMDP += len(keys)
		}
	}
	if stopped != "" {
		s.cutShort(l, stopped)
		l.d.Close()
		return
	}
	imsi, err := s.hostReport(l.d)
	cerr := l.d.Close()
	switch {
	case err != nil:
		s.fail(l, err)
		return
	case cerr != nil:
		s.fail(l, cerr)
		return
	}
	switched := !strings.HasPrefix(imsi, s.t.HomeOp.PLMN) && l.switched > 0
	if l.replayed != "" {
		// The card's counter starts over with each storm; a platform
		// that refuses it as a replay has seen this card before, and
		// what the device did after is not what this storm set out to
		// measure (its counter climbs past the platform's refusal by
		// refusal).
		reason := "the platform refused its request as a replay — it has this card's counters from before: a shard run again against the same platform? (a storm runs against a platform that has not seen its cards): " + l.replayed
		s.failBecause(l, reason, reason)
		return
	}
	if l.listBad != "" {
		s.failBecause(l, l.listBad, l.listBad)
		return
	}
	if reason := judge(l.p.Part, switched, l.first, l.why, l.passedOver); reason != "" {
		s.failBecause(l, reason, reason)
		return
	}
	s.countOutcome(l, switched)
	s.meter.Done(true)
}

// countOutcome counts l's device as switched (its switch time among the
// percentiles) or stayed (and why), by kind.
func (s *storm) countOutcome(l *live, switched bool) {
	outcome := Stayed
	if switched {
		outcome = Switched
		s.res.SwitchTimes = append(s.res.SwitchTimes, l.switched)
	}
	s.res.count(l.kind, outcome)
	if outcome == Stayed {
		s.res.stayedBecause(l.why)
	}
}

// injection is a failure a part of the mix causes on purpose, and how the
// card's last logged failure shows it.
type injection struct {
	name  string
	shows func(why string) bool
}

// injections are the faults of p that can act: a card fault acts only on
// a download (a preinstalled card never downloads).
func (p Part) injections() []injection {
	var in []injection
	if p.CardFault == scenario.BadEUICCSignature && p.Kind == KindDownload {
		// SGP.22 §5.6.3: the SM-DP+ refuses AuthenticateClient with
		// eUICC (8.1) verification failed (6.1), whoever implements it.
		in = append(in, injection{"card fault " + p.CardFault, func(why string) bool {
			return strings.HasPrefix(why, "download: authenticateClient: ") && strings.Contains(why, "subject 8.1 reason 6.1:")
		}})
	}
	if p.AttachReject != 0 {
		in = append(in, injection{"attach reject #" + strconv.Itoa(p.AttachReject), func(why string) bool {
			return strings.HasPrefix(why, "attach: ")
		}})
	}
	return in
}

// judge holds a device that ran its dwell to what its part of the mix set
// it up for: with nothing injected it switches, to the first operator of
// its list unless that one was skipped without a failure (passedOver
// says where a failure took it instead); with a fault it stays on
// its original profile, the first or the last failure its card logged
// being the injected one (the method's fallback, not a harness failure;
// a long dwell's retries may end on what they cause, as the platform's
// daily quota). Anything else is a failed device; judge says why, or ""
// when it did as planned.
func judge(p Part, switched bool, first, why, passedOver string) string {
	in := p.injections()
	names := make([]string, len(in))
	for i, j := range in {
		names[i] = j.name
	}
	injected := strings.Join(names, " and ")
	switch {
	case len(in) == 0 && switched && passedOver != "":
		return "switched to " + passedOver
	case len(in) == 0 && switched:
		return ""
	case len(in) == 0 && why == "":
		return "stayed on its original profile, nothing injected and no failure logged (a dwell shorter than a check interval?)"
	case len(in) == 0:
		return "stayed on its original profile, nothing injected: " + why
	case switched:
		return "switched despite its injected " + injected
	}
	for _, j := range in {
		if j.shows(why) || j.shows(first) {
			return ""
		}
	}
	if why == "" {
		return "stayed with no failure logged, not by its injected " + injected
	}
	return "stayed, not by its injected " + injected + ": " + why
}

// hostReport asks the device over AT, through its pty or in memory, for
// its subscriber identity (the profile in use).
func (s *storm) hostReport(d *harness.Device) (string, error) {
	c, err := d.Host()
	if err != nil {
		return "", fmt.Errorf("host: %w", err)
	}
	defer c.Close()
	resp, err := c.Command("AT+CIMI")
	if err != nil {
		return "", fmt.Errorf("host: AT+CIMI: %w", err)
	}
	for _, line := range resp.Lines {
		if line = strings.TrimSpace(line); line != "" && strings.Trim(line, "0123456789") == "" {
			return line, nil
		}
	}
	return "", fmt.Errorf("host: AT+CIMI answered %q", resp.Lines)
}

// fail records a device whose run ended in an error (a rig error, the
// storm stopped).
func (s *storm) fail(l *live, err error) {
	msg := err.Error()
	if first, _, ok := strings.Cut(msg, "\n"); ok {
		msg = first
	}
	s.failBecause(l, msg, err.Error())
}

// failBecause records a failed device under reason (grouped in the
// report) with its own detail.
func (s *storm) failBecause(l *live, reason, detail string) {
	s.recordFailure(l, reason, detail)
	s.meter.Done(false)
}

// recordFailure counts a failed device in the result (failBecause without
// the progress line's done: a stopped device did not finish).
func (s *storm) recordFailure(l *live, reason, detail string) {
	s.res.count(l.kind, Failed)
	s.res.failedBecause(reason, l.p.Index)
	s.res.addError("device %d (%s, %s): %s", l.p.Index, l.p.EID, l.kind, detail)
}

// clearRefs is the file resetPeakRSS writes (a test's elsewhere).
var clearRefs = "/proc/self/clear_refs"

// resetPeakRSS starts the process's peak resident memory afresh (Linux:
// "5" to /proc/self/clear_refs), so a storm's peak is its own even when
// the process ran something bigger before (make bench's 10,000-device
// storm before its pty storm). The reset sets the peak to the resident
// memory of the moment, so what an earlier storm left — garbage not yet
// collected, heap the runtime keeps from the OS — is collected and given
// back first. An error says the reset failed (no procfs, not allowed):
// the peak read after it is then the process's whole life's.
func resetPeakRSS() error {
	runtime.GC()
	debug.FreeOSMemory()
	if err := os.WriteFile(clearRefs, []byte("5"), 0); err != nil {
		return fmt.Errorf("the peak resident memory was not reset: %w", err)
	}
	return nil
}

// peakRSS is the process's peak resident memory (VmHWM), 0 if unknown.
func peakRSS() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err == nil {
				return kb << 10
			}
		}
	}
	return 0
}

// cutShort records a device still on when the storm was stopped (why
// says by what: "still on when the storm was stopped by SIGTERM"). One
// whose every step was done — it switched, or stayed as injected, as its
// part of the mix set it up to, and owes no server a notification — is
// counted by that outcome, not failed (Result.StoppedDone); any other is
// failed, its reason saying what it was doing and what it still owed
// (outside tester t228: an SM-DP+ silent on handleNotification had every
// device failed as "stopped", those whose switch was done too). Neither
// is counted as finished: the stop cut its dwell short.
func (s *storm) cutShort(l *live, why string) {
	switched := l.switched > 0 && l.on != "" && l.on != l.home
	verdict := judge(l.p.Part, switched, l.first, l.why, l.passedOver)
	switch {
	case l.replayed != "":
		verdict = "the platform refused its request as a replay: " + l.replayed
	case l.listBad != "":
		verdict = l.listBad
	case verdict != "" && !switched && l.got != "" && l.got != l.on:
		// Between its download and its attach (the SM-DP+'s install
		// notification goes first, SGP.22 §3.5).
		verdict = fmt.Sprintf("downloaded %s's profile, not on %s yet", l.got, l.got)
	case verdict != "" && !switched && l.why == "" && l.first == "":
		// judge's hint (a dwell too short) is not why: the stop came.
		verdict = "on its original profile, no failure logged yet"
	}
	owes := s.owedBy(l)
	if verdict == "" && len(owes) == 0 {
		s.res.StoppedDone++
		s.countOutcome(l, switched)
		return
	}
	state := verdict
	if state == "" {
		state = "stayed on its original profile (as injected)"
		if switched {
			state = "switched to " + l.on
		}
	}
	reason, detail := stoppedLine(state, why, owes)
	// Failed, but not finished: the progress line counts it failed, as
	// the result does, but not done, nor in the rate (Result.Stopped).
	s.res.Stopped++
	s.recordFailure(l, reason, detail)
	s.meter.Add(0, 1)
}

// owed is what a stopped device still owed one addressee ("platform" or
// an operator): notifications whose delivery failed with none
// acknowledged since (failed; the last failure, last), and those it
// held never tried (waiting: queued behind the failed ones, or not yet
// sent).
type owed struct {
	to              string
	failed, waiting int
	last            noteFail
}

// owedBy lists what l still owes, by addressee in name order, from the
// deliveries it saw fail and what its card still holds: the platform's
// notes (its outbox) and the SGP.22 notifications (§3.5: kept until
// delivered) for each SM-DP+.
func (s *storm) owedBy(l *live) []owed {
	by := map[string]*owed{}
	get := func(to string) *owed {
		if by[to] == nil {
			by[to] = &owed{to: to}
		}
		return by[to]
	}
	for to, ids := range l.failing {
		if len(ids) > 0 {
			o := get(to)
			o.failed, o.last = len(ids), l.lastFail[to]
		}
	}
	if l.d != nil {
		for _, r := range l.d.Card.HeldNotes() {
			if !l.failing["platform"][fmt.Sprintf("report %d", r)] {
				get("platform").waiting++
			}
		}
		for _, n := range l.d.Card.PendingNotifications() {
			to := s.t.operatorAt(n.Address)
			if !l.failing[to][fmt.Sprintf("seq %d", n.Seq)] {
				get(to).waiting++
			}
		}
	}
	var out []owed
	for _, to := range slices.Sorted(maps.Keys(by)) {
		out = append(out, *by[to])
	}
	return out
}

// stoppedLine words a device stopped with work left: reason, the group
// it is counted under (no counts or times, which differ device by
// device), and detail, its own line ("switched to sfr; 2 notifications
// to sfr unacknowledged: no answer within the 10 s BIP limit (last at
// +8m12s) (still on when the storm was stopped by SIGTERM)"); its group
// ends "(still on at the stop)".
func stoppedLine(state, why string, owes []owed) (reason, detail string) {
	group, own := []string{state}, []string{state}
	for _, o := range owes {
		to := o.to
		if to == "platform" {
			to = "the platform"
		}
		switch {
		case o.failed > 0:
			cause := cmp.Or(o.last.why, "no answer")
			group = append(group, fmt.Sprintf("notifications to %s unacknowledged: %s", to, cause))
			line := fmt.Sprintf("%s to %s unacknowledged: %s (last at +%v)", notifications(o.failed), to, cause, o.last.at.Round(time.Second))
			if o.waiting > 0 {
				line += fmt.Sprintf(", %d more held", o.waiting)
			}
			own = append(own, line)
		case o.waiting > 0:
			// Perhaps tried, in flight at the stop: no failure seen yet.
			group = append(group, fmt.Sprintf("notifications to %s held, none acknowledged", to))
			own = append(own, fmt.Sprintf("%s to %s held, none acknowledged", notifications(o.waiting), to))
		}
	}
	// The group leaves the stop's cause to the STOP line: the reason is
	// cut at maxReason, and what the device was doing comes first.
	return strings.Join(group, "; ") + " (still on at the stop)", strings.Join(own, "; ") + " (" + why + ")"
}

// notifications is "1 notification" or "n notifications".
func notifications(n int) string {
	if n == 1 {
		return "1 notification"
	}
	return fmt.Sprintf("%d notifications", n)
}

// stopCause is why a storm stopped before its end, whole (the STOP line)
// and as a device still on says it (its line leads with what it was
// doing): a signal's cause both times ("stopped by SIGTERM", not Go's
// "context canceled"); else the storm was given up (givenUp), said short.
func stopCause(ctx context.Context, givenUp error, after time.Duration) (cause, short string) {
	if ctx.Err() != nil {
		c := context.Cause(ctx).Error()
		return c, c
	}
	return givenUp.Error(), fmt.Sprintf("given up (--give-up-after %v)", after)
}
