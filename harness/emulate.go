package harness

import (
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// CIFile is where the rig writes the test CI certificate, for tools (an LPA,
// curl, Wireshark) that must trust the SM-DP+s and the platform.
const CIFile = "ci.pem"

// WriteCI writes the run's test CI certificate (PEM) into the artifacts
// directory and returns its path.
func (r *Rig) WriteCI() (string, error) {
	if r.dir == "" {
		return "", errors.New("write test CI: the rig keeps no artifacts (a scratch rig without a directory)")
	}
	path := filepath.Join(r.dir, CIFile)
	b := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: r.PKI.CI.DER})
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return "", fmt.Errorf("write test CI: %w", err)
	}
	return path, nil
}

// SMDPEndpoint describes one running SM-DP+ for people and tools.
type SMDPEndpoint struct {
	Operator, Host, Addr string
}

// SMDPEndpoints lists the running SM-DP+s in the order the scenario
// lists their operators (as the timeline draws their lanes).
func (r *Rig) SMDPEndpoints() []SMDPEndpoint {
	var out []SMDPEndpoint
	for _, o := range r.Scenario.Network.Operators {
		if s, ok := r.SMDP[o.ID]; ok {
			out = append(out, SMDPEndpoint{Operator: o.ID, Host: o.SMDP, Addr: s.Addr().String()})
		}
	}
	return out
}

// ActivationCode orders a profile for the device's EID from the operator's
// SM-DP+ and returns the SGP.22 activation code LPA:1$<address>$<matching id>.
func (r *Rig) ActivationCode(operator string) (string, error) {
	s, ok := r.SMDP[operator]
	if !ok {
		return "", fmt.Errorf("operator %q runs no SM-DP+", operator)
	}
	addr, mid, err := s.Order(r.Scenario.Device.EID)
	if err != nil {
		return "", err
	}
	return "LPA:1$" + addr + "$" + mid, nil
}
