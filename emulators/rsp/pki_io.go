package rsp

import (
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/esimhil/esimhil/internal/atomicfile"
)

// Write stores the PKI under dir as PEM files, each a CERTIFICATE block
// followed by its PKCS#8 PRIVATE KEY block (TEST ONLY keys): ci.pem,
// eum.pem, euicc-<eid>.pem, smdp-<op>-{auth,pb,tls}.pem. A file whose
// certificate differs only in its (random) signature and whose key is the
// same is left as it is, so regenerating from the same seed changes nothing.
func (p *PKI) Write(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("write PKI: %w", err)
	}
	files := map[string]*Cert{"ci.pem": p.CI, "eum.pem": p.EUM}
	for eid, c := range p.EUICC {
		files["euicc-"+eid+".pem"] = c
	}
	for op, s := range p.SMDP {
		files["smdp-"+op+"-auth.pem"] = s.Auth
		files["smdp-"+op+"-pb.pem"] = s.PB
		files["smdp-"+op+"-tls.pem"] = s.TLS
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if err := writeCert(filepath.Join(dir, n), files[n]); err != nil {
			return fmt.Errorf("write PKI: %w", err)
		}
	}
	return nil
}

func writeCert(path string, c *Cert) error {
	if c == nil || c.Key == nil {
		return fmt.Errorf("%s: certificate or key missing", path)
	}
	if old, err := readCert(path); err == nil && sameTBS(old.X509, c.X509) && old.Key.Equal(c.Key) {
		return nil
	}
	k, err := x509.MarshalPKCS8PrivateKey(c.Key)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	b := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.DER})
	b = append(b, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: k})...)
	// Whole, old or new, however the run is interrupted (Ctrl-C).
	if err := atomicfile.WriteFile(path, b, 0o644, false); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// ReadCertFile reads one PEM file written by Write.
func ReadCertFile(path string) (*Cert, error) { return readCert(path) }

func readCert(path string) (*Cert, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return parseCertPEM(path, b)
}

// parseCertPEM reads a CERTIFICATE block and an optional PRIVATE KEY block.
func parseCertPEM(path string, b []byte) (*Cert, error) {
	c := &Cert{}
	for {
		var blk *pem.Block
		blk, b = pem.Decode(b)
		if blk == nil {
			break
		}
		switch blk.Type {
		case "CERTIFICATE":
			x, err := x509.ParseCertificate(blk.Bytes)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", path, err)
			}
			c.X509, c.DER = x, blk.Bytes
		case "PRIVATE KEY":
			k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", path, err)
			}
			ek, ok := k.(*ecdsa.PrivateKey)
			if !ok {
				return nil, fmt.Errorf("%s: key is not ECDSA", path)
			}
			c.Key = ek
		}
	}
	if c.X509 == nil {
		return nil, fmt.Errorf("%s: no CERTIFICATE block", path)
	}
	if c.Key != nil && !c.Key.PublicKey.Equal(c.X509.PublicKey) {
		return nil, fmt.Errorf("%s: key does not match the certificate", path)
	}
	return c, nil
}

// LoadPKI reads a PKI written by Write. SM-DP+ hosts come from the TLS
// certificates' DNS names.
func LoadPKI(dir string) (*PKI, error) { return LoadPKIFS(os.DirFS(dir), ".") }

// LoadPKIFS is LoadPKI over a file system, e.g. an embed.FS holding
// fixtures/pki, so that tests find the PKI whatever their directory.
func LoadPKIFS(fsys fs.FS, dir string) (*PKI, error) {
	read := func(name string) (*Cert, error) {
		p := path.Join(dir, name)
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return nil, err
		}
		return parseCertPEM(p, b)
	}
	p := &PKI{EUICC: map[string]*Cert{}, SMDP: map[string]*SMDPCerts{}}
	var err error
	if p.CI, err = read("ci.pem"); err != nil {
		return nil, fmt.Errorf("load PKI: %w", err)
	}
	if p.EUM, err = read("eum.pem"); err != nil {
		return nil, fmt.Errorf("load PKI: %w", err)
	}
	ents, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("load PKI: %w", err)
	}
	for _, e := range ents {
		n := e.Name()
		if e.IsDir() || !strings.HasSuffix(n, ".pem") {
			continue
		}
		switch {
		case strings.HasPrefix(n, "euicc-"):
			c, err := read(n)
			if err != nil {
				return nil, fmt.Errorf("load PKI: %w", err)
			}
			p.EUICC[strings.TrimSuffix(strings.TrimPrefix(n, "euicc-"), ".pem")] = c
		case strings.HasPrefix(n, "smdp-"):
			base := strings.TrimSuffix(strings.TrimPrefix(n, "smdp-"), ".pem")
			i := strings.LastIndexByte(base, '-')
			if i <= 0 {
				return nil, fmt.Errorf("load PKI: %s: want smdp-<op>-<role>.pem", n)
			}
			op, role := base[:i], base[i+1:]
			c, err := read(n)
			if err != nil {
				return nil, fmt.Errorf("load PKI: %w", err)
			}
			s := p.SMDP[op]
			if s == nil {
				s = &SMDPCerts{}
				p.SMDP[op] = s
			}
			switch role {
			case "auth":
				s.Auth = c
			case "pb":
				s.PB = c
			case "tls":
				s.TLS = c
				if len(c.X509.DNSNames) > 0 {
					s.Host = c.X509.DNSNames[0]
				}
			default:
				return nil, fmt.Errorf("load PKI: %s: unknown role %q", n, role)
			}
		}
	}
	for op, s := range p.SMDP {
		if s.Auth == nil || s.PB == nil || s.TLS == nil {
			return nil, fmt.Errorf("load PKI: SM-DP+ %s: missing certificate: %w", op, fs.ErrNotExist)
		}
	}
	return p, nil
}
