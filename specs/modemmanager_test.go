//go:build linux

package specs

// ModemManager as the host: Debian's ModemManager probes the emulated
// modem's tty, reads its SIM, enables it and follows the device's roam and
// the card's profile switch, as it would a USB modem's AT port. The rig
// runs on the wall clock (as `esimhil emulate` does, at 10×): ModemManager's
// own timers are wall-clock, and nothing here moves simulated time by hand.
//
// A pty has no sysfs node, and ModemManager takes only ports it finds in
// sysfs; polkit, which mmcli --report-kernel-event asks, is not there. So
// ModemManager runs in a mount namespace of its own (unshare -m) where the
// pty is bind-mounted over a real serial port's node (/dev/ttyS0, which
// has one), with udev rules that mark that port for ModemManager
// (ID_MM_DEVICE_PROCESS), on a D-Bus session bus of its own
// (--test-session), and is told of the port by --initial-kernel-events.
// Leaving the namespace (ModemManager's exit) undoes both mounts.

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/harness"
	"github.com/esimhil/esimhil/harness/fieldlog"
	"github.com/esimhil/esimhil/harness/framework"
)

// mmScenario: a Chinese device at home on CMCC; in Paris it roams on
// Orange, asks the platform, and its card switches to its SFR profile,
// which is at home there.
const mmScenario = `
name: modemmanager-host
seed: 1
network:
  operators:
    - {id: cmcc, plmn: "46000", country: CN, name: China Mobile}
    - {id: orange-fr, plmn: "20801", country: FR, name: Orange, tariff: 0.8}
    - {id: sfr, plmn: "20810", country: FR, name: SFR, tariff: 0.5}
  roaming:
    - {home: cmcc, visited: orange-fr}
  cells:
    - {area: CN-Beijing, operator: cmcc, rsrp: -80}
    - {area: FR-Paris, operator: orange-fr, rsrp: -85, tac: 0x3a9b, cell_id: 0xc33d}
    - {area: FR-Paris, operator: sfr, rsrp: -101}
device:
  eid: "89049032000001000000000000000171"
  personality: generic
  check_interval: 1m
  profiles:
    - {iccid: "89860000000000000019", operator: cmcc, enabled: true}
    - {iccid: "89331000000000000029", operator: sfr}
platform:
  order_by: tariff
  preferred:
    FR: [sfr, orange-fr]
itinerary:
  - {at: 0s, area: CN-Beijing}
`

// Artifact files the spec leaves beside at.log.
const (
	mmLogFile    = "modemmanager.log"
	mmcliLogFile = "mmcli.log"
)

// mmSpeed is the rig's clock rate: simulated seconds per wall second.
const mmSpeed = 10

// mmWait bounds each wait on ModemManager (wall time): its probe of the
// port takes about 11 s (its plugins' probes, with its own retry
// timers), an enable or a re-registration well under one.
const mmWait = 45 * time.Second

// hostStackMissing says why this machine cannot run ModemManager on the
// emulated tty ("" when it can): a program missing, no tty with a sysfs
// node to stand in for the pty, or no right to make a mount namespace
// (root or CAP_SYS_ADMIN). It finds ModemManager in /usr/sbin too, where
// Debian puts it and a user's PATH may not look.
func hostStackMissing() (mm, tty, why string) {
	mm, err := exec.LookPath("ModemManager")
	if err != nil {
		if _, serr := os.Stat("/usr/sbin/ModemManager"); serr != nil {
			return "", "", fmt.Sprintf("ModemManager is not installed (not on the PATH, nor /usr/sbin/ModemManager): Debian's modemmanager, which ci/install.sh installs: %v", err)
		}
		mm = "/usr/sbin/ModemManager"
	}
	for _, p := range []string{"mmcli", "dbus-daemon", "unshare", "mount"} {
		if _, err := exec.LookPath(p); err != nil {
			return "", "", fmt.Sprintf("%s is not on the PATH (Debian's modemmanager, dbus-daemon, util-linux, mount: ci/install.sh installs the first two): %v", p, err)
		}
	}
	tty = ttyWithSysfsNode()
	if tty == "" {
		return "", "", "no serial port with a sysfs node (/sys/class/tty/ttyS*/device and its /dev node) to bind the emulated pty over: ModemManager takes only ports it finds in sysfs"
	}
	if out, err := exec.Command("unshare", "-m", "--propagation", "private", "true").CombinedOutput(); err != nil {
		return "", "", fmt.Sprintf("cannot make a mount namespace (unshare -m needs root or CAP_SYS_ADMIN): %v: %s", err, bytes.TrimSpace(out))
	}
	return mm, tty, ""
}

