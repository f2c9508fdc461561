package main

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/product-catalog/product-catalog/service/freeport"
)

// These tests run the built binary as its own process, the way an
// orchestrator does: real signals, real exit codes, the process's own memory.

// program is a Go program built once per test run, into a directory that
// outlives any one test (and is left to the system's temporary files).
type program struct {
	once sync.Once
	path string
	err  error
}

// build builds pkg from the module in dir, with env added to the
// environment, the first time it is asked for.
func (p *program) build(t *testing.T, dir, pkg string, env ...string) string {
	t.Helper()
	p.once.Do(func() {
		out, err := os.MkdirTemp("", "product-catalog-test")
		if err != nil {
			p.err = err
			return
		}
		p.path = filepath.Join(out, filepath.Base(pkg))
		cmd := exec.Command("go", "build", "-o", p.path, pkg)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), env...)
		if output, err := cmd.CombinedOutput(); err != nil {
			p.err = fmt.Errorf("go build %s: %v\n%s", pkg, err, output)
		}
	})
	if p.err != nil {
		t.Fatal(p.err)
	}
	return p.path
}

// productCatalog is the program under test.
var productCatalog program

func binary(t *testing.T) string {
	t.Helper()
	return productCatalog.build(t, ".", "github.com/product-catalog/product-catalog")
}

// process is the binary running on a free port.
type process struct {
	cmd    *exec.Cmd
	base   string
	client *http.Client // records its exchanges for build/contract
	logs   *syncBuffer
	exited chan error
}

// startProcess runs the binary with env (plus a free port) and waits until
// it serves; it is killed when the test ends.
func startProcess(t *testing.T, env ...string) *process {
	t.Helper()
	var p *process
	freeport.Start(t, func(port int) (exit error) {
		p, exit = startProcessOn(t, port, env)
		return exit
	})
	return p
}

// startProcessOn runs the binary on port and returns once it serves, or
// returns how it exited, with its logs, if it exits first.
func startProcessOn(t *testing.T, port int, env []string) (*process, error) {
	t.Helper()
	cmd := exec.Command(binary(t))
	cmd.Env = append([]string{"PRODUCT_CATALOG_PORT=" + strconv.Itoa(port), "PRODUCT_CATALOG_DIR=products", "PATH=" + os.Getenv("PATH")}, env...)
	p := &process{cmd: cmd, base: fmt.Sprintf("http://127.0.0.1:%d", port), client: recordingClient(t, &http.Transport{}, 0), logs: newSyncBuffer(), exited: make(chan error, 1)}
	cmd.Stdout, cmd.Stderr = p.logs, p.logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.exited
	})
	return p, p.logs.waitOrExit(t, `"msg":"serving"`, 1, p.exited)
}

// metric reads one unlabelled sample from /metrics.
func (p *process) metric(t *testing.T, name string) float64 {
	t.Helper()
	resp, err := p.client.Get(p.base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	scanner := bufio.NewScanner(resp.Body)
	for scanner.Scan() {
		if value, ok := strings.CutPrefix(scanner.Text(), name+" "); ok {
			v, err := strconv.ParseFloat(value, 64)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			return v
		}
	}
	t.Fatalf("/metrics has no %s", name)
	return 0
}

// outcome is one call of a sustained load: when it started, and how it
// failed (nil when it was answered as wanted).
type outcome struct {
	started time.Time
	err     error
}

// sustained is a load from several clients, each making one call after
// another until stopped or until a call fails (the server is gone).
type sustained struct {
	mu       sync.Mutex
	outcomes []outcome
	loaded   chan struct{} // closed once load calls have completed
	stopping chan struct{}
	clients  sync.WaitGroup
}

// sustain starts one client per call; loaded closes after load calls.
func sustain(load int, calls []func() error) *sustained {
	s := &sustained{loaded: make(chan struct{}), stopping: make(chan struct{})}
	for _, call := range calls {
		s.clients.Add(1)
		go func() {
			defer s.clients.Done()
			for {
				select {
				case <-s.stopping:
					return
				default:
				}
				o := outcome{started: time.Now()}
				o.err = call()
				s.mu.Lock()
				s.outcomes = append(s.outcomes, o)
				if len(s.outcomes) == load {
					close(s.loaded)
				}
				s.mu.Unlock()
				if o.err != nil {
					return
				}
			}
		}()
	}
	return s
}

// stop ends the load and returns every outcome.
func (s *sustained) stop() []outcome {
	close(s.stopping)
	s.clients.Wait()
	return s.outcomes
}

// sigterm waits until the load has made load calls, sends SIGTERM, and
// waits for the process to exit; it returns when the signal went and how
// the process exited.
func (p *process) sigterm(t *testing.T, s *sustained, load int) (signalled time.Time, exitErr error) {
	t.Helper()
	select {
	case <-s.loaded:
	case <-time.After(30 * time.Second):
		t.Fatalf("fewer than %d calls answered in 30s; logs:\n%s", load, p.logs)
	}
	signalled = time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case exitErr = <-p.exited:
		p.exited <- exitErr // for the cleanup
	case <-time.After(15 * time.Second):
		t.Fatalf("still running 15s after SIGTERM; logs:\n%s", p.logs)
	}
	return signalled, exitErr
}

