package dialect

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/internal/codec/apdu"
	"github.com/esimhil/esimhil/internal/codec/at"
	"github.com/esimhil/esimhil/internal/proto/es10"
)

// The longest +CGLA answer a modem builds from a GET RESPONSE chain the
// terminal code follows is one line a host reads.
func TestLongestAnswerIsOneLine(t *testing.T) {
	data := apdu.MaxGetResponse*256 + 2
	line := fmt.Sprintf(`+CGLA: %d,"%s"`, 2*data, strings.Repeat("00", data))
	if len(line) > at.MaxResponseLine {
		t.Fatalf("a full GET RESPONSE chain is a %d-byte line, over at.MaxResponseLine %d", len(line), at.MaxResponseLine)
	}
}

// A ProfileInfoList with every field (lab record's probe asks BF2D00) of
// ten profiles with 1 KiB icons: 21 KiB of hex on one +CGLA line, read
// and decoded whole.
func TestLongProfileList(t *testing.T) {
	var list []es10.ProfileInfo
	for i := range 10 {
		icon := bytes.Repeat([]byte{byte(i)}, 1024)
		list = append(list, es10.ProfileInfo{ICCID: fmt.Sprintf("8944110068123456%03d", i), State: es10.StateDisabled,
			ProfileName: fmt.Sprintf("profile %d", i), Icon: &es10.Icon{Type: 1, Data: icon}})
	}
	rsp := append(es10.EncodeProfileInfoList(list, es10.DefaultInfoTags, 0), 0x90, 0x00)
	cgla := fmt.Sprintf(`AT+CGLA=1,%d,"80E2910003BF2D00"`, len("80E2910003BF2D00"))
	answers := map[string]string{
		`AT+CCHO="` + es10.ISDRAID + `"`: "\r\n+CCHO: 1\r\n\r\nOK\r\n",
		cgla:                             fmt.Sprintf("\r\n+CGLA: %d,\"%X\"\r\n\r\nOK\r\n", 2*len(rsp), rsp),
		"AT+CCHC=1":                      "\r\nOK\r\n",
	}
	h := pipeHost(t, scripted(answers))
	got, err := h.es10([]byte{0xBF, 0x2D, 0x00}, false)
	if err != nil {
		t.Fatalf("a %d-byte answer line: %v", len(answers[cgla]), err)
	}
	back, code, err := es10.DecodeProfileInfoList(got)
	if err != nil || code != 0 || len(back) != 10 || back[9].Icon == nil || len(back[9].Icon.Data) != 1024 {
		t.Fatalf("decoded %d profiles, code %d: %v", len(back), code, err)
	}
}
