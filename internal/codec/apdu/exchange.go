package apdu

import (
	"errors"
	"fmt"
)

// Transmit sends one command APDU and returns the card's response: data
// followed by SW1 SW2.
type Transmit func(cmd []byte) ([]byte, error)

// MaxGetResponse bounds the GET RESPONSE chain a misbehaving card can make
// a terminal follow.
const MaxGetResponse = 64

// ErrEndlessResponse is returned when a card keeps answering 61xx.
var ErrEndlessResponse = fmt.Errorf("card kept answering 61xx after %d GET RESPONSE", MaxGetResponse)

// Exchange sends cmd and collects the whole answer the way a terminal does
// (ETSI TS 102 221 §7.3.1.1.4, ISO/IEC 7816-4 §5.3.4): a 6Cxx answer to a
// case-2 command is repeated once with Le = xx; 61xx is followed by GET
// RESPONSE with Le = xx on the command's logical channel (interindustry
// class, or 'A0' after a GSM-class command) until another status word ends
// the chain, a GET RESPONSE answered 6Cxx being sent again with that Le,
// as apdu.Chains reads a trace. It returns the data of every part
// followed by the last SW: the last answer tx gave itself when the parts
// before it carried no data.
func Exchange(tx Transmit, cmd []byte) ([]byte, error) {
	if len(cmd) < 4 {
		return nil, fmt.Errorf("apdu: command of %d bytes, the header alone is 4", len(cmd))
	}
	rsp, err := send(tx, cmd)
	if err != nil {
		return nil, err
	}
	if le, wrong := RepeatWithLe(swOf(rsp)); wrong && len(cmd) == 5 { // case 2 with a wrong Le
		again := append(append([]byte(nil), cmd[:4]...), le)
		if rsp, err = send(tx, again); err != nil {
			return nil, err
		}
	}
	cla := WithChannel(0x00, ChannelOf(cmd[0]))
	if cmd[0] == 0xA0 {
		cla = 0xA0
	}
	var data []byte
	for range MaxGetResponse {
		le, more := MoreData(swOf(rsp))
		if !more {
			if len(data) == 0 {
				// The card's last answer is the whole of it (61xx
				// carries no data): handed on as it came, not copied.
				return rsp, nil
			}
			return append(data, rsp...), nil
		}
		data = append(data, rsp[:len(rsp)-2]...)
		getResponse := []byte{cla, InsGetResponse, 0x00, 0x00, le}
		if rsp, err = send(tx, getResponse); err != nil {
			return nil, fmt.Errorf("GET RESPONSE: %w", err)
		}
		if le, wrong := RepeatWithLe(swOf(rsp)); wrong {
			// The card has fewer bytes than its 61xx said: it names
			// them, and the same GET RESPONSE asks for those.
			getResponse[4] = le
			if rsp, err = send(tx, getResponse); err != nil {
				return nil, fmt.Errorf("GET RESPONSE: %w", err)
			}
		}
	}
	return nil, ErrEndlessResponse
}

// swOf is the status word that ends a response (send checks there is one).
func swOf(rsp []byte) uint16 { return uint16(rsp[len(rsp)-2])<<8 | uint16(rsp[len(rsp)-1]) }

func send(tx Transmit, cmd []byte) ([]byte, error) {
	rsp, err := tx(cmd)
	if err != nil {
		return nil, err
	}
	if len(rsp) < 2 {
		return nil, errors.New("apdu: card answered without a status word")
	}
	return rsp, nil
}
