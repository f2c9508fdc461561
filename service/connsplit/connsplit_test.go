package connsplit

import (
	"bytes"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"
)

// start splits a loopback listener and answers each connection with the
// side it reached ("1" or "2") followed by every byte it received, so a
// test sees the split and that no byte was lost.
func start(t *testing.T, timeout time.Duration) (*Splitter, string, chan struct{}) {
	t.Helper()
	root, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := New(root, timeout)
	served := make(chan struct{})
	go func() {
		s.Serve()
		close(served)
	}()
	for side, ln := range map[string]net.Listener{"1": s.HTTP1(), "2": s.HTTP2()} {
		go func() {
			for {
				conn, err := ln.Accept()
				if err != nil {
					return
				}
				go func() {
					defer conn.Close()
					conn.Write([]byte(side))
					io.Copy(conn, conn)
				}()
			}
		}()
	}
	t.Cleanup(func() { s.Close() })
	return s, root.Addr().String(), served
}

func TestSplitsByTheHTTP2Preface(t *testing.T) {
	_, addr, _ := start(t, 5*time.Second)
	tests := []struct {
		name, send, want string
	}{
		{"HTTP/1.1 GET", "GET /products HTTP/1.1\r\nHost: x\r\n\r\n", "1"},
		{"HTTP/1.1 POST shares the preface's first byte", "POST /products HTTP/1.1\r\n\r\n", "1"},
		{"HTTP/1.0 shorter than the preface", "GET / HTTP/1.0\r\n\r\n", "1"},
		{"half the preface, then not", "PRI * HTTP/1.1\r\n\r\n", "1"},
		{"the HTTP/2 preface and a frame", preface + "\x00\x00\x00\x04\x00\x00\x00\x00\x00", "2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if _, err := conn.Write([]byte(tt.send)); err != nil {
				t.Fatal(err)
			}
			// The answer comes without waiting for the timeout: a short
			// request is routed on what it sent.
			conn.SetReadDeadline(time.Now().Add(2 * time.Second))
			got := make([]byte, 1+len(tt.send))
			if _, err := io.ReadFull(conn, got); err != nil {
				t.Fatalf("read: %v (got %q)", err, got)
			}
			if want := tt.want + tt.send; !bytes.Equal(got, []byte(want)) {
				t.Errorf("got %q, want %q", got, want)
			}
		})
	}
}

// A connection that sends nothing, or only the start of the HTTP/2
// preface, is closed at the timeout, not handed to either server: neither
// could read a request from it.
func TestIncompleteConnectionIsClosedAtTheTimeout(t *testing.T) {
	_, addr, _ := start(t, 100*time.Millisecond)
	for _, send := range []string{"", "P", "PRI * HTTP/2.0\r\n", preface[:len(preface)-1]} {
		t.Run(strconv.Quote(send), func(t *testing.T) {
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if _, err := io.WriteString(conn, send); err != nil {
				t.Fatal(err)
			}
			conn.SetReadDeadline(time.Now().Add(5 * time.Second))
			n, err := conn.Read(make([]byte, 1))
			if n != 0 || !errors.Is(err, io.EOF) {
				t.Errorf("sent %q: read = %d, %v; want the splitter to close the connection (EOF)", send, n, err)
			}
		})
	}
}

// Close ends Serve, and both listeners then report closed, as a server
// stopping expects.
func TestCloseClosesBothSides(t *testing.T) {
	s, _, served := start(t, time.Second)
	s.Close()
	select {
	case <-served:
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return after Close")
	}
	for name, ln := range map[string]net.Listener{"HTTP1": s.HTTP1(), "HTTP2": s.HTTP2()} {
		if _, err := ln.Accept(); !errors.Is(err, net.ErrClosed) {
			t.Errorf("%s Accept after Close = %v, want net.ErrClosed", name, err)
		}
	}
}

func FuzzRouteKeepsEveryByte(f *testing.F) {
	f.Add([]byte("GET / HTTP/1.1\r\n\r\n"))
	f.Add([]byte(preface))
	f.Add([]byte("PRI * HTTP/2.0\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		server, client := net.Pipe()
		s := &Splitter{timeout: 100 * time.Millisecond, http1: newListener(nil), http2: newListener(nil)}
		s.pending.Add(1)
		go s.route(server)
		go func() {
			client.Write(data)
		}()
		if len(data) < len(preface) && strings.HasPrefix(preface, string(data)) {
			// The start of a preface that never ends: closed, not routed.
			if _, err := io.ReadAll(client); err != nil {
				t.Errorf("%q: read %v, want the splitter to close the connection", data, err)
			}
			select {
			case <-s.http1.conns:
				t.Errorf("%q went to HTTP1, want it closed", data)
			case <-s.http2.conns:
				t.Errorf("%q went to HTTP2, want it closed", data)
			default:
			}
			return
		}
		var conn net.Conn
		var side string
		select {
		case conn = <-s.http1.conns:
			side = "1"
		case conn = <-s.http2.conns:
			side = "2"
		case <-time.After(5 * time.Second):
			t.Fatalf("%q was not routed", data)
		}
		wantSide := "1"
		if bytes.HasPrefix(data, []byte(preface)) {
			wantSide = "2"
		}
		if side != wantSide {
			t.Errorf("%q went to HTTP%s, want HTTP%s", data, side, wantSide)
		}
		got := make([]byte, len(data))
		if _, err := io.ReadFull(conn, got); err != nil || !bytes.Equal(got, data) {
			t.Errorf("read back %q, %v; want %q", got, err, data)
		}
		client.Close()
		conn.Close()
	})
}
