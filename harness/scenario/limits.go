package scenario

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/esimhil/esimhil/fixtures"
	"github.com/esimhil/esimhil/internal/proto/platformapi"
	"github.com/esimhil/esimhil/internal/yamlnode"
)

// Limits on what a scenario may ask for (README, "Limits"). Each one past
// its bound is refused when the file is loaded, naming file, line, column
// and field.
const (
	// MinCheckInterval bounds the card's period from below: every period
	// may cost a platform request, and a shorter one only burns battery
	// (and, emulated, memory and time) without testing anything new.
	MinCheckInterval = time.Minute
	// MinAttachWait bounds attach_wait from below: a REFRESH, the card's
	// reset and an attach (1.5–3 s) must fit in it, as must T3410 (15 s).
	MinAttachWait = 30 * time.Second
	// MaxTimer is the longest SIM Toolkit timer (TS 102 223 §8.38: hours,
	// minutes and seconds in BCD): check_interval and attach_wait run on
	// such timers, in whole seconds.
	MaxTimer = 99*time.Hour + 59*time.Minute + 59*time.Second
	// MaxHorizon bounds the simulated length of a run (expect.within, or
	// the last stop plus DefaultTail) and every time in the file.
	MaxHorizon = 31 * 24 * time.Hour
	// DefaultTail is how long a scenario without expect.within runs past
	// its last itinerary stop.
	DefaultTail = 2 * time.Hour
	// MaxProfiles is what the card holds (ISD-P AIDs are numbered in one
	// byte, and the card keeps at most 64).
	MaxProfiles = 64
	// MaxNameLen bounds the scenario name, which names its artifacts
	// directory.
	MaxNameLen = 100
	// MaxRATRules and MaxRATOperators bound the card's Rules
	// Authorisation Table: GetRAT answers it whole, and the SGP.22
	// tables real cards carry have a handful of rules.
	MaxRATRules     = 16
	MaxRATOperators = 16
	// MaxGIDLen bounds a RAT operator's gid1/gid2, in bytes.
	MaxGIDLen = 16
	// MaxNotifications is as many pending notifications as the card
	// keeps (past it, the card drops the oldest).
	MaxNotifications = 32
	// MaxNotificationSeq bounds a pending notification's seq: the card
	// counts in a signed 32-bit INTEGER, and half of it is left for the
	// notifications it makes itself above the highest (a card given
	// 2^31-1 would number its next one past what it can keep).
	MaxNotificationSeq = 1<<30 - 1
	// MaxPreferred bounds a country's preferred list: the card refuses
	// a longer answer (platformapi.MaxListOperators), and the longest
	// list's answer fits its 64 KiB reply bound with room to spare
	// (platformapi's TestLongestListFitsTheCardsReply).
	MaxPreferred = platformapi.MaxListOperators
	// MaxPlatformDelay bounds a platform: slow fault's delay: far past
	// the card's reply guard (CardReplyGuard), after which every delay
	// ends alike, and short of the 30 min a real platform's gateway
	// would have cut the connection at long before.
	MaxPlatformDelay = 10 * time.Minute
	// CardReplyGuard is how long the card waits for a server's answer
	// (euicc.BIPTimeout, its toolkit timer): a platform: slow delay of
	// exactly this long is refused, as the answer and the card's timeout
	// would fall at one instant in an order no standard settles.
	CardReplyGuard = 30 * time.Second
	// MinPlatformStatus and MaxPlatformStatus bound a platform: status
	// fault's code: the server errors (RFC 9110 §15.6). A 4xx blames the
	// request, which the platform's own checks already answer, and 429's
	// meaning rests on a Retry-After the card does not read.
	MinPlatformStatus = 500
	MaxPlatformStatus = 599
)

// Horizon is how long the scenario runs in simulated time: expect.within,
// else the last itinerary stop plus DefaultTail.
func (s *Scenario) Horizon() time.Duration {
	if s.Expect.Within > 0 {
		return s.Expect.Within
	}
	var last time.Duration
	for _, st := range s.Itinerary {
		last = max(last, st.At)
	}
	return last + DefaultTail
}

// nameRE: a scenario name is one path element (it names the artifacts
// directory under --out): letters, digits, '.', '_' and '-', not starting
// with '.' so that "." and ".." are out.
var nameRE = regexp.MustCompile(`^[A-Za-z0-9_-][A-Za-z0-9._-]*$`)

