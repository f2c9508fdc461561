package grpcapi

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"

	"github.com/product-catalog/product-catalog/service/backlog"
	"github.com/product-catalog/product-catalog/service/catalog"
	"github.com/product-catalog/product-catalog/service/grpcapi/oteldemo"
	"github.com/product-catalog/product-catalog/service/metrics"
)

// testBacklog is roomy: these tests' clients read their answers.
var testBacklog = backlog.Limits{PerConn: 1 << 20, Total: 8 << 20, Stall: time.Minute}

var testLimits = Limits{
	Handshake: 5 * time.Second, Idle: time.Minute, Unresponsive: 10 * time.Second,
	MaxHeaderBytes: 64 << 10, MaxMessageBytes: 64 << 10, MaxStreams: 100,
}

func testCatalog(t testing.TB) *catalog.Catalog {
	t.Helper()
	c, err := catalog.Load(os.DirFS("testdata/catalog"), "testdata", catalog.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

type harness struct {
	svc    *Server
	client oteldemo.ProductCatalogServiceClient
	health healthpb.HealthClient
	logs   *observer.ObservedLogs
}

// serveGRPC serves gs on a loopback port through guard's listener until
// the test ends, and returns its address.
func serveGRPC(t testing.TB, gs *grpc.Server, guard *backlog.Guard) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go gs.Serve(guard.Listener(ln))
	t.Cleanup(gs.Stop)
	return ln.Addr().String()
}

// dialTest is a client connection to addr, closed when the test ends.
func dialTest(t testing.TB, addr string) *grpc.ClientConn {
	t.Helper()
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// serve runs the real gRPC server on a loopback port with a client from
// the generated code.
func serve(t testing.TB, svc *Server) harness {
	t.Helper()
	core, logs := observer.New(zap.DebugLevel)
	guard := backlog.New(testBacklog, backlog.Events{})
	gs := NewGRPCServer(svc, zap.New(core), zap.New(core), metrics.New("test"), testLimits, guard, nil)
	conn := dialTest(t, serveGRPC(t, gs, guard))
	return harness{svc: svc, client: oteldemo.NewProductCatalogServiceClient(conn), health: healthpb.NewHealthClient(conn), logs: logs}
}

func published(t *testing.T) harness {
	svc := NewServer(nil)
	svc.Publish(testCatalog(t))
	return serve(t, svc)
}

func ids(products []*oteldemo.Product) []string {
	out := make([]string, len(products))
	for i, p := range products {
		out[i] = p.GetId()
	}
	return out
}

func TestCalls(t *testing.T) {
	h := published(t)
	ctx := context.Background()

	list, err := h.client.ListProducts(ctx, &oteldemo.Empty{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ids(list.GetProducts()), []string{"A1", "B2", "C3"}; !cmp.Equal(got, want) {
		t.Errorf("ListProducts ids = %v, want %v", got, want)
	}

	got, err := h.client.GetProduct(ctx, &oteldemo.GetProductRequest{Id: "A1"})
	if err != nil {
		t.Fatal(err)
	}
	want := &oteldemo.Product{
		Id: "A1", Name: "Alpine Mug", Description: "Enamel mug for the trail.", Picture: "a1.jpg",
		PriceUsd:   &oteldemo.Money{CurrencyCode: "USD", Units: 9, Nanos: 990000000},
		Categories: []string{"cups", "Outdoor"},
	}
	if diff := cmp.Diff(want, got, protocmp.Transform()); diff != "" {
		t.Errorf("GetProduct(A1) (-want +got):\n%s", diff)
	}

	tests := []struct {
		query string
		want  []string
	}{
		{"kettle", []string{"B2"}},
		{"MUG", []string{"A1"}},
		{"", []string{"A1", "B2", "C3"}},
		{"nothing like it", []string{}},
	}
	for _, tt := range tests {
		found, err := h.client.SearchProducts(ctx, &oteldemo.SearchProductsRequest{Query: tt.query})
		if err != nil {
			t.Fatalf("SearchProducts(%q): %v", tt.query, err)
		}
		if got := ids(found.GetResults()); !cmp.Equal(got, tt.want) {
			t.Errorf("SearchProducts(%q) = %v, want %v", tt.query, got, tt.want)
		}
	}
}

func TestErrors(t *testing.T) {
	h := published(t)
	ctx := context.Background()
	tests := []struct {
		name    string
		call    func() error
		code    codes.Code
		message string
	}{
		{"unknown id", func() error {
			_, err := h.client.GetProduct(ctx, &oteldemo.GetProductRequest{Id: "NOPE"})
			return err
		}, codes.NotFound, `no product with id "NOPE"`},
		{"an unknown id is echoed bounded", func() error {
			_, err := h.client.GetProduct(ctx, &oteldemo.GetProductRequest{Id: strings.Repeat("x", 60000)})
			return err
		}, codes.NotFound, `"… (60000 bytes)`},
		{"empty id", func() error {
			_, err := h.client.GetProduct(ctx, &oteldemo.GetProductRequest{})
			return err
		}, codes.InvalidArgument, "id: must not be empty"},
		{"query too long", func() error {
			_, err := h.client.SearchProducts(ctx, &oteldemo.SearchProductsRequest{Query: strings.Repeat("q", catalog.MaxTextRunes+1)})
			return err
		}, codes.InvalidArgument, "query: at most 256 characters"},
		{"query with a control character", func() error {
			_, err := h.client.SearchProducts(ctx, &oteldemo.SearchProductsRequest{Query: "a\x1bb"})
			return err
		}, codes.InvalidArgument, "query: must not contain control characters"},
		{"a request over the message limit", func() error {
			_, err := h.client.GetProduct(ctx, &oteldemo.GetProductRequest{Id: strings.Repeat("x", testLimits.MaxMessageBytes+1)})
			return err
		}, codes.ResourceExhausted, "larger than max"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if st := status.Convert(err); st.Code() != tt.code || !strings.Contains(st.Message(), tt.message) {
				t.Errorf("got %v %q, want %v with %q", st.Code(), st.Message(), tt.code, tt.message)
			}
		})
	}
}

// Before a catalog is published, calls answer UNAVAILABLE and health says
// NOT_SERVING; after, SERVING; while draining, NOT_SERVING again, for the
// whole server and for the service by name.
func TestHealthFollowsTheCatalogAndTheDrain(t *testing.T) {
	svc := NewServer(nil)
	h := serve(t, svc)
	ctx := context.Background()
	check := func(when string, want healthpb.HealthCheckResponse_ServingStatus) {
		t.Helper()
		for _, service := range []string{"", ServiceName} {
			resp, err := h.health.Check(ctx, &healthpb.HealthCheckRequest{Service: service})
			if err != nil || resp.GetStatus() != want {
				t.Errorf("%s: health of %q = %v, %v; want %v", when, service, resp.GetStatus(), err, want)
			}
		}
	}
	check("before Publish", healthpb.HealthCheckResponse_NOT_SERVING)
	if _, err := h.client.ListProducts(ctx, &oteldemo.Empty{}); status.Code(err) != codes.Unavailable {
		t.Errorf("ListProducts before Publish: %v, want UNAVAILABLE", err)
	}
	svc.Publish(testCatalog(t))
	check("after Publish", healthpb.HealthCheckResponse_SERVING)
	svc.Drain()
	check("draining", healthpb.HealthCheckResponse_NOT_SERVING)
	if _, err := h.client.ListProducts(ctx, &oteldemo.Empty{}); err != nil {
		t.Errorf("ListProducts while draining: %v, want an answer (only health turns)", err)
	}
}

// Each call is logged with the REST access log's fields and its gRPC
// code, and keeps a well-formed x-request-id from the caller, sent back in
// the response headers; a caller that sent none gets none back, and the
// log has the id the server made.
func TestAccessLogAndRequestID(t *testing.T) {
	h := published(t)
	var header metadata.MD
	ctx := metadata.AppendToOutgoingContext(context.Background(), "x-request-id", "checkout-7f3a")
	if _, err := h.client.GetProduct(ctx, &oteldemo.GetProductRequest{Id: "NOPE"}, grpc.Header(&header)); status.Code(err) != codes.NotFound {
		t.Fatalf("GetProduct(NOPE) = %v", err)
	}
	if got := header.Get("x-request-id"); len(got) != 1 || got[0] != "checkout-7f3a" {
		t.Errorf("x-request-id header = %v, want the caller's", got)
	}
	entries := h.logs.FilterMessage("request").All()
	if len(entries) != 1 {
		t.Fatalf("got %d request lines, want 1", len(entries))
	}
	fields := entries[0].ContextMap()
	want := map[string]any{
		"request_id": "checkout-7f3a", "method": "POST", "route": "/oteldemo.ProductCatalogService/GetProduct",
		"status": int64(200), "grpc_code": "NotFound", "bytes": int64(0),
	}
	for k, v := range want {
		if fields[k] != v {
			t.Errorf("log field %s = %v, want %v", k, fields[k], v)
		}
	}
	if _, ok := fields["duration_us"]; !ok {
		t.Errorf("log line lacks duration_us: %v", fields)
	}

	h.logs.TakeAll()
	var bare metadata.MD
	if _, err := h.client.GetProduct(context.Background(), &oteldemo.GetProductRequest{Id: "A1"}, grpc.Header(&bare)); err != nil {
		t.Fatal(err)
	}
	if got := bare.Get("x-request-id"); len(got) != 0 {
		t.Errorf("x-request-id header = %v for a caller that sent none, want none", got)
	}
	entries = h.logs.FilterMessage("request").All()
	if len(entries) != 1 || entries[0].ContextMap()["request_id"] == "" {
		t.Errorf("request lines = %v, want one with a request_id the server made", entries)
	}
}

// A panicking handler becomes INTERNAL with no details for the caller.
func TestPanicBecomesInternal(t *testing.T) {
	core, logs := observer.New(zap.DebugLevel)
	interceptor := recoverUnary(zap.New(core))
	_, err := interceptor(context.Background(), nil, &grpc.UnaryServerInfo{FullMethod: "/x/Y"},
		func(context.Context, any) (any, error) { panic("boom") })
	if st := status.Convert(err); st.Code() != codes.Internal || st.Message() != "internal error" {
		t.Errorf("got %v %q, want INTERNAL without details", st.Code(), st.Message())
	}
	if n := logs.FilterMessage("handler panicked").Len(); n != 1 {
		t.Errorf("%d panic log lines, want 1", n)
	}
}

// CloseStreams ends a health watch, which a graceful stop would otherwise
// wait on for ever, telling the watcher UNAVAILABLE.
func TestCloseStreamsEndsWatches(t *testing.T) {
	h := published(t)
	watch, err := h.health.Watch(context.Background(), &healthpb.HealthCheckRequest{Service: ServiceName})
	if err != nil {
		t.Fatal(err)
	}
	if resp, err := watch.Recv(); err != nil || resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("first watch answer = %v, %v; want SERVING", resp.GetStatus(), err)
	}
	h.svc.CloseStreams()
	for {
		_, err := watch.Recv()
		if err == nil {
			continue // a last status may come before the end
		}
		if status.Code(err) != codes.Unavailable {
			t.Errorf("watch ended with %v, want UNAVAILABLE", err)
		}
		return
	}
}

// Calls grpc-go refuses before any handler are logged and counted as REST
// counts its unmatched routes: an unknown service or method under
// "unmatched" (a client cannot mint label values), a request over the
// message limit under its method.
func TestRefusedCallsAreObserved(t *testing.T) {
	svc := NewServer(nil)
	svc.Publish(testCatalog(t))
	core, logs := observer.New(zap.DebugLevel)
	m := metrics.New("test")
	guard := backlog.New(testBacklog, backlog.Events{})
	conn := dialTest(t, serveGRPC(t, NewGRPCServer(svc, zap.New(core), zap.New(core), m, testLimits, guard, nil), guard))
	tests := []struct {
		method    string
		req       proto.Message
		wantCode  codes.Code
		wantRoute string
	}{
		{"/oteldemo.ProductCatalogService/Nope", &oteldemo.Empty{}, codes.Unimplemented, "unmatched"},
		{"/no.Such/Service", &oteldemo.Empty{}, codes.Unimplemented, "unmatched"},
		{"/oteldemo.ProductCatalogService/SearchProducts", &oteldemo.SearchProductsRequest{Query: strings.Repeat("q", 100<<10)}, codes.ResourceExhausted, "/oteldemo.ProductCatalogService/SearchProducts"},
	}
	for _, tt := range tests {
		err := conn.Invoke(t.Context(), tt.method, tt.req, &oteldemo.Empty{})
		if status.Code(err) != tt.wantCode {
			t.Fatalf("%s: %v, want %v", tt.method, err, tt.wantCode)
		}
		lines := logs.FilterMessage("request").FilterField(zap.String("route", tt.wantRoute)).FilterField(zap.String("grpc_code", tt.wantCode.String())).All()
		if len(lines) != 1 {
			t.Errorf("%s: %d access log lines with route %q and code %v, want 1", tt.method, len(lines), tt.wantRoute, tt.wantCode)
		}
		logs.TakeAll()
	}
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	for _, want := range []string{
		`product_catalog_grpc_requests_total{code="Unimplemented",method="unmatched"} 2`,
		`product_catalog_grpc_requests_total{code="ResourceExhausted",method="/oteldemo.ProductCatalogService/SearchProducts"} 1`,
	} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if strings.Contains(rec.Body.String(), "Nope") || strings.Contains(rec.Body.String(), "no.Such") {
		t.Errorf("/metrics names a method the client made up")
	}
}

// SearchProducts answers at most catalog.MaxResults products, the first
// by id, as GET /products?q= does: the other tests' catalogs are far
// smaller than the bound.
func TestSearchProductsIsBounded(t *testing.T) {
	products := make([]catalog.Product, catalog.MaxResults+205)
	for i := range products {
		products[i] = catalog.Product{ID: fmt.Sprintf("W%05d", i), Name: "Widget " + strconv.Itoa(i),
			Description: "One of many.", PriceUSD: catalog.Money{CurrencyCode: "USD", Units: 1}, Categories: []string{"widgets"}}
	}
	c, err := catalog.New(products)
	if err != nil {
		t.Fatal(err)
	}
	svc := NewServer(nil)
	svc.Publish(c)
	h := serve(t, svc)
	tests := []struct {
		query     string
		wantCount int
	}{
		{"widget", catalog.MaxResults},
		{"", catalog.MaxResults},
		{"Widget 1204", 1},
	}
	for _, tt := range tests {
		found, err := h.client.SearchProducts(t.Context(), &oteldemo.SearchProductsRequest{Query: tt.query})
		if err != nil {
			t.Fatalf("SearchProducts(%q): %v", tt.query, err)
		}
		got := ids(found.GetResults())
		if len(got) != tt.wantCount {
			t.Errorf("SearchProducts(%q) of %d matching products: %d results, want %d", tt.query, len(products), len(got), tt.wantCount)
			continue
		}
		if tt.wantCount == catalog.MaxResults && (got[0] != products[0].ID || got[len(got)-1] != products[catalog.MaxResults-1].ID) {
			t.Errorf("SearchProducts(%q) = %s … %s, want the first %d by id, %s … %s",
				tt.query, got[0], got[len(got)-1], catalog.MaxResults, products[0].ID, products[catalog.MaxResults-1].ID)
		}
	}
	if catalog.MaxResults != 1000 {
		t.Errorf("catalog.MaxResults = %d, docs/grpc.md promises at most 1,000", catalog.MaxResults)
	}
}

// Health checks are probes: their access lines are at debug, as /healthz's
// are, so LOG_LEVEL=info keeps a probed server's log to its real calls;
// the catalog's calls are at info. Both are counted, and timed in
// product_catalog_grpc_request_duration_seconds by method.
func TestHealthChecksLogAtDebugAndCallsAreTimed(t *testing.T) {
	svc := NewServer(nil)
	svc.Publish(testCatalog(t))
	observed, logs := observer.New(zap.DebugLevel)
	// Each access line is told on logged, once the observer holds it.
	logged := make(chan struct{}, 16)
	core := zapcore.RegisterHooks(observed, func(e zapcore.Entry) error {
		if e.Message == "request" {
			logged <- struct{}{}
		}
		return nil
	})
	m := metrics.New("test")
	guard := backlog.New(testBacklog, backlog.Events{})
	conn := dialTest(t, serveGRPC(t, NewGRPCServer(svc, zap.New(core), zap.New(core), m, testLimits, guard, nil), guard))
	client, health := oteldemo.NewProductCatalogServiceClient(conn), healthpb.NewHealthClient(conn)
	for range 2 {
		if _, err := client.GetProduct(t.Context(), &oteldemo.GetProductRequest{Id: "A1"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := health.Check(t.Context(), &healthpb.HealthCheckRequest{}); err != nil {
		t.Fatal(err)
	}
	// A watch is a stream: it is logged when it ends, here by the client.
	watchCtx, endWatch := context.WithCancel(t.Context())
	watch, err := health.Watch(watchCtx, &healthpb.HealthCheckRequest{Service: ServiceName})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := watch.Recv(); err != nil {
		t.Fatal(err)
	}
	endWatch()
	// The server logs the watch once it sees the cancellation: the fourth
	// line, after two GetProducts and a Check.
	for range 4 {
		select {
		case <-logged:
		case <-time.After(10 * time.Second):
			t.Fatalf("access lines so far %v, want 4 within 10s", logs.All())
		}
	}
	watchRoute := "/grpc.health.v1.Health/Watch"

	tests := []struct {
		route     string
		wantLevel zapcore.Level
		wantCalls int
	}{
		{"/oteldemo.ProductCatalogService/GetProduct", zapcore.InfoLevel, 2},
		{"/grpc.health.v1.Health/Check", zapcore.DebugLevel, 1},
		{watchRoute, zapcore.DebugLevel, 1},
	}
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	for _, tt := range tests {
		lines := logs.FilterMessage("request").FilterField(zap.String("route", tt.route)).All()
		if len(lines) != tt.wantCalls {
			t.Errorf("%s: %d access lines, want %d", tt.route, len(lines), tt.wantCalls)
		}
		for _, line := range lines {
			if line.Level != tt.wantLevel {
				t.Errorf("%s logged at %v, want %v", tt.route, line.Level, tt.wantLevel)
			}
		}
		if want := fmt.Sprintf(`product_catalog_grpc_request_duration_seconds_count{method=%q} %d`, tt.route, tt.wantCalls); !strings.Contains(rec.Body.String(), want) {
			t.Errorf("/metrics lacks %s", want)
		}
		if want := fmt.Sprintf(`product_catalog_grpc_request_duration_seconds_bucket{method=%q,le="+Inf"} %d`, tt.route, tt.wantCalls); !strings.Contains(rec.Body.String(), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}
