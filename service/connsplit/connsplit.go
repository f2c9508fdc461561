// Package connsplit shares one listening port between an HTTP/1.x server
// and a gRPC server, connection by connection: a connection that opens
// with the HTTP/2 client preface (what a gRPC client without TLS sends
// first, "prior knowledge") goes to gRPC, any other to HTTP/1.x.
//
// Per connection rather than per request, so gRPC runs on grpc-go's own
// HTTP/2 transport (its flow control, keepalives and GOAWAY on graceful
// stop) instead of through net/http's handler bridge, and REST keeps
// net/http's HTTP/1.1 server untouched. The cost is one small read per
// connection, not per request.
package connsplit

import (
	"errors"
	"net"
	"sync"
	"time"
)

// preface is the HTTP/2 client connection preface (RFC 9113 3.4).
const preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

// Splitter accepts connections on one listener and hands each to one of
// two listeners by its first bytes.
type Splitter struct {
	root    net.Listener
	timeout time.Duration
	http1   *listener
	http2   *listener
	pending sync.WaitGroup
}

// New splits root. A connection that has not shown which it is within
// timeout (the HTTP server's ReadHeaderTimeout, so a slow client is cut
// off as it would be without the split) is closed.
func New(root net.Listener, timeout time.Duration) *Splitter {
	return &Splitter{
		root:    root,
		timeout: timeout,
		http1:   newListener(root.Addr()),
		http2:   newListener(root.Addr()),
	}
}

// HTTP1 is the listener of every connection that is not HTTP/2.
func (s *Splitter) HTTP1() net.Listener { return s.http1 }

// HTTP2 is the listener of the connections that open with the HTTP/2
// preface.
func (s *Splitter) HTTP2() net.Listener { return s.http2 }

// Serve accepts until the root listener is closed, then closes both
// listeners, once the connections it is still reading from are handed on
// or closed. It returns when Close is called.
func (s *Splitter) Serve() {
	backoff := time.Duration(0)
	for {
		conn, err := s.root.Accept()
		if errors.Is(err, net.ErrClosed) {
			break
		}
		if err != nil {
			// Out of file descriptors, say: wait as net/http does, doubling
			// from 5 ms to a second, rather than spin or give up the port.
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			time.Sleep(backoff)
			continue
		}
		backoff = 0
		s.pending.Add(1)
		go s.route(conn)
	}
	s.pending.Wait()
	s.http1.close()
	s.http2.close()
}

// Close stops accepting: Serve returns, and the two listeners report
// closed to their servers.
func (s *Splitter) Close() error { return s.root.Close() }

// route reads as much of the connection as tells the two apart, and hands
// it on with those bytes put back in front.
func (s *Splitter) route(conn net.Conn) {
	defer s.pending.Done()
	if err := conn.SetReadDeadline(time.Now().Add(s.timeout)); err != nil {
		conn.Close()
		return
	}
	var buf [len(preface)]byte
	n := 0
	for n < len(buf) && string(buf[:n]) == preface[:n] {
		read, err := conn.Read(buf[n:])
		n += read
		if err != nil {
			if string(buf[:n]) == preface[:n] {
				// Silent, gone, or a preface begun and not finished by the
				// deadline: neither server could read a request from it.
				conn.Close()
				return
			}
			break // what was read decides; the server meets the error next
		}
	}
	if err := conn.SetReadDeadline(time.Time{}); err != nil {
		conn.Close()
		return
	}
	peeked := &peekedConn{Conn: conn, peeked: append([]byte(nil), buf[:n]...)}
	if string(buf[:n]) == preface {
		s.http2.hand(peeked)
	} else {
		s.http1.hand(peeked)
	}
}

// peekedConn gives back the bytes route read before the rest.
type peekedConn struct {
	net.Conn
	peeked []byte
}

func (c *peekedConn) Read(p []byte) (int, error) {
	if len(c.peeked) > 0 {
		n := copy(p, c.peeked)
		c.peeked = c.peeked[n:]
		return n, nil
	}
	return c.Conn.Read(p)
}

// listener is one side of the split, fed by route.
type listener struct {
	addr   net.Addr
	conns  chan net.Conn
	done   chan struct{}
	closer sync.Once
}

func newListener(addr net.Addr) *listener {
	return &listener{addr: addr, conns: make(chan net.Conn), done: make(chan struct{})}
}

// hand gives conn to the server accepting on l, or closes it when that
// server has stopped.
func (l *listener) hand(conn net.Conn) {
	select {
	case l.conns <- conn:
	case <-l.done:
		conn.Close()
	}
}

func (l *listener) Accept() (net.Conn, error) {
	select {
	case conn := <-l.conns:
		return conn, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

// Close is called by the server that stops accepting; the connections
// routed to it from then on are closed.
func (l *listener) Close() error {
	l.close()
	return nil
}

func (l *listener) close() { l.closer.Do(func() { close(l.done) }) }

func (l *listener) Addr() net.Addr { return l.addr }
