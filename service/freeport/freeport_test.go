package freeport

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"testing"
)

// fatalTB records a test's failure instead of ending it, so that Start's
// refusal can be checked.
type fatalTB struct {
	testing.TB
	fatal []any
}

type stopped struct{}

func (f *fatalTB) Fatal(args ...any) {
	f.fatal = args
	panic(stopped{})
}

// startFails runs Start and returns whether it failed the test.
func startFails(tb *fatalTB, start func(port int) error) (port int, failed bool) {
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(stopped); !ok {
				panic(r)
			}
			failed = true
		}
	}()
	return Start(tb, start), false
}

func TestStart(t *testing.T) {
	busy, err := net.Listen("tcp", ":0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	_, bindErr := net.Listen("tcp", busy.Addr().String())
	if bindErr == nil {
		t.Fatal("listening twice on one port succeeded")
	}
	printed := fmt.Errorf("exited (exit status 1) before serving; logs:\n%s", bindErr)
	other := errors.New("catalog refused")
	for _, tt := range []struct {
		name      string
		failures  []error // what start returns on each attempt before nil
		wantCalls int
		wantFatal bool
	}{
		{"first port free", nil, 1, false},
		{"taken once", []error{bindErr}, 2, false},
		{"taken in what a process printed", []error{printed, printed}, 3, false},
		{"taken three times", []error{bindErr, bindErr, bindErr}, 3, true},
		{"another failure", []error{other}, 1, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tb := &fatalTB{TB: t}
			var ports []int
			port, failed := startFails(tb, func(port int) error {
				ports = append(ports, port)
				if len(ports) <= len(tt.failures) {
					return tt.failures[len(ports)-1]
				}
				return nil
			})
			if len(ports) != tt.wantCalls || failed != tt.wantFatal {
				t.Fatalf("start called %d times, test failed %v; want %d, %v", len(ports), failed, tt.wantCalls, tt.wantFatal)
			}
			if !failed && port != ports[len(ports)-1] {
				t.Errorf("Start = %d, want the port the server started on, %d", port, ports[len(ports)-1])
			}
			if failed && fmt.Sprint(tb.fatal...) != tt.failures[len(ports)-1].Error() {
				t.Errorf("the test failed with %q, want start's last error %q", fmt.Sprint(tb.fatal...), tt.failures[len(ports)-1])
			}
		})
	}
}

func TestPickIsFree(t *testing.T) {
	port := Pick(t)
	ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		t.Fatalf("listening on the picked port %d: %v", port, err)
	}
	ln.Close()
}
