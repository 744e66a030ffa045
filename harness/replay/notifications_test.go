package replay

import (
	"fmt"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/internal/proto/es10"
)

// TestPendingNotificationsAsRecorded: a host that lists the card's pending
// notifications (SGP.22 §5.7.9) reads the answer the field card gave — the
// emulated card starts with what that answer lists.
func TestPendingNotificationsAsRecorded(t *testing.T) {
	answer := fmt.Sprintf("%X9000", es10.EncodeListNotificationResponse([]es10.NotificationMetadata{
		{Seq: 3, Event: es10.EventInstall, Address: "smdp.example.com", ICCID: "89330100005021044451"},
		{Seq: 5, Event: es10.EventEnable, Address: "smdp.example.com", ICCID: "89330100005021044451"},
	}))
	log := "[0.000] > AT+CIMI\n[0.010] < 208015021044451\n[0.020] < OK\n" +
		"[5.000] > AT+CCHO=\"A0000005591010FFFFFFFF8900000100\"\n[5.010] < +CCHO: 1\n[5.020] < OK\n" +
		"[6.000] > AT+CGLA=1,16,\"80E2910003BF2800\"\n" +
		fmt.Sprintf("[6.010] < +CGLA: %d,\"%s\"\n", len(answer), answer) + "[6.020] < OK\n" +
		"[7.000] > AT+CCHC=1\n[7.010] < OK\n"
	res := replay(t, newFixture(t, "held", map[string]string{"session.log": log,
		"manifest.yaml": orangeFixture("held", "generic", "session.log", "plain", 8)}))
	if !res.OK {
		t.Fatalf("%s\n%s", res.Why, Report(res))
	}
	// Every exchange as recorded, the +CCHC after the failure line too.
	if res.Divergence != nil || res.Compared[Exchanges] != 4 {
		t.Errorf("divergence %+v, %d exchanges compared, want none and 4\n%s", res.Divergence, res.Compared[Exchanges], Report(res))
	}
	if held := res.Plan.Scenario.Device.Notifications; len(held) != 2 || !strings.Contains(string(res.Plan.ScenarioYAML), "session.log:8") {
		t.Errorf("the card starts with %+v; the scenario:\n%s", held, res.Plan.ScenarioYAML)
	}
}
