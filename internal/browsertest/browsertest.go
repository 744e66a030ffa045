// Package browsertest opens pages in headless Chromium (Debian's chromium,
// installed by ci/install.sh) through the DevTools protocol, for tests that
// must see a page as a person's browser does: its console errors, every
// request it makes, its DOM after the script ran, a screenshot.
package browsertest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// ChromiumEnv names a Chromium binary other than the one on the PATH.
const ChromiumEnv = "ESIMHIL_CHROMIUM"

// FindChromium returns Chromium's path: $ESIMHIL_CHROMIUM, else chromium
// (or chromium-browser) on the PATH.
func FindChromium() (string, error) {
	if p := os.Getenv(ChromiumEnv); p != "" {
		return p, nil
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", errors.New("chromium not found on the PATH (Debian package chromium; ci/install.sh installs it, or set " + ChromiumEnv + ")")
}

// Browser is one headless Chromium with a fresh profile.
type Browser struct {
	ctx    context.Context
	cancel func()
}

// Start starts Chromium for the test and stops it at the test's end. It
// fails the test, never skips it, when Chromium is missing: CI installs it.
func Start(t testing.TB) *Browser {
	t.Helper()
	path, err := FindChromium()
	if err != nil {
		t.Fatal(err)
	}
	profile := t.TempDir()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(profile),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("force-color-profile", "srgb"),
		chromedp.WindowSize(1400, 900),
	}
	actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	// Start the browser now, so a broken install fails here and clearly.
	if err := chromedp.Do(ctx); err != nil {
		cancel()
		acancel()
		t.Fatalf("starting %s: %v", path, err)
	}
	// Closed gracefully: a killed Chromium leaves its singleton socket's
	// directory (/tmp/org.chromium.Chromium.*) behind, four per test run.
	closeBrowser := func() {
		cctx, ccancel := context.WithTimeout(ctx, 10*time.Second)
		defer ccancel()
		_ = chromedp.Cancel(cctx)
		cancel()
		acancel()
	}
	b := &Browser{ctx: ctx, cancel: closeBrowser}
	t.Cleanup(b.cancel)
	return b
}

// Page is one tab with what it logged and requested.
type Page struct {
	ctx context.Context

	mu       sync.Mutex
	errs     []string
	requests []string
}

// Open opens url in a new tab and waits until the body carries
// data-ready (the page's script ran to its end) or timeout passes.
func (b *Browser) Open(t testing.TB, url string, timeout time.Duration) *Page {
	t.Helper()
	return b.open(t, url, timeout, false)
}

// OpenNoScript opens url in a new tab with the page's scripts off, as a
// reader who turned JavaScript off sees it, and waits until its body is
// there. The test's own Eval still runs.
func (b *Browser) OpenNoScript(t testing.TB, url string, timeout time.Duration) *Page {
	t.Helper()
	return b.open(t, url, timeout, true)
}

func (b *Browser) open(t testing.TB, url string, timeout time.Duration, noScript bool) *Page {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx)
	t.Cleanup(cancel)
	p := &Page{ctx: ctx}
	ready := `body[data-ready="true"]`
	if noScript {
		ready = "body" // nothing marks it ready
	}
	if err := chromedp.Listen(ctx, p.record); err != nil {
		t.Fatalf("open %s: %v", url, err)
	}
	err := p.Run(timeout, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		for _, cmd := range []func() error{
			func() error { _, err := cdp.Call(ctx, tg, log.Enable, cdp.Empty{}); return err },
			func() error { _, err := cdp.Call(ctx, tg, runtime.Enable, cdp.Empty{}); return err },
			func() error { _, err := cdp.Call(ctx, tg, network.Enable, network.EnableParams{}); return err },
			func() error {
				_, err := cdp.Call(ctx, tg, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: noScript})
				return err
			},
		} {
			if err := cmd(); err != nil {
				return err
			}
		}
		return nil
	}), chromedp.Navigate(url), chromedp.WaitVisible(chromedp.CSS(ready)))
	if err != nil {
		t.Fatalf("open %s: %v (console errors so far: %v)", url, err, p.Errors())
	}
	return p
}

// record keeps the events a test asks about; it runs on the tab's reader.
func (p *Page) record(ev any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch e := ev.(type) {
	case *runtime.EventExceptionThrown:
		p.errs = append(p.errs, "exception: "+exceptionText(e.ExceptionDetails))
	case *runtime.EventConsoleAPICalled:
		if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeAssert {
			p.errs = append(p.errs, "console."+string(e.Type)+": "+argsText(e.Args))
		}
	case *log.EventEntryAdded:
		if e.Entry.Level == log.EntryLevelError {
			p.errs = append(p.errs, fmt.Sprintf("log (%s): %s %s", e.Entry.Source, e.Entry.Text, e.Entry.URL))
		}
	case *network.EventRequestWillBeSent:
		p.requests = append(p.requests, e.Request.URL)
	}
}

// Errors are the console errors, uncaught exceptions and browser log
// errors (a blocked fetch, a CSP violation) so far.
func (p *Page) Errors() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.errs...)
}

// Requests are the URLs the page requested, the page itself included.
func (p *Page) Requests() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.requests...)
}

// Run runs chromedp actions on the page within timeout.
func (p *Page) Run(timeout time.Duration, actions ...chromedp.Action[chromedp.Void]) error {
	ctx, cancel := context.WithTimeout(p.ctx, timeout)
	defer cancel()
	return chromedp.Do(ctx, actions...)
}

// Eval evaluates a JavaScript expression and returns its value.
func Eval[T any](p *Page, expr string) (T, error) {
	ctx, cancel := context.WithTimeout(p.ctx, 30*time.Second)
	defer cancel()
	return chromedp.Run(ctx, chromedp.Evaluate[T](expr))
}

// Screenshot writes a PNG of the viewport to path.
func (p *Page) Screenshot(path string) error {
	ctx, cancel := context.WithTimeout(p.ctx, 30*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		return err
	}
	return os.WriteFile(path, png, 0o644)
}

func exceptionText(d *runtime.ExceptionDetails) string {
	if d == nil {
		return "?"
	}
	s := d.Text
	if d.Exception != nil && d.Exception.Description != "" {
		s += " " + d.Exception.Description
	}
	return fmt.Sprintf("%s (line %d)", s, d.LineNumber)
}

func argsText(args []*runtime.RemoteObject) string {
	var parts []string
	for _, a := range args {
		switch {
		case a.Description != "":
			parts = append(parts, a.Description)
		case len(a.Value) > 0:
			parts = append(parts, string(a.Value))
		default:
			parts = append(parts, string(a.Type))
		}
	}
	return strings.Join(parts, " ")
}
