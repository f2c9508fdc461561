package main

import (
	"os"
	"regexp"
	"testing"
)

// The Go that ships is named in several files that different tools read:
// the Dockerfile (BuildKit, and build/release-go.sh for the stand-in
// builder, ko and the vulnerability gate), the workflow (setup-go and the
// release build) and the vulnerability tools' module (the Go govulncheck is
// built with, which must read the standard library it scans). They must
// name one Go and one builder image.
func TestReleaseGoIsOneVersion(t *testing.T) {
	read := func(name string) string {
		t.Helper()
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	find := func(file, pattern string) string {
		t.Helper()
		m := regexp.MustCompile(pattern).FindAllStringSubmatch(read(file), -1)
		if len(m) != 1 {
			t.Fatalf("%s: want one match of %s, got %d", file, pattern, len(m))
		}
		return m[0][1]
	}
	release := find("Dockerfile", `(?m)^ENV GOTOOLCHAIN=go(1\.\d+\.\d+)$`)
	builder := find("Dockerfile", `(?m)^ARG GO_IMAGE=(\S+)$`)
	tests := []struct {
		what, file, pattern, want string
	}{
		{"the workflow's Go", ".github/workflows/ci.yml", `(?m)^  GO_VERSION: "(1\.\d+\.\d+)"$`, release},
		{"the workflow's release builder", ".github/workflows/ci.yml", `(?m)^  RELEASE_GO_IMAGE: (\S+)$`, builder},
		{"the vulnerability tools' toolchain", "build/tools/vuln/go.mod", `(?m)^toolchain go(1\.\d+\.\d+)$`, release},
		// The module's own floor stays where its dependencies need it, so
		// a contributor's Go 1.26 builds and tests it.
		{"go.mod's go line", "go.mod", `(?m)^go (\S+)$`, "1.26.0"},
	}
	for _, tt := range tests {
		if got := find(tt.file, tt.pattern); got != tt.want {
			t.Errorf("%s (%s) = %s, want %s, as the Dockerfile says", tt.what, tt.file, got, tt.want)
		}
	}
	if !regexp.MustCompile(`^golang:1\.\d+\.\d+-alpine@sha256:[0-9a-f]{64}$`).MatchString(builder) {
		t.Errorf("the Dockerfile's GO_IMAGE = %s, want golang:1.N.P-alpine pinned by digest", builder)
	}
}
