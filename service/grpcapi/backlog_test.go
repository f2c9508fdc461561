package grpcapi

import (
	"bytes"
	"io"
	"net"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/proto"

	"github.com/product-catalog/product-catalog/service/backlog"
	"github.com/product-catalog/product-catalog/service/grpcapi/oteldemo"
	"github.com/product-catalog/product-catalog/service/metrics"
)

// zeroWindowClient speaks HTTP/2 by hand as a hostile client does: its
// streams' flow-control window is 0, so the server can send no answer's
// body, and it acknowledges every ping, so keepalive sees a live peer.
type zeroWindowClient struct {
	t      *testing.T
	conn   net.Conn
	wmu    sync.Mutex
	fr     *http2.Framer
	enc    *hpack.Encoder
	encBuf bytes.Buffer
	next   uint32

	mu      sync.Mutex
	answers map[uint32]chan string // per stream: "accepted", or the grpc-status and message
	closed  chan struct{}          // the server closed the connection
	data    int                    // DATA bytes received: must stay 0
}

func dialZeroWindow(t *testing.T, addr string) *zeroWindowClient {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	c := &zeroWindowClient{t: t, conn: conn, fr: http2.NewFramer(conn, conn), next: 1,
		answers: map[uint32]chan string{}, closed: make(chan struct{})}
	c.enc = hpack.NewEncoder(&c.encBuf)
	c.fr.ReadMetaHeaders = hpack.NewDecoder(4096, nil)
	if _, err := io.WriteString(conn, http2.ClientPreface); err != nil {
		t.Fatal(err)
	}
	c.write(func() error { return c.fr.WriteSettings(http2.Setting{ID: http2.SettingInitialWindowSize, Val: 0}) })
	go c.read()
	return c
}

func (c *zeroWindowClient) write(f func() error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if err := f(); err != nil {
		select {
		case <-c.closed:
		default:
			c.t.Errorf("write: %v", err)
		}
	}
}

func (c *zeroWindowClient) read() {
	defer close(c.closed)
	for {
		f, err := c.fr.ReadFrame()
		if err != nil {
			return
		}
		switch f := f.(type) {
		case *http2.SettingsFrame:
			if !f.IsAck() {
				c.write(c.fr.WriteSettingsAck)
			}
		case *http2.PingFrame:
			if !f.IsAck() {
				c.write(func() error { return c.fr.WritePing(true, f.Data) })
			}
		case *http2.MetaHeadersFrame:
			answer := "accepted"
			if s := f.PseudoValue("status"); s != "" && s != "200" {
				answer = "http " + s
			}
			for _, h := range f.Fields {
				if h.Name == "grpc-status" {
					answer = "grpc-status " + h.Value
				}
			}
			for _, h := range f.Fields {
				if h.Name == "grpc-message" {
					answer += ": " + h.Value
				}
			}
			c.mu.Lock()
			ch := c.answers[f.StreamID]
			c.mu.Unlock()
			if ch != nil {
				select {
				case ch <- answer:
				default: // the trailers of an accepted call never come: no window
				}
			}
		case *http2.DataFrame:
			c.mu.Lock()
			c.data += len(f.Data())
			c.mu.Unlock()
		case *http2.GoAwayFrame:
			return
		}
	}
}

// call opens a stream for method with an empty request and returns how the
// server first answered it.
func (c *zeroWindowClient) call(method string) string {
	c.t.Helper()
	id := c.next
	c.next += 2
	ch := make(chan string, 1)
	c.mu.Lock()
	c.answers[id] = ch
	c.mu.Unlock()
	c.write(func() error {
		c.encBuf.Reset()
		for _, kv := range [][2]string{{":method", "POST"}, {":scheme", "http"}, {":path", method}, {":authority", "catalog"},
			{"content-type", "application/grpc"}, {"te", "trailers"}} {
			if err := c.enc.WriteField(hpack.HeaderField{Name: kv[0], Value: kv[1]}); err != nil {
				return err
			}
		}
		if err := c.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: c.encBuf.Bytes(), EndHeaders: true}); err != nil {
			return err
		}
		return c.fr.WriteData(id, true, []byte{0, 0, 0, 0, 0}) // an empty message
	})
	select {
	case answer := <-ch:
		return answer
	case <-c.closed:
		return "closed"
	}
}

