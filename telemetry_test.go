package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"maps"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/baggage"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/product-catalog/product-catalog/service/grpcapi/oteldemo"
	"github.com/product-catalog/product-catalog/service/telemetry/otlptest"
)

// A caller's W3C trace context, as the demo's frontend sends it.
const (
	callerTraceID = "4bf92f3577b34da6a3ce929d0e0e4736"
	callerSpanID  = "00f067aa0ba902b7"
	traceparent   = "00-" + callerTraceID + "-" + callerSpanID + "-01"
	// callerBaggage is W3C baggage as the demo's load generator sends it.
	callerBaggage = "synthetic_request=true,session.id=4f3c2b1a"
)

// exportSoon makes the SDK export within a fraction of a second, so the
// test waits for the collector, not for the default 5 s batches.
var exportSoon = []string{"OTEL_BSP_SCHEDULE_DELAY=50", "OTEL_BLRP_SCHEDULE_DELAY=50", "OTEL_METRIC_EXPORT_INTERVAL=200"}

// Configured by the environment as the demo's services are, the real binary
// exports its traces, metrics and logs by OTLP: the gRPC call continues the
// caller's trace and baggage with the demo's span attributes and errors,
// its call to flagd is a client span in that trace, REST's span is named
// by its route template, health checks make no span, the
// semantic-convention server metrics arrive, and log lines carry their
// trace.
func TestTelemetryByEnvironmentReachesTheCollector(t *testing.T) {
	collector := otlptest.Start(t)
	flagd, flagdEnv := startDemoFlagd(t)
	p := startProcess(t, append(append(flagdEnv,
		"OTEL_EXPORTER_OTLP_ENDPOINT="+collector.Endpoint, "OTEL_EXPORTER_OTLP_PROTOCOL=grpc",
		"OTEL_SERVICE_NAME=product-catalog", "OTEL_RESOURCE_ATTRIBUTES=service.namespace=opentelemetry-demo",
	), exportSoon...)...)
	exerciseAndCheck(t, p, collector, flagd)
}

// The demo's way: a declarative configuration file (OTEL_CONFIG_FILE),
// whose ${VAR}s come from the environment.
func TestTelemetryByConfigFileReachesTheCollector(t *testing.T) {
	collector := otlptest.Start(t)
	flagd, flagdEnv := startDemoFlagd(t)
	config, err := filepath.Abs("testdata/otel-config.yml")
	if err != nil {
		t.Fatal(err)
	}
	p := startProcess(t, append(append(flagdEnv,
		"OTEL_CONFIG_FILE="+config, "OTEL_EXPORTER_OTLP_ENDPOINT="+collector.Endpoint,
		"OTEL_SERVICE_NAME=product-catalog", "OTEL_RESOURCE_ATTRIBUTES=service.namespace=opentelemetry-demo",
	), exportSoon...)...)
	exerciseAndCheck(t, p, collector, flagd)
}

// The flagd evaluation's client span, as otelgrpc names a call.
const flagdSpanName = "flagd.evaluation.v1.Service/ResolveBoolean"

