// Package otlptest is an OTLP/gRPC collector for tests: it keeps what the
// service exports (spans, metric names, log records) and lets a test wait
// until something it expects has arrived, instead of sleeping.
package otlptest

import (
	"context"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	collogs "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	colmetrics "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	coltrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	logspb "go.opentelemetry.io/proto/otlp/logs/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/grpc"
)

// Span is an exported span with the resource it came from.
type Span struct {
	*tracepb.Span
	Resource *resourcepb.Resource
}

// Log is an exported log record with the resource it came from.
type Log struct {
	*logspb.LogRecord
	Resource *resourcepb.Resource
}

// Collector receives OTLP over gRPC on 127.0.0.1.
type Collector struct {
	// Endpoint is what OTEL_EXPORTER_OTLP_ENDPOINT should say.
	Endpoint string

	mu      sync.Mutex
	spans   []Span
	metrics map[string]bool // metric names seen
	logs    []Log
	arrived chan struct{} // closed and replaced on every export
}

// Start serves a collector until the test ends.
func Start(t testing.TB) *Collector {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := &Collector{Endpoint: "http://" + ln.Addr().String(), metrics: map[string]bool{}, arrived: make(chan struct{})}
	s := grpc.NewServer()
	coltrace.RegisterTraceServiceServer(s, traces{c: c})
	colmetrics.RegisterMetricsServiceServer(s, metrics{c: c})
	collogs.RegisterLogsServiceServer(s, logs{c: c})
	go func() { _ = s.Serve(ln) }()
	t.Cleanup(s.Stop)
	return c
}

// record runs add under the lock, then wakes the waiters.
func (c *Collector) record(add func()) {
	c.mu.Lock()
	add()
	close(c.arrived)
	c.arrived = make(chan struct{})
	c.mu.Unlock()
}

// WaitFor waits until found holds for what has arrived, checking after
// each export, and fails the test after timeout.
func (c *Collector) WaitFor(t testing.TB, what string, timeout time.Duration, found func(spans []Span, metrics map[string]bool, logs []Log) bool) {
	t.Helper()
	deadline := time.After(timeout)
	for {
		c.mu.Lock()
		ok := found(c.spans, c.metrics, c.logs)
		arrived := c.arrived
		c.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-arrived:
		case <-deadline:
			t.Fatalf("the collector did not receive %s within %v", what, timeout)
		}
	}
}

type traces struct {
	coltrace.UnimplementedTraceServiceServer
	c *Collector
}

func (x traces) Export(_ context.Context, req *coltrace.ExportTraceServiceRequest) (*coltrace.ExportTraceServiceResponse, error) {
	x.c.record(func() {
		for _, rs := range req.GetResourceSpans() {
			for _, ss := range rs.GetScopeSpans() {
				for _, span := range ss.GetSpans() {
					x.c.spans = append(x.c.spans, Span{Span: span, Resource: rs.GetResource()})
				}
			}
		}
	})
	return &coltrace.ExportTraceServiceResponse{}, nil
}

type metrics struct {
	colmetrics.UnimplementedMetricsServiceServer
	c *Collector
}

func (x metrics) Export(_ context.Context, req *colmetrics.ExportMetricsServiceRequest) (*colmetrics.ExportMetricsServiceResponse, error) {
	x.c.record(func() {
		for _, rm := range req.GetResourceMetrics() {
			for _, sm := range rm.GetScopeMetrics() {
				for _, m := range sm.GetMetrics() {
					x.c.metrics[m.GetName()] = true
				}
			}
		}
	})
	return &colmetrics.ExportMetricsServiceResponse{}, nil
}

type logs struct {
	collogs.UnimplementedLogsServiceServer
	c *Collector
}

func (x logs) Export(_ context.Context, req *collogs.ExportLogsServiceRequest) (*collogs.ExportLogsServiceResponse, error) {
	x.c.record(func() {
		for _, rl := range req.GetResourceLogs() {
			for _, sl := range rl.GetScopeLogs() {
				for _, l := range sl.GetLogRecords() {
					x.c.logs = append(x.c.logs, Log{LogRecord: l, Resource: rl.GetResource()})
				}
			}
		}
	})
	return &collogs.ExportLogsServiceResponse{}, nil
}

// Attribute is the string value of key among attrs, and whether it is
// there.
func Attribute(attrs []*commonpb.KeyValue, key string) (string, bool) {
	for _, kv := range attrs {
		if kv.GetKey() == key {
			if s, ok := kv.GetValue().GetValue().(*commonpb.AnyValue_StringValue); ok {
				return s.StringValue, true
			}
			if i, ok := kv.GetValue().GetValue().(*commonpb.AnyValue_IntValue); ok {
				return strconv.FormatInt(i.IntValue, 10), true
			}
			return kv.GetValue().String(), true
		}
	}
	return "", false
}
