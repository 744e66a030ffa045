package asn1check

import (
	"bufio"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// modules are the ASN.1 modules asn1c compiles, in testdata.
var modules = []string{"RSPDefinitions.asn", "PEDefinitions.asn", "PKIX1Explicit88.asn", "PKIX1Implicit88.asn"}

// decoder is the compiled C program (testdata/check.c), one process for
// the whole test: a line in, a line out.
type decoder struct {
	mu   sync.Mutex
	cmd  *exec.Cmd
	in   io.WriteCloser
	out  *bufio.Reader
	seen map[string]int // PDU type → values checked
}

// buildDecoder runs asn1c on the modules into dir and compiles its output
// with check.c. asn1c and gcc are required: ci/install.sh installs them.
func buildDecoder(t *testing.T, dir string) string {
	t.Helper()
	asn1c, err := exec.LookPath("asn1c")
	if err != nil {
		t.Fatal("asn1c is not installed: the SGP.22/SAIP structures are checked with Debian's asn1c 0.9.28 (apt-get install asn1c; ci/install.sh does)")
	}
	cc, err := exec.LookPath("gcc")
	if err != nil {
		t.Fatal("gcc is not installed: the asn1c decoder is C (apt-get install gcc; ci/install.sh does)")
	}
	args := []string{"-fwide-types", "-fcompound-names", "-fincludes-quoted", "-pdu=all"}
	for _, m := range modules {
		abs, err := filepath.Abs(filepath.Join("testdata", m))
		if err != nil {
			t.Fatal(err)
		}
		args = append(args, abs)
	}
	start := time.Now()
	c := exec.Command(asn1c, args...)
	c.Dir = dir
	if out, err := c.CombinedOutput(); err != nil {
		t.Fatalf("asn1c: %v\n%s", err, out)
	}
	// converter-sample.c has asn1c's own main; check.c is ours.
	if err := os.Remove(filepath.Join(dir, "converter-sample.c")); err != nil {
		t.Fatalf("asn1c output: %v", err)
	}
	src, err := os.ReadFile(filepath.Join("testdata", "check.c"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "check.c"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.c"))
	if err != nil || len(files) < 100 {
		t.Fatalf("asn1c wrote %d C files (%v)", len(files), err)
	}
	sort.Strings(files)
	// Two compilers at once (the machines have two cores), then one link.
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var part []string
			for j := i; j < len(files); j += 2 {
				part = append(part, files[j])
			}
			c := exec.Command(cc, append([]string{"-c", "-O0", "-w", "-I", dir}, part...)...)
			c.Dir = dir
			if out, err := c.CombinedOutput(); err != nil {
				errs[i] = fmt.Errorf("%v\n%s", err, out)
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("compiling asn1c's output: %v", err)
	}
	objs, _ := filepath.Glob(filepath.Join(dir, "*.o"))
	bin := filepath.Join(dir, "check")
	if out, err := exec.Command(cc, append([]string{"-o", bin}, objs...)...).CombinedOutput(); err != nil {
		t.Fatalf("linking the decoder: %v\n%s", err, out)
	}
	t.Logf("asn1c decoder built in %v (%d C files)", time.Since(start).Round(time.Millisecond), len(files))
	return bin
}

// startDecoder starts bin and hands it the modules' DEFAULT values.
func startDecoder(t *testing.T, bin string) *decoder {
	t.Helper()
	d := &decoder{cmd: exec.Command(bin), seen: map[string]int{}}
	var err error
	if d.in, err = d.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	out, err := d.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	d.out = bufio.NewReaderSize(out, 1<<20)
	d.cmd.Stderr = os.Stderr
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = d.in.Close()
		if err := d.cmd.Wait(); err != nil {
			t.Errorf("decoder: %v", err)
		}
	})
	for _, df := range moduleDefaults(t) {
		if _, err := d.line(fmt.Sprintf("DEFAULT %s %s %X", df.typ, df.member, df.value)); err != nil {
			t.Fatalf("DEFAULT %s.%s: %v", df.typ, df.member, err)
		}
	}
	return d
}

func (d *decoder) line(l string) (string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, err := io.WriteString(d.in, l+"\n"); err != nil {
		return "", fmt.Errorf("decoder: %w", err)
	}
	ans, err := d.out.ReadString('\n')
	if err != nil {
		return "", fmt.Errorf("decoder: %w", err)
	}
	ans = strings.TrimSuffix(ans, "\n")
	if rest, ok := strings.CutPrefix(ans, "err "); ok {
		return "", errors.New(rest)
	}
	rest, ok := strings.CutPrefix(ans, "ok")
	if !ok {
		return "", fmt.Errorf("decoder: %q", ans)
	}
	return strings.TrimSpace(rest), nil
}

// check decodes b as the module's type pdu and returns its XER.
func (d *decoder) check(pdu string, b []byte) (*node, error) {
	if len(b) == 0 {
		return nil, errors.New("empty value")
	}
	h, err := d.line(fmt.Sprintf("%s %X", pdu, b))
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	d.seen[pdu]++
	d.mu.Unlock()
	x, err := hex.DecodeString(h)
	if err != nil {
		return nil, fmt.Errorf("decoder output: %w", err)
	}
	var n node
	if err := xml.Unmarshal(x, &n); err != nil {
		return nil, fmt.Errorf("XER: %w\n%s", err, x)
	}
	return &n, nil
}

// node is an XER element.
type node struct {
	XMLName xml.Name
	Text    string `xml:",chardata"`
	Kids    []node `xml:",any"`
}

// get follows a path of element names (each the first match) and returns
// the element; "" and false when one is missing.
func (n *node) get(path ...string) (*node, bool) {
	cur := n
	for _, p := range path {
		var next *node
		for i := range cur.Kids {
			if cur.Kids[i].XMLName.Local == p {
				next = &cur.Kids[i]
				break
			}
		}
		if next == nil {
			return nil, false
		}
		cur = next
	}
	return cur, true
}

// text is the trimmed text of the element at path, or "<missing>".
func (n *node) text(path ...string) string {
	e, ok := n.get(path...)
	if !ok {
		return "<missing>"
	}
	return strings.TrimSpace(e.Text)
}

// hex is an OCTET STRING element's value (XER writes spaced hex pairs),
// upper-case without spaces.
func (n *node) hex(path ...string) string {
	return strings.ToUpper(strings.Join(strings.Fields(n.text(path...)), ""))
}

// count is the number of child elements named name.
func (n *node) count(name string) int {
	c := 0
	for _, k := range n.Kids {
		if k.XMLName.Local == name {
			c++
		}
	}
	return c
}

// has says an element at path exists (a NULL, a CHOICE alternative).
func (n *node) has(path ...string) bool { _, ok := n.get(path...); return ok }

// dflt is one DEFAULT of the modules: the content octets of its value.
type dflt struct {
	typ, member string
	value       []byte
}

var (
	typeStart = regexp.MustCompile(`^([A-Za-z][\w-]*)\s*::=`)
	defaultOf = regexp.MustCompile(`^\s*([a-z][\w-]*)\s.*\bDEFAULT\s+('[0-9A-Fa-f ]*'H|[\w-]+)`)
)

// moduleDefaults reads every DEFAULT from the modules (the enclosing
// type's name is the one asn1c gives its descriptor). INTEGER defaults are
// checked by asn1c's own tables as well; the OCTET STRING and BOOLEAN
// ones only through these.
func moduleDefaults(t *testing.T) []dflt {
	t.Helper()
	var out []dflt
	for _, m := range modules {
		src, err := os.ReadFile(filepath.Join("testdata", m))
		if err != nil {
			t.Fatal(err)
		}
		typ := ""
		for _, l := range strings.Split(string(src), "\n") {
			l, _, _ = strings.Cut(l, "--")
			if mt := typeStart.FindStringSubmatch(l); mt != nil {
				typ = mt[1]
			}
			md := defaultOf.FindStringSubmatch(l)
			if md == nil {
				continue
			}
			v, err := defaultValue(string(src), md[2])
			if err != nil {
				t.Fatalf("%s: %s.%s: %v", m, typ, md[1], err)
			}
			out = append(out, dflt{typ: typ, member: md[1], value: v})
		}
	}
	if len(out) < 15 {
		t.Fatalf("found %d DEFAULTs in the modules", len(out))
	}
	return out
}

// defaultValue gives the DER content octets of a DEFAULT value: a hex
// string, a BOOLEAN, a number, or a named number of the module.
func defaultValue(module, v string) ([]byte, error) {
	switch {
	case strings.HasPrefix(v, "'"):
		return hex.DecodeString(strings.ReplaceAll(strings.TrimSuffix(strings.TrimPrefix(v, "'"), "'H"), " ", ""))
	case v == "TRUE":
		return []byte{0xFF}, nil
	case v == "FALSE":
		return []byte{0x00}, nil
	}
	n, ok := new(big.Int).SetString(v, 10)
	if !ok {
		m := regexp.MustCompile(`\b` + regexp.QuoteMeta(v) + `\s*\((\d+)\)`).FindStringSubmatch(module)
		if m == nil {
			return nil, fmt.Errorf("DEFAULT %s: no such named number", v)
		}
		n, _ = new(big.Int).SetString(m[1], 10)
	}
	b := n.Bytes()
	if len(b) == 0 || b[0]&0x80 != 0 {
		b = append([]byte{0}, b...)
	}
	return b, nil
}

// hexOf is b as XER's OCTET STRING text reads after node.text.
func hexOf(b []byte) string { return strings.ToUpper(hex.EncodeToString(b)) }
