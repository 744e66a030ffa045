// Package discover finds modems for a lab run: USB modems from sysfs
// (vendor/product id, serial number, interfaces, which tty is the AT port)
// with a table of known models and the personality each maps to, and a
// probe that asks a port AT, ATI, AT+CGMM and the ICCID commands to propose
// a personality. A port that does not answer AT with OK is refused.
package discover

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// Port is one tty of a USB device.
type Port struct {
	TTY       string // "ttyUSB2"
	Interface int    // bInterfaceNumber
	Driver    string // option, qcserial, cdc_acm, ftdi_sio, ...
}

// Device is one USB device with ttys.
type Device struct {
	Vendor, Product uint16
	Manufacturer    string
	ProductName     string
	Serial          string
	Path            string // the USB device's sysfs directory, relative to the root
	Ports           []Port
	// Known is set for a model in KnownModems.
	Known *Known
	// Modem says whether it is a modem: a known model or a modem
	// maker's vendor id.
	Modem bool
	// ATPort is the tty to talk AT to ("" when the model's AT interface
	// is not known: probe the ports).
	ATPort string
}

// Scan reads root (normally /sys) for USB ttys (ttyUSB*, ttyACM*) and
// groups them by USB device, modems first. Ttys that are not on USB
// (serial8250, pty) are not listed.
func Scan(root string) ([]Device, error) {
	ttys, err := os.ReadDir(filepath.Join(root, "class", "tty"))
	if err != nil {
		return nil, fmt.Errorf("discover: %w (is %s a sysfs tree?)", err, root)
	}
	byDev := map[string]*Device{}
	for _, t := range ttys {
		name := t.Name()
		if !strings.HasPrefix(name, "ttyUSB") && !strings.HasPrefix(name, "ttyACM") {
			continue
		}
		iface, dev, err := usbParents(root, name)
		if err != nil {
			return nil, fmt.Errorf("discover: %s: %w", name, err)
		}
		d, ok := byDev[dev]
		if !ok {
			if d, err = readDevice(root, dev); err != nil {
				return nil, fmt.Errorf("discover: %s: %w", name, err)
			}
			byDev[dev] = d
		}
		num, err := readHex(filepath.Join(root, iface, "bInterfaceNumber"), 8)
		if err != nil {
			return nil, fmt.Errorf("discover: %s: %w", name, err)
		}
		drv := ""
		if target, err := filepath.EvalSymlinks(filepath.Join(root, iface, "driver")); err == nil {
			drv = filepath.Base(target)
		}
		d.Ports = append(d.Ports, Port{TTY: name, Interface: int(num), Driver: drv})
	}
	out := make([]Device, 0, len(byDev))
	for _, d := range byDev {
		sort.Slice(d.Ports, func(i, j int) bool { return d.Ports[i].Interface < d.Ports[j].Interface })
		if k, ok := lookup(d.Vendor, d.Product); ok {
			d.Known, d.Modem = &k, true
			for _, p := range d.Ports {
				if p.Interface == k.ATInterface {
					d.ATPort = p.TTY
				}
			}
		} else if _, ok := vendors[d.Vendor]; ok {
			d.Modem = true
		}
		out = append(out, *d)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Modem != out[j].Modem {
			return out[i].Modem
		}
		return out[i].Path < out[j].Path
	})
	return out, nil
}

// usbParents finds a tty's USB interface and device directories, relative
// to root: the tty's device link, then up to the directory holding
// bInterfaceNumber, whose parent holds idVendor.
func usbParents(root, tty string) (iface, dev string, err error) {
	absRoot, err := filepath.Abs(root)
	if err != nil {
		return "", "", err
	}
	absRoot, err = filepath.EvalSymlinks(absRoot)
	if err != nil {
		return "", "", err
	}
	p, err := filepath.EvalSymlinks(filepath.Join(absRoot, "class", "tty", tty, "device"))
	if err != nil {
		return "", "", fmt.Errorf("device link: %w", err)
	}
	for d := p; strings.HasPrefix(d, absRoot+string(filepath.Separator)); d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "bInterfaceNumber")); err != nil {
			continue
		}
		if _, err := os.Stat(filepath.Join(filepath.Dir(d), "idVendor")); err != nil {
			return "", "", fmt.Errorf("interface %s has no USB device above it", d)
		}
		iface, _ = filepath.Rel(absRoot, d)
		dev, _ = filepath.Rel(absRoot, filepath.Dir(d))
		return iface, dev, nil
	}
	return "", "", errors.New("not a USB tty")
}

func readDevice(root, dev string) (*Device, error) {
	d := &Device{Path: dev}
	vid, err := readHex(filepath.Join(root, dev, "idVendor"), 16)
	if err != nil {
		return nil, err
	}
	pid, err := readHex(filepath.Join(root, dev, "idProduct"), 16)
	if err != nil {
		return nil, err
	}
	d.Vendor, d.Product = uint16(vid), uint16(pid)
	d.Manufacturer = readText(filepath.Join(root, dev, "manufacturer"))
	d.ProductName = readText(filepath.Join(root, dev, "product"))
	d.Serial = readText(filepath.Join(root, dev, "serial"))
	return d, nil
}

// maxAttr bounds a sysfs attribute read (they are one short line).
const maxAttr = 4096

func readText(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	b := make([]byte, maxAttr)
	n, _ := f.Read(b)
	return strings.TrimSpace(string(b[:n]))
}

func readHex(path string, bits int) (uint64, error) {
	s := readText(path)
	v, err := strconv.ParseUint(s, 16, bits)
	if err != nil {
		return 0, fmt.Errorf("%s: %q is not a %d-bit hex number", filepath.Base(path), s, bits)
	}
	return v, nil
}

// Table renders devices as the CLI prints them.
func Table(devs []Device) string {
	var b strings.Builder
	if len(devs) == 0 {
		return "no USB serial devices found\n"
	}
	fmt.Fprintf(&b, "%-9s  %-36s  %-18s  %-10s  %-14s  %s\n", "ID", "MODEL", "SERIAL", "AT PORT", "PERSONALITY", "INTERFACES")
	for _, d := range devs {
		model, pers, at := d.Manufacturer+" "+d.ProductName, "-", d.ATPort
		switch {
		case d.Known != nil:
			model, pers = d.Known.Name, d.Known.Personality
			if at == "" {
				at = "probe"
			}
		case d.Modem:
			model, pers, at = vendors[d.Vendor]+" (unknown model) "+d.ProductName, "probe", "probe"
		default:
			model, at = "not a modem: "+strings.TrimSpace(model), "-"
		}
		var ifs []string
		for _, p := range d.Ports {
			ifs = append(ifs, fmt.Sprintf("%d:%s(%s)", p.Interface, p.TTY, p.Driver))
		}
		serial := d.Serial
		if serial == "" {
			serial = "-"
		}
		if r := []rune(model); len(r) > 36 {
			model = string(r[:35]) + "…"
		}
		fmt.Fprintf(&b, "%04x:%04x  %-36s  %-18s  %-10s  %-14s  %s\n", d.Vendor, d.Product, model, serial, at, pers, strings.Join(ifs, " "))
	}
	return b.String()
}
