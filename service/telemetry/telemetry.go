// Package telemetry sets up OpenTelemetry for the service: traces, metrics
// and logs exported by OTLP, configured the standard ways, and off unless
// configured.
//
// A declarative configuration file (OTEL_CONFIG_FILE, the OpenTelemetry
// demo's way) is read with go.opentelemetry.io/contrib/otelconf. Without
// one, the OTEL_* environment variables configure OTLP exporters: a signal
// is exported when its OTEL_<SIGNAL>_EXPORTER says otlp, or when an OTLP
// endpoint is set and that variable does not say none. With neither,
// Start returns a Telemetry that is off: no exporter runs, and the servers
// install no instrumentation at all, so the hot path costs what it did
// before telemetry existed (BenchmarkGetProduct, BenchmarkServer).
package telemetry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"go.opentelemetry.io/contrib/otelconf"
	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploggrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploghttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetricgrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/log"
	nooplog "go.opentelemetry.io/otel/log/noop"
	"go.opentelemetry.io/otel/metric"
	noopmetric "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/propagation"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.37.0"
	"go.opentelemetry.io/otel/trace"
	nooptrace "go.opentelemetry.io/otel/trace/noop"
	"go.uber.org/zap"
)

// Environment variables read here; the exporters read the other OTEL_*
// variables themselves (endpoints, headers, timeouts, temporality).
const (
	EnvConfigFile      = "OTEL_CONFIG_FILE"
	EnvSDKDisabled     = "OTEL_SDK_DISABLED"
	EnvEndpoint        = "OTEL_EXPORTER_OTLP_ENDPOINT"
	EnvProtocol        = "OTEL_EXPORTER_OTLP_PROTOCOL"
	EnvTracesExporter  = "OTEL_TRACES_EXPORTER"
	EnvMetricsExporter = "OTEL_METRICS_EXPORTER"
	EnvLogsExporter    = "OTEL_LOGS_EXPORTER"
)

// DefaultServiceName is service.name when OTEL_SERVICE_NAME and
// OTEL_RESOURCE_ATTRIBUTES name none: the demo's name for this service.
const DefaultServiceName = "product-catalog"

// Telemetry is what the servers instrument themselves with.
type Telemetry struct {
	// On is false when nothing is configured: the servers then install no
	// instrumentation.
	On bool
	// Logs is true when logs are exported: the service then tees its zap
	// logs into the OpenTelemetry zap bridge.
	Logs bool

	Tracer     trace.TracerProvider
	Meter      metric.MeterProvider
	Logger     log.LoggerProvider
	Propagator propagation.TextMapPropagator

	shutdown func(context.Context) error
}

// Off is telemetry that records and exports nothing.
func Off() *Telemetry {
	return &Telemetry{
		Tracer:     nooptrace.NewTracerProvider(),
		Meter:      noopmetric.NewMeterProvider(),
		Logger:     nooplog.NewLoggerProvider(),
		Propagator: propagation.NewCompositeTextMapPropagator(),
		shutdown:   func(context.Context) error { return nil },
	}
}

// Shutdown flushes what is buffered and stops the exporters.
func (t *Telemetry) Shutdown(ctx context.Context) error { return t.shutdown(ctx) }

// Config is what the environment asks of telemetry, validated by
// FromEnv; Start starts it. The zero Config is telemetry off.
type Config struct {
	// file is OTEL_CONFIG_FILE, parsed into declarative when set.
	file        string
	declarative *otelconf.OpenTelemetryConfiguration
	// protocols is, for traces, metrics and logs, the OTLP protocol each
	// is exported over, or "" when it is not exported.
	protocols [3]string
}

