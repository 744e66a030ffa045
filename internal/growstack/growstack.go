// Package growstack grows a goroutine's stack ahead of need, in one step.
//
// A goroutine starts with a small stack that the runtime doubles when a
// call needs more, copying the stack each time and unwinding every frame
// on it to adjust its pointers: the deeper the stack when it grows, the
// dearer the copy. A goroutine known to go deep (net/http's serving of a
// TLS connection, the modem's command loop) is cheaper grown once at its
// start, where the copy is a few frames, than three or four times deep in
// a handshake. In the exploration benchmark that was 0.3 of 18 ms of CPU a
// case.
package growstack

// Size is the stack Grow leaves a goroutine with, at least: the largest
// the runtime keeps in its per-P caches (a larger one comes from the heap,
// under its lock).
const Size = 16 << 10

// Grow grows the calling goroutine's stack to Size now (the runtime sizes
// the new stack for the frame that needs it, in one copy). Call it near
// the top of the goroutine.
//
//go:noinline
func Grow() {
	var frame [Size - 4<<10]byte // room left for the frames above
	keep(frame[:])
}

// keep uses the frame, so it stays on the stack.
//
//go:noinline
func keep([]byte) {}
