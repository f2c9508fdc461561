package grpcapi

import (
	"context"
	"slices"
	"strings"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc/filters"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/reflection"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/product-catalog/product-catalog/service/backlog"
	"github.com/product-catalog/product-catalog/service/grpcapi/oteldemo"
	"github.com/product-catalog/product-catalog/service/metrics"
	"github.com/product-catalog/product-catalog/service/requestid"
	"github.com/product-catalog/product-catalog/service/telemetry"
)

// Limits are the REST server's limits, applied to gRPC connections: the
// handshake as the request header's read, idle connections, a dead peer,
// the size of headers and messages. A peer that is alive but stops
// reading its answers is the backlog Guard's (NewGRPCServer): keepalive
// cannot see it, since such a peer answers pings.
type Limits struct {
	Handshake time.Duration // ReadHeaderTimeout
	Idle      time.Duration // IdleTimeout
	// Unresponsive closes a connection whose peer has sent nothing for
	// this long and then leaves a ping unanswered for as long again.
	Unresponsive   time.Duration // WriteTimeout
	MaxHeaderBytes int
	// MaxMessageBytes bounds a request message: the largest the service
	// takes is an id or a query, so REST's header limit is plenty.
	MaxMessageBytes int
	// MaxStreams bounds the calls in flight on one connection.
	MaxStreams uint32
}

// requestIDKey is X-Request-ID as gRPC metadata names it.
const requestIDKey = "x-request-id"

// NewGRPCServer returns a gRPC server with the catalog service, health and
// reflection registered. logger takes panics; accessLog one line per call,
// with the REST access log's fields. guard bounds the answers held for
// clients that do not read them: serve on guard.Listener, and run it.
//
// With tel on, calls are traced and measured by otelgrpc (health checks
// aside, as the demo does); with it off, no stats handler is installed,
// since grpc-go builds an event for every step of every call once one is.
func NewGRPCServer(svc *Server, logger, accessLog *zap.Logger, m *metrics.Metrics, limits Limits, guard *backlog.Guard, tel *telemetry.Telemetry) *grpc.Server {
	ids := requestid.New()
	// The registered methods, filled in below before anything is served:
	// any other name a client sends is counted as "unmatched", so clients
	// cannot mint label values.
	known := map[string]bool{}
	obs := &callObserver{accessLog: accessLog, m: m, ids: ids, known: known}
	var traced []grpc.ServerOption
	if tel != nil && tel.On {
		traced = append(traced, grpc.StatsHandler(otelgrpc.NewServerHandler(
			otelgrpc.WithTracerProvider(tel.Tracer), otelgrpc.WithMeterProvider(tel.Meter),
			otelgrpc.WithPropagators(tel.Propagator), otelgrpc.WithFilter(filters.Not(filters.HealthCheck())),
		)))
	}
	gs := grpc.NewServer(append(traced,
		// An unknown service or method reaches the interceptors, as an
		// unmatched REST route reaches the router, to be logged and counted.
		grpc.UnknownServiceHandler(func(any, grpc.ServerStream) error {
			return status.Error(codes.Unimplemented, "unknown service or method")
		}),
		grpc.ConnectionTimeout(limits.Handshake),
		grpc.KeepaliveParams(keepalive.ServerParameters{
			MaxConnectionIdle: limits.Idle, Time: limits.Unresponsive, Timeout: limits.Unresponsive,
		}),
		grpc.MaxHeaderListSize(uint32(limits.MaxHeaderBytes)),
		grpc.MaxRecvMsgSize(limits.MaxMessageBytes),
		grpc.MaxConcurrentStreams(limits.MaxStreams),
		// The guard inside observe: a call it refuses is logged and counted.
		grpc.ChainUnaryInterceptor(obs.unary, guard.UnaryInterceptor(), recoverUnary(logger)),
		grpc.ChainStreamInterceptor(obs.stream, guard.StreamInterceptor(), closeStreams(svc.closing), recoverStream(logger)),
	)...)
	gs.RegisterService(obs.observeDecoding(&oteldemo.ProductCatalogService_ServiceDesc), svc)
	gs.RegisterService(obs.observeDecoding(&healthpb.Health_ServiceDesc), svc.Health())
	reflection.Register(gs)
	for service, info := range gs.GetServiceInfo() {
		for _, method := range info.Methods {
			known["/"+service+"/"+method.Name] = true
		}
	}
	return gs
}

// callObserver logs and counts every call: the interceptors see those that
// reach a handler (or the unknown-method handler), and observeDecoding's
// handlers the unary calls grpc-go refuses while decoding their request
// (a message over the limit), which happens before any interceptor runs.
type callObserver struct {
	accessLog *zap.Logger
	m         *metrics.Metrics
	ids       *requestid.Generator
	known     map[string]bool
}

// route is the label a call is counted under: its method when registered.
func (o *callObserver) route(fullMethod string) string {
	if o.known[fullMethod] {
		return fullMethod
	}
	return "unmatched"
}

