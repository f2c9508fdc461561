package grpcapi

import (
	"context"
	"testing"

	"go.uber.org/zap"

	"github.com/product-catalog/product-catalog/service/backlog"
	"github.com/product-catalog/product-catalog/service/grpcapi/oteldemo"
	"github.com/product-catalog/product-catalog/service/metrics"
)

// BenchmarkGetProduct is a unary call over loopback, client and server in
// one process, the access log sampled away as in production: the service's
// whole cost of a call, interceptors included.
func BenchmarkGetProduct(b *testing.B) {
	svc := NewServer(nil)
	svc.Publish(testCatalog(b))
	// Through the backlog guard's listener, as the binary serves.
	guard := backlog.New(testBacklog, backlog.Events{})
	client := oteldemo.NewProductCatalogServiceClient(dialTest(b, serveGRPC(b, NewGRPCServer(svc, zap.NewNop(), zap.NewNop(), metrics.New("bench"), testLimits, guard, nil), guard)))
	req := &oteldemo.GetProductRequest{Id: "A1"}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := client.GetProduct(context.Background(), req); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
