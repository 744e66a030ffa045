package applet

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/internal/codec/stk"
	"github.com/esimhil/esimhil/internal/ident"
)

// TestScripts runs testdata/*.txt (datadriven_test.go) against a thin
// stand-in for the card runtime: the card's profile list (EnableProfile
// changes it at once, as the ISD-R does; the ProfileEnabled answer is a
// command of its own) and the NVM (the last Persist). Commands:
//
//	config check=5m attach-wait=3m backoff=1,16   a fresh applet
//	card cmcc* sfr orange-fr      the card's profiles (fixtures below): * enabled
//	                              and home, + enabled, ^ home (first-boot)
//	boot | power-cut              Boot (power-cut: from the last Persist)
//	check | attach-timer | timer <id>
//	info <normal|limited|none> [plmn] [tac=3a9b] [cell=c33d] [cells=plmn:rsrp,...]
//	location <normal|limited|none> [plmn]
//	http <id> <status> [list=op,op [country=PR] | body=<json>] | http <id> [result=20/04] err=<text>
//	                              (country: the list's, by default the country of
//	                              the MCC the cycle began on, as the platform answers)
//	                              (result: the terminal's, TS 102 223 §8.12)
//	es10 <id> [sw=9000] [notifications=none]
//	enabled <profile> [result=N]
//	state                         the state, summarised
//	restore  (input: a persisted state as JSON)   DecodeState + New
//
// After every step the state must validate and survive DecodeState.
func TestScripts(t *testing.T) {
	runScripts(t, "*.txt", func() func(*testing.T, scriptCase) string {
		r := &scriptRun{cfg: testCfg}
		r.a = New(r.cfg, State{})
		return r.do
	})
}

// fixtures are the profiles scripts name.
var fixtures = []Profile{
	{ICCID: "89860000000000000019", Operator: "cmcc", HomePLMN: "46000"},
	{ICCID: "89331000000000000029", Operator: "sfr", HomePLMN: "20810"},
	{ICCID: "89330100000000000012", Operator: "orange-fr", HomePLMN: "20801"},
	{ICCID: "89331500000000000016", Operator: "free", HomePLMN: "20815"},
	{ICCID: "89332000000000000019", Operator: "bouygues", HomePLMN: "20820"},
	{ICCID: "89491000000000000013", Operator: "telekom-de", HomePLMN: "26201"},
	{ICCID: "89492000000000000037", Operator: "vodafone-de", HomePLMN: "26202"},
	// Puerto Rico's networks use its own 330 and the United States' 310–316.
	{ICCID: "89101100000000000017", Operator: "claro-pr", HomePLMN: "330110"},
	{ICCID: "89101200000000000024", Operator: "liberty-pr", HomePLMN: "310030"},
	{ICCID: "89012600000000000037", Operator: "tmo-us", HomePLMN: "310260"},
	{ICCID: "89520200000000000041", Operator: "telcel", HomePLMN: "334020"},
	// A global IoT operator's, on E.212's international 901.
	{ICCID: "89882390000000000011", Operator: "iot-901", HomePLMN: "90128"},
	// A second SFR profile on another of SFR's networks, named by its
	// ICCID (the operator's name gives the one above).
	{ICCID: "89331011000000000034", Operator: "sfr", HomePLMN: "20811"},
}

func fixture(t *testing.T, name string) Profile {
	t.Helper()
	for _, p := range fixtures {
		if p.Operator == name || p.ICCID == name {
			return p
		}
	}
	t.Fatalf("no profile fixture %q", name)
	return Profile{}
}

func nameOf(iccid string) string {
	for _, p := range fixtures {
		if p.ICCID == iccid {
			return p.Operator
		}
	}
	return iccid
}

type scriptRun struct {
	cfg  Config
	a    *Applet
	card []Profile
	nvm  State
}

// listCountry is a list answer's country: country= if given, else the
// country of the MCC the awaiting cycle began on, as the platform names
// the serving network's.
func (r *scriptRun) listCountry(args map[string]string) string {
	if c, ok := args["country"]; ok {
		return c
	}
	if cy := r.a.State().Cycle; cy != nil {
		if c, ok := ident.CountryOfMCC(cy.Area); ok {
			return c
		}
	}
	return ""
}

