// Package config reads the service's settings from the environment.
package config

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The environment variables the service reads.
const (
	EnvPort            = "PRODUCT_CATALOG_PORT"
	EnvCatalogDir      = "PRODUCT_CATALOG_DIR"
	EnvReloadInterval  = "PRODUCT_CATALOG_RELOAD_INTERVAL"
	EnvLogLevel        = "LOG_LEVEL"
	EnvAccessLog       = "ACCESS_LOG"
	EnvShutdownTimeout = "SHUTDOWN_TIMEOUT"
	EnvShutdownDrain   = "SHUTDOWN_DRAIN"
	EnvMaxFileBytes    = "PRODUCT_CATALOG_MAX_FILE_BYTES"
	EnvMaxBytes        = "PRODUCT_CATALOG_MAX_BYTES"
	EnvCacheMaxAge     = "PRODUCT_CATALOG_CACHE_MAX_AGE"
	EnvCORSOrigins     = "PRODUCT_CATALOG_CORS_ORIGINS"
)

// Defaults, documented in the README.
const (
	DefaultPort            = 8088
	DefaultCatalogDir      = "products"
	DefaultReloadInterval  = 10 * time.Second
	DefaultLogLevel        = "info"
	DefaultAccessLog       = "sampled"
	DefaultShutdownTimeout = 10 * time.Second
)

// Config is the validated configuration.
type Config struct {
	Port int
	// CatalogDir is the catalog directory; CatalogDirSet tells whether the
	// operator chose it, in which case it must exist (no embedded fallback).
	CatalogDir     string
	CatalogDirSet  bool
	ReloadInterval time.Duration // 0 disables reloading
	LogLevel       string
	// AccessLog is "sampled" (each second, the first 100 request lines, then
	// one in 100), "all" or "off".
	AccessLog       string
	ShutdownTimeout time.Duration
	// ShutdownDrain is how long the server keeps serving after a signal,
	// answering /readyz with 503, before it stops accepting connections: the
	// time a load balancer needs to stop sending it traffic.
	ShutdownDrain time.Duration
	// MaxFileBytes and MaxBytes bound what is read from one catalog file
	// and from all of them; 0 leaves the catalog package's default.
	MaxFileBytes, MaxBytes int64
	// CacheMaxAge is how long clients may reuse a catalog response without
	// revalidating; 0 means they revalidate every time.
	CacheMaxAge time.Duration
	// CORSOrigins are the exact origins browsers may read the API from;
	// empty turns CORS off.
	CORSOrigins []string
}

// FromEnv reads and validates every variable, and reports every problem at
// once, each naming its variable.
func FromEnv(getenv func(string) string) (Config, error) {
	cfg, problems := Parse(getenv)
	if err := Invalid(problems...); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// Invalid is nil when there is no problem (nil ones are skipped), and
// otherwise the one error that reports them all. The service passes it
// Parse's problems with those of the variables other packages read
// (OTEL_*, FLAGD_*), so that every problem is reported at once.
func Invalid(problems ...error) error {
	if err := errors.Join(problems...); err != nil {
		return fmt.Errorf("invalid configuration: %w", err)
	}
	return nil
}

// Parse reads every variable, as FromEnv does, and returns the problems
// found, each naming its variable, instead of one error. A variable that
// is wrong leaves its default in the Config.
func Parse(getenv func(string) string) (Config, []error) {
	cfg := Config{
		Port:            DefaultPort,
		CatalogDir:      DefaultCatalogDir,
		ReloadInterval:  DefaultReloadInterval,
		LogLevel:        DefaultLogLevel,
		AccessLog:       DefaultAccessLog,
		ShutdownTimeout: DefaultShutdownTimeout,
	}
	var errs []error
	if v := getenv(EnvPort); v != "" {
		port, err := strconv.Atoi(v)
		if err != nil || port < 1 || port > 65535 {
			errs = append(errs, fmt.Errorf("%s=%q: must be a port number from 1 to 65535", EnvPort, v))
		} else {
			cfg.Port = port
		}
	}
	if v := getenv(EnvCatalogDir); v != "" {
		cfg.CatalogDir, cfg.CatalogDirSet = v, true
	}
	for _, e := range []struct {
		name    string
		dst     *string
		choices []string
	}{
		{EnvLogLevel, &cfg.LogLevel, []string{"debug", "info", "warn", "error"}},
		{EnvAccessLog, &cfg.AccessLog, []string{"sampled", "all", "off"}},
	} {
		if v := getenv(e.name); v != "" {
			if choice := strings.ToLower(v); slices.Contains(e.choices, choice) {
				*e.dst = choice
			} else {
				errs = append(errs, fmt.Errorf("%s=%q: must be one of %s", e.name, v, strings.Join(e.choices, ", ")))
			}
		}
	}
	errs = append(errs, durationsFromEnv(getenv, &cfg)...)
	errs = append(errs, limitsFromEnv(getenv, &cfg)...)
	if v := getenv(EnvCORSOrigins); v != "" {
		origins, err := parseOrigins(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s=%q: %w", EnvCORSOrigins, v, err))
		}
		cfg.CORSOrigins = origins
	}
	return cfg, errs
}

// byteUnits are the suffixes parseBytes takes, largest first.
var byteUnits = []struct {
	suffix string
	size   int64
}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"", 1}}