// observeDecoding returns a copy of desc whose unary handlers log and count
// a call whose request could not be decoded: the generated handler decodes
// before it calls the interceptors, so they never see it. A stats handler
// would see it too, but grpc-go builds a stats event for every step of
// every call once one is registered, which cost a quarter of a
// GetProduct's time (BenchmarkGetProduct).
func (o *callObserver) observeDecoding(desc *grpc.ServiceDesc) *grpc.ServiceDesc {
	observed := *desc
	observed.Methods = slices.Clone(desc.Methods)
	for i, method := range observed.Methods {
		fullMethod := "/" + desc.ServiceName + "/" + method.MethodName
		observed.Methods[i].Handler = func(srv any, ctx context.Context, dec func(any) error, interceptor grpc.UnaryServerInterceptor) (any, error) {
			start := time.Now()
			var decodeErr error
			resp, err := method.Handler(srv, ctx, func(v any) error {
				decodeErr = dec(v)
				return decodeErr
			}, interceptor)
			if decodeErr != nil {
				id, _ := callID(ctx, o.ids)
				logCall(ctx, o.accessLog, o.m, id, fullMethod, err, time.Since(start), func() int { return 0 })
			}
			return resp, err
		}
	}
	return &observed
}

// callID is the caller's well-formed x-request-id, and true; or a new
// one, and false. The caller's goes back in the response headers, as
// REST's X-Request-ID does. A new one goes only to the access log:
// sending a fresh, unindexable header value on every call cost about a
// tenth of a GetProduct's CPU (make bench-load), and a caller that wants
// to follow its calls sends its own.
func callID(ctx context.Context, ids *requestid.Generator) (string, bool) {
	if values := metadata.ValueFromIncomingContext(ctx, requestIDKey); len(values) > 0 && requestid.Valid(values[0]) {
		return values[0], true
	}
	return ids.Next(), false
}

func (o *callObserver) unary(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	start := time.Now()
	id, theirs := callID(ctx, o.ids)
	if theirs {
		_ = grpc.SetHeader(ctx, metadata.MD{requestIDKey: {id}})
	}
	resp, err := handler(ctx, req)
	logCall(ctx, o.accessLog, o.m, id, o.route(info.FullMethod), err, time.Since(start), func() int {
		if msg, ok := resp.(proto.Message); ok && err == nil {
			return proto.Size(msg)
		}
		return 0
	})
	return resp, err
}

func (o *callObserver) stream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	start := time.Now()
	id, theirs := callID(ss.Context(), o.ids)
	if theirs {
		_ = ss.SetHeader(metadata.MD{requestIDKey: {id}})
	}
	err := handler(srv, ss)
	logCall(ss.Context(), o.accessLog, o.m, id, o.route(info.FullMethod), err, time.Since(start), func() int { return 0 })
	return err
}

// closeStreams gives each stream a context that also ends when closing is
// closed, so handlers that wait on it (the health service's Watch) return.
func closeStreams(closing <-chan struct{}) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		ctx, cancel := context.WithCancel(ss.Context())
		defer cancel()
		go func() {
			select {
			case <-closing:
				cancel()
			case <-ctx.Done():
			}
		}()
		err := handler(srv, &streamWithContext{ServerStream: ss, ctx: ctx})
		if ctx.Err() != nil && ss.Context().Err() == nil {
			return status.Error(codes.Unavailable, "server shutting down")
		}
		return err
	}
}

type streamWithContext struct {
	grpc.ServerStream
	ctx context.Context
}

func (s *streamWithContext) Context() context.Context { return s.ctx }

// logCall records a finished call in the metrics and the access log. The
// fields are REST's: method is the HTTP method every gRPC call is sent
// with, route the full gRPC method, status the HTTP status (gRPC answers
// 200 and carries its outcome in grpc_code). Health checks are probes,
// logged at debug as /healthz is.
// With a span on the call, its trace_id and span_id join the line.
func logCall(ctx context.Context, accessLog *zap.Logger, m *metrics.Metrics, id, fullMethod string, err error, elapsed time.Duration, size func() int) {
	code := status.Code(err)
	m.ObserveRPC(fullMethod, code.String(), elapsed)
	level := zapcore.InfoLevel
	if strings.HasPrefix(fullMethod, "/grpc.health.v1.Health/") {
		level = zapcore.DebugLevel
	}
	if ce := accessLog.Check(level, "request"); ce != nil {
		fields := []zap.Field{
			zap.String("request_id", id),
			zap.String("method", "POST"),
			zap.String("route", fullMethod),
			zap.Int("status", 200),
			zap.String("grpc_code", code.String()),
			zap.Int("bytes", size()),
			zap.Int64("duration_us", elapsed.Microseconds()),
		}
		ce.Write(telemetry.AppendTraceFields(ctx, fields)...)
	}
}

// recoverUnary turns a panicking handler into INTERNAL, with the details
// in the log and none for the caller.
func recoverUnary(logger *zap.Logger) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (resp any, err error) {
		defer func() {
			if p := recover(); p != nil {
				resp, err = nil, panicked(logger, info.FullMethod, p)
			}
		}()
		return handler(ctx, req)
	}
}

// recoverStream is recoverUnary for streams.
func recoverStream(logger *zap.Logger) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) (err error) {
		defer func() {
			if p := recover(); p != nil {
				err = panicked(logger, info.FullMethod, p)
			}
		}()
		return handler(srv, ss)
	}
}

// panicked logs a recovered panic, the stack from the panicking handler
// up, and is the error the caller gets.
func panicked(logger *zap.Logger, fullMethod string, p any) error {
	logger.Error("handler panicked", zap.String("route", fullMethod), zap.Any("panic", p), zap.StackSkip("stack", 3))
	return status.Error(codes.Internal, "internal error")
}
