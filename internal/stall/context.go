package stall

import (
	"context"
	"sync"
)

// Context is parent bounded by w: done when w runs out in the process's
// running time, its Err then context.DeadlineExceeded (what net and
// net/http read as a timeout), or when parent is done, with parent's
// Err. cancel releases it (context.Canceled) and must be called. It
// reports parent's Deadline only: a wall-clock one of its own would end
// a net.Dialer's connect at the first stall.
func (w Wait) Context(parent context.Context) (ctx context.Context, cancel context.CancelFunc) {
	c := &waitCtx{Context: parent, done: make(chan struct{})}
	go c.watch(w)
	return c, func() { c.end(context.Canceled) }
}

// waitCtx is Wait.Context's context; the embedded parent answers
// Deadline and Value.
type waitCtx struct {
	context.Context
	done chan struct{}
	mu   sync.Mutex // err, and done's close with it
	err  error
}

// watch ends c when the wait runs out or the parent ends, whichever is
// first, and returns when c ends.
func (c *waitCtx) watch(w Wait) {
	t := w.NewTimer()
	defer t.Stop()
	for {
		select {
		case <-c.done:
			return
		case <-c.Context.Done():
			c.end(c.Context.Err())
			return
		case now := <-t.C:
			if t.Out(now) {
				c.end(context.DeadlineExceeded)
				return
			}
		}
	}
}

// end ends c with err, once; Err reads nil until Done is closed.
func (c *waitCtx) end(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err == nil {
		c.err = err
		close(c.done)
	}
}

func (c *waitCtx) Done() <-chan struct{} { return c.done }

func (c *waitCtx) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}
