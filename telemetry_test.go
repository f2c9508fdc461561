package main

import (
	"context"
	"encoding/hex"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"

	"github.com/product-catalog/product-catalog/service/grpcapi/oteldemo"
	"github.com/product-catalog/product-catalog/service/telemetry/otlptest"
)

// A caller's W3C trace context, as the demo's frontend sends it.
const (
	callerTraceID = "4bf92f3577b34da6a3ce929d0e0e4736"
	callerSpanID  = "00f067aa0ba902b7"
	traceparent   = "00-" + callerTraceID + "-" + callerSpanID + "-01"
)

// exportSoon makes the SDK export within a fraction of a second, so the
// test waits for the collector, not for the default 5 s batches.
var exportSoon = []string{"OTEL_BSP_SCHEDULE_DELAY=50", "OTEL_BLRP_SCHEDULE_DELAY=50", "OTEL_METRIC_EXPORT_INTERVAL=200"}

// Configured by the environment as the demo's services are, the real binary
// exports its traces, metrics and logs by OTLP: the gRPC call continues the
// caller's trace with the demo's span attributes, REST's span is named by
// its route template, health checks make no span, the semantic-convention
// server metrics arrive, and log lines carry their trace.
func TestTelemetryByEnvironmentReachesTheCollector(t *testing.T) {
	collector := otlptest.Start(t)
	p := startProcess(t, append([]string{
		"OTEL_EXPORTER_OTLP_ENDPOINT=" + collector.Endpoint, "OTEL_EXPORTER_OTLP_PROTOCOL=grpc",
		"OTEL_SERVICE_NAME=product-catalog", "OTEL_RESOURCE_ATTRIBUTES=service.namespace=opentelemetry-demo",
	}, exportSoon...)...)
	exerciseAndCheck(t, p, collector)
}

// The demo's way: a declarative configuration file (OTEL_CONFIG_FILE),
// whose ${VAR}s come from the environment.
func TestTelemetryByConfigFileReachesTheCollector(t *testing.T) {
	collector := otlptest.Start(t)
	config, err := filepath.Abs("testdata/otel-config.yml")
	if err != nil {
		t.Fatal(err)
	}
	p := startProcess(t, append([]string{
		"OTEL_CONFIG_FILE=" + config, "OTEL_EXPORTER_OTLP_ENDPOINT=" + collector.Endpoint,
		"OTEL_SERVICE_NAME=product-catalog", "OTEL_RESOURCE_ATTRIBUTES=service.namespace=opentelemetry-demo",
	}, exportSoon...)...)
	exerciseAndCheck(t, p, collector)
}

