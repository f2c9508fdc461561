package main

import (
	"context"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/product-catalog/product-catalog/service/flags/flagdpb"
	"github.com/product-catalog/product-catalog/service/grpcapi/oteldemo"
	"github.com/product-catalog/product-catalog/service/telemetry/otlptest"
)

// demoFlagd answers flagd's evaluation protocol as the demo's flagd does
// with productCatalogFailure turned on: true for product OLJCESPC7Z, false
// for any other.
type demoFlagd struct {
	flagdpb.UnimplementedServiceServer
}

func (demoFlagd) ResolveBoolean(_ context.Context, req *flagdpb.ResolveBooleanRequest) (*flagdpb.ResolveBooleanResponse, error) {
	if req.GetFlagKey() != "productCatalogFailure" {
		return nil, status.Error(codes.NotFound, "Flag not found")
	}
	on := req.GetContext().GetFields()["product_id"].GetStringValue() == "OLJCESPC7Z"
	variant := map[bool]string{true: "on", false: "off"}[on]
	return &flagdpb.ResolveBooleanResponse{Value: on, Reason: "TARGETING_MATCH", Variant: variant}, nil
}

// With the demo's failure flag on in flagd (FLAGD_HOST, FLAGD_PORT), the
// real binary fails GetProduct of OLJCESPC7Z as the demo's service does:
// INTERNAL, the demo's message, and the span marked as an error. Other
// products are served.
func TestProductFailureFlagThroughFlagd(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	flagd := grpc.NewServer()
	flagdpb.RegisterServiceServer(flagd, demoFlagd{})
	go func() { _ = flagd.Serve(ln) }()
	t.Cleanup(flagd.Stop)
	collector := otlptest.Start(t)
	p := startProcess(t, append([]string{
		"FLAGD_HOST=127.0.0.1", "FLAGD_PORT=" + strconv.Itoa(ln.Addr().(*net.TCPAddr).Port),
		"OTEL_EXPORTER_OTLP_ENDPOINT=" + collector.Endpoint, "OTEL_EXPORTER_OTLP_PROTOCOL=grpc",
	}, exportSoon...)...)
	client := oteldemo.NewProductCatalogServiceClient(dialGRPC(t, strings.TrimPrefix(p.base, "http://")))

	_, err = client.GetProduct(context.Background(), &oteldemo.GetProductRequest{Id: "OLJCESPC7Z"})
	if got, want := status.Code(err), codes.Internal; got != want {
		t.Fatalf("GetProduct(OLJCESPC7Z) with the flag on: code %v (%v), want %v", got, err, want)
	}
	if got, want := status.Convert(err).Message(), "Error: Product Catalog Fail Feature Flag Enabled"; got != want {
		t.Errorf("GetProduct(OLJCESPC7Z) message = %q, want the demo's %q", got, want)
	}
	if _, err := client.GetProduct(context.Background(), &oteldemo.GetProductRequest{Id: "BRW-0001"}); err != nil {
		t.Errorf("GetProduct(BRW-0001) with the flag on for another product: %v", err)
	}
	collector.WaitFor(t, "the failed GetProduct's span, marked as an error", 20*time.Second, func(spans []otlptest.Span, _ map[string]bool, _ []otlptest.Log) bool {
		for _, s := range spans {
			id, _ := otlptest.Attribute(s.GetAttributes(), "demo.product.id")
			if s.GetName() == "oteldemo.ProductCatalogService/GetProduct" && id == "OLJCESPC7Z" {
				return s.GetStatus().GetCode().String() == "STATUS_CODE_ERROR" &&
					s.GetStatus().GetMessage() == "Error: Product Catalog Fail Feature Flag Enabled"
			}
		}
		return false
	})
}