const listProducts = "/oteldemo.ProductCatalogService/ListProducts"

// A client that never reads its answers gets as many held for it as its
// connection's budget allows, then RESOURCE_EXHAUSTED; other connections
// share the server's budget; and each stalled connection is closed once it
// has written nothing for the stall limit, freeing all it held.
func TestUnreadAnswersAreBoundedAndCut(t *testing.T) {
	svc := NewServer()
	svc.Publish(testCatalog(t))
	answer := int64(proto.Size(mustList(t, svc))) + 5
	limits := backlog.Limits{PerConn: 4 * answer, Total: 6 * answer, Stall: 300 * time.Millisecond}
	cut := make(chan string, 4)
	guard := backlog.New(limits, backlog.Events{Cut: func(remote string, _ int64) { cut <- remote }})
	gs := NewGRPCServer(svc, zap.NewNop(), zap.NewNop(), metrics.New("test"), testLimits, guard)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go gs.Serve(guard.Listener(ln))
	t.Cleanup(gs.Stop)

	first := dialZeroWindow(t, ln.Addr().String())
	var got []string
	for range 6 {
		got = append(got, first.call(listProducts))
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
	second := dialZeroWindow(t, ln.Addr().String())
	got = []string{second.call(listProducts), second.call(listProducts), second.call(listProducts)}
	want = []string{"accepted", "accepted", "grpc-status 8: the server holds too many unread answers: retry later"}
	if !slices.Equal(got, want) {
		t.Fatalf("a second zero-window connection's calls = %q, want %q", got, want)
	}
	if owed := guard.Owed(); owed != limits.Total {
		t.Errorf("owed = %d, want the server's budget, %d", owed, limits.Total)
	}

	// The guard checks every quarter of the stall limit; the test checks
	// as often, so the cut comes from the guard, not the test.
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		tick := time.NewTicker(limits.Stall / 4)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				guard.CutStalled()
			}
		}
	}()
	start := time.Now()
	for _, c := range []*zeroWindowClient{first, second} {
		select {
		case <-c.closed:
		case <-time.After(10 * limits.Stall):
			t.Fatalf("a stalled connection was not closed within %v", 10*limits.Stall)
		}
	}
	if elapsed := time.Since(start); elapsed < limits.Stall {
		t.Errorf("the stalled connections were closed after %v, before the stall limit %v", elapsed, limits.Stall)
	}
	for range 2 {
		<-cut
	}
	if owed := guard.Owed(); owed != 0 {
		t.Errorf("owed after the cut = %d, want 0: closing frees what was held", owed)
	}
	for _, c := range []*zeroWindowClient{first, second} {
		c.mu.Lock()
		if c.data != 0 {
			t.Errorf("a zero-window client received %d DATA bytes", c.data)
		}
		c.mu.Unlock()
	}
}

// Clients that read are neither refused nor cut, however many answers
// they take, and nothing stays owed once they have them.
func TestReadAnswersAreNotHeld(t *testing.T) {
	svc := NewServer()
	svc.Publish(testCatalog(t))
	answer := int64(proto.Size(mustList(t, svc))) + 5
	guard := backlog.New(backlog.Limits{PerConn: 2 * answer, Total: 2 * answer, Stall: time.Minute}, backlog.Events{})
	gs := NewGRPCServer(svc, zap.NewNop(), zap.NewNop(), metrics.New("test"), testLimits, guard)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go gs.Serve(guard.Listener(ln))
	t.Cleanup(gs.Stop)
	conn, err := grpc.NewClient(ln.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	client := oteldemo.NewProductCatalogServiceClient(conn)
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
