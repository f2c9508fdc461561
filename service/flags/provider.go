package flags

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/open-feature/go-sdk/openfeature"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/product-catalog/product-catalog/service/flags/flagdpb"
)

// EvaluationTimeout bounds each call to flagd. Flags are evaluated on the
// request path (GetProduct), and they only inject faults: a flagd that is
// slow or unreachable must cost a request little, not stall it. flagd
// answers from memory in about a millisecond in the cluster, so 200 ms
// leaves room for a new connection's handshake and a loaded node while
// staying a small share of the demo's request budgets.
const EvaluationTimeout = 200 * time.Millisecond

// Provider is an OpenFeature provider that resolves flags with flagd's
// gRPC evaluation protocol (flagd.evaluation.v1.Service). Every failure
// resolves to the caller's default value with the OpenFeature error code
// set, never a panic or a wait longer than EvaluationTimeout.
type Provider struct {
	client  flagdpb.ServiceClient
	timeout time.Duration
}

var _ openfeature.FeatureProvider = (*Provider)(nil)

// NewProvider returns a provider that calls flagd over conn.
func NewProvider(conn grpc.ClientConnInterface) *Provider {
	return &Provider{client: flagdpb.NewServiceClient(conn), timeout: EvaluationTimeout}
}

// Metadata names the provider "flagd", as flagd's own providers do, so
// telemetry hooks report the same provider name.
func (p *Provider) Metadata() openfeature.Metadata { return openfeature.Metadata{Name: "flagd"} }

// Hooks returns none: the provider needs no hooks of its own.
func (p *Provider) Hooks() []openfeature.Hook { return nil }

// BooleanEvaluation resolves flag with flagd's ResolveBoolean.
func (p *Provider) BooleanEvaluation(ctx context.Context, flag string, defaultValue bool, flatCtx openfeature.FlattenedContext) openfeature.BoolResolutionDetail {
	return resolve(ctx, p, flag, defaultValue, flatCtx, func(ctx context.Context, req request) (answer[bool], error) {
		r, err := p.client.ResolveBoolean(ctx, &flagdpb.ResolveBooleanRequest{FlagKey: req.flag, Context: req.context})
		return answer[bool]{r.GetValue(), r.GetReason(), r.GetVariant(), r.GetMetadata()}, err
	})
}

// StringEvaluation resolves flag with flagd's ResolveString.
func (p *Provider) StringEvaluation(ctx context.Context, flag string, defaultValue string, flatCtx openfeature.FlattenedContext) openfeature.StringResolutionDetail {
	return resolve(ctx, p, flag, defaultValue, flatCtx, func(ctx context.Context, req request) (answer[string], error) {
		r, err := p.client.ResolveString(ctx, &flagdpb.ResolveStringRequest{FlagKey: req.flag, Context: req.context})
		return answer[string]{r.GetValue(), r.GetReason(), r.GetVariant(), r.GetMetadata()}, err
	})
}

// FloatEvaluation resolves flag with flagd's ResolveFloat.
func (p *Provider) FloatEvaluation(ctx context.Context, flag string, defaultValue float64, flatCtx openfeature.FlattenedContext) openfeature.FloatResolutionDetail {
	return resolve(ctx, p, flag, defaultValue, flatCtx, func(ctx context.Context, req request) (answer[float64], error) {
		r, err := p.client.ResolveFloat(ctx, &flagdpb.ResolveFloatRequest{FlagKey: req.flag, Context: req.context})
		return answer[float64]{r.GetValue(), r.GetReason(), r.GetVariant(), r.GetMetadata()}, err
	})
}

// IntEvaluation resolves flag with flagd's ResolveInt.
func (p *Provider) IntEvaluation(ctx context.Context, flag string, defaultValue int64, flatCtx openfeature.FlattenedContext) openfeature.IntResolutionDetail {
	return resolve(ctx, p, flag, defaultValue, flatCtx, func(ctx context.Context, req request) (answer[int64], error) {
		r, err := p.client.ResolveInt(ctx, &flagdpb.ResolveIntRequest{FlagKey: req.flag, Context: req.context})
		return answer[int64]{r.GetValue(), r.GetReason(), r.GetVariant(), r.GetMetadata()}, err
	})
}

// ObjectEvaluation resolves flag with flagd's ResolveObject; the value is
// the object as a map[string]any.
func (p *Provider) ObjectEvaluation(ctx context.Context, flag string, defaultValue any, flatCtx openfeature.FlattenedContext) openfeature.InterfaceResolutionDetail {
	return resolve(ctx, p, flag, defaultValue, flatCtx, func(ctx context.Context, req request) (answer[any], error) {
		r, err := p.client.ResolveObject(ctx, &flagdpb.ResolveObjectRequest{FlagKey: req.flag, Context: req.context})
		var value any
		if r.GetValue() != nil {
			value = r.GetValue().AsMap()
		}
		return answer[any]{value, r.GetReason(), r.GetVariant(), r.GetMetadata()}, err
	})
}

// request is what every Resolve* call sends.
type request struct {
	flag    string
	context *structpb.Struct
}

