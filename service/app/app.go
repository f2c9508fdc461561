// Package app wires the service together: it reads the configuration,
// loads the catalog, serves HTTP until the context ends or a signal
// arrives, and implements the healthcheck and version subcommands.
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
	"runtime"
	"strconv"
	"syscall"
	"time"

	"go.uber.org/zap"

	"github.com/product-catalog/product-catalog/service/catalog"
	"github.com/product-catalog/product-catalog/service/config"
	"github.com/product-catalog/product-catalog/service/httpapi"
	"github.com/product-catalog/product-catalog/service/metrics"
	"github.com/product-catalog/product-catalog/service/reload"
)

// Build is what the binary carries: its version and the catalog embedded
// in it, served when no catalog directory is present.
type Build struct {
	Version string
	Catalog fs.FS
}

const usage = `usage: product-catalog [serve | healthcheck | version]

  serve        serve the catalog over HTTP (the default)
  healthcheck  exit 0 when the local server answers GET /readyz with 200
  version      print the version

Configuration comes from the environment; see the README.
`

// Run runs the command named by args[1] (serve when absent).
func Run(ctx context.Context, build Build, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
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

	cfg, err := config.FromEnv(getenv)
	if err != nil {
		return err
	}
	logs := newLoggers(cfg.LogLevel, cfg.AccessLog, stdout)
	defer func() { _ = logs.flush() }()
	logger := logs.events

	m := metrics.New(build.Version)
	initial, dir, origin, err := loadCatalog(cfg, build.Catalog)
	if err != nil {
		return err
	}
	readiness := &httpapi.Readiness{}
	handler := httpapi.NewServer(logger, logs.access, m, readiness, httpapi.Options{
		CacheMaxAge: cfg.CacheMaxAge, CORSOrigins: cfg.CORSOrigins,
	})
	// One way in for a catalog, at start-up and on every reload: encoded,
	// swapped in, counted.
	publish := func(c *catalog.Catalog) error {
		if err := handler.Publish(c); err != nil {
			return err
		}
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

	if dir != nil && cfg.ReloadInterval > 0 {
		stopReloading := startReloading(ctx, reload.NewReloader(dir, publish), cfg.ReloadInterval, reloadHooks(logger, m, dir.Path()))
		defer stopReloading()
	}

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	logger.Info("serving", zap.String("addr", ln.Addr().String()), zap.String("version", build.Version))

	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	return shutDown(cfg, logger, logs, srv, served, readiness)
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
func shutDown(cfg config.Config, logger *zap.Logger, logs loggers, srv *http.Server, served <-chan error, readiness *httpapi.Readiness) error {
	readiness.ShutDown()
	if cfg.ShutdownDrain > 0 {
		// Load balancers see /readyz fail and stop sending; requests that
		// still arrive meanwhile are served as usual.
		logger.Info("draining", zap.Duration("drain", cfg.ShutdownDrain))
		select {
		case <-time.After(cfg.ShutdownDrain):
		case err := <-served:
			return fmt.Errorf("serve: %w", err)
		}
	}
	logger.Info("shutting down", zap.Duration("timeout", cfg.ShutdownTimeout))
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		_ = srv.Close()
		return fmt.Errorf("shut down within %s (%s): %w", cfg.ShutdownTimeout, config.EnvShutdownTimeout, err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	// Request lines still buffered go out before the last line.
	_ = logs.flush()
	logger.Info("stopped")
	return nil
}