// ttyWithSysfsNode is the first ttyS<n> with a device behind it in sysfs
// and a node in /dev, "" when there is none.
func ttyWithSysfsNode() string {
	for n := range 8 {
		name := "ttyS" + strconv.Itoa(n)
		if _, err := os.Stat(filepath.Join("/sys/class/tty", name, "device")); err != nil {
			continue
		}
		if fi, err := os.Stat("/dev/" + name); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			return name
		}
	}
	return ""
}

// mmHost is ModemManager and its bus, started for one spec.
type mmHost struct {
	dir  string // the rig's artifacts directory
	bus  string // DBUS_SESSION_BUS_ADDRESS
	last map[string]string
	// stop ends ModemManager (its namespace, and so its mounts, go
	// with it); the spec's cleanup also does.
	stop func()
}

// startProcess starts cmd and returns its stop: SIGTERM, then SIGKILL if
// it has not exited 10 s later, and the wait either way. The spec's
// cleanup stops it too (once, whichever comes first), by its PID.
func startProcess(cmd *exec.Cmd, what string) (stop func()) {
	GinkgoHelper()
	// A test binary killed outright (go test's -timeout, SIGKILL) runs
	// no cleanup: the kernel ends the process with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	Expect(cmd.Start()).To(Succeed(), "starting %s", what)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	stop = sync.OnceFunc(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
			AddReportEntry(what, fmt.Sprintf("%s (pid %d) did not exit on SIGTERM within 10 s: killed", what, cmd.Process.Pid))
		}
	})
	DeferCleanup(stop)
	return stop
}

// startModemManager starts a session bus and ModemManager (bin) on it,
// with the modem's pty standing in for tty; its debug log goes to dir.
func startModemManager(bin, pty, tty, dir string) *mmHost {
	GinkgoHelper()
	// Unix socket paths are short (108 bytes): not under the artifacts.
	tmp, err := os.MkdirTemp("", "esimhil-mm-")
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(os.RemoveAll, tmp)

	bus := exec.Command("dbus-daemon", "--session", "--nofork", "--nopidfile", "--print-address=1",
		"--address=unix:path="+filepath.Join(tmp, "bus"))
	out, err := bus.StdoutPipe()
	Expect(err).NotTo(HaveOccurred())
	bus.Stderr = GinkgoWriter
	startProcess(bus, "dbus-daemon")
	// It prints its address once it listens.
	addr, err := bufio.NewReader(out).ReadString('\n')
	Expect(err).NotTo(HaveOccurred(), "dbus-daemon's address")
	go func() { _, _ = io.Copy(io.Discard, out) }()
	h := &mmHost{dir: dir, bus: strings.TrimSpace(addr), last: map[string]string{}}

	// Debian's rules for ModemManager's own udev-less rule parser, and one
	// that marks the stand-in port as a modem's.
	rules := filepath.Join(tmp, "rules.d")
	Expect(os.Mkdir(rules, 0o755)).To(Succeed())
	ours, err := filepath.Glob("/lib/udev/rules.d/*-mm-*.rules")
	Expect(err).NotTo(HaveOccurred())
	for _, f := range ours {
		b, err := os.ReadFile(f)
		Expect(err).NotTo(HaveOccurred())
		Expect(os.WriteFile(filepath.Join(rules, filepath.Base(f)), b, 0o644)).To(Succeed())
	}
	Expect(os.WriteFile(filepath.Join(rules, "77-mm-zz-esimhil.rules"),
		[]byte(`KERNEL=="`+tty+`", ENV{ID_MM_DEVICE_PROCESS}="1"`+"\n"), 0o644)).To(Succeed())
	events := filepath.Join(tmp, "kernel-events")
	Expect(os.WriteFile(events, []byte("action=add,name="+tty+",subsystem=tty\n"), 0o644)).To(Succeed())

	script := `mount --bind "$1" "/dev/$2" && mount --bind "$3" /lib/udev/rules.d && exec "$6" --test-session --test-no-udev \
--no-auto-scan --filter-policy=ALLOWLIST-ONLY --initial-kernel-events="$4" --debug --log-level=DEBUG --log-timestamps \
--log-personal-info --log-file="$5"`
	mm := exec.Command("unshare", "-m", "--propagation", "private", "sh", "-c", script, "sh",
		pty, tty, rules, events, filepath.Join(dir, mmLogFile), bin)
	mm.Env = append(os.Environ(), "DBUS_SESSION_BUS_ADDRESS="+h.bus)
	mm.Stdout, mm.Stderr = GinkgoWriter, GinkgoWriter
	h.stop = startProcess(mm, "ModemManager")
	return h
}

