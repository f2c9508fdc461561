// Package app wires the service together: it reads the configuration,
// loads the catalog, serves REST and gRPC on one port until the context
// ends or a signal arrives, and implements the healthcheck and version subcommands.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"syscall"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"go.uber.org/zap"
	"google.golang.org/grpc"

	"github.com/product-catalog/product-catalog/service/backlog"
	"github.com/product-catalog/product-catalog/service/catalog"
	"github.com/product-catalog/product-catalog/service/config"
	"github.com/product-catalog/product-catalog/service/connsplit"
	"github.com/product-catalog/product-catalog/service/flags"
	"github.com/product-catalog/product-catalog/service/grpcapi"
	"github.com/product-catalog/product-catalog/service/httpapi"
	"github.com/product-catalog/product-catalog/service/metrics"
	"github.com/product-catalog/product-catalog/service/reload"
	"github.com/product-catalog/product-catalog/service/telemetry"
)

// Build is what the binary carries: its version and the catalog embedded
// in it, served when no catalog directory is present.
type Build struct {
	Version string
	Catalog fs.FS
}

const usage = `usage: product-catalog [serve | healthcheck | version]

  serve        serve the catalog over HTTP and gRPC (the default)
  healthcheck  exit 0 when the local server answers GET /readyz with 200
  version      print the version

Configuration comes from the environment; see the README.
`