func (d *decoder) validateName(s *Scenario) error {
	if why := NameProblem(s.Name); why != "" {
		return d.ErrPath("name", "%s", why)
	}
	return nil
}

// NameProblem says what is wrong with a scenario name, "" when nothing:
// a fleet template's name, which its devices' scenario names extend, is
// held to the same rule.
func NameProblem(name string) string {
	switch {
	case name == "":
		return "must not be empty"
	case len(name) > MaxNameLen:
		return fmt.Sprintf("%d characters, at most %d", len(name), MaxNameLen)
	case !nameRE.MatchString(name):
		return fmt.Sprintf("%q: want one path element of letters, digits, '.', '_' and '-', not starting with '.' (it names the artifacts directory)", name)
	}
	return ""
}

// timer checks a duration that becomes a SIM Toolkit timer on the card.
func (d *decoder) timer(path string, v, min time.Duration) error {
	switch {
	case v < min:
		return d.ErrPath(path, "%v is below the minimum %v", v, min)
	case v > MaxTimer:
		return d.ErrPath(path, "%v is above %v, the longest SIM Toolkit timer", v, MaxTimer)
	case v%time.Second != 0:
		return d.ErrPath(path, "%v: SIM Toolkit timers count whole seconds", v)
	}
	return nil
}

// validateHorizon bounds every time of the file and the run's length, and
// refuses what would start at or after the end of the run (it could never
// happen: better said than a run that passes without trying it).
func (d *decoder) validateHorizon(s *Scenario) error {
	type when struct {
		path  string
		v     time.Duration
		start bool // something begins then (a stop, a change, a window)
	}
	var times []when
	for i, st := range s.Itinerary {
		// A stop in the area the device is in already moves nothing: at
		// the horizon it only says where the run ends.
		moves := i == 0 || st.Area != s.Itinerary[i-1].Area
		times = append(times, when{yamlnode.Index("itinerary", i) + ".at", st.At, moves})
	}
	for i, c := range s.Signal {
		times = append(times, when{yamlnode.Index("signal", i) + ".at", c.At, true})
	}
	for i, f := range s.Faults {
		times = append(times, when{yamlnode.Index("faults", i) + ".from", f.From, true}, when{yamlnode.Index("faults", i) + ".until", f.Until, false})
	}
	times = append(times, when{"expect.within", s.Expect.Within, false})
	for _, w := range times {
		if w.v > MaxHorizon {
			return d.ErrPath(w.path, "%v is past the longest run, %v", w.v, MaxHorizon)
		}
	}
	h := s.Horizon()
	if h > MaxHorizon {
		last := len(s.Itinerary) - 1
		return d.ErrPath(yamlnode.Index("itinerary", last)+".at", "the run would last %v (last stop + %v), more than the longest run, %v; set expect.within", h, DefaultTail, MaxHorizon)
	}
	end := fmt.Sprintf("the run ends at expect.within, %v", h)
	if s.Expect.Within == 0 {
		end = fmt.Sprintf("the run ends at %v, the last stop + %v", h, DefaultTail)
	}
	for _, w := range times {
		switch {
		case w.v > h && strings.HasPrefix(w.path, "itinerary["):
			return d.ErrPath(w.path, "%v would never happen: %s", w.v, end)
		case w.start && w.v > h:
			return d.ErrPath(w.path, "%v would never happen: %s", w.v, end)
		case w.start && w.v == h && h > 0:
			// The run covers [0, horizon): the end state is read before
			// anything due at the horizon begins (RunScenario).
			return d.ErrPath(w.path, "%v would never happen: %s, and nothing due at that instant begins before the end state is read", w.v, end)
		}
	}
	return nil
}

// validatePersonality checks device.personality against the dialects the
// modem can load (fixtures/personalities).
func (d *decoder) validatePersonality(dv *Device) error {
	known := fixtures.PersonalityNames()
	for _, k := range known {
		if k == dv.Personality {
			return nil
		}
	}
	return d.ErrPath("device.personality", "unknown personality %q (known: %s)", dv.Personality, strings.Join(known, ", "))
}

// limitError words a count past its bound.
func limitError(what string, n, max int) string {
	return fmt.Sprintf("%d %s, at most %d", n, what, max)
}
