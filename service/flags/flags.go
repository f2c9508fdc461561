// Package flags evaluates the OpenTelemetry demo's feature flags through
// flagd, as the demo's own product catalog does: productCatalogFailure, a
// boolean flag evaluated with the context {"product_id": id}, makes
// GetProduct of that id fail. It holds an OpenFeature provider speaking
// flagd's gRPC evaluation protocol (flagd.evaluation.v1.Service, generated
// in flagdpb), written here because flagd's own Go provider is not
// available to this build. Flags never stop the service: each evaluation
// waits at most EvaluationTimeout, and when flagd is down, slow, or
// answers an error, the flag takes its default value (off) with the
// OpenFeature error code set. A nil *Flags, what the service runs with when
// FLAGD_HOST is unset, has every flag off.
package flags

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/open-feature/go-sdk/openfeature"
	"github.com/open-feature/go-sdk/openfeature/isolated"
	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/credentials/insecure"
)

// The environment variables AddrFromEnv reads, as the demo names them.
const (
	EnvHost = "FLAGD_HOST"
	EnvPort = "FLAGD_PORT"
)

// DefaultPort is flagd's gRPC evaluation port.
const DefaultPort = 8013

// ProductFailureFlag is the demo's flag that fails GetProduct of one id.
const ProductFailureFlag = "productCatalogFailure"

// Flags evaluates the demo's flags through flagd. Its methods are safe
// for concurrent use, and on a nil *Flags every flag is off.
type Flags struct {
	conn   *grpc.ClientConn
	api    *openfeature.EvaluationAPI
	client *openfeature.Client
}

// Option configures New.
type Option func(*options)

type options struct {
	dial  []grpc.DialOption
	hooks []openfeature.Hook
}

// WithDialOptions adds options to the connection to flagd, such as a
// stats handler for tracing.
func WithDialOptions(opts ...grpc.DialOption) Option {
	return func(o *options) { o.dial = append(o.dial, opts...) }
}

// WithHooks adds OpenFeature hooks to every evaluation, such as one that
// logs or traces them: errors are otherwise seen only as the default.
func WithHooks(hooks ...openfeature.Hook) Option {
	return func(o *options) { o.hooks = append(o.hooks, hooks...) }
}

// AddrFromEnv reads and validates FLAGD_HOST and FLAGD_PORT (port 8013 by
// default): the host is "" when flags are off (FLAGD_HOST unset or empty),
// and the service then runs with a nil *Flags, every flag off. FLAGD_PORT
// is checked even then: a port that is not a port number is a mistake
// whatever the host, best found before the host is set. The host must be
// a host name or an IP address, so that New, after telemetry has started,
// cannot fail on it. It is the one parser of these variables; the service
// calls it with the others' checks, to report every problem at once.
func AddrFromEnv(getenv func(string) string) (host string, port int, err error) {
	var problems []error
	port = DefaultPort
	if v := getenv(EnvPort); v != "" {
		p, err := strconv.Atoi(v)
		if err != nil || p < 1 || p > 65535 {
			problems = append(problems, fmt.Errorf("%s=%q: must be a port number from 1 to 65535", EnvPort, v))
		}
		port = p
	}
	host = getenv(EnvHost)
	if host != "" && !hostOrIP(host) {
		problems = append(problems, fmt.Errorf("%s=%q: must be a host name or an IP address", EnvHost, host))
	}
	if err := errors.Join(problems...); err != nil {
		return "", 0, err
	}
	return host, port, nil
}

// hostOrIP reports whether s is an IP address or a DNS name: labels of
// letters, digits, "-" and "_" (Kubernetes and compose service names),
// separated by dots, at most 253 bytes.
func hostOrIP(s string) bool {
	if net.ParseIP(s) != nil {
		return true
	}
	if len(s) > 253 {
		return false
	}
	for _, label := range strings.Split(strings.TrimSuffix(s, "."), ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for _, c := range label {
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

// New returns the flags of the flagd at host:port, reached over plaintext
// gRPC, as flagd serves in the demo. It does not connect: the first
// evaluation does, so the service starts whether or not flagd is up.
func New(host string, port int, opts ...Option) (*Flags, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	// The wait between attempts to reach flagd is capped at 5 s instead
	// of gRPC's 120 s: while the connection is down calls fail at once,
	// the flag off, and a flagd that starts after the service, or
	// restarts, should turn flags back on within seconds. A zero
	// MinConnectTimeout would shorten connection attempts to the backoff;
	// 20 s is gRPC's default.
	reconnect := backoff.DefaultConfig
	reconnect.MaxDelay = 5 * time.Second
	dial := append([]grpc.DialOption{
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithConnectParams(grpc.ConnectParams{Backoff: reconnect, MinConnectTimeout: 20 * time.Second}),
	}, o.dial...)
	conn, err := grpc.NewClient(net.JoinHostPort(host, strconv.Itoa(port)), dial...)
	if err != nil {
		return nil, fmt.Errorf("flagd client for %s:%d: %w", host, port, err)
	}
	// An API of our own rather than the SDK's global one: no state shared
	// with other code or between tests. The provider needs no
	// initialization, so this wait returns at once.
	api := isolated.NewAPI()
	if err := api.SetProviderAndWait(context.Background(), NewProvider(conn)); err != nil {
		_ = api.Shutdown(context.Background())
		_ = conn.Close()
		return nil, fmt.Errorf("openfeature provider: %w", err)
	}
	client := api.NewClient()
	client.AddHooks(o.hooks...)
	return &Flags{conn: conn, api: api, client: client}, nil
}

// ProductFailure reports whether GetProduct of productID should fail: the
// productCatalogFailure flag, evaluated with {"product_id": productID}, as
// the demo evaluates it. Any failure to evaluate it gives false.
func (f *Flags) ProductFailure(ctx context.Context, productID string) bool {
	if f == nil {
		return false
	}
	evalCtx := openfeature.NewTargetlessEvaluationContext(map[string]any{"product_id": productID})
	return f.client.Boolean(ctx, ProductFailureFlag, false, evalCtx)
}

// Close shuts the OpenFeature API down and closes the connection to
// flagd. Closing a nil *Flags does nothing.
func (f *Flags) Close() error {
	if f == nil {
		return nil
	}
	return errors.Join(f.api.Shutdown(context.Background()), f.conn.Close())
}
