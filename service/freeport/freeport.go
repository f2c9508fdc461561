// Package freeport is test-only: it starts a server under test on a free
// loopback port. A port is free when a probe listener closes it, and a test
// binary running in parallel may take it before the server binds it (the
// machine tests load seconds of catalog first): that one failure is
// retried on another port. The binary never imports it
// (service/depcheck_test.go).
package freeport

import (
	"errors"
	"net"
	"strings"
	"syscall"
	"testing"
)

// attempts is how many ports Start tries.
const attempts = 3

// Pick returns a loopback port nothing listens on, as of now.
func Pick(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// Start calls start with a free port until the server starts on it, and
// returns the port. start returns nil once the server serves, or why it
// did not; when only the port was taken, another is tried, and any other
// failure, or a third taken port, fails the test with start's error.
func Start(t testing.TB, start func(port int) error) int {
	t.Helper()
	for attempt := 1; ; attempt++ {
		port := Pick(t)
		err := start(port)
		if err == nil {
			return port
		}
		if attempt == attempts || !Taken(err) {
			t.Fatal(err)
		}
		t.Logf("attempt %d: port %d was taken before the server bound it; trying another", attempt, port)
	}
}

// Taken says whether err is the port being in use: the error itself, or
// its message in what a process printed.
func Taken(err error) bool {
	return errors.Is(err, syscall.EADDRINUSE) || strings.Contains(err.Error(), syscall.EADDRINUSE.Error())
}