// parseBytes reads a positive size in bytes, with an optional KiB, MiB or
// GiB suffix.
func parseBytes(v string) (int64, error) {
	for _, u := range byteUnits {
		digits, ok := strings.CutSuffix(v, u.suffix)
		if !ok {
			continue
		}
		n, err := strconv.ParseInt(digits, 10, 64)
		if err != nil || n <= 0 || n > (1<<62)/u.size {
			break
		}
		return n * u.size, nil
	}
	return 0, errors.New("must be a positive number of bytes, optionally with a KiB, MiB or GiB suffix, such as 64MiB")
}

// parseDuration reads a Go duration into dst: positive and at least least,
// or 0 when zero says what 0 means.
func parseDuration(v string, dst *time.Duration, zero string, least time.Duration, example string, bareSeconds bool) error {
	d, err := time.ParseDuration(v)
	if n, convErr := strconv.ParseUint(v, 10, 32); bareSeconds && convErr == nil {
		d, err = time.Duration(n)*time.Second, nil
	}
	switch {
	case err != nil && zero != "":
		return fmt.Errorf("must be a Go duration such as %s, or 0 %s", example, zero)
	case zero == "" && (err != nil || d <= 0):
		return fmt.Errorf("must be a positive Go duration such as %s", example)
	case d < 0:
		return errors.New("must not be negative")
	case d > 0 && d < least:
		return fmt.Errorf("must be 0 or at least %s", least)
	}
	*dst = d
	return nil
}

// durationsFromEnv reads the durations into cfg, one table for them all.
func durationsFromEnv(getenv func(string) string, cfg *Config) []error {
	var errs []error
	for _, d := range []struct {
		name string
		dst  *time.Duration
		// zero: what 0 means, or "" when 0 is refused; least: the smallest
		// positive value allowed.
		zero    string
		least   time.Duration
		example string
		// bareSeconds: a plain number counts seconds. The OpenTelemetry
		// demo sets PRODUCT_CATALOG_RELOAD_INTERVAL=10, and a drop-in for
		// its product catalog must start with its settings.
		bareSeconds bool
	}{
		{EnvReloadInterval, &cfg.ReloadInterval, "to disable reloading", 100 * time.Millisecond, "10s or 1m", true},
		{EnvShutdownTimeout, &cfg.ShutdownTimeout, "", 0, "10s", false},
		{EnvShutdownDrain, &cfg.ShutdownDrain, "to stop at once", 0, "5s", false},
		{EnvCacheMaxAge, &cfg.CacheMaxAge, "to make clients revalidate every time", time.Second, "60s", false},
	} {
		if v := getenv(d.name); v != "" {
			if err := parseDuration(v, d.dst, d.zero, d.least, d.example, d.bareSeconds); err != nil {
				errs = append(errs, fmt.Errorf("%s=%q: %w", d.name, v, err))
			}
		}
	}
	return errs
}

// limitsFromEnv reads the catalog's size limits into cfg.
func limitsFromEnv(getenv func(string) string, cfg *Config) []error {
	var errs []error
	for _, limit := range []struct {
		name string
		dst  *int64
	}{{EnvMaxFileBytes, &cfg.MaxFileBytes}, {EnvMaxBytes, &cfg.MaxBytes}} {
		if v := getenv(limit.name); v != "" {
			n, err := parseBytes(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s=%q: %w", limit.name, v, err))
			} else {
				*limit.dst = n
			}
		}
	}
	return errs
}

// parseOrigins reads a comma-separated list of exact origins: scheme
// http or https, a host, an optional port, nothing else. "*" is refused:
// the setting names the pages that may read the API, one by one.
func parseOrigins(v string) ([]string, error) {
	var origins []string
	for _, origin := range strings.Split(v, ",") {
		origin = strings.TrimSpace(origin)
		u, err := url.Parse(origin)
		if origin == "*" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
			u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil || strings.Contains(u.Host, "*") {
			return nil, fmt.Errorf("%q is not an exact origin such as https://shop.example or http://localhost:8080 (no *, path or query)", origin)
		}
		origins = append(origins, origin)
	}
	return origins, nil
}
