package dialect

import (
	"fmt"

	"github.com/esimhil/esimhil/internal/personality"
)

// RestartLines are the commands with which a host restarts a modem of
// personality p, the card reset with it: TS 27.007 §8.2's AT+CFUN=1,1
// (<rst> 1, reset the MT) where the modem takes <rst>, which every dialect
// with a vendor restart does too. An nRF91 takes <fun> alone
// (no_cfun_reset): its host takes it to minimum functionality and back,
// AT+CFUN=0 then AT+CFUN=1, as nrf_modem_lib does around a shutdown. In
// the nRF91 AT reference +CFUN=0 deactivates LTE and stores the NVM, and
// the UICC goes down with it (only <fun> 44 keeps it on); +CFUN=1
// activates the UICC again and attaches.
func RestartLines(p personality.Personality) []string {
	if p.NoCFUNReset {
		return []string{"AT+CFUN=0", "AT+CFUN=1"}
	}
	return []string{"AT+CFUN=1,1"}
}

// Restart restarts the modem in its dialect (RestartLines). It returns
// once the modem has taken the commands: with +CFUN=1,1 the modem is
// then rebooting, silent until its boot (RDY, the personality's boot
// URCs), which the caller waits for.
func (h Host) Restart() error {
	for _, l := range RestartLines(h.P) {
		if _, err := h.AT.Command(l); err != nil {
			return fmt.Errorf("restart: %s: %w", l, err)
		}
	}
	return nil
}
