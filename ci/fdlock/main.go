//go:build unix

// Command fdlock takes the exclusive flock of a file descriptor it
// inherited, without waiting: flock -n FD for make lab where util-linux's
// flock(1) is missing (macOS). The lock belongs to the open file, not to
// this process, so it stays with the shell that opened the descriptor,
// released when the shell's run ends, however it ends.
//
//	exec 9>DIR/.lock; held=$(go run ./ci/fdlock 9) || exit 2
//
// With the lock taken it prints nothing; when another open file holds it,
// "held" (exit status 0 both, so that go run adds no "exit status 1" to
// make lab's message); on a usage or system error it says so on standard
// error, exit status 2.
package main

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"syscall"
)

// errHeld says another open file holds the lock.
var errHeld = errors.New("held by another process")

// lock takes fd's exclusive flock without waiting.
func lock(fd int) error {
	err := syscall.Flock(fd, syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return errHeld
	}
	return err
}

func main() {
	fd, err := strconv.Atoi(firstArg())
	if err != nil || fd < 0 {
		fmt.Fprintln(os.Stderr, "usage: fdlock FD (an open file descriptor's number)")
		os.Exit(2)
	}
	switch err := lock(fd); {
	case errors.Is(err, errHeld):
		fmt.Println("held")
	case err != nil:
		fmt.Fprintf(os.Stderr, "fdlock: descriptor %d: %v\n", fd, err)
		os.Exit(2)
	}
}

func firstArg() string {
	if len(os.Args) != 2 {
		return ""
	}
	return os.Args[1]
}
