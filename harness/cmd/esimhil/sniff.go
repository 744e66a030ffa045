package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/esimhil/esimhil/harness/capture"
	"github.com/esimhil/esimhil/harness/lab/record"
	"github.com/esimhil/esimhil/harness/simtrace"
)

// labSniff receives a SIMtrace2's GSMTAP into a pcapng and prints the
// card's APDU lane, typed, as it arrives.
func labSniff(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("lab sniff", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("simtrace", simtrace.DefaultListen, "where simtrace2-sniff sends GSMTAP (udp://host:port)")
	out := fs.String("out", "simtrace.pcapng", "pcapng file to write")
	dur := durationVar(fs, "for", 0, "stop after this long (default: at Ctrl-C or SIGTERM)")
	if err := parseInterleaved(fs, args); err != nil {
		return usageExit(err)
	}
	if fs.NArg() != 0 {
		labUsageOnce(stderr, nil)
		return 2
	}
	var probs []string
	if err := checkSimtrace(*listen); err != nil {
		probs = append(probs, err.Error())
	}
	if flagGiven(fs, "for") && *dur <= 0 {
		// 0 or less would sniff until a signal, not for no time.
		probs = append(probs, fmt.Sprintf("--for %v: want more than 0 (leave it out to stop at Ctrl-C or SIGTERM)", *dur))
	}
	if err := checkWritable(*out); err != nil {
		probs = append(probs, "--out "+err.Error())
	}
	if len(probs) > 0 {
		for _, p := range probs {
			fmt.Fprintf(stderr, "esimhil lab sniff: %s\n", p)
		}
		return 2
	}
	sess, err := capture.Start(capture.Config{Path: *out, Mode: capture.Tap})
	if err != nil {
		fmt.Fprintf(stderr, "esimhil lab sniff: %v\n", err)
		return 1
	}
	view := &laneView{sink: sess, tr: &simtrace.Trace{}, out: stdout}
	rx, err := simtrace.Listen(*listen, view)
	if err != nil {
		sess.Close()
		fmt.Fprintf(stderr, "esimhil lab sniff: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "listening on udp://%s for GSMTAP SIM (simtrace2-sniff -i <this host>); writing %s\n", rx.Addr(), *out)
	if *dur > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *dur)
		defer cancel()
	}
	<-ctx.Done()
	code := 0
	if err := rx.Close(); err != nil {
		fmt.Fprintf(stderr, "esimhil lab sniff: %v\n", err)
		code = 1
	}
	if err := sess.Close(); err != nil {
		fmt.Fprintf(stderr, "esimhil lab sniff: %v\n", err)
		code = 1
	}
	fmt.Fprintf(stdout, "%s\n", rx.Stats())
	view.summary(stdout)
	return code
}

// laneView passes datagrams on to the capture and prints each ATR and
// APDU the lane decoder makes of them.
type laneView struct {
	sink simtrace.Sink
	out  io.Writer

	mu    sync.Mutex
	tr    *simtrace.Trace
	frame int
}

// WriteDatagramAfterLoss writes the datagram to the capture and decodes
// it as a reader of that file will (the loss before it included:
// capture.Mark.LostBefore, and the kernel's drops: Mark.KernelDropped),
// so the live lines and the saved lane agree.
func (v *laneView) WriteDatagramAfterLoss(ts time.Time, src, dst netip.AddrPort, payload []byte, lostBefore, kernelDropped int) error {
	err := v.sink.WriteDatagramAfterLoss(ts, src, dst, payload, lostBefore, kernelDropped)
	v.mu.Lock()
	defer v.mu.Unlock()
	v.frame++
	l := v.tr.Lane(src)
	var atrs, apdus int
	if l != nil {
		atrs, apdus = len(l.ATRs), len(l.APDUs)
	}
	now := time.Now()
	if kernelDropped > 0 {
		fmt.Fprintf(v.out, "%s warning: %s\n", now.Format("15:04:05.000000"), simtrace.KernelDroppedWarning(simtrace.DroppedBefore(kernelDropped, "frame", v.frame)))
	}
	v.tr.Add(capture.Datagram{Frame: v.frame, Time: now, Src: src, Dst: dst, Payload: payload, Mark: capture.Mark{LostBefore: lostBefore, KernelDropped: kernelDropped}})
	if l = v.tr.Lane(src); l == nil {
		return err
	}
	for _, a := range l.ATRs[atrs:] {
		fmt.Fprintf(v.out, "%s %s ATR %X (card reset)\n", a.Time.Format("15:04:05.000000"), src, a.Bytes)
	}
	for _, a := range l.APDUs[apdus:] {
		fmt.Fprintf(v.out, "%s %s %s\n", a.Time.Format("15:04:05.000000"), src, a)
		for _, w := range a.Warnings { // under its row, as the timeline's row detail says it
			fmt.Fprintf(v.out, "    warning: %s\n", w)
		}
	}
	return err
}

// SkippedAtEnd passes the receiver's skips no later frame marked on to
// the capture, which ends saying so, and to the live lane, so that its
// summary says what a reader of the file will.
func (v *laneView) SkippedAtEnd(at time.Time, list []capture.SkippedAtEnd) {
	if es, ok := v.sink.(simtrace.EndSink); ok {
		es.SkippedAtEnd(at, list)
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	v.tr.SkippedAtEnd(list)
}

// KernelDroppedAtEnd passes the kernel's drops no frame marked on to the
// capture, which ends saying so, and to the live lane, so that its
// summary says what a reader of the file will.
func (v *laneView) KernelDroppedAtEnd(at time.Time, n int) {
	if ds, ok := v.sink.(simtrace.DropEndSink); ok {
		ds.KernelDroppedAtEnd(at, n)
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	v.tr.KernelDroppedAtEnd(n)
}

// summary says what each lane holds and what was skipped, by kind with
// the frames of the first few (the receiver's own skips, which the
// capture does not hold but marks on the sender's next frame, are in its
// Stats).
func (v *laneView) summary(w io.Writer) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.tr.End() // as a reader of the file ends it
	if s := v.tr.Summary(); s != "" {
		fmt.Fprintf(w, "skipped datagrams: %s\n", s)
	}
	if s := v.tr.KernelDrops(); s != "" {
		fmt.Fprintf(w, "lost: %s\n", s)
	}
	for _, l := range v.tr.Lanes {
		fmt.Fprintf(w, "lane %s: %d ATRs, %d APDUs", l.Source, len(l.ATRs), len(l.APDUs))
		if s := l.Summary(); s != "" {
			fmt.Fprintf(w, "; warnings: %s", s)
		}
		fmt.Fprintln(w)
	}
}

// recordCapture is the card capture of a lab record session: staged
// beside the recording until the session is saved (record.StageCapture),
// so a record that fails leaves an earlier recording's capture whole.
type recordCapture struct {
	file    string // the staged file; "" without --simtrace
	madeDir string // the recording directory, when staging made it
	stop    func() error
	stopped bool
}

// recordSniff starts a receiver for `lab record --simtrace` into a file
// staged in dir; finish drains it and completes the file.
func recordSniff(listen, dir string, stdout io.Writer) (*recordCapture, error) {
	c := &recordCapture{}
	if listen == simtrace.Off {
		return c, nil
	}
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		c.madeDir = dir
	}
	file, err := record.StageCapture(dir)
	if err != nil {
		return nil, err
	}
	c.file = file
	sess, err := capture.Start(capture.Config{Path: file, Mode: capture.Tap})
	if err != nil {
		c.discard()
		return nil, err
	}
	view := &laneView{sink: sess, tr: &simtrace.Trace{}, out: io.Discard}
	rx, err := simtrace.Listen(listen, view)
	if err != nil {
		sess.Close()
		c.discard()
		return nil, err
	}
	path := filepath.Join(dir, record.CaptureFile)
	fmt.Fprintf(stdout, "SIMtrace receiver on udp://%s, into %s\n", rx.Addr(), path)
	c.stop = func() error {
		err := errors.Join(rx.Close(), sess.Close())
		fmt.Fprintf(stdout, "SIMtrace: %s\n", rx.Stats())
		view.summary(stdout)
		if err != nil {
			return fmt.Errorf("SIMtrace capture %s: %w", path, err)
		}
		return nil
	}
	return c, nil
}

// finish stops the receiver and returns the completed capture for
// record.Session.Capture ("" without --simtrace).
func (c *recordCapture) finish() (string, error) {
	if c.stopped || c.stop == nil {
		return c.file, nil
	}
	c.stopped = true
	return c.file, c.stop()
}

// discard stops the receiver if it runs and removes what a session that
// was not saved staged: its capture, and the directory when staging made
// it and it is still empty. After a save the capture is in place and
// nothing is removed.
func (c *recordCapture) discard() {
	if c.stop != nil && !c.stopped {
		c.stopped = true
		c.stop()
	}
	if c.file != "" {
		os.Remove(c.file)
	}
	if c.madeDir != "" {
		os.Remove(c.madeDir) // only when empty
	}
}

// checkSimtrace refuses a --simtrace that is no receiver address before
// anything opens: udp://host:port (the shared URL check), host:port or
// "off", as simtrace.ParseListen reads them (a port 0-65535; 0: any
// free one, which the command prints).
func checkSimtrace(v string) error {
	if v == simtrace.Off {
		return nil
	}
	if strings.Contains(v, "://") {
		if err := checkURLPort(v, 0, "udp"); err != nil {
			return fmt.Errorf("--simtrace %q: %w", v, err)
		}
	}
	if _, err := simtrace.ParseListen(v); err != nil {
		return fmt.Errorf("--simtrace %q: %s", v, strings.TrimPrefix(err.Error(), fmt.Sprintf("SIMtrace address %q: ", v)))
	}
	return nil
}
