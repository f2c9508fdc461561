// Package backlog bounds what the gRPC server holds for clients that do not
// read their answers.
//
// grpc-go queues an answer and returns from the call at once; the bytes then
// wait in the connection until the client's HTTP/2 flow-control window lets
// them out. A client that keeps its window at zero, opens stream after
// stream and answers pings would make the server hold every answer for as
// long as the connection lives: keepalive sees a live peer, and the
// per-connection stream limit counts only calls still in their handler.
//
// A Guard therefore keeps, for each connection, the bytes of answers queued
// and not yet written to the socket (the payload of the HTTP/2 DATA frames
// it sees go out), and:
//   - refuses a call with RESOURCE_EXHAUSTED when its answer would take the
//     connection past PerConn bytes, or all connections past Total (one
//     answer is always let through where nothing is owed, so an answer
//     larger than a budget, a big catalog's ListProducts, still works);
//   - closes a connection that owes bytes and has written none of them for
//     Stall, as REST's write timeout cuts an HTTP/1 client that stops
//     reading. Closing it frees everything queued on it.
//
// So the memory held for unread answers is at most Total (or one answer,
// when a single answer is larger), and no byte of it for longer than Stall
// plus one check interval.
package backlog

import (
	"context"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// Limits are a Guard's budgets.
type Limits struct {
	PerConn int64         // bytes owed on one connection
	Total   int64         // bytes owed on all connections together
	Stall   time.Duration // how long a connection may owe bytes and write none
}

// Events are hooks for the service's logs and metrics, and for tests; any
// may be nil.
type Events struct {
	Refused func(remote string, perConn bool) // a call refused for the budget
	Cut     func(remote string, owed int64)   // a stalled connection closed
}

// Guard keeps the accounts. Use Listener on the gRPC server's listener,
// and pass UnaryInterceptor and StreamInterceptor to the server.
type Guard struct {
	limits Limits
	events Events
	now    func() time.Time

	total atomic.Int64
	mu    sync.Mutex
	conns map[string]*conn // by remote address
}

// New returns a Guard with the given limits.
func New(limits Limits, events Events) *Guard {
	return &Guard{limits: limits, events: events, now: time.Now, conns: map[string]*conn{}}
}

// Owed is the bytes owed on all connections: for the metrics, and tests.
func (g *Guard) Owed() int64 { return g.total.Load() }

// Listener returns ln whose connections the guard accounts for.
func (g *Guard) Listener(ln net.Listener) net.Listener { return &listener{Listener: ln, g: g} }

type listener struct {
	net.Listener
	g *Guard
}

func (l *listener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	gc := &conn{Conn: c, g: l.g, remote: c.RemoteAddr().String()}
	gc.progress.Store(l.g.now().UnixNano())
	l.g.mu.Lock()
	l.g.conns[gc.remote] = gc
	l.g.mu.Unlock()
	return gc, nil
}

// conn counts the DATA payload bytes written to it, reading the HTTP/2
// frame headers of what the server writes.
type conn struct {
	net.Conn
	g      *Guard
	remote string

	mu       sync.Mutex // owed and closed; a closed connection owes nothing, whatever events come late
	owed     int64
	closed   bool
	progress atomic.Int64 // unix nanos of the last DATA byte written, or of owing anew

	wmu       sync.Mutex // grpc-go writes from one goroutine; this keeps the parser honest if not
	header    [9]byte
	headerLen int
	left      uint32 // bytes left in the current frame's payload
	data      bool   // the current frame is DATA

	closeOnce sync.Once
}

func (c *conn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	c.wmu.Lock()
	data := c.parse(b[:n])
	c.wmu.Unlock()
	if data > 0 {
		c.progress.Store(c.g.now().UnixNano())
		c.paid(data)
	}
	return n, err
}

// paid takes written DATA bytes off what c owes. Every message is reserved
// before it is written, so the debt covers them; were anything written
// unreserved, it would not become credit for answers still queued.
func (c *conn) paid(data int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	data = min(data, c.owed)
	c.owed -= data
	c.g.total.Add(-data)
}

// parse walks written bytes frame by frame (RFC 9113 4.1) and returns how
// many were DATA payload.
func (c *conn) parse(b []byte) int64 {
	var data int64
	for len(b) > 0 {
		if c.left == 0 && c.headerLen < len(c.header) {
			k := copy(c.header[c.headerLen:], b)
			c.headerLen += k
			b = b[k:]
			if c.headerLen < len(c.header) {
				break
			}
			c.left = uint32(c.header[0])<<16 | uint32(c.header[1])<<8 | uint32(c.header[2])
			c.data = c.header[3] == 0x0
			c.headerLen = 0
			continue
		}
		k := min(uint32(len(b)), c.left)
		if c.data {
			data += int64(k)
		}
		c.left -= k
		b = b[k:]
	}
	return data
}

// owing is what c owes now.
func (c *conn) owing() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.owed
}

