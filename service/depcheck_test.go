// Package service_test pins which packages may depend on what, so the
// layering cannot erode unnoticed: catalog at the bottom, importing nothing
// of ours; reload, httpapi and grpcapi above it, none importing another;
// app wiring them all; and the binary free of test helpers.
package service_test

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/product-catalog/product-catalog"

func TestDependencies(t *testing.T) {
	forbidden := map[string][]string{
		"./catalog":          {"net/http", "go.uber.org/zap", "github.com/prometheus/", "github.com/gorilla/mux", module + "/service/"},
		"./reload":           {"net/http", "go.uber.org/zap", "github.com/prometheus/", module + "/service/httpapi", module + "/service/app"},
		"./config":           {"net/http", "go.uber.org/zap", "github.com/prometheus/", module + "/service/"},
		"./metrics":          {"go.uber.org/zap", module + "/service/"},
		"./httpapi":          {module + "/service/app", module + "/service/reload", module + "/service/config"},
		"./catalog/generate": {"net/http", "go.uber.org/zap"},
		"./grpcapi":          {module + "/service/httpapi", module + "/service/app", module + "/service/reload", module + "/service/config"},
		"./connsplit":        {"google.golang.org/grpc", "go.uber.org/zap", module + "/service/"},
		"./backlog":          {"go.uber.org/zap", "github.com/prometheus/", module + "/service/"},
		"./echo":             {module + "/service/"},
		"./requestid":        {module + "/service/"},
		"./telemetry":        {"github.com/prometheus/", module + "/service/"},
		"./flags":            {"go.uber.org/zap", "github.com/prometheus/", module + "/service/catalog", module + "/service/grpcapi", module + "/service/httpapi", module + "/service/app", module + "/service/config", module + "/service/telemetry"},
		// The binary: test helpers stay out of what ships.
		"..": {module + "/service/wiretap", module + "/service/zerowindow", module + "/service/telemetry/otlptest", module + "/service/freeport"},
	}
	for pkg, banned := range forbidden {
		out, err := exec.Command("go", "list", "-deps", pkg).Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", pkg, err)
		}
		self := module + "/service/" + strings.TrimPrefix(pkg, "./")
		for _, dep := range strings.Fields(string(out)) {
			if dep == self {
				continue
			}
			for _, b := range banned {
				if dep == b || (strings.HasSuffix(b, "/") && strings.HasPrefix(dep, b)) {
					t.Errorf("%s depends on %s", pkg, dep)
				}
			}
		}
	}
}
