package config

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestFromEnv(t *testing.T) {
	tests := []struct {
		name string
		vars map[string]string
		want Config
	}{
		{"defaults", nil, Config{Port: 8088, CatalogDir: "products", ReloadInterval: 10 * time.Second, LogLevel: "info", AccessLog: "sampled", ShutdownTimeout: 10 * time.Second}},
		{"everything set", map[string]string{
			EnvPort: "9000", EnvCatalogDir: "/data", EnvReloadInterval: "1m", EnvLogLevel: "DEBUG", EnvShutdownTimeout: "3s",
			EnvShutdownDrain: "2s", EnvAccessLog: "ALL", EnvMaxFileBytes: "8MiB", EnvMaxBytes: "1000",
		}, Config{Port: 9000, CatalogDir: "/data", CatalogDirSet: true, ReloadInterval: time.Minute, LogLevel: "debug", AccessLog: "all", ShutdownTimeout: 3 * time.Second, ShutdownDrain: 2 * time.Second,
			MaxFileBytes: 8 << 20, MaxBytes: 1000}},
		{"sizes in each unit", map[string]string{EnvMaxFileBytes: "3KiB", EnvMaxBytes: "2GiB"}, Config{Port: 8088, CatalogDir: "products", ReloadInterval: 10 * time.Second, LogLevel: "info", AccessLog: "sampled", ShutdownTimeout: 10 * time.Second,
			MaxFileBytes: 3 << 10, MaxBytes: 2 << 30}},
		{"browsers and caches", map[string]string{EnvCacheMaxAge: "1m", EnvCORSOrigins: "https://shop.example, http://localhost:8080"}, Config{Port: 8088, CatalogDir: "products", ReloadInterval: 10 * time.Second, LogLevel: "info", AccessLog: "sampled", ShutdownTimeout: 10 * time.Second,
			CacheMaxAge: time.Minute, CORSOrigins: []string{"https://shop.example", "http://localhost:8080"}}},
		{"reload disabled", map[string]string{EnvReloadInterval: "0"}, Config{Port: 8088, CatalogDir: "products", LogLevel: "info", AccessLog: "sampled", ShutdownTimeout: 10 * time.Second}},
		{"the OpenTelemetry demo's reload interval, in seconds", map[string]string{EnvReloadInterval: "10"}, Config{Port: 8088, CatalogDir: "products", ReloadInterval: 10 * time.Second, LogLevel: "info", AccessLog: "sampled", ShutdownTimeout: 10 * time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := FromEnv(env(tt.vars))
			if err != nil {
				t.Fatalf("FromEnv(%v) error = %v", tt.vars, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("FromEnv(%v) mismatch (-want +got):\n%s", tt.vars, diff)
			}
		})
	}
}

func TestFromEnvReportsEveryProblemAtOnce(t *testing.T) {
	_, err := FromEnv(env(map[string]string{
		EnvPort:            "80800",
		EnvReloadInterval:  "soon",
		EnvLogLevel:        "verbose",
		EnvShutdownTimeout: "-1s",
		EnvShutdownDrain:   "a while",
		EnvAccessLog:       "some",
	}))
	if err == nil {
		t.Fatal("FromEnv error = nil, want six problems")
	}
	for _, want := range []string{
		`PRODUCT_CATALOG_PORT="80800": must be a port number from 1 to 65535`,
		`PRODUCT_CATALOG_RELOAD_INTERVAL="soon": must be a Go duration`,
		`LOG_LEVEL="verbose": must be one of debug, info, warn, error`,
		`SHUTDOWN_TIMEOUT="-1s": must be a positive Go duration`,
		`SHUTDOWN_DRAIN="a while": must be a Go duration`,
		`ACCESS_LOG="some": must be one of sampled, all, off`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("FromEnv error = %q, want it to contain %q", err, want)
		}
	}
}

func TestFromEnvRejects(t *testing.T) {
	tests := []struct{ name, value, want string }{
		{EnvPort, "0", "must be a port number"},
		{EnvPort, "http", "must be a port number"},
		{EnvReloadInterval, "-5s", "must not be negative"},
		{EnvReloadInterval, "1ms", "must be 0 or at least 100ms"},
		{EnvReloadInterval, "1.5", "must be a Go duration"},
		{EnvShutdownTimeout, "10", "must be a positive Go duration"}, // seconds without a unit only where the demo needs them
		{EnvShutdownTimeout, "0", "must be a positive Go duration"},
		{EnvMaxFileBytes, "0", "must be a positive number of bytes"},
		{EnvMaxFileBytes, "-1", "must be a positive number of bytes"},
		{EnvMaxFileBytes, "64MB", "must be a positive number of bytes"},
		{EnvMaxFileBytes, "MiB", "must be a positive number of bytes"},
		{EnvMaxBytes, "99999999999GiB", "must be a positive number of bytes"},
		{EnvMaxBytes, " 1KiB", "must be a positive number of bytes"},
		{EnvCacheMaxAge, "500ms", "must be 0 or at least 1s"},
		{EnvCORSOrigins, "*", "is not an exact origin"},
		{EnvCORSOrigins, "https://shop.example/app", "is not an exact origin"},
		{EnvCORSOrigins, "ftp://shop.example", "is not an exact origin"},
		{EnvCORSOrigins, "https://*.example", "is not an exact origin"},
		{EnvCORSOrigins, "https://a.example,", "is not an exact origin"},
	}
	for _, tt := range tests {
		_, err := FromEnv(env(map[string]string{tt.name: tt.value}))
		if err == nil || !strings.Contains(err.Error(), tt.name) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("FromEnv(%s=%q) error = %v, want it to name %s and say %q", tt.name, tt.value, err, tt.name, tt.want)
		}
	}
}

// Parse keeps each wrong variable's default and reports it; Invalid joins
// Parse's problems with other packages' under one heading, and is nil when
// every problem is nil.
func TestParseAndInvalid(t *testing.T) {
	cfg, problems := Parse(env(map[string]string{EnvPort: "0", EnvCatalogDir: "catalog", EnvLogLevel: "loud"}))
	if cfg.Port != DefaultPort || cfg.LogLevel != DefaultLogLevel || cfg.CatalogDir != "catalog" {
		t.Errorf("Parse: port %d, log level %q, dir %q; want the defaults %d and %q for the wrong ones and the dir %q",
			cfg.Port, cfg.LogLevel, cfg.CatalogDir, DefaultPort, DefaultLogLevel, "catalog")
	}
	if len(problems) != 2 {
		t.Errorf("Parse: %d problems %v, want 2", len(problems), problems)
	}
	for _, tt := range []struct {
		name     string
		problems []error
		want     string // "" for nil
	}{
		{"none", nil, ""},
		{"only nils", []error{nil, nil}, ""},
		{"joined", append(problems, nil, errors.New(`FLAGD_PORT="x": must be a port number`)),
			"invalid configuration: " + problems[0].Error() + "\n" + problems[1].Error() + "\n" + `FLAGD_PORT="x": must be a port number`},
	} {
		err := Invalid(tt.problems...)
		if got := fmt.Sprint(err); (tt.want == "" && err != nil) || (tt.want != "" && got != tt.want) {
			t.Errorf("%s: Invalid = %v, want %q", tt.name, err, tt.want)
		}
	}
}
