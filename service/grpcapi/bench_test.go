package grpcapi

import (
	"context"
	"net"
	"testing"

	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/product-catalog/product-catalog/service/backlog"
	"github.com/product-catalog/product-catalog/service/grpcapi/oteldemo"
	"github.com/product-catalog/product-catalog/service/metrics"
)

// BenchmarkGetProduct is a unary call over loopback, client and server in
// one process, the access log sampled away as in production: the service's
// whole cost of a call, interceptors included.
func BenchmarkGetProduct(b *testing.B) {
	svc := NewServer()
	svc.Publish(testCatalog(b))
	gs := NewGRPCServer(svc, zap.NewNop(), zap.NewNop(), metrics.New("bench"), testLimits, backlog.New(testBacklog, backlog.Events{}))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go gs.Serve(ln)
	defer gs.Stop()
	conn, err := grpc.NewClient(ln.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	client := oteldemo.NewProductCatalogServiceClient(conn)
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
