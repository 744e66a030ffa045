package harness

import (
	"errors"

	"github.com/esimhil/esimhil/harness/atclient"
	"github.com/esimhil/esimhil/harness/dialect"
)

// Profiles reads the card's ProfileInfoList the way an LPA does, through the
// host's AT connection in the modem's dialect (dialect.Host.Profiles).
func (r *Rig) Profiles() ([]dialect.Profile, error) {
	if r.AT == nil {
		return nil, errors.New("profile list: rig has no host connection")
	}
	return r.Host().Profiles()
}

// ParseProfileList decodes a +CGLA answer line carrying a GetProfilesInfo
// response: `+CGLA: <len>,"<hex data><SW1SW2>"` (dialect.ParseProfiles).
func ParseProfileList(line string) ([]dialect.Profile, error) {
	raw, err := dialect.HexAnswer(&atclient.Response{Lines: []string{line}}, "+CGLA")
	if err != nil {
		return nil, err
	}
	return dialect.ParseProfiles(raw)
}
