package modem

import (
	"strings"

	"github.com/esimhil/esimhil/internal/codec/at"
)

// cmdSetting is a vendor command of the personality's settings (an
// nRF91's %XSYSTEMMODE): the set form keeps its parameters as given, the
// read form shows them ("%XSYSTEMMODE: 1,0,1,0"), the default until the
// host sets them; a set with another number of parameters than the
// default has is bad parameters. Nothing else follows from them (the
// emulated radio has one system mode), and they stay through restarts,
// as the modem's NVM keeps them.
func cmdSetting(m *Modem, c at.Command) error {
	def := m.o.Personality.Settings[c.Name] // one of them: handler routes no other here
	value, set := m.st.settings[c.Name]
	if !set {
		value = def
	}
	switch c.Form {
	case at.Read:
		m.info(c.Name + ": " + value)
	case at.Test:
	case at.Set:
		if len(c.Args) != strings.Count(def, ",")+1 {
			return errParams
		}
		args := make([]string, len(c.Args))
		for i, a := range c.Args {
			args[i] = a.Raw
			if a.Quoted {
				args[i] = `"` + a.Raw + `"`
			}
		}
		if m.st.settings == nil {
			m.st.settings = map[string]string{}
		}
		m.st.settings[c.Name] = strings.Join(args, ",")
	default: // the execute form: a setting has none
		return errUnknown
	}
	return nil
}