// Close frees what c owes before it closes the socket, so that whoever
// sees the connection end (the client, a test reading the metrics after)
// sees its debt gone too.
func (c *conn) Close() error {
	c.closeOnce.Do(func() {
		c.g.mu.Lock()
		delete(c.g.conns, c.remote)
		c.g.mu.Unlock()
		// Whatever was queued on it is freed with it.
		c.mu.Lock()
		c.closed = true
		c.g.total.Add(-c.owed)
		c.owed = 0
		c.mu.Unlock()
	})
	return c.Conn.Close()
}

// Run closes stalled connections until ctx ends, checking every quarter
// of the stall limit.
func (g *Guard) Run(ctx context.Context) {
	tick := time.NewTicker(g.limits.Stall / 4)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			g.CutStalled()
		}
	}
}

// CutStalled closes every connection that owes bytes and has written none
// for the stall limit.
func (g *Guard) CutStalled() {
	deadline := g.now().Add(-g.limits.Stall).UnixNano()
	var stalled []*conn
	g.mu.Lock()
	for _, c := range g.conns {
		if c.owing() > 0 && c.progress.Load() < deadline {
			stalled = append(stalled, c)
		}
	}
	g.mu.Unlock()
	for _, c := range stalled {
		owed := c.owing()
		_ = c.Close()
		if g.events.Cut != nil {
			g.events.Cut(c.remote, owed)
		}
	}
}

// grpcMessageHeader is the 5 bytes gRPC puts before each message.
const grpcMessageHeader = 5

// messageBytes is the DATA payload a message takes on the wire: gRPC
// writes it uncompressed after its 5-byte header (no compressor is
// registered in the service), so what is reserved is what the connection
// will write.
func messageBytes(msg any) (int64, bool) {
	m, ok := msg.(proto.Message)
	if !ok {
		return 0, false
	}
	return int64(proto.Size(m)) + grpcMessageHeader, true
}

// UnaryInterceptor reserves each answer's bytes before grpc-go queues it,
// refusing the call when the budget has no room: the reservation happens
// before the bytes exist, so concurrent calls cannot all slip past.
//
// The reservation is paid back as the connection writes DATA. No stats
// handler links an answer to its HTTP/2 stream: grpc-go builds a stats
// event per step of every call once any handler is registered, which cost
// a quarter of a GetProduct's time (BenchmarkGetProduct). Without one, an
// answer that is reserved and then never written (its stream reset by the
// client before the bytes went out) stays owed until the connection
// closes; a connection that owes and writes nothing for Stall is closed,
// so such a debt lasts Stall at most, and counts against the budgets of
// the client that reset its own calls.
func (g *Guard) UnaryInterceptor() grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		resp, err := handler(ctx, req)
		if err != nil {
			return resp, err
		}
		if err := g.reserveFor(ctx, resp); err != nil {
			return nil, err
		}
		return resp, nil
	}
}

// StreamInterceptor reserves each message a stream sends (health's Watch,
// reflection) as UnaryInterceptor does an answer: every DATA byte the
// server writes was reserved first, so the accounts stay exact.
func (g *Guard) StreamInterceptor() grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		return handler(srv, &reservingStream{ServerStream: ss, g: g})
	}
}

type reservingStream struct {
	grpc.ServerStream
	g *Guard
}

func (s *reservingStream) SendMsg(m any) error {
	if err := s.g.reserveFor(s.Context(), m); err != nil {
		return err
	}
	return s.ServerStream.SendMsg(m)
}

// reserveFor reserves msg's bytes on the connection the call in ctx came
// on, or returns the RESOURCE_EXHAUSTED error that refuses it.
func (g *Guard) reserveFor(ctx context.Context, msg any) error {
	need, ok := messageBytes(msg)
	if !ok {
		return nil
	}
	p, ok := peer.FromContext(ctx)
	if !ok || p.Addr == nil {
		return nil
	}
	g.mu.Lock()
	c := g.conns[p.Addr.String()]
	g.mu.Unlock()
	if c == nil {
		return nil // not served through the guard's listener
	}
	perConn, ok := g.reserve(c, need)
	if ok {
		return nil
	}
	if g.events.Refused != nil {
		g.events.Refused(c.remote, perConn)
	}
	if perConn {
		return status.Error(codes.ResourceExhausted, "this connection has too many unread answers: read them, or use another connection")
	}
	return status.Error(codes.ResourceExhausted, "the server holds too many unread answers: retry later")
}

// reserve takes need bytes on c's and the server's budgets, or reports
// which budget had no room. An account that owes nothing takes one answer
// whatever its size.
func (g *Guard) reserve(c *conn, need int64) (perConn, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.owed > 0 && c.owed+need > g.limits.PerConn {
		return true, false
	}
	// Taken first and given back on refusal, so that two calls at once
	// cannot both see room for one.
	if total := g.total.Add(need); total-need > 0 && total > g.limits.Total {
		g.total.Add(-need)
		return false, false
	}
	if c.closed {
		// The answer goes nowhere, and late events of a closed connection
		// are ignored: nothing to hold.
		g.total.Add(-need)
		return false, true
	}
	if c.owed <= 0 && c.owed+need > 0 {
		c.progress.Store(g.now().UnixNano())
	}
	c.owed += need
	return false, true
}
