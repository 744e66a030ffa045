package capture

import (
	"fmt"
	"os"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

func TestDbg(t *testing.T) {
	for i := 0; i < 50; i++ {
		path, _ := scenario(t, Tap, t.TempDir(), "127.0.0.1:0", nil)
		ex, err := ReadHTTP(path)
		bad := err != nil
		for _, e := range ex {
			if e.Status == 0 {
				bad = true
			}
		}
		if !bad {
			continue
		}
		fmt.Println("ERR", err)
		f, _ := os.Open(path)
		src, _, _ := openSource(f)
		for {
			data, ci, err := src.ReadPacketData()
			if err != nil {
				break
			}
			p := gopacket.NewPacket(data, layers.LinkTypeEthernet, gopacket.Default)
			tcp := p.Layer(layers.LayerTypeTCP).(*layers.TCP)
			fmt.Println(ci.Timestamp.Format("05.000000"), tcp.SrcPort, tcp.DstPort, tcp.SYN, tcp.ACK, tcp.FIN, tcp.Seq, tcp.Ack, len(tcp.Payload))
		}
		t.Fatal("bad")
	}
}
