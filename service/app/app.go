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
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

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

// healthcheckWait bounds the healthcheck subcommand's request.
const healthcheckWait = 3 * time.Second

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
	store := reload.NewStore(initial)
	m.CatalogServed(initial.Len())
	logger.Info("catalog loaded", zap.String("source", origin), zap.Int("products", initial.Len()))

	ln, err := net.Listen("tcp", ":"+strconv.Itoa(cfg.Port))
	if err != nil {
		return fmt.Errorf("listen on port %d (%s): %w", cfg.Port, config.EnvPort, err)
	}
	readiness := &httpapi.Readiness{}
	handler := httpapi.NewServer(logger, logs.access, store, m, readiness)
	if err := handler.Prepare(initial); err != nil {
		return fmt.Errorf("encode the catalog: %w", err)
	}
	srv := httpapi.NewHTTPServer(handler)
	srv.ErrorLog = zap.NewStdLog(logger.With(zap.String("source", "net/http")))

	var background sync.WaitGroup
	defer background.Wait()
	watchCtx, stopWatching := context.WithCancel(ctx)
	defer stopWatching()
	if dir != nil && cfg.ReloadInterval > 0 {
		background.Add(1)
		go func() {
			defer background.Done()
			reload.Watch(watchCtx, dir, store, cfg.ReloadInterval, reloadHooks(logger, m, handler, dir.Path()))
		}()
	}

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	logger.Info("serving", zap.String("addr", ln.Addr().String()), zap.String("version", build.Version))

	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
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

// loadCatalog loads the configured directory. Only when the operator did
// not choose a directory and the default one is absent does it fall back
// to the catalog embedded in the binary, which is never reloaded.
func loadCatalog(cfg config.Config, embedded fs.FS) (*catalog.Catalog, *reload.Dir, string, error) {
	info, err := os.Stat(cfg.CatalogDir)
	switch {
	case err == nil && !info.IsDir():
		return nil, nil, "", fmt.Errorf("%s=%q: not a directory", config.EnvCatalogDir, cfg.CatalogDir)
	case errors.Is(err, fs.ErrNotExist) && !cfg.CatalogDirSet && embedded != nil:
		c, err := catalog.Load(embedded, "embedded", catalogLimits(cfg))
		if err != nil {
			return nil, nil, "", fmt.Errorf("load the embedded catalog: %w", err)
		}
		return c, nil, "embedded", nil
	case err != nil:
		return nil, nil, "", fmt.Errorf("%s=%q: %w", config.EnvCatalogDir, cfg.CatalogDir, err)
	}
	dir := reload.NewDir(cfg.CatalogDir, catalogLimits(cfg))
	c, err := dir.Load()
	if err != nil {
		return nil, nil, "", fmt.Errorf("load catalog from %s (%s): %w", cfg.CatalogDir, config.EnvCatalogDir, err)
	}
	return c, dir, "directory " + cfg.CatalogDir, nil
}

// catalogLimits are the configured read limits, the catalog package's
// defaults where none is set.
func catalogLimits(cfg config.Config) catalog.Limits {
	limits := catalog.DefaultLimits
	if cfg.MaxFileBytes > 0 {
		limits.FileBytes = cfg.MaxFileBytes
	}
	if cfg.MaxBytes > 0 {
		limits.TotalBytes = cfg.MaxBytes
	}
	return limits
}

func reloadHooks(logger *zap.Logger, m *metrics.Metrics, server *httpapi.Server, dir string) reload.Hooks {
	return reload.Hooks{
		Prepare: server.Prepare,
		Reloaded: func(c *catalog.Catalog) {
			m.Reloaded()
			m.CatalogServed(c.Len())
			logger.Info("catalog reloaded", zap.String("dir", dir), zap.Int("products", c.Len()))
		},
		Failed: func(err error) {
			m.ReloadFailed()
			logger.Error("catalog reload failed; still serving the last good catalog", zap.String("dir", dir), zap.Error(err))
		},
	}
}

// loggers are the process's two loggers, both JSON lines on one writer.
// events (start, reloads, shutdown, errors) is written through at once;
// access (one line per request) is buffered and flushed every second or
// every 256 KiB, so a request costs no write system call of its own.
type loggers struct {
	events, access *zap.Logger
	flush          func() error
}

// isoTime writes ISO 8601 UTC times with milliseconds, as zap's
// ISO8601TimeEncoder does, at a fraction of the cost: the text up to the
// second is formatted once per second and shared, so a log line only
// appends its milliseconds.
type isoTime struct {
	second atomic.Pointer[formattedSecond]
}

type formattedSecond struct {
	unix int64
	text []byte // "2006-01-02T15:04:05."
}

func (it *isoTime) encode(t time.Time, enc zapcore.PrimitiveArrayEncoder) {
	t = t.UTC()
	s := it.second.Load()
	if s == nil || s.unix != t.Unix() {
		s = &formattedSecond{unix: t.Unix(), text: t.AppendFormat(nil, "2006-01-02T15:04:05.")}
		it.second.Store(s)
	}
	var buf [32]byte
	ms := t.Nanosecond() / int(time.Millisecond)
	b := append(append(buf[:0], s.text...), byte('0'+ms/100), byte('0'+ms/10%10), byte('0'+ms%10), 'Z')
	enc.AppendByteString(b)
}

// Access-log sampling, as in zap's production configuration: each second,
// the first accessLogFirst lines with the same message and level, then one
// in accessLogThereafter. Metrics still count every request; the log stays
// readable, and its cost bounded, under a flood.
const (
	accessLogFirst      = 100
	accessLogThereafter = 100
)

func newLoggers(level, accessLog string, out io.Writer) loggers {
	lvl, _ := zapcore.ParseLevel(level) // config has validated it
	encoder := zap.NewProductionEncoderConfig()
	encoder.TimeKey = "time"
	encoder.EncodeTime = (&isoTime{}).encode
	direct := zapcore.Lock(zapcore.AddSync(out))
	buffered := &zapcore.BufferedWriteSyncer{WS: direct, Size: 256 << 10, FlushInterval: time.Second}
	newCore := func(ws zapcore.WriteSyncer) zapcore.Core {
		return zapcore.NewCore(zapcore.NewJSONEncoder(encoder), ws, lvl)
	}
	access := newCore(buffered)
	switch accessLog {
	case "sampled":
		access = zapcore.NewSamplerWithOptions(access, time.Second, accessLogFirst, accessLogThereafter)
	case "off":
		access = zapcore.NewNopCore()
	}
	return loggers{
		events: zap.New(newCore(direct), zap.ErrorOutput(direct)),
		access: zap.New(access, zap.ErrorOutput(direct)),
		flush:  buffered.Stop,
	}
}

// healthcheck asks the local server for readiness. Images without a shell
// run it as their HEALTHCHECK.
func healthcheck(ctx context.Context, getenv func(string) string) error {
	cfg, err := config.FromEnv(getenv)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, healthcheckWait)
	defer cancel()
	url := fmt.Sprintf("http://127.0.0.1:%d/readyz", cfg.Port)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: GET %s: %s", url, resp.Status)
	}
	return nil
}
