package main

import (
	"fmt"
	"os"

	"github.com/esimhil/esimhil/harness"
	"github.com/esimhil/esimhil/harness/capture"
	"github.com/esimhil/esimhil/harness/scenario"
	"github.com/esimhil/esimhil/internal/personality"
)

func main() {
	s, err := scenario.Load(os.Args[1])
	if err != nil {
		panic(err)
	}
	p, _ := personality.Load(os.Args[2])
	d, _ := os.MkdirTemp("", "probe")
	defer os.RemoveAll(d)
	r, err := harness.NewRig(s, harness.Options{Dir: d, Capture: capture.Tap, Dialect: &p})
	if err != nil {
		panic(err)
	}
	defer r.Close()
	r.Advance(10e9)
	for _, c := range os.Args[3:] {
		resp, err := r.AT.Command(c)
		if resp != nil {
			fmt.Println(c, "=>", resp.Lines, resp.Final, err)
		} else {
			fmt.Println(c, "=>", err)
		}
	}
}
