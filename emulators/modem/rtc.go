package modem

import (
	"fmt"
	"time"

	"github.com/esimhil/esimhil/internal/codec/at"
)

// rtc is the module's real-time clock (+CCLK, TS 27.007 §8.15): the
// virtual clock moved by what the host sets, so runs stay deterministic. It
// runs on across a +CFUN=1,1 restart and starts again from the virtual
// clock at a power cycle (no backup battery).
type rtc struct {
	offset time.Duration // the host's time minus the virtual clock
	zone   int           // local time minus UTC, in quarters of an hour
}

// cclkLayout is <time> without the zone: "yy/MM/dd,hh:mm:ss".
const cclkLayout = "06/01/02,15:04:05"

// cmdCCLK: +CCLK? answers the clock as local time with its zone,
// "yy/MM/dd,hh:mm:ss±zz" (zone in quarters of an hour, −96…+96); +CCLK=
// sets it (the zone may be left out: +00). Until set it is the virtual
// clock in UTC.
func cmdCCLK(m *Modem, c at.Command) error {
	switch c.Form {
	case at.Read:
		m.info(fmt.Sprintf(`+CCLK: "%s"`, m.st.rtc.format(m.loop.Now())))
	case at.Test:
	case at.Set:
		if len(c.Args) != 1 || !c.Args[0].Quoted {
			return errParams
		}
		r, err := parseCCLK(c.Args[0].Raw, m.loop.Now())
		if err != nil {
			return fmt.Errorf("+CCLK %q: %v: %w", c.Args[0].Raw, err, at.CMEIncorrectParameters)
		}
		m.st.rtc = r
	default:
		return errUnknown
	}
	return nil
}

func (r rtc) format(now time.Time) string {
	local := now.Add(r.offset).UTC().Add(time.Duration(r.zone) * 15 * time.Minute)
	sign, z := '+', r.zone
	if z < 0 {
		sign, z = '-', -z
	}
	return fmt.Sprintf("%s%c%02d", local.Format(cclkLayout), sign, z)
}

// parseCCLK reads <time> set at the virtual instant now. Years are 2000 +
// yy; a date or time that does not exist (13th month, 25 h) is refused.
func parseCCLK(s string, now time.Time) (rtc, error) {
	body, zone := s, 0
	if n := len(cclkLayout); len(s) == n+3 {
		body = s[:n]
		sign, digits := s[n], s[n+1:]
		if sign != '+' && sign != '-' || digits[0] < '0' || digits[0] > '9' || digits[1] < '0' || digits[1] > '9' {
			return rtc{}, fmt.Errorf("time zone %q: want ±zz", s[n:])
		}
		zone = int(digits[0]-'0')*10 + int(digits[1]-'0')
		if zone > 96 {
			return rtc{}, fmt.Errorf("time zone %q: over 96 quarters of an hour", s[n:])
		}
		if sign == '-' {
			zone = -zone
		}
	} else if len(s) != n {
		return rtc{}, fmt.Errorf("want \"yy/MM/dd,hh:mm:ss±zz\"")
	}
	local, err := time.Parse(cclkLayout, body)
	if err != nil {
		return rtc{}, fmt.Errorf("want \"yy/MM/dd,hh:mm:ss±zz\": %v", err)
	}
	if y := local.Year(); y < 2000 {
		local = local.AddDate(100, 0, 0) // Go reads 69-99 as 19yy
	}
	utc := local.Add(-time.Duration(zone) * 15 * time.Minute)
	return rtc{offset: utc.Sub(now), zone: zone}, nil
}
