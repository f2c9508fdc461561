package flags

import (
	"context"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/open-feature/go-sdk/openfeature"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// result is what a test compares of a resolution detail.
type result struct {
	Value     any
	Reason    openfeature.Reason
	Variant   string
	ErrorCode openfeature.ErrorCode
	Metadata  openfeature.FlagMetadata
}

func summary[T any](d openfeature.GenericResolutionDetail[T]) result {
	r := d.ResolutionDetail()
	return result{Value: d.Value, Reason: r.Reason, Variant: r.Variant, ErrorCode: r.ErrorCode, Metadata: r.FlagMetadata}
}

// testFlags covers each type and each way flagd answers.
func testFlags() map[string]fakeFlag {
	return map[string]fakeFlag{
		"bool": {
			variants: map[string]any{"on": true, "off": false}, defaultVariant: "on",
			metadata: map[string]any{"flagSetId": "demo", "version": 3.0},
		},
		"string": {
			variants: map[string]any{"a": "alpha", "b": "beta"}, defaultVariant: "a",
			target: func(evalCtx map[string]any) string {
				if evalCtx["targetingKey"] == "user-1" {
					return "b"
				}
				return ""
			},
		},
		"float":    {variants: map[string]any{"half": 0.5}, defaultVariant: "half"},
		"int":      {variants: map[string]any{"many": int64(1) << 40}, defaultVariant: "many"},
		"object":   {variants: map[string]any{"o": map[string]any{"k": "v", "n": 1.0}}, defaultVariant: "o"},
		"disabled": {variants: map[string]any{"on": true, "off": false}, defaultVariant: "on", disabled: true},
		"no default": {
			variants: map[string]any{"on": true}, target: func(map[string]any) string { return "" },
		},
	}
}

// newProvider returns a provider calling the flagd at host:port.
func newProvider(t *testing.T, host string, port int) *Provider {
	t.Helper()
	conn, err := grpc.NewClient(net.JoinHostPort(host, strconv.Itoa(port)), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return NewProvider(conn)
}

func TestProvider(t *testing.T) {
	type flat = openfeature.FlattenedContext
	when := time.Date(2026, 5, 5, 13, 57, 27, 0, time.FixedZone("EDT", -4*3600))
	tests := []struct {
		name     string
		eval     func(context.Context, *Provider) result
		want     result
		wantSent []map[string]any // the contexts flagd received
	}{
		{
			name: "boolean, static, with metadata",
			eval: func(ctx context.Context, p *Provider) result {
				return summary(p.BooleanEvaluation(ctx, "bool", false, flat{"product_id": "X"}))
			},
			want: result{Value: true, Reason: openfeature.StaticReason, Variant: "on",
				Metadata: openfeature.FlagMetadata{"flagSetId": "demo", "version": 3.0}},
			wantSent: []map[string]any{{"product_id": "X"}},
		},
		{
			name: "string, targeting match on the targeting key",
			eval: func(ctx context.Context, p *Provider) result {
				return summary(p.StringEvaluation(ctx, "string", "dflt", flat{openfeature.TargetingKey: "user-1"}))
			},
			want:     result{Value: "beta", Reason: openfeature.TargetingMatchReason, Variant: "b", Metadata: openfeature.FlagMetadata{}},
			wantSent: []map[string]any{{"targetingKey": "user-1"}},
		},
		{
			name: "string, targeting gives null: the default variant",
			eval: func(ctx context.Context, p *Provider) result {
				return summary(p.StringEvaluation(ctx, "string", "dflt", flat{openfeature.TargetingKey: "user-2"}))
			},
			want:     result{Value: "alpha", Reason: openfeature.DefaultReason, Variant: "a", Metadata: openfeature.FlagMetadata{}},
			wantSent: []map[string]any{{"targetingKey": "user-2"}},
		},
		{
			name: "float",
			eval: func(ctx context.Context, p *Provider) result {
				return summary(p.FloatEvaluation(ctx, "float", 1, flat{}))
			},
			want:     result{Value: 0.5, Reason: openfeature.StaticReason, Variant: "half", Metadata: openfeature.FlagMetadata{}},
			wantSent: []map[string]any{{}},
		},
		{
			name: "int, beyond float precision",
			eval: func(ctx context.Context, p *Provider) result {
				return summary(p.IntEvaluation(ctx, "int", 1, flat{}))
			},
			want:     result{Value: int64(1) << 40, Reason: openfeature.StaticReason, Variant: "many", Metadata: openfeature.FlagMetadata{}},
			wantSent: []map[string]any{{}},
		},
		{
			name: "object",
			eval: func(ctx context.Context, p *Provider) result {
				return summary(p.ObjectEvaluation(ctx, "object", nil, flat{}))
			},
			want: result{Value: map[string]any{"k": "v", "n": 1.0}, Reason: openfeature.StaticReason, Variant: "o",
				Metadata: openfeature.FlagMetadata{}},
			wantSent: []map[string]any{{}},
		},
		{
			name: "disabled: the caller's default, reason DISABLED, no error",
			eval: func(ctx context.Context, p *Provider) result {
				return summary(p.BooleanEvaluation(ctx, "disabled", true, flat{}))
			},
			want:     result{Value: true, Reason: openfeature.DisabledReason, Metadata: openfeature.FlagMetadata{}},
			wantSent: []map[string]any{{}},
		},
		{
			name: "not found",
			eval: func(ctx context.Context, p *Provider) result {
				return summary(p.BooleanEvaluation(ctx, "missing", true, flat{}))
			},
			want:     result{Value: true, Reason: openfeature.ErrorReason, ErrorCode: openfeature.FlagNotFoundCode, Metadata: openfeature.FlagMetadata{}},
			wantSent: []map[string]any{{}},
		},
		{
			name: "no variant and no default variant: not found in protocol v1",
			eval: func(ctx context.Context, p *Provider) result {
				return summary(p.BooleanEvaluation(ctx, "no default", false, flat{}))
			},
			want:     result{Value: false, Reason: openfeature.ErrorReason, ErrorCode: openfeature.FlagNotFoundCode, Metadata: openfeature.FlagMetadata{}},
			wantSent: []map[string]any{{}},
		},
		{
			name: "type mismatch",
			eval: func(ctx context.Context, p *Provider) result {
				return summary(p.BooleanEvaluation(ctx, "string", true, flat{}))
			},
			want:     result{Value: true, Reason: openfeature.ErrorReason, ErrorCode: openfeature.TypeMismatchCode, Metadata: openfeature.FlagMetadata{}},
			wantSent: []map[string]any{{}},
		},
		{
			name: "context values JSON lacks: date-times as RFC 3339, nested",
			eval: func(ctx context.Context, p *Provider) result {
				return summary(p.BooleanEvaluation(ctx, "bool", false,
					flat{"at": when, "n": 2, "nested": map[string]any{"list": []any{when, true}}}))
			},
			want: result{Value: true, Reason: openfeature.StaticReason, Variant: "on",
				Metadata: openfeature.FlagMetadata{"flagSetId": "demo", "version": 3.0}},
			wantSent: []map[string]any{{
				"at": "2026-05-05T17:57:27Z", "n": 2.0,
				"nested": map[string]any{"list": []any{"2026-05-05T17:57:27Z", true}},
			}},
		},
		{
			name: "context value flagd cannot take: invalid context, flagd not called",
			eval: func(ctx context.Context, p *Provider) result {
				return summary(p.BooleanEvaluation(ctx, "bool", false, flat{"ch": make(chan int)}))
			},
			want: result{Value: false, Reason: openfeature.ErrorReason, ErrorCode: openfeature.InvalidContextCode, Metadata: openfeature.FlagMetadata{}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := &fakeFlagd{flags: testFlags()}
			host, port := fake.start(t)
			p := newProvider(t, host, port)
			if diff := cmp.Diff(tt.want, tt.eval(t.Context(), p)); diff != "" {
				t.Errorf("resolution (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantSent, fake.contexts()); diff != "" {
				t.Errorf("contexts flagd received (-want +got):\n%s", diff)
			}
		})
	}
}

// TestProviderThroughSDK checks what the SDK adds: the targeting key,
// flattened into the context as flagd expects, and the error reported.
func TestProviderThroughSDK(t *testing.T) {
	fake := &fakeFlagd{flags: testFlags()}
	host, port := fake.start(t)
	f := newFlags(t, host, port)

	evalCtx := openfeature.NewEvaluationContext("user-1", map[string]any{"product_id": "OLJCESPC7Z"})
	if got, err := f.client.StringValue(t.Context(), "string", "dflt", evalCtx); got != "beta" || err != nil {
		t.Errorf(`StringValue("string") = %q, %v; want "beta", nil`, got, err)
	}
	want := []map[string]any{{"targetingKey": "user-1", "product_id": "OLJCESPC7Z"}}
	if diff := cmp.Diff(want, fake.contexts()); diff != "" {
		t.Errorf("contexts flagd received (-want +got):\n%s", diff)
	}

	d, err := f.client.BooleanValueDetails(t.Context(), "missing", true, evalCtx)
	if err == nil || d.Value != true || d.ErrorCode != openfeature.FlagNotFoundCode || d.Reason != openfeature.ErrorReason {
		t.Errorf(`BooleanValueDetails("missing") = %+v, %v; want the default, error code %s, reason %s`,
			d, err, openfeature.FlagNotFoundCode, openfeature.ErrorReason)
	}
}

func TestProviderDeadline(t *testing.T) {
	fake := &fakeFlagd{flags: testFlags(), hang: true}
	host, port := fake.start(t)
	p := newProvider(t, host, port)
	ctx, cancel := context.WithTimeout(t.Context(), 10*EvaluationTimeout) // fail, not hang, without the provider's
	defer cancel()
	start := time.Now()
	got := summary(p.IntEvaluation(ctx, "int", 7, openfeature.FlattenedContext{}))
	elapsed := time.Since(start)
	want := result{Value: int64(7), Reason: openfeature.ErrorReason, ErrorCode: openfeature.GeneralCode, Metadata: openfeature.FlagMetadata{}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("resolution with flagd hanging (-want +got):\n%s", diff)
	}
	if elapsed < EvaluationTimeout || elapsed > 5*EvaluationTimeout {
		t.Errorf("IntEvaluation with flagd hanging took %v, want from %v to %v", elapsed, EvaluationTimeout, 5*EvaluationTimeout)
	}
}
