package main

import (
	"bytes"
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
)

// probeHealth is a gRPC health service for the probe to check. It hands
// each call's metadata to calls, then answers SERVING, or, when hang is
// set, nothing until the caller gives up.
type probeHealth struct {
	healthpb.UnimplementedHealthServer
	calls chan metadata.MD
	hang  bool
}

func (h *probeHealth) Check(ctx context.Context, _ *healthpb.HealthCheckRequest) (*healthpb.HealthCheckResponse, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	h.calls <- md
	if h.hang {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return &healthpb.HealthCheckResponse{Status: healthpb.HealthCheckResponse_SERVING}, nil
}

// startHealth serves h on a local port and returns its address.
func startHealth(t *testing.T, h *probeHealth) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	healthpb.RegisterHealthServer(srv, h)
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(srv.Stop)
	return ln.Addr().String()
}

// startSilent accepts connections and never answers on them: no HTTP/2
// settings, so a gRPC client never gets a ready connection.
func startSilent(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, conn)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, conn := range conns {
			conn.Close()
		}
	})
	return ln.Addr().String()
}

// The probe's -connect-timeout, -rpc-timeout and -user-agent
// (docs/opentelemetry-demo.md), run in process as the binary runs under
// the name grpc_health_probe: a bad value is refused naming its flag, and
// each has its effect. The timeouts are set above their 1s defaults, so
// that a probe failing no sooner than the value shows the flag, not the
// default, was obeyed; the servers tell when a call arrived, nothing is
// guessed.
func TestGRPCHealthProbeFlags(t *testing.T) {
	serving := &probeHealth{calls: make(chan metadata.MD, 10)}
	servingAddr := startHealth(t, serving)
	hanging := &probeHealth{calls: make(chan metadata.MD, 10), hang: true}
	hangingAddr := startHealth(t, hanging)
	silentAddr := startSilent(t)
	for _, tt := range []struct {
		name    string
		args    []string
		wantErr string        // "" to pass
		atLeast time.Duration // the probe takes no less
		server  *probeHealth  // the server that must have seen the call, if any
		agent   string        // the user-agent the server must have seen first
	}{
		{name: "-connect-timeout not a duration", args: []string{"-addr=" + servingAddr, "-connect-timeout=soon"},
			wantErr: `invalid value "soon" for flag -connect-timeout`},
		{name: "-connect-timeout zero", args: []string{"-addr=" + servingAddr, "-connect-timeout=0"},
			wantErr: "grpc_health_probe: -connect-timeout=0s: must be positive"},
		{name: "-rpc-timeout not a duration", args: []string{"-addr=" + servingAddr, "-rpc-timeout=1"},
			wantErr: `invalid value "1" for flag -rpc-timeout`},
		{name: "-rpc-timeout negative", args: []string{"-addr=" + servingAddr, "-rpc-timeout=-1s"},
			wantErr: "grpc_health_probe: -rpc-timeout=-1s: must be positive"},
		{name: "-user-agent with a newline", args: []string{"-addr=" + servingAddr, "-user-agent=probe\nX-Injected: 1"},
			wantErr: `grpc_health_probe: -user-agent="probe\nX-Injected: 1": must be printable text`},
		{name: "-user-agent reaches the server", args: []string{"-addr=" + servingAddr, "-user-agent=kubelet-probe/1.31"},
			server: serving, agent: "kubelet-probe/1.31"},
		{name: "default user-agent", args: []string{"-addr=" + servingAddr},
			server: serving, agent: "grpc_health_probe"},
		{name: "-rpc-timeout expires on a server that never answers", args: []string{"-addr=" + hangingAddr, "-rpc-timeout=1500ms"},
			wantErr: "health check of " + hangingAddr + ": rpc error: code = DeadlineExceeded", atLeast: 1500 * time.Millisecond, server: hanging},
		{name: "-connect-timeout expires on a server that never speaks HTTP/2", args: []string{"-addr=" + silentAddr, "-connect-timeout=1500ms"},
			wantErr: "no connection to " + silentAddr + " within 1.5s", atLeast: 1500 * time.Millisecond},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			began := time.Now()
			err := run(context.Background(), append([]string{"/bin/grpc_health_probe"}, tt.args...), func(string) string { return "" }, &stdout, &stderr)
			elapsed := time.Since(began)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("grpc_health_probe %q = %v, want it to pass; stderr:\n%s", tt.args, err, &stderr)
			case tt.wantErr == "" && !strings.Contains(stdout.String(), "status: SERVING"):
				t.Errorf("grpc_health_probe %q printed %q, want status: SERVING", tt.args, &stdout)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("grpc_health_probe %q = %v, want an error holding %q", tt.args, err, tt.wantErr)
			}
			if elapsed < tt.atLeast {
				t.Errorf("grpc_health_probe %q gave up after %v, want no sooner than %v", tt.args, elapsed, tt.atLeast)
			}
			if tt.server == nil {
				return
			}
			// A served call is seen before the probe returns; one that
			// timed out, at the latest when the server handles it.
			select {
			case md := <-tt.server.calls:
				if ua := md.Get("user-agent"); tt.agent != "" && (len(ua) != 1 || !strings.HasPrefix(ua[0], tt.agent+" grpc-go/")) {
					t.Errorf("grpc_health_probe %q: the server saw user-agent %q, want %q then gRPC's own", tt.args, ua, tt.agent)
				}
			case <-time.After(10 * time.Second):
				t.Errorf("grpc_health_probe %q: the server saw no call", tt.args)
			}
		})
	}
}
