package app

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/connectivity"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// GRPCProbeName is the name under which the binary acts as
// grpc-ecosystem's grpc_health_probe: the OpenTelemetry demo's compose
// file checks its product catalog with
// ["CMD", "/bin/grpc_health_probe", "-addr=:${PRODUCT_CATALOG_PORT}"], and
// the Dockerfile image links that path to this binary rather than ship a
// second Go program.
const GRPCProbeName = "grpc_health_probe"

// grpcProbe checks a gRPC server's health as grpc_health_probe does, with
// the flags the demo uses and their defaults: plaintext only (the -tls
// flags are refused, not ignored, so a check meant for TLS cannot pass
// by talking plaintext).
func grpcProbe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	flags := flag.NewFlagSet(GRPCProbeName, flag.ContinueOnError)
	flags.SetOutput(stderr)
	addr := flags.String("addr", "", "address of the server to check (host:port, or :port for this host)")
	service := flags.String("service", "", "service name to check (empty: the server as a whole)")
	connectTimeout := flags.Duration("connect-timeout", time.Second, "how long to wait for the connection")
	rpcTimeout := flags.Duration("rpc-timeout", time.Second, "how long to wait for the answer")
	userAgent := flags.String("user-agent", "grpc_health_probe", "user-agent header value")
	if err := flags.Parse(args); err != nil {
		return err
	}
	switch {
	case flags.NArg() > 0:
		return fmt.Errorf("%s: unexpected arguments %q", GRPCProbeName, flags.Args())
	case *addr == "":
		return fmt.Errorf("%s: -addr is required", GRPCProbeName)
	case *connectTimeout <= 0:
		return fmt.Errorf("%s: -connect-timeout=%v: must be positive", GRPCProbeName, *connectTimeout)
	case *rpcTimeout <= 0:
		return fmt.Errorf("%s: -rpc-timeout=%v: must be positive", GRPCProbeName, *rpcTimeout)
	case !validHeaderValue(*userAgent):
		// Not a valid header value (RFC 9110 5.5): refused here, naming
		// the flag, rather than left to what the transport or the server
		// makes of it.
		return fmt.Errorf("%s: -user-agent=%q: must be printable text, without control characters", GRPCProbeName, *userAgent)
	}
	target := *addr
	if host, port, err := net.SplitHostPort(target); err == nil && host == "" {
		target = net.JoinHostPort("127.0.0.1", port)
	}
	conn, err := grpc.NewClient(target, grpc.WithTransportCredentials(insecure.NewCredentials()), grpc.WithUserAgent(*userAgent))
	if err != nil {
		return fmt.Errorf("%s: %s: %w", GRPCProbeName, *addr, err)
	}
	defer conn.Close()
	connectCtx, cancel := context.WithTimeout(ctx, *connectTimeout)
	defer cancel()
	conn.Connect()
	for state := conn.GetState(); state != connectivity.Ready; state = conn.GetState() {
		if !conn.WaitForStateChange(connectCtx, state) {
			return fmt.Errorf("%s: no connection to %s within %v", GRPCProbeName, *addr, *connectTimeout)
		}
	}
	rpcCtx, cancelRPC := context.WithTimeout(ctx, *rpcTimeout)
	defer cancelRPC()
	resp, err := healthpb.NewHealthClient(conn).Check(rpcCtx, &healthpb.HealthCheckRequest{Service: *service})
	if err != nil {
		return fmt.Errorf("%s: health check of %s: %w", GRPCProbeName, *addr, err)
	}
	if resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		return fmt.Errorf("%s: %s is %s", GRPCProbeName, *addr, resp.GetStatus())
	}
	fmt.Fprintf(stdout, "status: %s\n", resp.GetStatus())
	return nil
}

// validHeaderValue reports whether v may be an HTTP/2 header's value: no
// control characters but tab (RFC 9110 5.5).
func validHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; (c < ' ' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}
