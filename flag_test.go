package main

import (
	"context"
	"encoding/hex"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/product-catalog/product-catalog/service/flags/flagdpb"
	"github.com/product-catalog/product-catalog/service/grpcapi/oteldemo"
	"github.com/product-catalog/product-catalog/service/telemetry/otlptest"
)

// demoFlagd answers flagd's evaluation protocol as the demo's flagd does
// with productCatalogFailure turned on: true for product OLJCESPC7Z, false
// for any other. It keeps the metadata each evaluation came with, by
// product id, so a test can see what the service propagated to flagd.
type demoFlagd struct {
	flagdpb.UnimplementedServiceServer

	mu       sync.Mutex
	metadata map[string]metadata.MD // the last evaluation's, by product_id
}

func (f *demoFlagd) ResolveBoolean(ctx context.Context, req *flagdpb.ResolveBooleanRequest) (*flagdpb.ResolveBooleanResponse, error) {
	if req.GetFlagKey() != "productCatalogFailure" {
		return nil, status.Error(codes.NotFound, "Flag not found")
	}
	id := req.GetContext().GetFields()["product_id"].GetStringValue()
	md, _ := metadata.FromIncomingContext(ctx)
	f.mu.Lock()
	f.metadata[id] = md.Copy()
	f.mu.Unlock()
	on := id == "OLJCESPC7Z"
	variant := map[bool]string{true: "on", false: "off"}[on]
	return &flagdpb.ResolveBooleanResponse{Value: on, Reason: "TARGETING_MATCH", Variant: variant}, nil
}

// received is the value of the header key in the last evaluation for the
// product id ("" when there was none).
func (f *demoFlagd) received(id, key string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return strings.Join(f.metadata[id].Get(key), ",")
}

// startDemoFlagd serves a demoFlagd until the test ends, and returns it
// with the environment (FLAGD_HOST, FLAGD_PORT) that points the service
// at it.
func startDemoFlagd(t *testing.T) (*demoFlagd, []string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &demoFlagd{metadata: map[string]metadata.MD{}}
	s := grpc.NewServer()
	flagdpb.RegisterServiceServer(s, f)
	go func() { _ = s.Serve(ln) }()
	t.Cleanup(s.Stop)
	return f, []string{"FLAGD_HOST=127.0.0.1", "FLAGD_PORT=" + strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)}
}

// With the demo's failure flag on in flagd (FLAGD_HOST, FLAGD_PORT), the
// real binary fails GetProduct of OLJCESPC7Z as the demo's service does:
// INTERNAL, the demo's message, and the span marked as an error (its
// status and an event with the message), in the caller's trace. Other
// products are served.
func TestProductFailureFlagThroughFlagd(t *testing.T) {
	_, flagdEnv := startDemoFlagd(t)
	collector := otlptest.Start(t)
	p := startProcess(t, append(append(flagdEnv,
		"OTEL_EXPORTER_OTLP_ENDPOINT="+collector.Endpoint, "OTEL_EXPORTER_OTLP_PROTOCOL=grpc",
	), exportSoon...)...)
	client := oteldemo.NewProductCatalogServiceClient(dialGRPC(t, strings.TrimPrefix(p.base, "http://")))

	const failure = "Error: Product Catalog Fail Feature Flag Enabled"
	ctx := metadata.AppendToOutgoingContext(context.Background(), "traceparent", traceparent)
	_, err := client.GetProduct(ctx, &oteldemo.GetProductRequest{Id: "OLJCESPC7Z"})
	if got, want := status.Code(err), codes.Internal; got != want {
		t.Fatalf("GetProduct(OLJCESPC7Z) with the flag on: code %v (%v), want %v", got, err, want)
	}
	if got, want := status.Convert(err).Message(), failure; got != want {
		t.Errorf("GetProduct(OLJCESPC7Z) message = %q, want the demo's %q", got, want)
	}
	if _, err := client.GetProduct(context.Background(), &oteldemo.GetProductRequest{Id: "BRW-0001"}); err != nil {
		t.Errorf("GetProduct(BRW-0001) with the flag on for another product: %v", err)
	}
	var failed *otlptest.Span
	collector.WaitFor(t, "the failed GetProduct's span", 20*time.Second, func(spans []otlptest.Span, _ map[string]bool, _ []otlptest.Log) bool {
		for i := range spans {
			id, _ := otlptest.Attribute(spans[i].GetAttributes(), "demo.product.id")
			if spans[i].GetName() == "oteldemo.ProductCatalogService/GetProduct" && id == "OLJCESPC7Z" {
				failed = &spans[i]
				return true
			}
		}
		return false
	})
	if got, want := failed.GetStatus().GetCode().String(), "STATUS_CODE_ERROR"; got != want {
		t.Errorf("failed GetProduct span: status %s, want %s", got, want)
	}
	if got, want := failed.GetStatus().GetMessage(), failure; got != want {
		t.Errorf("failed GetProduct span: status message %q, want %q", got, want)
	}
	if events := eventNames(failed); !slices.Contains(events, failure) {
		t.Errorf("failed GetProduct span: events %q, want one named by the message, %q", events, failure)
	}
	if got := hex.EncodeToString(failed.GetTraceId()); got != callerTraceID {
		t.Errorf("failed GetProduct span: trace id %s, want the caller's %s", got, callerTraceID)
	}
}

// eventNames are the names of the span's events.
func eventNames(s *otlptest.Span) []string {
	var names []string
	for _, e := range s.GetEvents() {
		names = append(names, e.GetName())
	}
	return names
}
