package main

import (
	"fmt"
	"os"

	"github.com/esimhil/esimhil/internal/ident"
)

func main() {
	for _, a := range os.Args[1:] {
		switch len(a) {
		case 30:
			e, err := ident.MakeEID(a)
			fmt.Println("EID", e, err)
		case 17, 18, 19:
			e, err := ident.MakeICCID(a)
			fmt.Println("ICCID", e, err)
		case 32:
			fmt.Println(a, "EID ok:", ident.IsEID(a))
		default:
			fmt.Println(a, "ICCID ok:", ident.IsICCID(a))
		}
	}
}