func (r *scriptRun) do(t *testing.T, c scriptCase) string {
	t.Helper()
	f := strings.Fields(c.Cmd)
	args := map[string]string{}
	var pos []string
	for _, x := range f[1:] {
		if k, v, ok := strings.Cut(x, "="); ok {
			args[k] = v
		} else {
			pos = append(pos, x)
		}
	}
	bad := func(format string, a ...any) string {
		t.Fatalf("line %d: %s: %s", c.Line, c.Cmd, fmt.Sprintf(format, a...))
		return ""
	}
	switch f[0] {
	case "config":
		r.cfg = testCfg
		if v, ok := args["check"]; ok {
			r.cfg.CheckInterval = mustDur(t, v)
		}
		if v, ok := args["attach-wait"]; ok {
			r.cfg.AttachWait = mustDur(t, v)
		}
		if v, ok := args["backoff"]; ok {
			first, max, _ := strings.Cut(v, ",")
			r.cfg.Backoff = Backoff{First: atoi(t, first), Max: atoi(t, max)}
		}
		r.a = New(r.cfg, State{})
		return ""
	case "card":
		r.card = nil
		for _, n := range pos {
			// * enabled and home (a first boot), + enabled, ^ home.
			name := strings.TrimRight(n, "*+^")
			p := fixture(t, name)
			mark := n[len(name):]
			p.Enabled = mark == "*" || mark == "+"
			p.Original = mark == "*" || mark == "^"
			r.card = append(r.card, p)
		}
		return ""
	case "boot":
		return r.step(t, Boot{Profiles: r.cardList()})
	case "power-cut":
		st, err := DecodeState(mustJSON(r.nvm))
		if err != nil {
			return bad("NVM does not decode: %v", err)
		}
		r.a = New(r.cfg, st)
		return r.step(t, Boot{Profiles: r.cardList()})
	case "check":
		return r.step(t, TimerExpired{ID: CheckTimer})
	case "attach-timer":
		return r.step(t, TimerExpired{ID: AttachTimer})
	case "timer":
		return r.step(t, TimerExpired{ID: atoi(t, pos[0])})
	case "info":
		e := LocalInfo{Service: service(t, pos[0])}
		if len(pos) > 1 {
			e.PLMN = pos[1]
		}
		if v, ok := args["tac"]; ok {
			e.TAC = uint16(hexInt(t, v))
		}
		if v, ok := args["cell"]; ok {
			e.CellID = uint32(hexInt(t, v))
		}
		if v, ok := args["cells"]; ok {
			for _, m := range strings.Split(v, ",") {
				plmn, rsrp, _ := strings.Cut(m, ":")
				e.Cells = append(e.Cells, Measurement{PLMN: plmn, RSRP: atoi(t, rsrp)})
			}
		}
		return r.step(t, e)
	case "location":
		e := LocationStatus{Service: service(t, pos[0])}
		if len(pos) > 1 {
			e.PLMN = pos[1]
		}
		return r.step(t, e)
	case "http":
		e := HTTPResult{ReqID: atoi(t, pos[0])}
		if i := strings.Index(c.Cmd, "err="); i >= 0 {
			// result=, before err=: the terminal's result that ended it.
			if v, ok := args["result"]; ok && strings.Index(c.Cmd, "result=") < i {
				res, err := stk.ParseResult(v)
				if err != nil {
					return bad("%v", err)
				}
				e.TerminalResult = &res
			}
			e.Err = c.Cmd[i+len("err="):]
			return r.step(t, e)
		}
		e.Status = atoi(t, pos[1])
		switch {
		case args["list"] != "" || strings.Contains(c.Cmd, " list="):
			l := PreferredList{ListID: "l" + pos[0], Country: r.listCountry(args), OrderBy: "tariff", Operators: []ListOperator{}}
			for _, n := range strings.Split(args["list"], ",") {
				if n != "" {
					p := fixture(t, n)
					l.Operators = append(l.Operators, ListOperator{ID: p.Operator, PLMN: p.HomePLMN})
				}
			}
			e.Body = mustJSON(l)
		case args["body"] != "":
			e.Body = []byte(c.Cmd[strings.Index(c.Cmd, "body=")+len("body="):])
		}
		return r.step(t, e)
	case "es10":
		e := ES10Result{ReqID: atoi(t, pos[0]), SW: 0x9000}
		if v, ok := args["sw"]; ok {
			e.SW = uint16(hexInt(t, v))
		}
		if _, ok := args["notifications"]; ok {
			e.Resp = []byte{0xBF, 0x28, 0x02, 0xA0, 0x00}
		}
		return r.step(t, e)
	case "enabled":
		e := ProfileEnabled{ICCID: fixture(t, pos[0]).ICCID}
		if v, ok := args["result"]; ok {
			e.Result = atoi(t, v)
		}
		return r.step(t, e)
	case "state":
		return summary(r.a.State())
	case "restore":
		st, err := DecodeState([]byte(strings.Join(c.Input, "\n")))
		if err != nil {
			return "error: " + err.Error()
		}
		if err := CheckState(st, r.cardList()); err != nil {
			return "error: " + err.Error()
		}
		r.a, r.nvm = New(r.cfg, st), st
		return summary(st)
	}
	return bad("unknown command")
}

func (r *scriptRun) cardList() []Profile { return append([]Profile(nil), r.card...) }

// step feeds ev, applies the effects to the card and NVM stand-ins and
// renders them; the state must stay valid and survive a round trip.
func (r *scriptRun) step(t *testing.T, ev Event) string {
	t.Helper()
	var b strings.Builder
	for _, e := range r.a.Step(ev) {
		switch e := e.(type) {
		case Persist:
			r.nvm = e.State
		case EnableProfile:
			for i := range r.card {
				r.card[i].Enabled = r.card[i].ICCID == e.ICCID
			}
		}
		b.WriteString(renderEffect(e) + "\n")
	}
	st := r.a.State()
	if err := st.Validate(); err != nil {
		t.Fatalf("after %s: invalid state: %v\n%s", eventName(ev), err, mustJSON(st))
	}
	if _, err := DecodeState(mustJSON(st)); err != nil {
		t.Fatalf("after %s: state does not decode: %v", eventName(ev), err)
	}
	return b.String()
}

