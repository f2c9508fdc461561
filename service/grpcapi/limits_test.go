package grpcapi

import (
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"go.uber.org/zap"
	"golang.org/x/net/http2"

	"github.com/product-catalog/product-catalog/service/backlog"
	"github.com/product-catalog/product-catalog/service/metrics"
)

// never is a limit no test reaches, so that one limit at a time is seen.
const never = time.Hour

// rawConn is a connection to a server of limits, spoken by hand: a
// client that answers nothing the server sends, so the server's limits on
// handshakes, idle connections and silent peers are what ends it.
func rawConn(t *testing.T, limits Limits) (net.Conn, *http2.Framer) {
	t.Helper()
	svc := NewServer(nil)
	svc.Publish(testCatalog(t))
	guard := backlog.New(testBacklog, backlog.Events{})
	addr := serveGRPC(t, NewGRPCServer(svc, zap.NewNop(), zap.NewNop(), metrics.New("test"), limits, guard, nil), guard)
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	// The bound on the whole test: a limit not applied fails here rather
	// than hanging.
	if err := conn.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(conn, http2.ClientPreface); err != nil {
		t.Fatal(err)
	}
	return conn, http2.NewFramer(conn, conn)
}

// nextFrames reads frames until the server closes the connection (nil
// returned) or one satisfies stop (returned).
func nextFrames(t *testing.T, fr *http2.Framer, stop func(http2.Frame) bool) http2.Frame {
	t.Helper()
	for {
		f, err := fr.ReadFrame()
		var ne net.Error
		switch {
		case errors.As(err, &ne) && ne.Timeout():
			t.Fatalf("the server neither closed the connection nor sent the frame awaited within the test's 10s")
		case err != nil:
			return nil
		case stop(f):
			return f
		}
	}
}

// Each of Limits' timeouts reaches the grpc-go option it is named for:
// with the others out of reach, only the right option can end the
// connection as seen. The service's own values (5 s, 120 s, 30 s + 30 s)
// are pinned in service/app.
func TestLimitsReachTheirOptions(t *testing.T) {
	short := 200 * time.Millisecond
	t.Run("Handshake: a client that sends the preface and no SETTINGS is closed", func(t *testing.T) {
		_, fr := rawConn(t, Limits{Handshake: short, Idle: never, Unresponsive: never, MaxHeaderBytes: 64 << 10, MaxMessageBytes: 64 << 10, MaxStreams: 100})
		if f := nextFrames(t, fr, func(http2.Frame) bool { return false }); f != nil {
			t.Errorf("got %v, want the connection closed", f)
		}
	})
	t.Run("Idle: a connection with no calls gets GOAWAY", func(t *testing.T) {
		_, fr := rawConn(t, Limits{Handshake: never, Idle: short, Unresponsive: never, MaxHeaderBytes: 64 << 10, MaxMessageBytes: 64 << 10, MaxStreams: 100})
		if err := fr.WriteSettings(); err != nil {
			t.Fatal(err)
		}
		if f := nextFrames(t, fr, func(f http2.Frame) bool { _, ok := f.(*http2.GoAwayFrame); return ok }); f == nil {
			t.Errorf("the connection closed without GOAWAY, want GOAWAY for an idle connection")
		}
	})
	t.Run("Unresponsive: a peer silent for the limit is pinged, then cut off", func(t *testing.T) {
		_, fr := rawConn(t, Limits{Handshake: never, Idle: never, Unresponsive: short, MaxHeaderBytes: 64 << 10, MaxMessageBytes: 64 << 10, MaxStreams: 100})
		if err := fr.WriteSettings(); err != nil {
			t.Fatal(err)
		}
		ping := nextFrames(t, fr, func(f http2.Frame) bool { p, ok := f.(*http2.PingFrame); return ok && !p.IsAck() })
		if ping == nil {
			t.Fatalf("the connection closed without a keepalive ping")
		}
		// The ping goes unanswered: the server must close.
		if f := nextFrames(t, fr, func(f http2.Frame) bool { _, ok := f.(*http2.GoAwayFrame); return ok }); f != nil {
			if f := nextFrames(t, fr, func(http2.Frame) bool { return false }); f != nil {
				t.Errorf("got %v after GOAWAY, want the connection closed", f)
			}
		}
	})
}