// FromEnv reads and validates the variables telemetry reads, as it reads
// them: nothing else when OTEL_SDK_DISABLED=true; the file's content when
// OTEL_CONFIG_FILE is set (the file is read and parsed here, so a broken
// file is refused before anything starts); the exporters and protocols
// of each signal otherwise. Every problem is reported, each naming its
// variable. It is the one parser of these variables.
func FromEnv(getenv func(string) string) (Config, error) {
	disabled, err := boolEnv(getenv, EnvSDKDisabled)
	if disabled {
		return Config{}, nil
	}
	// An OTEL_SDK_DISABLED that is neither true nor false is reported
	// with whatever else is wrong, read as if it were false.
	errs := []error{err}
	if file := getenv(EnvConfigFile); file != "" {
		declarative, err := parseFile(file)
		if err := errors.Join(append(errs, err)...); err != nil {
			return Config{}, err
		}
		return Config{file: file, declarative: declarative}, nil
	}
	var cfg Config
	seen := map[string]bool{}
	for i, s := range []signal{traces, metrics, logs} {
		protocol, err := s.exported(getenv)
		// Signals that fall back on the same bad OTEL_EXPORTER_OTLP_PROTOCOL
		// report it once.
		if err != nil && !seen[err.Error()] {
			seen[err.Error()] = true
			errs = append(errs, err)
		}
		cfg.protocols[i] = protocol
	}
	if err := errors.Join(errs...); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// Start starts the providers cfg asks for; the zero Config is Off.
func Start(ctx context.Context, cfg Config) (*Telemetry, error) {
	if cfg.declarative != nil {
		return fromFile(ctx, cfg.file, cfg.declarative)
	}
	return fromEnv(ctx, cfg.protocols)
}

// parseFile reads and parses a declarative configuration file. Its ${VAR}
// references are replaced from the process's environment, as the
// OpenTelemetry specification says.
func parseFile(file string) (*otelconf.OpenTelemetryConfiguration, error) {
	data, err := readConfig(file)
	if err != nil {
		return nil, fmt.Errorf("%s=%s: %w", EnvConfigFile, file, err)
	}
	cfg, err := otelconf.ParseYAML(data)
	if err != nil {
		return nil, fmt.Errorf("%s=%s: %w", EnvConfigFile, file, err)
	}
	return cfg, nil
}

// fromFile starts the SDK a declarative configuration file describes.
func fromFile(ctx context.Context, file string, cfg *otelconf.OpenTelemetryConfiguration) (*Telemetry, error) {
	sdk, err := otelconf.NewSDK(otelconf.WithContext(ctx), otelconf.WithOpenTelemetryConfiguration(*cfg))
	if err != nil {
		return nil, fmt.Errorf("%s=%s: %w", EnvConfigFile, file, err)
	}
	on := cfg.Disabled == nil || !*cfg.Disabled
	return &Telemetry{
		On:         on,
		Logs:       on && cfg.LoggerProvider != nil,
		Tracer:     sdk.TracerProvider(),
		Meter:      sdk.MeterProvider(),
		Logger:     sdk.LoggerProvider(),
		Propagator: sdk.Propagator(),
		shutdown:   sdk.Shutdown,
	}, nil
}

// maxConfigBytes bounds the configuration file read: the demo's is 1 KB,
// and a name like /dev/zero must not be read until memory runs out.
const maxConfigBytes = 1 << 20

// readConfig reads a regular file of at most maxConfigBytes.
func readConfig(file string) ([]byte, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("not a regular file (%s)", info.Mode().Type())
	}
	data, err := io.ReadAll(io.LimitReader(f, maxConfigBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxConfigBytes {
		return nil, fmt.Errorf("larger than %d bytes", maxConfigBytes)
	}
	return data, nil
}

// signal is one of traces, metrics and logs, as the variables name them.
type signal struct{ exporterVar, endpointVar, protocolVar string }

var (
	traces  = signal{EnvTracesExporter, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"}
	metrics = signal{EnvMetricsExporter, "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL"}
	logs    = signal{EnvLogsExporter, "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", "OTEL_EXPORTER_OTLP_LOGS_PROTOCOL"}
)

// exported is the protocol the signal goes out over by OTLP: grpc or
// http/protobuf (the specification's default), or "" when it is not
// exported.
func (s signal) exported(getenv func(string) string) (protocol string, err error) {
	switch exporter := getenv(s.exporterVar); exporter {
	case "none":
		return "", nil
	case "otlp":
	case "":
		if getenv(EnvEndpoint) == "" && getenv(s.endpointVar) == "" {
			return "", nil
		}
	default:
		return "", fmt.Errorf("%s=%q: this service exports by OTLP only: want otlp or none", s.exporterVar, exporter)
	}
	protocol = getenv(s.protocolVar)
	name := s.protocolVar
	if protocol == "" {
		protocol, name = getenv(EnvProtocol), EnvProtocol
	}
	switch protocol {
	case "":
		return "http/protobuf", nil
	case "grpc", "http/protobuf":
		return protocol, nil
	}
	return "", fmt.Errorf("%s=%q: want grpc or http/protobuf", name, protocol)
}

// fromEnv starts OTLP exporters for the signals with a protocol; the
// exporters read the rest of their OTEL_* variables themselves.
func fromEnv(ctx context.Context, protocols [3]string) (*Telemetry, error) {
	t := Off()
	on := [3]bool{protocols[0] != "", protocols[1] != "", protocols[2] != ""}
	if !on[0] && !on[1] && !on[2] {
		return t, nil
	}
	res, err := resource.Merge(resource.Default(), resource.NewSchemaless(semconv.ServiceName(DefaultServiceName)))
	if err != nil {
		return nil, fmt.Errorf("telemetry resource: %w", err)
	}
	// The environment's attributes win over the default service name.
	if res, err = resource.Merge(res, fromEnvResource(ctx)); err != nil {
		return nil, fmt.Errorf("OTEL_RESOURCE_ATTRIBUTES: %w", err)
	}
	var shutdowns []func(context.Context) error
	fail := func(err error) (*Telemetry, error) {
		for _, shutdown := range shutdowns {
			_ = shutdown(ctx)
		}
		return nil, err
	}
	if on[0] {
		var exporter sdktrace.SpanExporter
		if protocols[0] == "grpc" {
			exporter, err = otlptracegrpc.New(ctx)
		} else {
			exporter, err = otlptracehttp.New(ctx)
		}
		if err != nil {
			return fail(fmt.Errorf("OTLP trace exporter: %w", err))
		}
		tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exporter), sdktrace.WithResource(res))
		t.Tracer = tp
		shutdowns = append(shutdowns, tp.Shutdown)
	}
	if on[1] {
		var exporter sdkmetric.Exporter
		if protocols[1] == "grpc" {
			exporter, err = otlpmetricgrpc.New(ctx)
		} else {
			exporter, err = otlpmetrichttp.New(ctx)
		}
		if err != nil {
			return fail(fmt.Errorf("OTLP metric exporter: %w", err))
		}
		mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewPeriodicReader(exporter)), sdkmetric.WithResource(res))
		t.Meter = mp
		shutdowns = append(shutdowns, mp.Shutdown)
	}
	if on[2] {
		var exporter sdklog.Exporter
		if protocols[2] == "grpc" {
			exporter, err = otlploggrpc.New(ctx)
		} else {
			exporter, err = otlploghttp.New(ctx)
		}
		if err != nil {
			return fail(fmt.Errorf("OTLP log exporter: %w", err))
		}
		lp := sdklog.NewLoggerProvider(sdklog.WithProcessor(sdklog.NewBatchProcessor(exporter)), sdklog.WithResource(res))
		t.Logger = lp
		t.Logs = true
		shutdowns = append(shutdowns, lp.Shutdown)
	}
	t.On = true
	// W3C trace context and baggage, the specification's default
	// propagators (OTEL_PROPAGATORS is not read).
	t.Propagator = propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})
	t.shutdown = func(ctx context.Context) error {
		var errs []error
		for _, shutdown := range shutdowns {
			errs = append(errs, shutdown(ctx))
		}
		return errors.Join(errs...)
	}
	return t, nil
}