func exerciseAndCheck(t *testing.T, p *process, collector *otlptest.Collector, flagd *demoFlagd) {
	t.Helper()
	ctx := metadata.AppendToOutgoingContext(context.Background(), "traceparent", traceparent, "baggage", callerBaggage)
	client := oteldemo.NewProductCatalogServiceClient(dialGRPC(t, strings.TrimPrefix(p.base, "http://")))
	product, err := client.GetProduct(ctx, &oteldemo.GetProductRequest{Id: "BRW-0001"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = client.GetProduct(ctx, &oteldemo.GetProductRequest{Id: "NOPE"})
	if err == nil {
		t.Fatal("GetProduct(NOPE) succeeded")
	}
	notFound := status.Convert(err).Message()
	if _, err := client.ListProducts(ctx, &oteldemo.Empty{}); err != nil {
		t.Fatal(err)
	}
	// Two searches, one finding products and one finding none, so the
	// span attribute is seen to count them.
	wantSearchCounts := map[string]bool{"0": true}
	for _, q := range []string{"glass", "nothing-is-named-this"} {
		r, err := client.SearchProducts(ctx, &oteldemo.SearchProductsRequest{Query: q})
		if err != nil {
			t.Fatal(err)
		}
		wantSearchCounts[strconv.Itoa(len(r.GetResults()))] = true
	}
	if len(wantSearchCounts) != 2 {
		t.Fatalf("SearchProducts(glass) found nothing in the test catalog: the search count is not tested")
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
	collector.WaitFor(t, "the GetProduct, flagd, SearchProducts, ListProducts and REST spans", 20*time.Second, func(spans []otlptest.Span, _ map[string]bool, _ []otlptest.Log) bool {
		named := map[string]int{}
		for _, s := range spans {
			named[s.GetName()]++
		}
		return named["oteldemo.ProductCatalogService/GetProduct"] >= 2 && named[flagdSpanName] >= 2 &&
			named["oteldemo.ProductCatalogService/SearchProducts"] >= 2 &&
			named["oteldemo.ProductCatalogService/ListProducts"] >= 1 && named["GET /products/{id}"] >= 1
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
		if id, _ := otlptest.Attribute(found.GetAttributes(), "demo.product.id"); id != "BRW-0001" {
			t.Errorf("GetProduct span: demo.product.id = %q, want BRW-0001", id)
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
		if got := missing.GetStatus().GetMessage(); got != notFound {
			t.Errorf("GetProduct(NOPE) span status message = %q, want the error's %q", got, notFound)
		}
		if events := eventNames(missing); !slices.Contains(events, notFound) {
			t.Errorf("GetProduct(NOPE) span: events %q, want one named by the error's message, %q", events, notFound)
		}
		gotSearchCounts := map[string]bool{}
		for _, s := range spans {
			if s.GetName() == "oteldemo.ProductCatalogService/SearchProducts" {
				count, _ := otlptest.Attribute(s.GetAttributes(), "demo.product.search.count")
				gotSearchCounts[count] = true
			}
		}
		if !maps.Equal(gotSearchCounts, wantSearchCounts) {
			t.Errorf("SearchProducts spans: demo.product.search.count values %v, want the results' counts %v", slices.Sorted(maps.Keys(gotSearchCounts)), slices.Sorted(maps.Keys(wantSearchCounts)))
		}
		checkFlagdCall(t, spans, found, flagd)
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

// checkFlagdCall checks GetProduct(BRW-0001)'s evaluation of its flag: a
// client span, child of the server span, and the call to flagd carrying
// that span's trace context and the caller's baggage.
func checkFlagdCall(t *testing.T, spans []otlptest.Span, server *otlptest.Span, flagd *demoFlagd) {
	t.Helper()
	var call *otlptest.Span
	var orphans []string
	for i := range spans {
		if spans[i].GetName() != flagdSpanName {
			continue
		}
		if bytes.Equal(spans[i].GetParentSpanId(), server.GetSpanId()) {
			call = &spans[i]
		} else {
			orphans = append(orphans, hex.EncodeToString(spans[i].GetParentSpanId()))
		}
	}
	if call == nil {
		t.Errorf("no %s span is a child of GetProduct(BRW-0001)'s span %s (%s spans' parents: %q)", flagdSpanName, hex.EncodeToString(server.GetSpanId()), flagdSpanName, orphans)
		return
	}
	if got, want := call.GetKind().String(), "SPAN_KIND_CLIENT"; got != want {
		t.Errorf("flagd call span: kind %s, want %s", got, want)
	}
	if got := hex.EncodeToString(call.GetTraceId()); got != callerTraceID {
		t.Errorf("flagd call span: trace id %s, want the caller's %s", got, callerTraceID)
	}
	// otelgrpc's attributes, in the semantic conventions it follows.
	for key, want := range map[string]string{"rpc.system.name": "grpc", "rpc.method": flagdSpanName, "server.address": "127.0.0.1", "rpc.response.status_code": "OK"} {
		if got, _ := otlptest.Attribute(call.GetAttributes(), key); got != want {
			t.Errorf("flagd call span: %s = %q, want %q", key, got, want)
		}
	}
	wantParent := "00-" + callerTraceID + "-" + hex.EncodeToString(call.GetSpanId()) + "-01"
	if got := flagd.received("BRW-0001", "traceparent"); got != wantParent {
		t.Errorf("flagd received traceparent %q, want the client span's %q", got, wantParent)
	}
	got, err := baggage.Parse(flagd.received("BRW-0001", "baggage"))
	if err != nil {
		t.Errorf("flagd received baggage %q: %v", flagd.received("BRW-0001", "baggage"), err)
	}
	want, _ := baggage.Parse(callerBaggage)
	for _, m := range want.Members() {
		if got.Member(m.Key()).Value() != m.Value() {
			t.Errorf("flagd received baggage %q, want the caller's %q", got, callerBaggage)
			break
		}
	}
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
