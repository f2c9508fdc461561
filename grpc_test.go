package main

import (
	"context"
	"encoding/json"
	"io"
	"net/url"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	"github.com/product-catalog/product-catalog/service/grpcapi/oteldemo"
)

// dialGRPC connects the client generated from our .proto to addr
// (host:port), as the demo's frontend and checkout do: plaintext HTTP/2.
func dialGRPC(t *testing.T, addr string) *grpc.ClientConn {
	t.Helper()
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// One port serves both: REST over HTTP/1.1 and the demo's gRPC service,
// which answers what REST answers.
func TestGRPCAndRESTShareThePort(t *testing.T) {
	s := start(t, nil)
	conn := dialGRPC(t, strings.TrimPrefix(s.base, "http://"))
	client := oteldemo.NewProductCatalogServiceClient(conn)
	ctx := context.Background()

	var rest productList
	if code := getJSON(t, s.client, s.base+"/products", &rest); code != 200 {
		t.Fatalf("GET /products = %d", code)
	}
	list, err := client.ListProducts(ctx, &oteldemo.Empty{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := grpcIDs(list.GetProducts()), restIDs(rest); !cmp.Equal(got, want) {
		t.Errorf("ListProducts ids = %v, want REST's %v", got, want)
	}

	// Search matches what GET /products?q= matches.
	for _, query := range []string{"kettle", "TEA", "steel", "", "no such thing"} {
		var rest productList
		getJSON(t, s.client, s.base+"/products?q="+url.QueryEscape(query), &rest)
		found, err := client.SearchProducts(ctx, &oteldemo.SearchProductsRequest{Query: query})
		if err != nil {
			t.Fatalf("SearchProducts(%q): %v", query, err)
		}
		if got, want := grpcIDs(found.GetResults()), restIDs(rest); !cmp.Equal(got, want) {
			t.Errorf("SearchProducts(%q) = %v, want REST's %v", query, got, want)
		}
	}

	product, err := client.GetProduct(ctx, &oteldemo.GetProductRequest{Id: rest.Products[0].ID})
	if err != nil || product.GetName() != rest.Products[0].Name {
		t.Errorf("GetProduct(%s) = %v, %v; want %q", rest.Products[0].ID, product, err, rest.Products[0].Name)
	}
	if _, err := client.GetProduct(ctx, &oteldemo.GetProductRequest{Id: "NOPE"}); status.Code(err) != codes.NotFound {
		t.Errorf("GetProduct(NOPE) = %v, want NOT_FOUND", err)
	}
	if _, err := client.SearchProducts(ctx, &oteldemo.SearchProductsRequest{Query: "a\nb"}); status.Code(err) != codes.InvalidArgument {
		t.Errorf("SearchProducts with a newline = %v, want INVALID_ARGUMENT", err)
	}
	health, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{Service: "oteldemo.ProductCatalogService"})
	if err != nil || health.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Errorf("health = %v, %v; want SERVING", health.GetStatus(), err)
	}

	// Both protocols are counted, gRPC by method and code.
	resp, err := s.client.Get(s.base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`product_catalog_grpc_requests_total{code="NotFound",method="/oteldemo.ProductCatalogService/GetProduct"} 1`,
		`product_catalog_grpc_requests_total{code="OK",method="/oteldemo.ProductCatalogService/ListProducts"} 1`,
		`product_catalog_http_requests_total{code="200",method="GET",route="/products"}`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

// grpcurlTool is the third-party client, at the version the tools module
// pins (the Go build cache keeps later runs quick).
var grpcurlTool program

func grpcurl(t *testing.T) string {
	t.Helper()
	return grpcurlTool.build(t, "build/tools/grpc", "github.com/fullstorydev/grpcurl/cmd/grpcurl", "GOWORK=off", "GOFLAGS=-mod=readonly")
}

// grpcurl, a client that has never seen our .proto, finds the service by
// reflection and calls it, as the demo's operators would.
func TestGRPCURLThroughReflection(t *testing.T) {
	s := start(t, nil)
	bin := grpcurl(t)
	addr := strings.TrimPrefix(s.base, "http://")
	run := func(args ...string) (string, error) {
		out, err := exec.Command(bin, append([]string{"-plaintext"}, args...)...).CombinedOutput()
		return string(out), err
	}
	tests := []struct {
		name    string
		args    []string
		wantErr bool
		want    string
	}{
		{"services", []string{addr, "list"}, false, "oteldemo.ProductCatalogService"},
		{"methods", []string{addr, "describe", "oteldemo.ProductCatalogService"}, false, "rpc SearchProducts ( .oteldemo.SearchProductsRequest )"},
		{"list", []string{addr, "oteldemo.ProductCatalogService/ListProducts"}, false, `"id": "BRW-0001"`},
		{"get", []string{"-d", `{"id": "BRW-0001"}`, addr, "oteldemo.ProductCatalogService/GetProduct"}, false, `"currencyCode": "USD"`},
		{"search", []string{"-d", `{"query": "kettle"}`, addr, "oteldemo.ProductCatalogService/SearchProducts"}, false, `"results"`},
		{"not found", []string{"-d", `{"id": "NOPE"}`, addr, "oteldemo.ProductCatalogService/GetProduct"}, true, "Code: NotFound"},
		{"health", []string{addr, "grpc.health.v1.Health/Check"}, false, `"status": "SERVING"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := run(tt.args...)
			if (err != nil) != tt.wantErr || !strings.Contains(out, tt.want) {
				t.Errorf("grpcurl %s: error %v, output:\n%s\nwant error %v and %q", strings.Join(tt.args, " "), err, out, tt.wantErr, tt.want)
			}
		})
	}
	// What grpcurl prints is the demo's JSON mapping of our messages.
	out, err := run("-d", `{"id": "BRW-0001"}`, addr, "oteldemo.ProductCatalogService/GetProduct")
	if err != nil {
		t.Fatal(err)
	}
	var product struct {
		ID       string `json:"id"`
		PriceUSD struct {
			CurrencyCode string `json:"currencyCode"`
		} `json:"priceUsd"`
	}
	if err := json.Unmarshal([]byte(out), &product); err != nil || product.ID != "BRW-0001" || product.PriceUSD.CurrencyCode != "USD" {
		t.Errorf("GetProduct through grpcurl = %+v, %v; want BRW-0001 in USD", product, err)
	}
}

func grpcIDs(products []*oteldemo.Product) []string {
	out := []string{}
	for _, p := range products {
		out = append(out, p.GetId())
	}
	return out
}

func restIDs(list productList) []string {
	out := []string{}
	for _, p := range list.Products {
		out = append(out, p.ID)
	}
	return out
}

// SIGTERM with gRPC calls in flight, as a rolling update does it: health
// turns NOT_SERVING first, every call sent before the signal or during
// the drain succeeds, and the process exits 0.
func TestSIGTERMDrainsGRPC(t *testing.T) {
	const drain = time.Second
	p := startProcess(t, "SHUTDOWN_DRAIN="+drain.String())
	addr := strings.TrimPrefix(p.base, "http://")

	const load = 100 // calls answered before the signal
	calls := make([]func() error, 4)
	for c := range calls {
		client := oteldemo.NewProductCatalogServiceClient(dialGRPC(t, addr))
		calls[c] = func() error {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_, err := client.GetProduct(ctx, &oteldemo.GetProductRequest{Id: "BRW-0001"})
			return err
		}
	}
	s := sustain(load, calls)

	// Health, as the demo's probes and a gRPC load balancer watch it.
	notServing := make(chan time.Time, 1)
	health := healthpb.NewHealthClient(dialGRPC(t, addr))
	watch, err := health.Watch(context.Background(), &healthpb.HealthCheckRequest{Service: "oteldemo.ProductCatalogService"})
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for {
			resp, err := watch.Recv()
			if err != nil {
				return
			}
			if resp.GetStatus() == healthpb.HealthCheckResponse_NOT_SERVING {
				notServing <- time.Now()
				return
			}
		}
	}()

	signalled, exitErr := p.sigterm(t, s, load)
	outcomes := s.stop()

	p.checkDrained(t, outcomes, signalled, exitErr, drain, load)
	select {
	case at := <-notServing:
		if at.Before(signalled) {
			t.Errorf("health turned NOT_SERVING before SIGTERM")
		}
	default:
		t.Errorf("health never turned NOT_SERVING after SIGTERM")
	}
}