// renderEffect prints an effect on one line, canonically.
func renderEffect(e Effect) string {
	switch e := e.(type) {
	case Log:
		keys := make([]string, 0, len(e.Fields))
		for k := range e.Fields {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		s := "log " + string(e.Kind)
		for _, k := range keys {
			s += " " + k + "=" + value(e.Fields[k])
		}
		return s
	case Persist:
		return "Persist mode=" + string(e.State.Mode)
	case HTTPPost:
		var m map[string]any
		_ = json.Unmarshal(e.Body, &m)
		delete(m, "eid")
		return fmt.Sprintf("HTTPPost #%d seq=%d %s %s", e.ReqID, e.Seq, e.Path, mustJSON(m))
	case ES10:
		return fmt.Sprintf("ES10 #%d %s", e.ReqID, es10Name(e.Req))
	case ES9Call:
		return fmt.Sprintf("ES9Call #%d %s %s", e.ReqID, e.Address, e.Function)
	case StartTimer:
		return fmt.Sprintf("StartTimer %d %s", e.ID, e.D)
	case StopTimer:
		return fmt.Sprintf("StopTimer %d", e.ID)
	case EnableProfile:
		return "EnableProfile " + nameOf(e.ICCID)
	case ReadLocation:
		return "ReadLocation"
	case Refresh:
		return "Refresh"
	}
	return fmt.Sprintf("%T%+v", e, e)
}

func value(v any) string {
	if s, ok := v.(string); ok && s != "" && !strings.ContainsAny(s, " \"=") {
		return s
	}
	return string(mustJSON(v))
}

func es10Name(req []byte) string {
	if len(req) < 2 {
		return fmt.Sprintf("%X", req)
	}
	switch req[0] {
	case 0xA0, 0xA1, 0xA2, 0xA3, 0x86, 0x87, 0x88:
		return "LoadBoundProfilePackage (segment)"
	}
	switch fmt.Sprintf("%X", req[:2]) {
	case "BF28":
		return "ListNotification"
	case "BF2B":
		return "RetrieveNotificationsList"
	case "BF30":
		return "NotificationSent"
	case "BF2E":
		return "GetEuiccChallenge"
	case "BF20":
		return "GetEUICCInfo1"
	case "BF38":
		return "AuthenticateServer"
	case "BF21":
		return "PrepareDownload"
	case "BF36":
		return "LoadBoundProfilePackage"
	case "BF41":
		return "CancelSession"
	}
	return fmt.Sprintf("%X", req[:2])
}

// summary renders the parts of a state scripts care about.
func summary(s State) string {
	var b strings.Builder
	fmt.Fprintf(&b, "mode %s", s.Mode)
	if c := s.Cycle; c != nil {
		var ops []string
		for _, o := range c.Ops {
			ops = append(ops, o.ID)
		}
		fmt.Fprintf(&b, "\ncycle trigger=%s area=%s original=%s ops=%s next=%d tried=%s target=%s",
			c.Trigger, c.Area, nameOf(c.Original), strings.Join(ops, ","), c.Next, strings.Join(c.Tried, ","), nameOf(c.Target))
		if len(c.Failed) > 0 {
			var f []string
			for _, id := range c.Failed {
				f = append(f, nameOf(id))
			}
			fmt.Fprintf(&b, " failed=%s", strings.Join(f, ","))
		}
		if d := c.Download; d != nil {
			fmt.Fprintf(&b, " download=%s/%s", d.Operator, d.Step)
		}
	}
	for _, r := range s.InFlight {
		fmt.Fprintf(&b, "\nin flight #%d %s %s", r.ID, r.Answer, r.Owner)
	}
	for _, n := range s.Outbox {
		fmt.Fprintf(&b, "\noutbox %s operator=%s report=%d", n.Kind, n.Operator, n.Report)
	}
	for _, x := range s.Backoff {
		fmt.Fprintf(&b, "\nbackoff %s area=%s failures=%d until=%d", x.Operator, x.Area, x.Failures, x.Until)
	}
	if l := s.LeftArea; l != nil {
		fmt.Fprintf(&b, "\nleft area from=%s to=%s operators=%s", l.From, l.To, strings.Join(l.Operators, ","))
	}
	fmt.Fprintf(&b, "\nchecks=%d online=%v home=%s", s.Checks, s.Online, nameOf(s.Home))
	return b.String()
}

func service(t *testing.T, s string) Service {
	switch s {
	case "normal":
		return NormalService
	case "limited":
		return LimitedService
	case "none":
		return NoService
	}
	t.Fatalf("service %q: want normal, limited or none", s)
	return 0
}

func atoi(t *testing.T, s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	return n
}

func hexInt(t *testing.T, s string) uint64 {
	n, err := strconv.ParseUint(s, 16, 64)
	if err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	return n
}

func mustDur(t *testing.T, s string) time.Duration {
	d, err := time.ParseDuration(s)
	if err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	return d
}
