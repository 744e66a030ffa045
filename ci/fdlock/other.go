//go:build !unix

package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "fdlock: no flock on this system")
	os.Exit(2)
}
