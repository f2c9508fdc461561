package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.37.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/product-catalog/product-catalog/service/telemetry"
)

// instrumentationName names this package's spans and metrics.
const instrumentationName = "github.com/product-catalog/product-catalog/service/httpapi"

// traced wraps next in a server span and the semantic-convention request
// duration, when telemetry is on; with it off, next is returned as it is
// and a request pays nothing for telemetry. The span takes the caller's
// W3C trace context and baggage, and is named by the route template once
// the router has matched it ("GET /products/{id}"), as the HTTP semantic
// conventions name server spans; an unmatched request's span is named by
// its method alone, so paths cannot mint span names.
func traced(tel *telemetry.Telemetry, next func(*statusRecorder, *http.Request)) func(*statusRecorder, *http.Request) {
	if tel == nil || !tel.On {
		return next
	}
	tracer := tel.Tracer.Tracer(instrumentationName)
	duration, err := tel.Meter.Meter(instrumentationName).Float64Histogram("http.server.request.duration",
		metric.WithUnit("s"), metric.WithDescription("Duration of HTTP server requests."),
		metric.WithExplicitBucketBoundaries(0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10))
	if err != nil {
		duration = nil // the SDK says why in its own log; spans still go out
	}
	propagator := tel.Propagator
	return func(rec *statusRecorder, r *http.Request) {
		start := time.Now()
		ctx := propagator.Extract(r.Context(), propagation.HeaderCarrier(r.Header))
		ctx, span := tracer.Start(ctx, r.Method, trace.WithSpanKind(trace.SpanKindServer),
			trace.WithTimestamp(start), trace.WithAttributes(
				semconv.HTTPRequestMethodKey.String(r.Method),
				semconv.URLPath(r.URL.Path),
				semconv.URLScheme("http"),
				semconv.NetworkProtocolVersion(strconv.Itoa(r.ProtoMajor)+"."+strconv.Itoa(r.ProtoMinor)),
			))
		if sc := span.SpanContext(); sc.IsValid() {
			rec.spanContext = &sc
		}
		next(rec, r.WithContext(ctx))
		status := rec.statusCode()
		attrs := []attribute.KeyValue{semconv.HTTPRequestMethodKey.String(r.Method), semconv.HTTPResponseStatusCode(status)}
		if rec.route != "unmatched" {
			span.SetName(r.Method + " " + rec.route)
			attrs = append(attrs, semconv.HTTPRoute(rec.route))
		}
		if status >= http.StatusInternalServerError {
			// Server errors only: a 4xx is the client's, not the span's.
			span.SetStatus(codes.Error, http.StatusText(status))
			attrs = append(attrs, semconv.ErrorTypeKey.String(strconv.Itoa(status)))
		}
		span.SetAttributes(attrs...)
		span.End()
		if duration != nil {
			duration.Record(ctx, time.Since(start).Seconds(), metric.WithAttributes(attrs...))
		}
	}
}
