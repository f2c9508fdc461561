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
	"google.golang.org/grpc/stats"
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
// and pass StatsHandler and UnaryInterceptor to the server.
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
		c.owe(-data)
	}
	return n, err
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

// owe adds delta to what the connection and the server owe.
func (c *conn) owe(delta int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	c.add(delta)
}

// add is owe with c.mu held.
func (c *conn) add(delta int64) {
	if c.owed <= 0 && c.owed+delta > 0 {
		// Owing anew: the stall clock starts now, not at the last write.
		c.progress.Store(c.g.now().UnixNano())
	}
	c.owed += delta
	c.g.total.Add(delta)
}

// owing is what c owes now.
func (c *conn) owing() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.owed
}

func (c *conn) Close() error {
	err := c.Conn.Close()
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
	return err
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

type connKey struct{}

type rpcKey struct{}

// account is one call's reservation, settled when grpc-go reports the
// answer queued (OutPayload) or released when the call ends without it.
type account struct {
	conn     *conn
	reserved atomic.Int64
}

// StatsHandler links each call to its connection's account.
func (g *Guard) StatsHandler() stats.Handler { return handler{g} }

type handler struct{ g *Guard }

func (h handler) TagConn(ctx context.Context, info *stats.ConnTagInfo) context.Context {
	h.g.mu.Lock()
	c := h.g.conns[info.RemoteAddr.String()]
	h.g.mu.Unlock()
	if c == nil {
		return ctx
	}
	return context.WithValue(ctx, connKey{}, c)
}

func (handler) HandleConn(context.Context, stats.ConnStats) {}

func (handler) TagRPC(ctx context.Context, _ *stats.RPCTagInfo) context.Context {
	c, _ := ctx.Value(connKey{}).(*conn)
	if c == nil {
		return ctx
	}
	return context.WithValue(ctx, rpcKey{}, &account{conn: c})
}

func (handler) HandleRPC(ctx context.Context, s stats.RPCStats) {
	a, _ := ctx.Value(rpcKey{}).(*account)
	if a == nil {
		return
	}
	switch s := s.(type) {
	case *stats.OutPayload:
		// The answer is queued: what it really takes replaces what was
		// reserved for it (streams reserve nothing).
		a.conn.owe(int64(s.WireLength) - a.reserved.Swap(0))
	case *stats.End:
		// No answer went out (an error, a cancelled call): release.
		a.conn.owe(-a.reserved.Swap(0))
	}
}

// grpcMessageHeader is the 5 bytes gRPC puts before each message.
const grpcMessageHeader = 5

// UnaryInterceptor reserves each answer's bytes before grpc-go queues it,
// refusing the call when the budget has no room: the reservation happens
// before the bytes exist, so concurrent calls cannot all slip past.
func (g *Guard) UnaryInterceptor() grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		resp, err := handler(ctx, req)
		a, _ := ctx.Value(rpcKey{}).(*account)
		msg, ok := resp.(proto.Message)
		if err != nil || a == nil || !ok {
			return resp, err
		}
		need := int64(proto.Size(msg)) + grpcMessageHeader
		if perConn, ok := g.reserve(a.conn, need); !ok {
			if g.events.Refused != nil {
				g.events.Refused(a.conn.remote, perConn)
			}
			if perConn {
				return nil, status.Error(codes.ResourceExhausted, "this connection has too many unread answers: read them, or use another connection")
			}
			return nil, status.Error(codes.ResourceExhausted, "the server holds too many unread answers: retry later")
		}
		a.reserved.Add(need)
		return resp, nil
	}
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
