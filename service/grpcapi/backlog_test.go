package grpcapi

import (
	"runtime"
	"slices"
	"testing"
	"time"

	"go.uber.org/zap"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/protobuf/proto"

	"github.com/product-catalog/product-catalog/service/backlog"
	"github.com/product-catalog/product-catalog/service/grpcapi/oteldemo"
	"github.com/product-catalog/product-catalog/service/metrics"
	"github.com/product-catalog/product-catalog/service/zerowindow"
)

const listProducts = "/oteldemo.ProductCatalogService/ListProducts"

// A client that never reads its answers gets as many held for it as its
// connection's budget allows, then RESOURCE_EXHAUSTED; other connections
// share the server's budget; and each stalled connection is closed once it
// has written nothing for the stall limit, freeing all it held.
func TestUnreadAnswersAreBoundedAndCut(t *testing.T) {
	svc := NewServer(nil)
	svc.Publish(testCatalog(t))
	answer := int64(proto.Size(mustList(t, svc))) + 5
	limits := backlog.Limits{PerConn: 4 * answer, Total: 6 * answer, Stall: 300 * time.Millisecond}
	cut := make(chan string, 4)
	guard := backlog.New(limits, backlog.Events{Cut: func(remote string, _ int64) { cut <- remote }})
	addr := serveGRPC(t, NewGRPCServer(svc, zap.NewNop(), zap.NewNop(), metrics.New("test"), testLimits, guard, nil), guard)

	// A connection's stall clock starts at its first held answer: no
	// earlier than each of these.
	first := zerowindow.Dial(t, addr)
	firstCalled := time.Now()
	var got []string
	for range 6 {
		got = append(got, first.Call(listProducts))
	}
	want := []string{"accepted", "accepted", "accepted", "accepted",
		"grpc-status 8: this connection has too many unread answers: read them, or use another connection",
		"grpc-status 8: this connection has too many unread answers: read them, or use another connection"}
	if !slices.Equal(got, want) {
		t.Fatalf("a zero-window client's calls on one connection = %q, want %q", got, want)
	}
	if owed := guard.Owed(); owed != 4*answer {
		t.Errorf("owed = %d, want the 4 answers held, %d", owed, 4*answer)
	}
	second := zerowindow.Dial(t, addr)
	secondCalled := time.Now()
	got = []string{second.Call(listProducts), second.Call(listProducts), second.Call(listProducts)}
	want = []string{"accepted", "accepted", "grpc-status 8: the server holds too many unread answers: retry later"}
	if !slices.Equal(got, want) {
		t.Fatalf("a second zero-window connection's calls = %q, want %q", got, want)
	}
	if owed := guard.Owed(); owed != limits.Total {
		t.Errorf("owed = %d, want the server's budget, %d", owed, limits.Total)
	}

	// The guard's own loop, checking every quarter of the stall limit.
	go guard.Run(t.Context())
	for _, c := range []struct {
		name   string
		client *zerowindow.Client
		called time.Time
	}{{"first", first, firstCalled}, {"second", second, secondCalled}} {
		select {
		case <-c.client.Closed():
		case <-time.After(10 * limits.Stall):
			t.Fatalf("the %s stalled connection was not closed within %v", c.name, 10*limits.Stall)
		}
		if elapsed := time.Since(c.called); elapsed < limits.Stall {
			t.Errorf("the %s stalled connection was closed %v after its first call, before the stall limit %v", c.name, elapsed, limits.Stall)
		}
	}
	for range 2 {
		<-cut
	}
	if owed := guard.Owed(); owed != 0 {
		t.Errorf("owed after the cut = %d, want 0: closing frees what was held", owed)
	}
	for _, c := range []*zerowindow.Client{first, second} {
		if got := c.DataReceived(); got != 0 {
			t.Errorf("a zero-window client received %d DATA bytes", got)
		}
	}
}

// Clients that read are neither refused nor cut, however many answers
// they take, and nothing stays owed once they have them.
func TestReadAnswersAreNotHeld(t *testing.T) {
	svc := NewServer(nil)
	svc.Publish(testCatalog(t))
	answer := int64(proto.Size(mustList(t, svc))) + 5
	guard := backlog.New(backlog.Limits{PerConn: 2 * answer, Total: 2 * answer, Stall: time.Minute}, backlog.Events{})
	client := oteldemo.NewProductCatalogServiceClient(dialTest(t, serveGRPC(t, NewGRPCServer(svc, zap.NewNop(), zap.NewNop(), metrics.New("test"), testLimits, guard, nil), guard)))
	for i := range 200 {
		if _, err := client.ListProducts(t.Context(), &oteldemo.Empty{}); err != nil {
			t.Fatalf("ListProducts #%d: %v", i, err)
		}
	}
	// The last answer's bytes were counted out when the server wrote them,
	// a moment before or after the client got them.
	deadline := time.Now().Add(5 * time.Second)
	for guard.Owed() != 0 && time.Now().Before(deadline) {
		runtime.Gosched()
	}
	if owed := guard.Owed(); owed != 0 {
		t.Errorf("owed after 200 answers read = %d, want 0", owed)
	}
}

func mustList(t *testing.T, svc *Server) *oteldemo.ListProductsResponse {
	t.Helper()
	resp, err := svc.ListProducts(t.Context(), &oteldemo.Empty{})
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// A stream's messages are reserved as unary answers are: health's Watch to
// a client that never reads gets its first statuses held, up to the
// connection's budget, and then its send is refused (grpc-go's health
// service answers a failed send with CANCELLED, "Stream has ended."). Were
// they not reserved, the DATA they wrote would pay for other calls'
// answers.
func TestStreamMessagesAreReserved(t *testing.T) {
	svc := NewServer(nil)
	svc.Publish(testCatalog(t))
	status := int64(proto.Size(&healthpb.HealthCheckResponse{Status: healthpb.HealthCheckResponse_SERVING})) + 5
	limits := backlog.Limits{PerConn: 3 * status, Total: 100 * status, Stall: time.Minute}
	guard := backlog.New(limits, backlog.Events{})
	addr := serveGRPC(t, NewGRPCServer(svc, zap.NewNop(), zap.NewNop(), metrics.New("test"), testLimits, guard, nil), guard)
	client := zerowindow.Dial(t, addr)
	var got []string
	for range 4 {
		got = append(got, client.Call("/grpc.health.v1.Health/Watch"))
	}
	want := []string{"accepted", "accepted", "accepted", "grpc-status 1: Stream has ended."}
	if !slices.Equal(got, want) {
		t.Fatalf("a zero-window client's Watch calls = %q, want %q", got, want)
	}
	if owed := guard.Owed(); owed != 3*status {
		t.Errorf("owed = %d, want the 3 statuses held, %d", owed, 3*status)
	}
}
