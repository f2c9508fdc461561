package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/product-catalog/product-catalog/service/freeport"
)

// The binary, run as /bin/grpc_health_probe (a link, as the Dockerfile
// image has it), checks a server the way the OpenTelemetry demo's compose
// file does: -addr=:PORT passes against the running service, for the
// server and for the demo's service name, and fails against a port no one
// listens on, for an unknown service, and for flags it does not honour.
func TestRunAsGRPCHealthProbe(t *testing.T) {
	p := startProcess(t)
	port := p.base[strings.LastIndex(p.base, ":")+1:]
	probe := filepath.Join(t.TempDir(), "grpc_health_probe")
	if err := os.Symlink(binary(t), probe); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		args   []string
		passes bool
		output string
	}{
		{[]string{"-addr=:" + port}, true, "status: SERVING"},
		{[]string{"-addr=127.0.0.1:" + port, "-service=oteldemo.ProductCatalogService"}, true, "status: SERVING"},
		{[]string{"-addr=:" + strconv.Itoa(freeport.Pick(t))}, false, "no connection to"},
		{[]string{"-addr=:" + port, "-service=no.Such"}, false, "NotFound"},
		{[]string{"-addr=:" + port, "-tls"}, false, "flag provided but not defined: -tls"},
		{[]string{}, false, "-addr is required"},
	} {
		out, err := exec.Command(probe, tt.args...).CombinedOutput()
		if passes := err == nil; passes != tt.passes {
			t.Errorf("grpc_health_probe %q: passed = %v, want %v; output:\n%s", tt.args, passes, tt.passes, out)
		}
		if !strings.Contains(string(out), tt.output) {
			t.Errorf("grpc_health_probe %q: output %q, want it to hold %q", tt.args, out, tt.output)
		}
	}
}
