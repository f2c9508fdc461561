// Package grpcapi serves the catalog as the OpenTelemetry demo's gRPC
// ProductCatalogService, with the same answers as the REST API: the same
// published snapshot, search and input rules, beside the standard health
// service and server reflection.
package grpcapi

import (
	"context"
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/otel/attribute"
	otelcodes "go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	"github.com/product-catalog/product-catalog/service/catalog"
	"github.com/product-catalog/product-catalog/service/echo"
	"github.com/product-catalog/product-catalog/service/grpcapi/oteldemo"
)

// ServiceName is the demo's service, as health checks name it.
const ServiceName = "oteldemo.ProductCatalogService"

// Server answers the demo's product catalog calls from the catalog last
// published.
type Server struct {
	oteldemo.UnimplementedProductCatalogServiceServer
	current atomic.Pointer[view]
	health  *health.Server
	// closing ends the long-lived streams (health watches, reflection) at
	// shutdown, which a graceful stop would otherwise wait on for ever.
	closing   chan struct{}
	closeOnce sync.Once
	failure   ProductFailure
}

// ProductFailure reports whether GetProduct of id must fail: the demo's
// productCatalogFailure flag, which makes the catalog fail on purpose so
// that the demo's telemetry has an error to find. nil never fails.
type ProductFailure func(ctx context.Context, id string) bool

// productFailureMessage is the demo's own message for it: its dashboards
// and docs look for it.
const productFailureMessage = "Error: Product Catalog Fail Feature Flag Enabled"

// view is one catalog with its messages built once, at Publish: the
// products share their strings with the catalog, so a view costs the
// messages' own structs, not a second copy of the text.
type view struct {
	catalog  *catalog.Catalog
	products []*oteldemo.Product // by position in the catalog
	list     *oteldemo.ListProductsResponse
}

// NewServer returns a server with nothing published: its calls answer
// UNAVAILABLE, and health says NOT_SERVING, until the first Publish.
//
// failure, when not nil, is asked before every GetProduct.
func NewServer(failure ProductFailure) *Server {
	s := &Server{health: health.NewServer(), closing: make(chan struct{}), failure: failure}
	s.setServing(healthpb.HealthCheckResponse_NOT_SERVING)
	return s
}

// Publish makes c the catalog served, whole.
func (s *Server) Publish(c *catalog.Catalog) {
	products := make([]*oteldemo.Product, c.Len())
	for i := range products {
		products[i] = ProductMessage(c.At(i))
	}
	s.current.Store(&view{catalog: c, products: products, list: &oteldemo.ListProductsResponse{Products: products}})
	s.setServing(healthpb.HealthCheckResponse_SERVING)
}

// ProductMessage is p as the demo's Product message. It shares p's strings
// and categories rather than copying them.
func ProductMessage(p catalog.Product) *oteldemo.Product {
	return &oteldemo.Product{
		Id: p.ID, Name: p.Name, Description: p.Description, Picture: p.Picture,
		PriceUsd:   &oteldemo.Money{CurrencyCode: p.PriceUSD.CurrencyCode, Units: p.PriceUSD.Units, Nanos: p.PriceUSD.Nanos},
		Categories: p.Categories,
	}
}

// Drain tells health checkers to go elsewhere (NOT_SERVING), while calls
// are still answered: the gRPC side of /readyz turning 503.
func (s *Server) Drain() { s.health.Shutdown() }

// CloseStreams ends every open stream, their callers told UNAVAILABLE, so
// that a graceful stop waits only for the calls in flight.
func (s *Server) CloseStreams() { s.closeOnce.Do(func() { close(s.closing) }) }

// Health is the grpc.health.v1 service to register beside this one.
func (s *Server) Health() healthpb.HealthServer { return s.health }

func (s *Server) setServing(st healthpb.HealthCheckResponse_ServingStatus) {
	s.health.SetServingStatus("", st)
	s.health.SetServingStatus(ServiceName, st)
}

func (s *Server) published() (*view, error) {
	v := s.current.Load()
	if v == nil {
		return nil, status.Error(codes.Unavailable, "no catalog published yet")
	}
	return v, nil
}

// ListProducts returns every product, by id, as the demo's does.
func (s *Server) ListProducts(ctx context.Context, _ *oteldemo.Empty) (*oteldemo.ListProductsResponse, error) {
	v, err := s.published()
	if err != nil {
		return nil, failed(ctx, err)
	}
	if span := trace.SpanFromContext(ctx); span.IsRecording() {
		span.SetAttributes(attribute.Int("demo.product.count", len(v.list.GetProducts())))
	}
	return v.list, nil
}

// failed records err on the call's span as the demo's service records its
// errors (the span's status, and an event with the message), and returns
// it.
func failed(ctx context.Context, err error) error {
	if span := trace.SpanFromContext(ctx); span.IsRecording() {
		msg := status.Convert(err).Message()
		span.SetStatus(otelcodes.Error, msg)
		span.AddEvent(msg)
	}
	return err
}

// GetProduct returns one product: NOT_FOUND for an unknown id, as REST
// answers 404; INVALID_ARGUMENT for an empty one.
func (s *Server) GetProduct(ctx context.Context, req *oteldemo.GetProductRequest) (*oteldemo.Product, error) {
	span := trace.SpanFromContext(ctx)
	if span.IsRecording() {
		span.SetAttributes(attribute.String("demo.product.id", req.GetId()))
	}
	v, err := s.published()
	if err != nil {
		return nil, failed(ctx, err)
	}
	if req.GetId() == "" {
		return nil, failed(ctx, status.Error(codes.InvalidArgument, "id: must not be empty"))
	}
	if s.failure != nil && s.failure(ctx, req.GetId()) {
		return nil, failed(ctx, status.Error(codes.Internal, productFailureMessage))
	}
	i, ok := v.catalog.Position(req.GetId())
	if !ok {
		return nil, failed(ctx, status.Errorf(codes.NotFound, "no product with id %s", echo.Quoted(req.GetId())))
	}
	product := v.products[i]
	if span.IsRecording() {
		span.AddEvent("Product Found")
		span.SetAttributes(attribute.String("demo.product.name", product.GetName()))
	}
	return product, nil
}

// SearchProducts returns what GET /products?q= returns: the products whose
// name or description holds the query, case-insensitively, at most
// catalog.MaxResults, by id. The query follows REST's rule for q.
func (s *Server) SearchProducts(ctx context.Context, req *oteldemo.SearchProductsRequest) (*oteldemo.SearchProductsResponse, error) {
	v, err := s.published()
	if err != nil {
		return nil, failed(ctx, err)
	}
	if err := catalog.CheckText(req.GetQuery()); err != nil {
		return nil, failed(ctx, status.Errorf(codes.InvalidArgument, "query: %v", err))
	}
	found := v.catalog.Search(catalog.Query{Text: req.GetQuery(), Limit: catalog.MaxResults})
	results := make([]*oteldemo.Product, len(found.Positions))
	for i, position := range found.Positions {
		results[i] = v.products[position]
	}
	if span := trace.SpanFromContext(ctx); span.IsRecording() {
		span.SetAttributes(attribute.Int("demo.product.search.count", len(results)))
	}
	return &oteldemo.SearchProductsResponse{Results: results}, nil
}
