// Command grpc-v1.70 serves gRPC as the service does (a grpc-go server with
// the health service, over HTTP/2), on the grpc and x/net versions the seed
// shipped. build/vuln/bites.sh runs the vulnerability gate on it: the gate
// must refuse it, naming GO-2026-4762.
package main

import (
	"log"
	"net"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

func main() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	s := grpc.NewServer()
	healthpb.RegisterHealthServer(s, health.NewServer())
	log.Fatal(s.Serve(ln))
}
