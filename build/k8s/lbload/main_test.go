package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

// counting is a backend that counts the GETs of path it answers, failing
// every failEvery-th one (0: none).
type counting struct {
	served    atomic.Int64
	failEvery int64
}

func (b *counting) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := b.served.Add(1)
	if b.failEvery > 0 && n%b.failEvery == 0 {
		http.Error(w, "draining", http.StatusServiceUnavailable)
		return
	}
	fmt.Fprint(w, `{"id":"BRW-0001"}`)
}

var summary = regexp.MustCompile(`lbload: (\d+) requests, (\d+) failed`)

// counts reads the summary line lbload prints last.
func counts(t *testing.T, stdout string) (sent, failed int64) {
	t.Helper()
	m := summary.FindStringSubmatch(stdout)
	if m == nil {
		t.Fatalf("stdout has no summary line:\n%s", stdout)
	}
	sent, _ = strconv.ParseInt(m[1], 10, 64)
	failed, _ = strconv.ParseInt(m[2], 10, 64)
	return sent, failed
}

func TestTargetSendsThroughOneAddress(t *testing.T) {
	backend := &counting{}
	srv := httptest.NewServer(backend)
	defer srv.Close()
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"-target", srv.URL, "-duration", "1s", "-workers", "3"}, noEnv, &stdout, &stderr)
	if err != nil {
		t.Fatalf("run = %v, want nil; stderr:\n%s", err, stderr.String())
	}
	sent, failed := counts(t, stdout.String())
	if sent == 0 || failed != 0 || sent != backend.served.Load() {
		t.Errorf("sent %d, failed %d, backend served %d; want sent = served > 0, failed 0", sent, failed, backend.served.Load())
	}
	if !strings.HasPrefix(stdout.String(), "lbload: sending GET /products/BRW-0001 to "+srv.URL) {
		t.Errorf("first line = %q, want the announcement scripts wait for", strings.SplitN(stdout.String(), "\n", 2)[0])
	}
}

func TestAnyFailureFailsTheRun(t *testing.T) {
	backend := &counting{failEvery: 2}
	srv := httptest.NewServer(backend)
	defer srv.Close()
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"-target", srv.URL, "-duration", "1s", "-workers", "2"}, noEnv, &stdout, &stderr)
	if err == nil {
		t.Fatalf("run = nil with every other answer a 503, want an error")
	}
	sent, failed := counts(t, stdout.String())
	if failed == 0 || failed > sent {
		t.Errorf("sent %d, failed %d; want some failed", sent, failed)
	}
	// Bounded: at most maxReported failure lines, plus the notice.
	if lines := strings.Count(stderr.String(), "\n"); failed > maxReported && lines != maxReported+1 {
		t.Errorf("stderr has %d lines for %d failures, want %d", lines, failed, maxReported+1)
	}
	if !strings.Contains(stderr.String(), "status 503") {
		t.Errorf("stderr = %q, want the failing status named", stderr.String())
	}
}

// fakeAPI serves the EndpointSlices of product-catalog/product-catalog
// for one bearer token: a slice with a ready endpoint and one with an
// endpoint that is not ready (a slice has one port for its endpoints).
func fakeAPI(t *testing.T, token, readyAddr, notReadyAddr string) *httptest.Server {
	t.Helper()
	slice := func(addr string, ready bool) string {
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf(`{"ports":[{"port":%s}],"endpoints":[{"addresses":[%q],"conditions":{"ready":%t}}]}`, port, host, ready)
	}
	body := `{"items":[` + slice(readyAddr, true) + "," + slice(notReadyAddr, false) + "]}"
	return httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		const want = "/apis/discovery.k8s.io/v1/namespaces/product-catalog/endpointslices"
		if r.URL.Path != want || r.URL.Query().Get("labelSelector") != "kubernetes.io/service-name=product-catalog" {
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
		if r.Header.Get("Authorization") != "Bearer "+token {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		fmt.Fprint(w, body)
	}))
}

func TestServerFollowsOnlyReadyEndpoints(t *testing.T) {
	ready, notReady := &counting{}, &counting{}
	srv := httptest.NewServer(ready)
	defer srv.Close()
	srv2 := httptest.NewServer(notReady)
	defer srv2.Close()
	api := fakeAPI(t, "s3cret", srv.Listener.Addr().String(), srv2.Listener.Addr().String())
	defer api.Close()

	tests := []struct {
		name    string
		token   string
		wantErr string
	}{
		{"with the token", "s3cret", ""},
		{"with another token", "guess", "401 Unauthorized"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := func(k string) string {
				if k == "LBLOAD_TOKEN" {
					return tt.token
				}
				return ""
			}
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), []string{"-server", api.URL, "-duration", "1s"}, env, &stdout, &stderr)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("run = %v, want an error with %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("run = %v, want nil; stderr:\n%s", err, stderr.String())
			}
			sent, _ := counts(t, stdout.String())
			if got := ready.served.Load(); got != sent || got == 0 {
				t.Errorf("the ready endpoint served %d of %d requests, want all", got, sent)
			}
			if got := notReady.served.Load(); got != 0 {
				t.Errorf("the endpoint that is not ready served %d requests, want 0", got)
			}
		})
	}
}

func TestUsage(t *testing.T) {
	tests := []struct {
		args []string
		env  string
		want string
	}{
		{nil, "", "give one of -target and -server"},
		{[]string{"-target", "http://a:1", "-server", "https://b:2"}, "t", "give one of -target and -server"},
		{[]string{"-server", "https://b:2"}, "", "-server needs LBLOAD_TOKEN"},
		{[]string{"-target", "https://a:1"}, "", `-target "https://a:1": want http://HOST[:PORT]`},
		{[]string{"-target", "http://a:1/products"}, "", "the path goes in -path"},
		{[]string{"-target", "http://a:1", "-duration", "0s"}, "", "-duration 0s: want more than 0"},
		{[]string{"-target", "http://a:1", "-workers", "0"}, "", "-workers 0: want at least 1"},
		{[]string{"-target", "http://a:1", "-bogus"}, "", "flag provided but not defined: -bogus"},
	}
	for _, tt := range tests {
		env := func(string) string { return tt.env }
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), tt.args, env, &stdout, &stderr)
		var usage usageError
		if !errors.As(err, &usage) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("run(%q) = %v, want a usage error with %q", tt.args, err, tt.want)
		}
	}
}

func noEnv(string) string { return "" }

func TestTargetWithTrailingSlashGetsThePath(t *testing.T) {
	var wrong atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/products/BRW-0001" {
			wrong.Add(1)
		}
	}))
	defer srv.Close()
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"-target", srv.URL + "/", "-duration", "500ms", "-workers", "1"}, noEnv, &stdout, &stderr); err != nil {
		t.Fatalf("run = %v, want nil; stderr:\n%s", err, stderr.String())
	}
	if sent, _ := counts(t, stdout.String()); sent == 0 {
		t.Errorf("no request sent in the run")
	}
	if n := wrong.Load(); n != 0 {
		t.Errorf("%d requests went to another path than /products/BRW-0001, want 0", n)
	}
}
