// Package zerowindow is a test client: HTTP/2 spoken by hand as a hostile
// gRPC client does, with a stream window of 0 so the server can send no
// answer's body, acknowledging every ping so keepalive sees a live peer.
// Tests use it to hold the server to its backlog bounds
// (service/backlog); the binary never imports it (service/depcheck_test.go).
package zerowindow

import (
	"bytes"
	"io"
	"net"
	"sync"
	"testing"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// Client speaks HTTP/2 by hand as a hostile client does: its
// streams' flow-control window is 0, so the server can send no answer's
// body, and it acknowledges every ping, so keepalive sees a live peer.
type Client struct {
	t      testing.TB
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

// Closed closes when the server closes the connection.
func (c *Client) Closed() <-chan struct{} { return c.closed }

// DataReceived is how many DATA bytes the server managed to send: 0, with
// a window of 0.
func (c *Client) DataReceived() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.data
}

// Dial connects to addr, sends the preface and a window of 0, and answers
// the server from then on.
func Dial(t testing.TB, addr string) *Client {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	c := &Client{t: t, conn: conn, fr: http2.NewFramer(conn, conn), next: 1,
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

func (c *Client) write(f func() error) {
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

func (c *Client) read() {
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

// Call opens a stream for method with an empty request and returns how the
// server first answered it: "accepted" (response headers, the answer held
// back by the window), "grpc-status N: message", or "closed".
func (c *Client) Call(method string) string {
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
