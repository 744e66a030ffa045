package telnet

// Options is one side's option negotiation state (RFC 1143's Q method
// without the queue bits): what we enable on our side (WILL/WONT, answered
// by DO/DONT) and what we let the peer enable on its side (DO/DONT,
// answered by WILL/WONT). It never answers an acknowledgement with another
// one, so two peers cannot loop. It does no I/O: Receive and Request
// return the bytes to send.
type Options struct {
	// Accept says which options we agree to enable, on our side (us) or
	// on the peer's. An option not accepted is refused.
	Accept func(opt byte, us bool) bool

	us, him [256]qstate
}

type qstate uint8

const (
	qNo qstate = iota
	qYes
	qWantNo
	qWantYes
)

// Us reports whether opt is enabled on our side.
func (o *Options) Us(opt byte) bool { return o.us[opt] == qYes }

// Him reports whether opt is enabled on the peer's side.
func (o *Options) Him(opt byte) bool { return o.him[opt] == qYes }

// Pending reports whether a request of ours for opt awaits its answer.
func (o *Options) Pending(opt byte, us bool) bool {
	if us {
		return o.us[opt] == qWantYes
	}
	return o.him[opt] == qWantYes
}

// Request asks to enable opt on our side (us: WILL) or the peer's (DO).
func (o *Options) Request(opt byte, us bool) []byte {
	st, ask := &o.him[opt], DO
	if us {
		st, ask = &o.us[opt], WILL
	}
	if *st != qNo {
		return nil
	}
	*st = qWantYes
	return Negotiate(ask, opt)
}

// Receive takes a WILL/WONT/DO/DONT from the peer and returns the answer
// to send (possibly none).
func (o *Options) Receive(cmd, opt byte) []byte {
	switch cmd {
	case WILL, WONT:
		return o.recv(&o.him[opt], cmd == WILL, opt, false, DO, DONT)
	case DO, DONT:
		return o.recv(&o.us[opt], cmd == DO, opt, true, WILL, WONT)
	}
	return nil
}

func (o *Options) recv(st *qstate, on bool, opt byte, us bool, yes, no byte) []byte {
	switch {
	case on && *st == qNo:
		if o.Accept != nil && o.Accept(opt, us) {
			*st = qYes
			return Negotiate(yes, opt)
		}
		return Negotiate(no, opt)
	case on && *st == qWantYes:
		*st = qYes
	case on && *st == qWantNo: // the peer broke RFC 1143; take its word
		*st = qYes
	case !on && *st == qYes:
		*st = qNo
		return Negotiate(no, opt)
	case !on:
		*st = qNo
	}
	return nil
}