// mmcli runs mmcli on the spec's bus with the key-value output and returns
// its keys; each new answer to the same arguments is appended to
// mmcli.log. An error (no modem yet) is an empty map and the error.
func (h *mmHost) mmcli(args ...string) (map[string]string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "mmcli", append([]string{"--test-session", "--output-keyvalue"}, args...)...)
	cmd.Env = append(os.Environ(), "DBUS_SESSION_BUS_ADDRESS="+h.bus)
	out, err := cmd.CombinedOutput()
	line := strings.Join(args, " ")
	if text := string(out) + fmt.Sprint(err); h.last[line] != text {
		h.last[line] = text
		if werr := appendFile(filepath.Join(h.dir, mmcliLogFile), fmt.Sprintf("$ mmcli --test-session --output-keyvalue %s   # %s, exit: %v\n%s\n",
			line, time.Now().Format(time.TimeOnly), err, out)); werr != nil {
			fmt.Fprintf(GinkgoWriter, "%s not written: %v\n", mmcliLogFile, werr)
		}
	}
	if err != nil {
		return map[string]string{}, fmt.Errorf("mmcli %s: %w: %s", line, err, bytes.TrimSpace(out))
	}
	return keyValues(string(out)), nil
}

func appendFile(path, text string) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	_, err = f.WriteString(text)
	return errors.Join(err, f.Close())
}

