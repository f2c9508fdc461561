package flags

import (
	"context"
	"net"
	"sync"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/product-catalog/product-catalog/service/flags/flagdpb"
)

// fakeFlagd serves flagd's evaluation protocol on 127.0.0.1 from a table
// of flags, answering as flagd answers protocol v1, and records the
// evaluation contexts it is sent.
type fakeFlagd struct {
	flagdpb.UnimplementedServiceServer
	flags map[string]fakeFlag
	// hang makes every call after the first answered ones block until
	// the test ends, as a flagd that accepted the connection but never
	// answers.
	hang     bool
	answered int           // calls answered before hang takes effect
	done     chan struct{} // closed when the test ends
	arrived  chan struct{} // a value per call received, for tests to wait on

	mu       sync.Mutex
	received []map[string]any
}

// fakeFlag is one flag of the fake's table, as in flagd's JSON: its
// variants, default variant, targeting and state.
type fakeFlag struct {
	variants       map[string]any
	defaultVariant string
	// target is the targeting rule: the variant for an evaluation
	// context, or "" when the rule gives null.
	target   func(evalCtx map[string]any) string
	disabled bool
	metadata map[string]any
}

// demoFlags is demo.flagd.json's productCatalogFailure: its targeting is
// `if product_id == "OLJCESPC7Z" then "off" else "off"`, and the demo turns
// the flag on by making the first branch "on".
func demoFlags(on bool) map[string]fakeFlag {
	match := "off"
	if on {
		match = "on"
	}
	return map[string]fakeFlag{ProductFailureFlag: {
		variants:       map[string]any{"on": true, "off": false},
		defaultVariant: "off",
		target: func(evalCtx map[string]any) string {
			if evalCtx["product_id"] == "OLJCESPC7Z" {
				return match
			}
			return "off"
		},
	}}
}

// start serves f until the test ends and returns its address.
func (f *fakeFlagd) start(t *testing.T) (host string, port int) {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	flagdpb.RegisterServiceServer(srv, f)
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = srv.Serve(lis)
	}()
	f.done = make(chan struct{})
	f.arrived = make(chan struct{}, 64)
	// Cleanups run last first: release hung handlers, then stop.
	t.Cleanup(func() { srv.Stop(); <-served })
	t.Cleanup(func() { close(f.done) })
	addr := lis.Addr().(*net.TCPAddr)
	return addr.IP.String(), addr.Port
}

// contexts returns the evaluation contexts received so far.
func (f *fakeFlagd) contexts() []map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]map[string]any(nil), f.received...)
}

// evaluate resolves key as flagd's evaluator does for protocol v1, where
// a flag without a usable default variant is FLAG_NOT_FOUND and a
// disabled one has reason DISABLED and no variant. Errors are gRPC
// statuses with flagd's codes and messages.
func (f *fakeFlagd) evaluate(key string, evalCtx *structpb.Struct) (value any, variant, reason string, metadata *structpb.Struct, err error) {
	f.mu.Lock()
	f.received = append(f.received, evalCtx.AsMap())
	hang := f.hang && len(f.received) > f.answered
	f.mu.Unlock()
	select {
	case f.arrived <- struct{}{}:
	default:
	}
	if hang {
		<-f.done
		return nil, "", "", nil, status.Error(codes.Unavailable, "test over")
	}
	flag, ok := f.flags[key]
	if !ok {
		return nil, "", "", nil, status.Error(codes.NotFound, "Flag not found")
	}
	metadata, err = structpb.NewStruct(flag.metadata)
	if err != nil {
		return nil, "", "", nil, status.Error(codes.Internal, err.Error())
	}
	if flag.disabled {
		return nil, "", "DISABLED", metadata, nil
	}
	variant, reason = flag.defaultVariant, "STATIC"
	if flag.target != nil {
		variant, reason = flag.target(evalCtx.AsMap()), "TARGETING_MATCH"
		if variant == "" {
			variant, reason = flag.defaultVariant, "DEFAULT"
		}
	}
	if variant == "" {
		return nil, "", "", nil, status.Error(codes.NotFound, "Flag not found")
	}
	value, ok = flag.variants[variant]
	if !ok {
		return nil, "", "", nil, status.Error(codes.Unknown, "General error")
	}
	return value, variant, reason, metadata, nil
}

var errTypeMismatch = status.Error(codes.InvalidArgument, "Type mismatch error")

func (f *fakeFlagd) ResolveBoolean(_ context.Context, req *flagdpb.ResolveBooleanRequest) (*flagdpb.ResolveBooleanResponse, error) {
	value, variant, reason, metadata, err := f.evaluate(req.GetFlagKey(), req.GetContext())
	if err != nil {
		return nil, err
	}
	v, ok := value.(bool)
	if value != nil && !ok {
		return nil, errTypeMismatch
	}
	return &flagdpb.ResolveBooleanResponse{Value: v, Reason: reason, Variant: variant, Metadata: metadata}, nil
}

func (f *fakeFlagd) ResolveString(_ context.Context, req *flagdpb.ResolveStringRequest) (*flagdpb.ResolveStringResponse, error) {
	value, variant, reason, metadata, err := f.evaluate(req.GetFlagKey(), req.GetContext())
	if err != nil {
		return nil, err
	}
	v, ok := value.(string)
	if value != nil && !ok {
		return nil, errTypeMismatch
	}
	return &flagdpb.ResolveStringResponse{Value: v, Reason: reason, Variant: variant, Metadata: metadata}, nil
}

func (f *fakeFlagd) ResolveFloat(_ context.Context, req *flagdpb.ResolveFloatRequest) (*flagdpb.ResolveFloatResponse, error) {
	value, variant, reason, metadata, err := f.evaluate(req.GetFlagKey(), req.GetContext())
	if err != nil {
		return nil, err
	}
	v, ok := value.(float64)
	if value != nil && !ok {
		return nil, errTypeMismatch
	}
	return &flagdpb.ResolveFloatResponse{Value: v, Reason: reason, Variant: variant, Metadata: metadata}, nil
}

func (f *fakeFlagd) ResolveInt(_ context.Context, req *flagdpb.ResolveIntRequest) (*flagdpb.ResolveIntResponse, error) {
	value, variant, reason, metadata, err := f.evaluate(req.GetFlagKey(), req.GetContext())
	if err != nil {
		return nil, err
	}
	v, ok := value.(int64)
	if value != nil && !ok {
		return nil, errTypeMismatch
	}
	return &flagdpb.ResolveIntResponse{Value: v, Reason: reason, Variant: variant, Metadata: metadata}, nil
}

func (f *fakeFlagd) ResolveObject(_ context.Context, req *flagdpb.ResolveObjectRequest) (*flagdpb.ResolveObjectResponse, error) {
	value, variant, reason, metadata, err := f.evaluate(req.GetFlagKey(), req.GetContext())
	if err != nil {
		return nil, err
	}
	var v *structpb.Struct
	if value != nil {
		m, ok := value.(map[string]any)
		if !ok {
			return nil, errTypeMismatch
		}
		if v, err = structpb.NewStruct(m); err != nil {
			return nil, status.Error(codes.Internal, err.Error())
		}
	}
	return &flagdpb.ResolveObjectResponse{Value: v, Reason: reason, Variant: variant, Metadata: metadata}, nil
}