// checkDrained: the process exited 0, and every call sent before the
// signal, or while draining, was answered, under a sustained load (at
// least load calls before, 100 during). The last drainMargin of the drain
// is left out: a call started then may reach the server after the drain
// ends, when a loaded machine delays it.
const drainMargin = 400 * time.Millisecond

func (p *process) checkDrained(t *testing.T, outcomes []outcome, signalled time.Time, exitErr error, drain time.Duration, load int) {
	t.Helper()
	if exitErr != nil {
		t.Errorf("exit after SIGTERM: %v, want exit code 0; logs:\n%s", exitErr, p.logs)
	}
	before, during := 0, 0
	for _, o := range outcomes {
		if o.started.After(signalled.Add(drain - drainMargin)) {
			continue
		}
		if o.started.Before(signalled) {
			before++
		} else {
			during++
		}
		if o.err != nil {
			t.Errorf("call sent %v after SIGTERM: %v; want it answered", o.started.Sub(signalled).Round(time.Millisecond), o.err)
		}
	}
	if before < load || during < 100 {
		t.Errorf("%d calls before SIGTERM and %d while draining; want a sustained load (>= %d before, >= 100 during)", before, during, load)
	}
	t.Logf("%d calls before SIGTERM, %d while draining", before, during)
}

// Under sustained load, SIGTERM makes /readyz answer 503 first, every
// request sent before the signal (and during the drain) completes with 200,
// and the process exits 0.
func TestSIGTERMUnderLoad(t *testing.T) {
	const drain = time.Second
	p := startProcess(t, "SHUTDOWN_DRAIN="+drain.String())

	const load = 100 // requests answered before the signal
	calls := make([]func() error, 8)
	for c := range calls {
		client := recordingClient(t, &http.Transport{MaxIdleConnsPerHost: 1}, 10*time.Second)
		calls[c] = func() error {
			resp, err := client.Get(p.base + "/products")
			if err != nil {
				return err
			}
			_, err = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if err == nil && resp.StatusCode != http.StatusOK {
				err = fmt.Errorf("status %d, want 200", resp.StatusCode)
			}
			return err
		}
	}
	s := sustain(load, calls)

	// Readiness, as a load balancer polls it.
	var first503, firstRefused time.Time
	polled := make(chan struct{})
	stopPolling := make(chan struct{})
	poller := recordingClient(t, &http.Transport{}, time.Second)
	go func() {
		defer close(polled)
		for {
			select {
			case <-stopPolling:
				return
			default:
			}
			resp, err := poller.Get(p.base + "/readyz")
			now := time.Now()
			if err != nil {
				if firstRefused.IsZero() {
					firstRefused = now
				}
				return
			}
			resp.Body.Close()
			if resp.StatusCode == http.StatusServiceUnavailable && first503.IsZero() {
				first503 = now
			}
		}
	}()

	signalled, exitErr := p.sigterm(t, s, load)
	outcomes := s.stop()
	close(stopPolling)
	<-polled

	p.checkDrained(t, outcomes, signalled, exitErr, drain, load)
	switch {
	case first503.IsZero():
		t.Errorf("/readyz never answered 503 after SIGTERM")
	case first503.Before(signalled):
		t.Errorf("/readyz answered 503 before SIGTERM")
	case !firstRefused.IsZero() && firstRefused.Before(first503):
		t.Errorf("connections were refused (%v) before /readyz answered 503 (%v)", firstRefused, first503)
	}
	t.Logf("/readyz 503 after %v", first503.Sub(signalled).Round(time.Millisecond))
}