// Run runs the command named by args[1] (serve when absent).
//
// Run under the name grpc_health_probe (a link to the binary), it is
// that probe instead (see GRPCProbeName).
func Run(ctx context.Context, build Build, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 0 && filepath.Base(args[0]) == GRPCProbeName {
		return grpcProbe(ctx, args[1:], stdout, stderr)
	}
	command := "serve"
	if len(args) > 1 {
		command = args[1]
	}
	if len(args) > 2 {
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("%s takes no arguments, got %q", command, args[2:])
	}
	switch command {
	case "serve":
		return serve(ctx, build, getenv, stdout)
	case "healthcheck":
		return healthcheck(ctx, getenv)
	case "version":
		fmt.Fprintf(stdout, "product-catalog %s %s %s/%s\n", build.Version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
		return nil
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q", command)
	}
}

func serve(ctx context.Context, build Build, getenv func(string) string, stdout io.Writer) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	// Every variable is checked before anything starts, each by the
	// package that reads it, and every problem is reported at once
	// (README, Configuration): an operator fixes them in one round.
	cfg, problems := config.Parse(getenv)
	telCfg, telErr := telemetry.FromEnv(getenv)
	flagdHost, flagdPort, flagdErr := flags.AddrFromEnv(getenv)
	useEmbedded, dirErr := catalogSource(cfg, build.Catalog)
	if err := config.Invalid(append(problems, telErr, flagdErr, dirErr)...); err != nil {
		return err
	}
	tel, err := telemetry.Start(ctx, telCfg)
	if err != nil {
		return fmt.Errorf("telemetry: %w", err)
	}
	logs := newLoggers(cfg.LogLevel, cfg.AccessLog, stdout, tel)
	defer func() { _ = logs.flush() }()
	logger := logs.events
	// Last out: what the servers recorded while stopping is exported too.
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), telemetryFlushTimeout)
		defer cancel()
		if err := tel.Shutdown(ctx); err != nil {
			logger.Warn("telemetry: flushing at shutdown", zap.Error(err))
		}
	}()

	m := metrics.New(build.Version)
	initial, dir, origin, err := loadCatalog(cfg, build.Catalog, useEmbedded)
	if err != nil {
		return err
	}
	readiness := &httpapi.Readiness{}
	handler := httpapi.NewServer(logger, logs.access, m, readiness, httpapi.Options{
		CacheMaxAge: cfg.CacheMaxAge, CORSOrigins: cfg.CORSOrigins, Telemetry: tel,
	})
	// No FLAGD_HOST: a nil *Flags, every flag off.
	var flagd *flags.Flags
	if flagdHost != "" {
		if flagd, err = flags.New(flagdHost, flagdPort, flags.WithDialOptions(flagdDialOptions(tel)...)); err != nil {
			return fmt.Errorf("%s=%q %s=%d: %w", flags.EnvHost, flagdHost, flags.EnvPort, flagdPort, err)
		}
	}
	defer func() { _ = flagd.Close() }()
	rpc := grpcapi.NewServer(flagd.ProductFailure)
	// One way in for a catalog, at start-up and on every reload: encoded,
	// swapped in for REST and gRPC alike, counted.
	publish := func(c *catalog.Catalog) error {
		if err := handler.Publish(c); err != nil {
			return err
		}
		rpc.Publish(c)
		m.CatalogServed(c.Len())
		return nil
	}
	if err := publish(initial); err != nil {
		return fmt.Errorf("encode the catalog: %w", err)
	}
	logger.Info("catalog loaded", zap.String("source", origin), zap.Int("products", initial.Len()))

	ln, err := net.Listen("tcp", ":"+strconv.Itoa(cfg.Port))
	if err != nil {
		return fmt.Errorf("listen on port %d (%s): %w", cfg.Port, config.EnvPort, err)
	}
	srv := httpapi.NewHTTPServer(handler)
	srv.ErrorLog = zap.NewStdLog(logger.With(zap.String("source", "net/http")))
	guard := backlog.New(backlog.Limits{PerConn: backlogPerConnBytes, Total: backlogTotalBytes, Stall: httpapi.WriteTimeout}, backlogEvents(logger))
	m.WatchGRPCBacklog(guard.Owed)
	grpcServer := grpcapi.NewGRPCServer(rpc, logger, logs.access, m, grpcLimits(), guard, tel)
	guardCtx, stopGuard := context.WithCancel(context.Background())
	defer stopGuard()
	go guard.Run(guardCtx)
	// One port: HTTP/2 prior-knowledge connections (gRPC) and the rest
	// (REST over HTTP/1.x), told apart by their first bytes.
	split := connsplit.New(ln, httpapi.ReadHeaderTimeout)
	go split.Serve()

	reloading := "off"
	if dir != nil && cfg.ReloadInterval > 0 {
		reloading = cfg.ReloadInterval.String()
		stopReloading := startReloading(ctx, reload.NewReloader(dir, publish), cfg.ReloadInterval, reloadHooks(logger, m, dir.Path()))
		defer stopReloading()
	}

	// Each server's Serve returns once, on stopping; its error says why.
	// Its listener closing is the end of shutDown, not a failure (which
	// of the two a server sees first depends on the order they stop in).
	served := make(chan error, 2)
	go func() { served <- stoppedOn(srv.Serve(split.HTTP1()), http.ErrServerClosed) }()
	// grpc-go says ErrServerStopped when the stop came before Serve began.
	go func() { served <- stoppedOn(grpcServer.Serve(guard.Listener(split.HTTP2())), grpc.ErrServerStopped) }()
	// The reload interval in force, "off" when none (RELOAD_INTERVAL=0,
	// or the embedded catalog): what an operator checks first when an
	// edit is not picked up.
	logger.Info("serving", zap.String("addr", ln.Addr().String()), zap.String("version", build.Version), zap.String("reload", reloading))

	select {
	case err := <-served:
		return fmt.Errorf("serve: stopped before shutdown: %w", errOrStopped(err))
	case <-ctx.Done():
	}
	return shutDown(cfg, logger, logs, servers{http: srv, grpc: grpcServer, rpc: rpc, split: split}, served, readiness)
}