// keyValues reads mmcli's --output-keyvalue: "key : value" a line, "--"
// for a value it does not have.
func keyValues(out string) map[string]string {
	kv := map[string]string{}
	for l := range strings.SplitSeq(out, "\n") {
		k, v, ok := strings.Cut(l, " : ")
		if !ok {
			continue
		}
		kv[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	return kv
}

// modem is the modem's keys, failing the poll that asks until there is one.
func (h *mmHost) modem() (map[string]string, error) { return h.mmcli("-m", "any") }

var _ = Describe("ModemManager as the host", framework.HostStack, func() {
	It("probes the modem, reads its SIM, enables it, and follows the roam and the card's profile switch", func() {
		bin, tty, why := hostStackMissing()
		if why != "" {
			Skip("ModemManager cannot drive the emulated modem here: " + why)
		}
		r := framework.NewRig(framework.Parse("modemmanager-host", mmScenario), func(o *harness.Options) {
			o.NoHost = true
			o.Personality = "generic"
		})
		// The wall clock drives the rig from here on, as in esimhil
		// emulate --speed 10: ModemManager's timeouts and polls are wall
		// time, and the card's periodic check (a minute at least,
		// scenario.MinCheckInterval) comes within 6 s of the move.
		clock := harness.NewLabBackend(r, mmSpeed)
		clock.Start()
		DeferCleanup(func() { Expect(clock.Close()).To(Succeed(), "the rig's clock and close") })
		mm := startModemManager(bin, r.Modem.Path(), tty, r.Dir())
		DeferCleanup(func() {
			if CurrentSpecReport().Failed() {
				files := []string{filepath.Join(r.Dir(), mmLogFile), filepath.Join(r.Dir(), mmcliLogFile), filepath.Join(r.Dir(), harness.ATLogFile)}
				AddReportEntry("modemmanager", strings.Join(files, "\n"))
				fmt.Fprintf(GinkgoWriter, "ModemManager's debug log, the mmcli answers and at.log: %s\n", strings.Join(files, ", "))
			}
		})

		By("probing: the personality's identity, as mmcli shows it")
		var m map[string]string
		Eventually(func() (map[string]string, error) {
			var err error
			m, err = mm.modem()
			return m, err
		}).WithTimeout(mmWait).WithPolling(250*time.Millisecond).Should(HaveKeyWithValue("modem.generic.state", "disabled"),
			"ModemManager exports the modem and finishes its probe")
		p := r.Personality
		Expect(m).To(HaveKeyWithValue("modem.generic.manufacturer", cmp.Or(p.Manufacturer, "esimhil")))
		Expect(m).To(HaveKeyWithValue("modem.generic.model", p.Model))
		Expect(m).To(HaveKeyWithValue("modem.generic.revision", cmp.Or(p.Revision, "1.0")))
		Expect(m).To(HaveKeyWithValue("modem.generic.plugin", "generic"))
		Expect(m).To(HaveKeyWithValue("modem.generic.primary-port", tty))

		By("the SIM: ICCID and IMSI of the enabled profile, its operator")
		card := framework.ActorEvents(r, eventlog.Modem, "card")
		Expect(card).NotTo(BeEmpty())
		sim, err := mm.mmcli("-i", "any")
		Expect(err).NotTo(HaveOccurred())
		Expect(sim).To(HaveKeyWithValue("sim.properties.iccid", "89860000000000000019"))
		Expect(sim).To(HaveKeyWithValue("sim.properties.imsi", card[0].Str("imsi")))
		Expect(sim).To(HaveKeyWithValue("sim.properties.operator-code", "46000"))
		Expect(sim).To(HaveKeyWithValue("sim.properties.operator-name", "China Mobile"), "EF SPN")

		By("enabling: registered at home on CMCC, with signal")
		_, err = mm.mmcli("-m", "any", "--enable")
		Expect(err).NotTo(HaveOccurred())
		Eventually(mm.modem).WithTimeout(mmWait).WithPolling(250 * time.Millisecond).Should(And(
			HaveKeyWithValue("modem.generic.state", "registered"),
			HaveKeyWithValue("modem.3gpp.registration-state", "home"),
			HaveKeyWithValue("modem.3gpp.operator-code", "46000"),
			HaveKeyWithValue("modem.3gpp.operator-name", "China Mobile"),
			HaveKeyWithValue("modem.generic.signal-quality.value", Not(Equal("0"))),
		))

		By("the roam to Paris and the card's switch to SFR: ModemManager follows to home on SFR")
		Expect(framework.MoveTo(r, "FR-Paris")).To(Succeed())
		Eventually(mm.modem).WithTimeout(mmWait).WithPolling(250 * time.Millisecond).Should(And(
			HaveKeyWithValue("modem.generic.state", "registered"),
			HaveKeyWithValue("modem.3gpp.registration-state", "home"),
			HaveKeyWithValue("modem.3gpp.operator-code", "20810"),
			HaveKeyWithValue("modem.3gpp.operator-name", "SFR"),
		))
		Expect(framework.ActorEvents(r, eventlog.EUICC, "roaming_detected")).To(ContainElement(
			WithTransform(func(e eventlog.Event) string { return e.Str("serving_plmn") }, Equal("20801"))), "the card saw it roam on Orange")
		Expect(framework.ActorEvents(r, eventlog.EUICC, "profile_enabled")).To(ContainElement(
			WithTransform(func(e eventlog.Event) string { return e.Str("iccid") }, Equal("89331000000000000029"))), "and enabled its SFR profile")

		By("every command ModemManager sent got its final result, and at.log holds them all")
		mm.stop() // its log complete, nothing more in flight
		atLog := filepath.Join(r.Dir(), harness.ATLogFile)
		Eventually(func() error { return sameCommands(filepath.Join(r.Dir(), mmLogFile), atLog) }).
			WithTimeout(5 * time.Second).WithPolling(100 * time.Millisecond).Should(Succeed())
		By("the modem told ModemManager of the roam: +CEREG <stat> 5, then 0 (the REFRESH) and 1 on SFR")
		t, err := fieldlog.ReadFile(atLog, fieldlog.ATLog)
		Expect(err).NotTo(HaveOccurred())
		var stats []string
		for _, e := range t.Entries {
			if e.Role == fieldlog.URC && strings.HasPrefix(e.Text, "+CEREG: ") {
				stat, _, _ := strings.Cut(strings.TrimPrefix(e.Text, "+CEREG: "), ",")
				stats = append(stats, stat)
			}
		}
		Expect(strings.Join(stats, " ")).To(HaveSuffix("5 0 1"), "the +CEREG URCs' <stat>s")
	})
})

// sameCommands checks that ModemManager's log and the modem's at.log hold
// the same command lines in the same order, that each got a final result
// in at.log, and that ModemManager gave up on none.
func sameCommands(mmLog, atLog string) error {
	mmT, err := fieldlog.ReadFile(mmLog, fieldlog.MM)
	if err != nil {
		return err
	}
	atT, err := fieldlog.ReadFile(atLog, fieldlog.ATLog)
	if err != nil {
		return err
	}
	for _, e := range mmT.Entries {
		if e.GaveUpOn != 0 {
			return fmt.Errorf("%s line %d: ModemManager gave up waiting for an answer to the command on line %d: %s", mmLog, e.Line, e.GaveUpOn, e.Text)
		}
	}
	var sent, got []string
	for _, i := range mmT.Commands() {
		sent = append(sent, mmT.Entries[i].Text)
	}
	for _, i := range atT.Commands() {
		c := atT.Entries[i]
		got = append(got, c.Text)
		final := false
		for _, a := range atT.Answer(i) {
			final = final || a.Role == fieldlog.Final
		}
		if !final {
			return fmt.Errorf("%s line %d: %s has no final result code", atLog, c.Line, c.Text)
		}
	}
	if len(sent) == 0 {
		return fmt.Errorf("%s: no command", mmLog)
	}
	if !slices.Equal(sent, got) {
		return fmt.Errorf("ModemManager sent %d command lines, at.log holds %d; first difference: %s", len(sent), len(got), firstDiff(sent, got))
	}
	return nil
}

func firstDiff(a, b []string) string {
	for i := range max(len(a), len(b)) {
		var x, y string
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		if x != y {
			return fmt.Sprintf("#%d %q (ModemManager) vs %q (at.log)", i+1, x, y)
		}
	}
	return "none"
}
