module github.com/product-catalog/product-catalog/build/tools/protoc-gen

// The code generators sit in a module of their own so that their versions
// match what the service runs: protoc-gen-go at the protobuf runtime's
// version in the root go.mod, protoc-gen-go-grpc current with grpc there.
go 1.26.0

tool (
	google.golang.org/grpc/cmd/protoc-gen-go-grpc
	google.golang.org/protobuf/cmd/protoc-gen-go
)

require (
	google.golang.org/grpc/cmd/protoc-gen-go-grpc v1.6.2 // indirect
	google.golang.org/protobuf v1.36.12 // indirect
)
