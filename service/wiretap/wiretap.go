// Package wiretap lets tests record the HTTP exchanges they make, so that
// build/contract can hold every one of them to openapi.json with a
// third-party validator. Only tests import it (service/depcheck_test.go
// keeps it out of the binary); with EnvDir unset it records nothing.
package wiretap

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// EnvDir names the directory that exchanges are appended to, one JSON
// Lines file per test process.
const EnvDir = "CONTRACT_EXCHANGES_DIR"

// Exchange is one request and the response it got, as on the wire.
type Exchange struct {
	Source         string      `json:"source"`
	Method         string      `json:"method"`
	Target         string      `json:"target"`
	RequestHeader  http.Header `json:"requestHeader"`
	Status         int         `json:"status"`
	ResponseHeader http.Header `json:"responseHeader"`
	Body           []byte      `json:"body"`
}

// Tap appends exchanges to its file. Load tests repeat one request
// thousands of times, so identical exchanges are written once.
type Tap struct {
	source string
	mu     sync.Mutex
	file   *os.File // nil: recording is off
	seen   map[[sha256.Size]byte]bool
}

// Open starts a tap for source (say, the package under test), or a tap
// that records nothing when EnvDir is unset.
func Open(source string) (*Tap, error) {
	dir := os.Getenv(EnvDir)
	if dir == "" {
		return &Tap{source: source}, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("wiretap: %s=%s: %w", EnvDir, dir, err)
	}
	name := filepath.Join(dir, fmt.Sprintf("%d.jsonl", os.Getpid()))
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("wiretap: %w", err)
	}
	return &Tap{source: source, file: f, seen: map[[sha256.Size]byte]bool{}}, nil
}

// Close closes the tap's file.
func (t *Tap) Close() error {
	if t.file == nil {
		return nil
	}
	return t.file.Close()
}

// Record writes one exchange. The body is the response's bytes as sent,
// still compressed if Content-Encoding says so.
func (t *Tap) Record(req *http.Request, status int, header http.Header, body []byte) error {
	if t.file == nil {
		return nil
	}
	line, err := json.Marshal(Exchange{
		Source: t.source, Method: req.Method, Target: req.URL.RequestURI(),
		RequestHeader: req.Header, Status: status, ResponseHeader: header, Body: body,
	})
	if err != nil {
		return fmt.Errorf("wiretap: %w", err)
	}
	line = append(line, '\n')
	sum := sha256.Sum256(line)
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.seen[sum] {
		return nil
	}
	t.seen[sum] = true
	// One write per line: O_APPEND keeps lines whole across goroutines.
	if _, err := t.file.Write(line); err != nil {
		return fmt.Errorf("wiretap: %w", err)
	}
	return nil
}

// Client returns a client whose exchanges are recorded. Its transport, a
// copy of base, never asks for gzip on its own: net/http would then
// decompress the body and drop Content-Encoding before the tap saw them,
// and the record would not be what was on the wire.
func (t *Tap) Client(base *http.Transport, timeout time.Duration) *http.Client {
	transport := base.Clone()
	transport.DisableCompression = true
	return &http.Client{Transport: roundTripper{tap: t, next: transport}, Timeout: timeout}
}

type roundTripper struct {
	tap  *Tap
	next http.RoundTripper
}

func (rt roundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := rt.next.RoundTrip(req)
	if err != nil || rt.tap.file == nil {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if err := rt.tap.Record(req, resp.StatusCode, resp.Header, body); err != nil {
		return nil, err
	}
	return resp, nil
}
