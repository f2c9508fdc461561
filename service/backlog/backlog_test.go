package backlog

import (
	"bytes"
	"net"
	"slices"
	"testing"
	"time"

	"golang.org/x/net/http2"
)

// frames writes what a gRPC server writes on a connection: settings, a
// ping, headers and DATA frames of the given sizes; it returns the bytes
// and the DATA payload among them.
func frames(t testing.TB, sizes []int) ([]byte, int64) {
	t.Helper()
	var b bytes.Buffer
	fr := http2.NewFramer(&b, nil)
	_ = fr.WriteSettings(http2.Setting{ID: http2.SettingMaxConcurrentStreams, Val: 100})
	_ = fr.WritePing(false, [8]byte{1})
	var data int64
	for i, n := range sizes {
		id := uint32(2*i + 1)
		_ = fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: []byte{0x88}, EndHeaders: true})
		_ = fr.WriteData(id, false, bytes.Repeat([]byte{0}, n))
		data += int64(n)
		_ = fr.WriteWindowUpdate(0, uint32(n+1))
	}
	return b.Bytes(), data
}

// However the bytes are split into writes, the parser counts exactly the
// DATA payload: a frame header may straddle two writes.
func TestParseCountsDataPayload(t *testing.T) {
	stream, want := frames(t, []int{0, 1, 5, 16384, 300, 70000 % 16385})
	for _, chunk := range []int{1, 2, 7, 9, 10, 4096, len(stream)} {
		c := &conn{}
		var got int64
		for rest := stream; len(rest) > 0; {
			n := min(chunk, len(rest))
			got += c.parse(rest[:n])
			rest = rest[n:]
		}
		if got != want {
			t.Errorf("writes of %d bytes: parse counted %d DATA bytes, want %d", chunk, got, want)
		}
		if c.left != 0 || c.headerLen != 0 {
			t.Errorf("writes of %d bytes: parse ended mid-frame (left %d, header %d)", chunk, c.left, c.headerLen)
		}
	}
}

func FuzzParseCountsDataPayload(f *testing.F) {
	f.Add([]byte{3, 1, 200}, uint16(5))
	f.Fuzz(func(t *testing.T, sizes []byte, chunk uint16) {
		if chunk == 0 {
			return
		}
		ints := make([]int, len(sizes))
		for i, s := range sizes {
			ints[i] = int(s) * 67
		}
		stream, want := frames(t, ints)
		c := &conn{}
		var got int64
		for rest := stream; len(rest) > 0; {
			n := min(int(chunk), len(rest))
			got += c.parse(rest[:n])
			rest = rest[n:]
		}
		if got != want {
			t.Errorf("sizes %v in writes of %d: counted %d, want %d", ints, chunk, got, want)
		}
	})
}

// closeSeesOwed records what the guard held when the socket under a
// guarded connection was closed: the moment its peer can see the end.
type closeSeesOwed struct {
	net.Conn
	g        *Guard
	owedSeen []int64
}

func (c *closeSeesOwed) Close() error {
	c.owedSeen = append(c.owedSeen, c.g.Owed())
	return nil
}

func (c *closeSeesOwed) RemoteAddr() net.Addr {
	return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40000}
}

type oneConnListener struct {
	net.Listener
	c net.Conn
}

func (l oneConnListener) Accept() (net.Conn, error) { return l.c, nil }

// A connection's debt is gone before its socket closes, whoever closes it:
// a client that sees the end of a stalled connection, and then reads the
// metrics, never finds its answers still held (as CI once did, in
// TestZeroWindowGRPCClientsAreBoundedAndCut).
func TestClosingFreesTheDebtBeforeTheSocket(t *testing.T) {
	for _, tc := range []struct {
		name  string
		close func(g *Guard, c net.Conn)
	}{
		{"cut for stalling", func(g *Guard, _ net.Conn) { g.CutStalled() }},
		{"closed by the server", func(_ *Guard, c net.Conn) { _ = c.Close() }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const answer = 3 << 20
			now := time.Unix(1000, 0)
			g := New(Limits{PerConn: 4 << 20, Total: 8 << 20, Stall: 30 * time.Second}, Events{})
			g.now = func() time.Time { return now }
			socket := &closeSeesOwed{g: g}
			accepted, err := g.Listener(oneConnListener{c: socket}).Accept()
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := g.reserve(accepted.(*conn), answer); !ok {
				t.Fatalf("reserving one %d-byte answer was refused", answer)
			}
			now = now.Add(31 * time.Second)
			tc.close(g, accepted)
			if want := []int64{0}; !slices.Equal(socket.owedSeen, want) {
				t.Errorf("owed when the socket closed: got %v, want %v", socket.owedSeen, want)
			}
			if got := g.Owed(); got != 0 {
				t.Errorf("owed after close: got %d, want 0", got)
			}
		})
	}
}