func exerciseAndCheck(t *testing.T, p *process, collector *otlptest.Collector) {
	t.Helper()
	ctx := metadata.AppendToOutgoingContext(context.Background(), "traceparent", traceparent)
	client := oteldemo.NewProductCatalogServiceClient(dialGRPC(t, strings.TrimPrefix(p.base, "http://")))
	product, err := client.GetProduct(ctx, &oteldemo.GetProductRequest{Id: "BRW-0001"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.GetProduct(ctx, &oteldemo.GetProductRequest{Id: "NOPE"}); err == nil {
		t.Fatal("GetProduct(NOPE) succeeded")
	}
	if _, err := client.ListProducts(ctx, &oteldemo.Empty{}); err != nil {
		t.Fatal(err)
	}
	healthCheck(t, p)
	req, _ := http.NewRequest(http.MethodGet, p.base+"/products/BRW-0001", nil)
	req.Header.Set("traceparent", traceparent)
	resp, err := p.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	spanNamed := func(spans []otlptest.Span, name string) *otlptest.Span {
		for i := range spans {
			if spans[i].GetName() == name {
				return &spans[i]
			}
		}
		return nil
	}
	collector.WaitFor(t, "the GetProduct, ListProducts and REST spans", 20*time.Second, func(spans []otlptest.Span, _ map[string]bool, _ []otlptest.Log) bool {
		return spanNamed(spans, "oteldemo.ProductCatalogService/GetProduct") != nil &&
			spanNamed(spans, "oteldemo.ProductCatalogService/ListProducts") != nil &&
			spanNamed(spans, "GET /products/{id}") != nil
	})
	collector.WaitFor(t, "the spans, checked", time.Second, func(spans []otlptest.Span, _ map[string]bool, _ []otlptest.Log) bool {
		var found, missing *otlptest.Span
		for i := range spans {
			s := &spans[i]
			if s.GetName() != "oteldemo.ProductCatalogService/GetProduct" {
				continue
			}
			if id, _ := otlptest.Attribute(s.GetAttributes(), "demo.product.id"); id == "NOPE" {
				missing = s
			} else {
				found = s
			}
		}
		for _, s := range spans {
			if strings.Contains(s.GetName(), "grpc.health") {
				t.Errorf("a health check made a span (%s): the demo filters them out", s.GetName())
			}
			if service, _ := otlptest.Attribute(s.Resource.GetAttributes(), "service.name"); service != "product-catalog" {
				t.Errorf("span %s: service.name = %q, want product-catalog", s.GetName(), service)
			}
			if ns, _ := otlptest.Attribute(s.Resource.GetAttributes(), "service.namespace"); ns != "opentelemetry-demo" {
				t.Errorf("span %s: service.namespace = %q, want OTEL_RESOURCE_ATTRIBUTES' opentelemetry-demo", s.GetName(), ns)
			}
		}
		for _, c := range []struct {
			name string
			span *otlptest.Span
		}{{"GetProduct(BRW-0001)", found}, {"GetProduct(NOPE)", missing}, {"GET /products/{id}", spanNamed(spans, "GET /products/{id}")}} {
			if c.span == nil {
				t.Fatalf("no span for %s", c.name)
			}
			if got := hex.EncodeToString(c.span.GetTraceId()); got != callerTraceID {
				t.Errorf("%s: trace id %s, want the caller's %s", c.name, got, callerTraceID)
			}
			if got := hex.EncodeToString(c.span.GetParentSpanId()); got != callerSpanID {
				t.Errorf("%s: parent span %s, want the caller's %s", c.name, got, callerSpanID)
			}
		}
		if name, _ := otlptest.Attribute(found.GetAttributes(), "demo.product.name"); name != product.GetName() {
			t.Errorf("GetProduct span: demo.product.name = %q, want %q", name, product.GetName())
		}
		if got := found.GetStatus().GetCode().String(); got == "STATUS_CODE_ERROR" {
			t.Errorf("GetProduct(BRW-0001) span status = %s, want no error", got)
		}
		if got := missing.GetStatus().GetCode().String(); got != "STATUS_CODE_ERROR" {
			t.Errorf("GetProduct(NOPE) span status = %s, want STATUS_CODE_ERROR", got)
		}
		if count, _ := otlptest.Attribute(spanNamed(spans, "oteldemo.ProductCatalogService/ListProducts").GetAttributes(), "demo.product.count"); count == "" || count == "0" {
			t.Errorf("ListProducts span: demo.product.count = %q, want the catalog's size", count)
		}
		if route, _ := otlptest.Attribute(spanNamed(spans, "GET /products/{id}").GetAttributes(), "http.route"); route != "/products/{id}" {
			t.Errorf("REST span: http.route = %q, want /products/{id}", route)
		}
		return true
	})
	collector.WaitFor(t, "the RPC and HTTP server duration metrics", 20*time.Second, func(_ []otlptest.Span, metrics map[string]bool, _ []otlptest.Log) bool {
		return (metrics["rpc.server.call.duration"] || metrics["rpc.server.duration"]) && metrics["http.server.request.duration"]
	})
	collector.WaitFor(t, "an access log line with the REST request's trace", 20*time.Second, func(_ []otlptest.Span, _ map[string]bool, logs []otlptest.Log) bool {
		for _, l := range logs {
			route, _ := otlptest.Attribute(l.GetAttributes(), "route")
			trace, _ := otlptest.Attribute(l.GetAttributes(), "trace_id")
			if route == "/products/{id}" && trace == callerTraceID {
				return true
			}
		}
		return false
	})
	// The access log is flushed every second: wait for its line.
	p.logs.waitFor(t, `"trace_id":"`+callerTraceID+`"`, 1, p.exited)
}

func healthCheck(t *testing.T, p *process) {
	t.Helper()
	health := healthpb.NewHealthClient(dialGRPC(t, strings.TrimPrefix(p.base, "http://")))
	if _, err := health.Check(context.Background(), &healthpb.HealthCheckRequest{}); err != nil {
		t.Fatal(err)
	}
}

// Nothing configured, nothing exported: the process (whose environment
// holds no OTEL_* variable) starts no exporter, and its log lines carry no
// trace even when the caller sends one.
func TestTelemetryOffWhenNotConfigured(t *testing.T) {
	p := startProcess(t)
	req, _ := http.NewRequest(http.MethodGet, p.base+"/products/BRW-0001", nil)
	req.Header.Set("traceparent", traceparent)
	resp, err := p.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	p.logs.waitFor(t, `"route":"/products/{id}"`, 1, p.exited)
	if strings.Contains(p.logs.String(), "trace_id") {
		t.Errorf("with telemetry off, a log line carries a trace id:\n%s", p.logs)
	}
}
