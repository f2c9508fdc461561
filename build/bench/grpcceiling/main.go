// Command grpcceiling is the gRPC load test's baseline: a bare grpc-go
// server (grpc.NewServer with no options) answering the demo's
// ListProducts and GetProduct with messages built once at start-up: no
// interceptors, logs, metrics, limits or validation. The service's
// throughput is reported as a ratio of this one's, measured side by side
// in the same run.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net"
	"os"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/product-catalog/product-catalog/service/catalog"
	"github.com/product-catalog/product-catalog/service/grpcapi"
	"github.com/product-catalog/product-catalog/service/grpcapi/oteldemo"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8090", "listen address")
	dir := flag.String("dir", "products", "catalog directory")
	flag.Parse()
	if err := serve(*addr, *dir); err != nil {
		fmt.Fprintf(os.Stderr, "grpcceiling: %v\n", err)
		os.Exit(1)
	}
}

type ceiling struct {
	oteldemo.UnimplementedProductCatalogServiceServer
	list *oteldemo.ListProductsResponse
	byID map[string]*oteldemo.Product
}

func (c *ceiling) ListProducts(context.Context, *oteldemo.Empty) (*oteldemo.ListProductsResponse, error) {
	return c.list, nil
}

func (c *ceiling) GetProduct(_ context.Context, req *oteldemo.GetProductRequest) (*oteldemo.Product, error) {
	p, ok := c.byID[req.GetId()]
	if !ok {
		return nil, status.Error(codes.NotFound, "not found")
	}
	return p, nil
}

func serve(addr, dir string) error {
	cat, err := catalog.Load(os.DirFS(dir), dir, catalog.DefaultLimits)
	if err != nil {
		return err
	}
	c := &ceiling{list: &oteldemo.ListProductsResponse{}, byID: map[string]*oteldemo.Product{}}
	for i := 0; i < cat.Len(); i++ {
		msg := grpcapi.ProductMessage(cat.At(i))
		c.list.Products = append(c.list.Products, msg)
		c.byID[msg.GetId()] = msg
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	s := grpc.NewServer()
	oteldemo.RegisterProductCatalogServiceServer(s, c)
	log.Printf("grpcceiling: %d products on %s", cat.Len(), addr)
	return s.Serve(ln)
}