// answer is what every Resolve* response holds.
type answer[T any] struct {
	value    T
	reason   string
	variant  string
	metadata *structpb.Struct
}

// resolve makes one call to flagd under the deadline and maps its answer,
// or its failure, to OpenFeature's resolution detail.
func resolve[T any](ctx context.Context, p *Provider, flag string, defaultValue T, flatCtx openfeature.FlattenedContext,
	call func(context.Context, request) (answer[T], error),
) openfeature.GenericResolutionDetail[T] {
	failed := func(e openfeature.ResolutionError) openfeature.GenericResolutionDetail[T] {
		return openfeature.GenericResolutionDetail[T]{
			Value:                    defaultValue,
			ProviderResolutionDetail: openfeature.ProviderResolutionDetail{ResolutionError: e, Reason: openfeature.ErrorReason},
		}
	}
	// The targeting key is in flatCtx already: the SDK flattens it to the
	// attribute "targetingKey", the name flagd's targeting reads.
	evalCtx, err := toStruct(flatCtx)
	if err != nil {
		return failed(openfeature.NewInvalidContextResolutionError(err.Error()))
	}
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	a, err := call(ctx, request{flag: flag, context: evalCtx})
	if err != nil {
		return failed(resolutionError(err, p.timeout))
	}
	reason := openfeature.Reason(a.reason)
	if reason == "" {
		reason = openfeature.UnknownReason
	}
	if reason == openfeature.ErrorReason {
		// flagd reports errors as gRPC statuses; an ERROR reason in an
		// answer carries no value to trust.
		return failed(openfeature.NewGeneralResolutionError("flagd answered reason ERROR without an error status"))
	}
	detail := openfeature.GenericResolutionDetail[T]{
		Value: a.value,
		ProviderResolutionDetail: openfeature.ProviderResolutionDetail{
			Reason:       reason,
			Variant:      a.variant,
			FlagMetadata: openfeature.FlagMetadata(a.metadata.AsMap()),
		},
	}
	// Protocol v1 has no "value unset": a disabled flag, or one whose
	// targeting chose no variant and that has no default variant, comes
	// back as the type's zero value with no variant and reason DISABLED or
	// DEFAULT. OpenFeature wants the caller's default then, as flagd's
	// own providers give.
	if a.variant == "" && (reason == openfeature.DisabledReason || reason == openfeature.DefaultReason) {
		detail.Value = defaultValue
	}
	return detail
}

// resolutionError maps a failed call to OpenFeature's error codes, the
// way flagd maps its own errors to gRPC codes (flagd's errFormat):
// NotFound for FLAG_NOT_FOUND (and, in older flagd, FLAG_DISABLED),
// InvalidArgument for TYPE_MISMATCH, DataLoss for PARSE_ERROR. Unavailable
// is flagd not reached, as flagd's Go provider reports it.
func resolutionError(err error, timeout time.Duration) openfeature.ResolutionError {
	if errors.Is(err, context.DeadlineExceeded) || status.Code(err) == codes.DeadlineExceeded {
		return openfeature.NewGeneralResolutionError(fmt.Sprintf("flagd did not answer before the deadline (at most %v)", timeout), err)
	}
	s := status.Convert(err)
	msg := "flagd: " + s.Message()
	switch s.Code() {
	case codes.NotFound:
		return openfeature.NewFlagNotFoundResolutionError(msg)
	case codes.InvalidArgument:
		return openfeature.NewTypeMismatchResolutionError(msg)
	case codes.DataLoss:
		return openfeature.NewParseErrorResolutionError(msg, err)
	case codes.Unavailable:
		return openfeature.NewProviderNotReadyResolutionError(msg)
	default:
		return openfeature.NewGeneralResolutionError(fmt.Sprintf("flagd: %v: %s", s.Code(), s.Message()), err)
	}
}

// toStruct is an evaluation context as the Struct flagd takes.
func toStruct(m map[string]any) (*structpb.Struct, error) {
	s := &structpb.Struct{Fields: make(map[string]*structpb.Value, len(m))}
	for k, v := range m {
		pv, err := toValue(v)
		if err != nil {
			return nil, fmt.Errorf("evaluation context attribute %q: %w", k, err)
		}
		s.Fields[k] = pv
	}
	return s, nil
}

// toValue is structpb.NewValue, plus the date-times OpenFeature contexts
// may hold, which JSON (and so flagd's targeting) knows only as strings.
func toValue(v any) (*structpb.Value, error) {
	switch v := v.(type) {
	case time.Time:
		return structpb.NewStringValue(v.UTC().Format(time.RFC3339Nano)), nil
	case map[string]any:
		s, err := toStruct(v)
		if err != nil {
			return nil, err
		}
		return structpb.NewStructValue(s), nil
	case []any:
		l := &structpb.ListValue{Values: make([]*structpb.Value, len(v))}
		for i, e := range v {
			pv, err := toValue(e)
			if err != nil {
				return nil, err
			}
			l.Values[i] = pv
		}
		return structpb.NewListValue(l), nil
	default:
		return structpb.NewValue(v)
	}
}
