package notify

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// SigningKeyFile is the name, in the data directory, of the file holding
// the SNS signing key and its certificate (PEM, mode 0600).
const SigningKeyFile = "sns-signing.pem"

// Signer signs SNS envelopes with SignatureVersion 2 (SHA256withRSA). Its
// key and self-signed certificate are made on first use and kept in a file,
// so that a restart keeps the certificate sellers may have pinned; start-up
// never waits for an RSA key.
type Signer struct {
	path string // "" keeps the key in memory only

	mu      sync.Mutex
	key     *rsa.PrivateKey
	certPEM []byte
}

// NewSigner returns a signer keeping its key at path ("" for a key that
// lives only as long as the process, in tests).
func NewSigner(path string) *Signer { return &Signer{path: path} }

// CertificatePEM is the certificate SigningCertURL serves.
func (s *Signer) CertificatePEM() ([]byte, error) {
	if err := s.ensure(); err != nil {
		return nil, err
	}
	return s.certPEM, nil
}

// Sign sets e's SignatureVersion and Signature.
func (s *Signer) Sign(e *Envelope) error {
	if err := s.ensure(); err != nil {
		return err
	}
	e.SignatureVersion = "2"
	sum := sha256.Sum256([]byte(e.StringToSign()))
	sig, err := rsa.SignPKCS1v15(rand.Reader, s.key, crypto.SHA256, sum[:])
	if err != nil {
		return fmt.Errorf("notify: sign: %w", err)
	}
	e.Signature = base64.StdEncoding.EncodeToString(sig)
	return nil
}

// ensure loads the key, or makes and keeps one.
func (s *Signer) ensure() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.key != nil {
		return nil
	}
	if s.path != "" {
		b, err := os.ReadFile(s.path)
		if err == nil {
			return s.parse(b)
		}
		if !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("notify: signing key: %w", err)
		}
	}
	b, err := newSigningPEM()
	if err != nil {
		return err
	}
	if s.path != "" {
		if err := writeFileAtomic(s.path, b); err != nil {
			return fmt.Errorf("notify: keep signing key: %w", err)
		}
	}
	return s.parse(b)
}

// parse reads a PRIVATE KEY block and a CERTIFICATE block.
func (s *Signer) parse(b []byte) error {
	var key *rsa.PrivateKey
	var certPEM []byte
	for block, rest := pem.Decode(b); block != nil; block, rest = pem.Decode(rest) {
		switch block.Type {
		case "PRIVATE KEY":
			k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
			if err != nil {
				return fmt.Errorf("notify: signing key %s: %w", s.path, err)
			}
			rk, ok := k.(*rsa.PrivateKey)
			if !ok {
				return fmt.Errorf("notify: signing key %s: not an RSA key", s.path)
			}
			key = rk
		case "CERTIFICATE":
			certPEM = pem.EncodeToMemory(block)
		}
	}
	if key == nil || certPEM == nil {
		return fmt.Errorf("notify: signing key %s: needs a PRIVATE KEY and a CERTIFICATE block", s.path)
	}
	s.key, s.certPEM = key, certPEM
	return nil
}

// newSigningPEM makes a 2048-bit RSA key (SNS's size) and a self-signed
// certificate for it, valid for ten years.
func newSigningPEM() ([]byte, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("notify: signing key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 64))
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "sns.amazonaws.com (meterd)", Organization: []string{"meterd"}},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.AddDate(10, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("notify: signing certificate: %w", err)
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	out := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8})
	return append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})...), nil
}

// writeFileAtomic writes b to path through a synced temporary file and a
// rename, so that a crash leaves the old file or the new one.
func writeFileAtomic(path string, b []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after the rename, a no-op
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