// stoppedOn is nil when err is how a server reports being stopped (done),
// or its listener closed by the shutdown; err otherwise.
func stoppedOn(err, done error) error {
	if errors.Is(err, done) || errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

func errOrStopped(err error) error {
	if err == nil {
		return errors.New("a server stopped")
	}
	return err
}

// flagdDialOptions trace the service's calls to flagd when telemetry is
// on, so a flag's evaluation shows in the GetProduct trace.
func flagdDialOptions(tel *telemetry.Telemetry) []grpc.DialOption {
	if !tel.On {
		return nil
	}
	return []grpc.DialOption{grpc.WithStatsHandler(otelgrpc.NewClientHandler(
		otelgrpc.WithTracerProvider(tel.Tracer), otelgrpc.WithMeterProvider(tel.Meter), otelgrpc.WithPropagators(tel.Propagator)))}
}

// telemetryFlushTimeout bounds how long shutdown waits to export what is
// buffered: a collector that is away must not hold the process.
const telemetryFlushTimeout = 5 * time.Second

// maxStreamsPerConn bounds the gRPC calls in flight on one connection, as
// HTTP/2 recommends (RFC 9113 6.5.2: no fewer than 100).
const maxStreamsPerConn = 100

// The budgets of the gRPC answers held for clients that do not read them
// (service/backlog): 8 MiB in all fits the OpenTelemetry demo's 20 MiB
// container beside the demo's catalog and deploy/'s 128 MiB beside a large
// one; 1 MiB on one connection is a hundred answers of a small catalog in
// flight (and one answer of any size is always let through); the stall
// limit is REST's write timeout, how long an HTTP/1 client that stops
// reading keeps its answer.
const (
	backlogPerConnBytes = 1 << 20
	backlogTotalBytes   = 8 << 20
)

// backlogEvents logs what the guard does: each refusal at debug (a client
// that does not read can send many), each cut connection at warn.
func backlogEvents(logger *zap.Logger) backlog.Events {
	return backlog.Events{
		Refused: func(remote string, perConn bool) {
			logger.Debug("grpc call refused: unread answers over budget", zap.String("remote", remote), zap.Bool("per_connection", perConn))
		},
		Cut: func(remote string, owed int64) {
			logger.Warn("grpc connection closed: its client read nothing for the stall limit", zap.String("remote", remote), zap.Int64("unread_bytes", owed), zap.Duration("stall", httpapi.WriteTimeout))
		},
	}
}

// servers are what shutDown stops: both protocols on the one port.
type servers struct {
	http  *http.Server
	grpc  *grpc.Server
	rpc   *grpcapi.Server
	split *connsplit.Splitter
}

// startReloading polls the catalog directory every interval until ctx ends
// or the returned stop is called, which waits for the poll under way.
func startReloading(ctx context.Context, reloader *reload.Reloader, interval time.Duration, hooks reload.Hooks) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	ticker := time.NewTicker(interval)
	done := make(chan struct{})
	go func() {
		defer close(done)
		reloader.Run(ctx, ticker.C, hooks)
	}()
	return func() {
		cancel()
		<-done
		ticker.Stop()
	}
}

// shutDown turns readiness off, keeps serving for the drain, then stops
// accepting and lets requests in flight finish within the timeout.
func shutDown(cfg config.Config, logger *zap.Logger, logs loggers, s servers, served <-chan error, readiness *httpapi.Readiness) error {
	readiness.ShutDown()
	s.rpc.Drain()
	if cfg.ShutdownDrain > 0 {
		// Load balancers see /readyz fail and stop sending; requests that
		// still arrive meanwhile are served as usual.
		logger.Info("draining", zap.Duration("drain", cfg.ShutdownDrain))
		select {
		case <-time.After(cfg.ShutdownDrain):
		case err := <-served:
			return fmt.Errorf("serve: stopped while draining: %w", errOrStopped(err))
		}
	}
	logger.Info("shutting down", zap.Duration("timeout", cfg.ShutdownTimeout))
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	_ = s.split.Close()
	// gRPC: GOAWAY to every connection, calls in flight finish; cut off
	// at the timeout, as REST's Shutdown is.
	grpcStopped := make(chan struct{})
	s.rpc.CloseStreams()
	go func() {
		s.grpc.GracefulStop()
		close(grpcStopped)
	}()
	if err := s.http.Shutdown(shutdownCtx); err != nil {
		_ = s.http.Close()
		s.grpc.Stop()
		return fmt.Errorf("shut down within %s (%s): %w", cfg.ShutdownTimeout, config.EnvShutdownTimeout, err)
	}
	select {
	case <-grpcStopped:
	case <-shutdownCtx.Done():
		s.grpc.Stop()
		return fmt.Errorf("shut down gRPC within %s (%s): %w", cfg.ShutdownTimeout, config.EnvShutdownTimeout, shutdownCtx.Err())
	}
	for range 2 {
		if err := <-served; err != nil {
			return fmt.Errorf("serve: %w", err)
		}
	}
	// Request lines still buffered go out before the last line.
	_ = logs.flush()
	logger.Info("stopped")
	return nil
}

// grpcLimits are gRPC's connection limits: REST's, so that one port holds
// one set of limits whatever a client speaks (docs/grpc.md).
func grpcLimits() grpcapi.Limits {
	return grpcapi.Limits{
		Handshake: httpapi.ReadHeaderTimeout, Idle: httpapi.IdleTimeout, Unresponsive: httpapi.WriteTimeout,
		MaxHeaderBytes: httpapi.MaxHeaderBytes, MaxMessageBytes: httpapi.MaxHeaderBytes, MaxStreams: maxStreamsPerConn,
	}
}