// fromEnvResource is OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES, read by
// the SDK's own detector; a malformed attribute list is reported in the
// log by the SDK and the rest kept, as the specification allows.
func fromEnvResource(ctx context.Context) *resource.Resource {
	res, _ := resource.New(ctx, resource.WithFromEnv())
	return res
}

func boolEnv(getenv func(string) string, name string) (bool, error) {
	switch v := strings.ToLower(strings.TrimSpace(getenv(name))); v {
	case "", "false":
		return false, nil
	case "true":
		return true, nil
	default:
		return false, fmt.Errorf("%s=%q: want true or false", name, getenv(name))
	}
}

// AppendTraceFields appends the trace_id and span_id of the span in ctx to
// a log line's fields, when there is one: a log line then leads to its
// trace. Without telemetry no span is ever active, and fields come back
// as they were.
func AppendTraceFields(ctx context.Context, fields []zap.Field) []zap.Field {
	return AppendSpanFields(fields, trace.SpanContextFromContext(ctx))
}

// AppendSpanFields appends sc's trace_id and span_id, when it is valid.
func AppendSpanFields(fields []zap.Field, sc trace.SpanContext) []zap.Field {
	if !sc.IsValid() {
		return fields
	}
	return append(fields, zap.String("trace_id", sc.TraceID().String()), zap.String("span_id", sc.SpanID().String()))
}
