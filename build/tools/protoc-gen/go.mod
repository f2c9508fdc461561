module github.com/product-catalog/product-catalog/build/tools/protoc-gen

// The code generators sit in a module of their own so that their versions
// match what the service runs: protoc-gen-go at the protobuf runtime's
// version in the root go.mod, protoc-gen-go-grpc at one whose generated
// code grpc v1.71 (the last to support go 1.22) accepts.
go 1.24

tool (
	google.golang.org/grpc/cmd/protoc-gen-go-grpc
	google.golang.org/protobuf/cmd/protoc-gen-go
)

require (
	google.golang.org/grpc/cmd/protoc-gen-go-grpc v1.5.1 // indirect
	google.golang.org/protobuf v1.36.7 // indirect
)
