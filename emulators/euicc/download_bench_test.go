package euicc

import (
	"testing"

	"github.com/esimhil/esimhil/emulators/smdp"
	"github.com/esimhil/esimhil/internal/codec/stk"
	"github.com/esimhil/esimhil/internal/cryptoshare"
)

// BenchmarkDownloadOverBIP is the download alone: a new card, already
// roaming, asks the platform for its list and a download, runs ES9+ with
// the SM-DP+ (mutual authentication over TLS, the bound profile package
// loaded and installed) and sends both notifications — each exchange a
// BIP channel the test terminal relays over real TCP on loopback. No
// modem, no AT, no capture, no artifacts, no scenario: what is left is the
// card, the servers, TLS, HTTP and the toolkit. Like
// harness.BenchmarkDownloadSwitchScenario it reports the share of CPU in
// Go's cryptographic primitives (samples with a primitive's frame on the
// stack, cryptoshare.Primitive: TLS's socket writes and x509's parsing are
// not crypto) and non-crypto/crypto, so that the two say how much of that
// scenario's non-crypto work is the download's own; and that work split
// (cryptoshare.Shares): the transport's, the bare runtime's, and the
// rest against the crypto (other/crypto).
func BenchmarkDownloadOverBIP(b *testing.B) {
	srv := newE2EServers(b, smdp.Faults{})
	cryptoshare.Loop(b, 1000, func() { // ~400 profile samples: fewer move the share by points
		r := srv.card(noHelper{b})
		// The list, the download request, four ES9+ calls,
		// handleNotification and the platform's notification.
		for range 7 {
			r.tm.relay(1000)
		}
		<-srv.plat.ordered
		<-srv.plat.notes
		if ref := r.tm.fetch(stk.CmdRefresh); ref.Details.Qualifier != stk.RefreshUICCReset {
			b.Fatalf("REFRESH %+v", ref)
		}
		if p := r.c.findICCID("89330100000000000012"); p == nil || !p.Enabled {
			b.Fatal("the downloaded profile is not installed and enabled")
		}
	})
}

// noHelper is a testing.TB whose Helper does nothing: the test terminal
// marks every method a helper, and each mark walks the stack (6 % of the
// CPU this benchmark measured), work of the test, not of the download.
type noHelper struct{ testing.TB }

func (noHelper) Helper() {}
