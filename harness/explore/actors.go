package explore

import (
	"fmt"
	"slices"
	"strings"

	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/emulators/world"
	"github.com/esimhil/esimhil/harness/scenario"
)

// The invariants of this file hold the actors around the card — the
// world, the modem, the platform — to their specs and to the scenario.
// The card's invariants take those actors as oracles: a wrong world or
// modem turns a run into another run with a passing verdict (tester t153:
// none of 34 bugs planted in them failed an explored case).

// checkAttachByAgreement: each world attach_result is what the scenario's
// world gives (fixtures/scenarios/README.md, network: "Home subscribers
// register home, partners' subscribers roaming, others are denied"; an
// agreement {home, visited} lets the visited network take the home
// operator's subscribers, one way): home only on the subscriber's own
// network, roaming only on a network whose operator has an agreement with
// the subscriber's as its home, any other attempt denied with EMM cause #11
// (TS 24.301 §9.9.3.9) — unless an attach fault fired on that very attempt
// (the world's fault event just before it), whose kind and cause it then
// shows. The subscriber is the operator whose PLMN starts the IMSI the
// modem last read. Tester t153 F3 (N17): a world that read agreements as
// symmetric attached a roaming-forbidden PLMN and every case passed.
func checkAttachByAgreement(s *scenario.Scenario, o Outcome) []string {
	var v []string
	netOf := map[string]string{} // PLMN → operator
	for _, op := range s.Network.Operators {
		netOf[op.PLMN] = op.ID
	}
	subscriber := "" // the operator of the IMSI the modem last read
	var fault *eventlog.Event
	for i, e := range o.Events {
		switch {
		case is(e, eventlog.Modem, "card"):
			subscriber = ""
			if imsi := e.Str("imsi"); imsi != "" {
				subscriber = operatorOfIMSI(s, imsi)
			}
		case is(e, eventlog.World, world.KindAttachAttempt):
			fault = nil
		case e.Actor == eventlog.World && e.Kind == eventlog.KindFault:
			fault = &o.Events[i]
		case is(e, eventlog.World, world.KindAttachResult):
			sub, plmn := e.Str("operator"), e.Str("plmn")
			got := attachView{boolField(e, "ok"), e.Str("registration"), intField(e, "cause")}
			want, why := expectedAttach(s, sub, netOf[plmn], fault)
			if got != want {
				v = append(v, fmt.Sprintf("%s: %s's subscriber on %s (%s): %s, want %s (%s)", at(e), sub, plmn, orNone(netOf[plmn]), got, want, why))
			}
			if subscriber != "" && sub != subscriber {
				v = append(v, fmt.Sprintf("%s: the world attached %s's subscriber, but the modem read an IMSI of %s", at(e), sub, subscriber))
			}
			fault = nil
		}
	}
	return v
}

// attachView is what an attach_result says.
type attachView struct {
	ok    bool
	reg   string
	cause int
}

func (a attachView) String() string {
	if a.ok {
		return a.reg
	}
	if a.reg == "denied" {
		return fmt.Sprintf("denied with cause #%d", a.cause)
	}
	return a.reg
}

// expectedAttach is the attach_result the scenario gives subscriber sub
// on network net's operator, with the world fault fired on the attempt,
// if any, and why.
func expectedAttach(s *scenario.Scenario, sub, net string, fault *eventlog.Event) (attachView, string) {
	if fault != nil {
		switch f := fault.Str("fault"); f {
		case "attach_reject":
			return attachView{false, "denied", intField(*fault, "cause")}, "the attach_reject fault fired on it"
		case "attach_no_service":
			return attachView{false, "none", 0}, "the attach: no_service fault fired on it"
		case "attach_timeout":
			return attachView{false, "timeout", 0}, "the attach: timeout fault fired on it"
		}
	}
	switch {
	case sub != "" && sub == net:
		return attachView{true, "home", 0}, "its own network"
	case sub != "" && slices.Contains(s.Network.Roaming, scenario.Agreement{Home: sub, Visited: net}):
		return attachView{true, "roaming", 0}, fmt.Sprintf("agreement {home: %s, visited: %s}", sub, net)
	}
	return attachView{false, "denied", world.CausePLMNNotAllowed}, fmt.Sprintf("no agreement {home: %s, visited: %s}", orNone(sub), orNone(net))
}

// operatorOfIMSI is the scenario's operator whose PLMN starts imsi, ""
// for none.
func operatorOfIMSI(s *scenario.Scenario, imsi string) string {
	for _, op := range s.Network.Operators {
		if strings.HasPrefix(imsi, op.PLMN) {
			return op.ID
		}
	}
	return ""
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
