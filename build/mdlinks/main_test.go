package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSlugify(t *testing.T) {
	tests := []struct{ heading, want string }{
		{"gRPC, on the same port", "grpc-on-the-same-port"},
		{"Use in the OpenTelemetry demo", "use-in-the-opentelemetry-demo"},
		{"The Go that ships", "the-go-that-ships"},
		{"Online, keyless (cosign v2.2 or newer)", "online-keyless-cosign-v22-or-newer"},
		{"make_test and tools", "make_test-and-tools"},
	}
	for _, tt := range tests {
		if got := slugify(tt.heading); got != tt.want {
			t.Errorf("slugify(%q) = %q, want %q", tt.heading, got, tt.want)
		}
	}
}

func TestRun(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		t.Helper()
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	write("docs/deploy.md", "# Deploy\n\n## Deploy to Kubernetes\n\n## Notes\n\n## Notes\n")
	good := write("good.md", "[d](docs/deploy.md) [k](docs/deploy.md#deploy-to-kubernetes) [n](docs/deploy.md#notes-1) [self](#top)\n\n# Top\n\n[web](https://example.com/x) `[code](nowhere.md)`\n\n```\n[fenced](nowhere.md)\n```\n")
	bad := write("bad.md", "# Bad\n\n[gone](docs/gone.md)\n[anchor](docs/deploy.md#nope)\n[self](#nowhere)\n")
	var out bytes.Buffer
	if err := run([]string{good}, &out); err != nil {
		t.Errorf("run(good.md) = %v, want nil\n%s", err, out.String())
	}
	out.Reset()
	err := run([]string{bad}, &out)
	if err == nil || err.Error() != "3 broken links" {
		t.Fatalf("run(bad.md) = %v, want 3 broken links\n%s", err, out.String())
	}
	for _, want := range []string{"bad.md:3: docs/gone.md: no such file", "bad.md:4: docs/deploy.md#nope: no heading", "bad.md:5: #nowhere: no heading"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
