package flags

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/open-feature/go-sdk/openfeature"

	"github.com/product-catalog/product-catalog/service/freeport"
)

// newFlags returns Flags for the flagd at host:port, closed when the test
// ends.
func newFlags(t *testing.T, host string, port int) *Flags {
	t.Helper()
	f, err := New(host, port)
	if err != nil {
		t.Fatalf("New(%q, %d): %v", host, port, err)
	}
	t.Cleanup(func() {
		if err := f.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return f
}

func TestProductFailure(t *testing.T) {
	tests := []struct {
		name      string
		on        bool // the demo's flag turned on
		productID string
		want      bool
	}{
		{"on, the targeted product", true, "OLJCESPC7Z", true},
		{"on, another product", true, "66VCHSJNUP", false},
		{"on, no product", true, "", false},
		{"off, the targeted product", false, "OLJCESPC7Z", false},
		{"off, another product", false, "66VCHSJNUP", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := &fakeFlagd{flags: demoFlags(tt.on)}
			host, port := fake.start(t)
			f := newFlags(t, host, port)
			if got := f.ProductFailure(t.Context(), tt.productID); got != tt.want {
				t.Errorf("ProductFailure(%q) = %v, want %v", tt.productID, got, tt.want)
			}
			want := []map[string]any{{"product_id": tt.productID}}
			if diff := cmp.Diff(want, fake.contexts()); diff != "" {
				t.Errorf("contexts flagd received (-want +got):\n%s", diff)
			}
		})
	}
}

func TestProductFailureConcurrent(t *testing.T) {
	fake := &fakeFlagd{flags: demoFlags(true)}
	host, port := fake.start(t)
	f := newFlags(t, host, port)
	var wg sync.WaitGroup
	for i := range 16 {
		id, want := "66VCHSJNUP", false
		if i%2 == 0 {
			id, want = "OLJCESPC7Z", true
		}
		wg.Go(func() {
			if got := f.ProductFailure(t.Context(), id); got != want {
				t.Errorf("ProductFailure(%q) = %v, want %v", id, got, want)
			}
		})
	}
	wg.Wait()
}

func TestProductFailureFlagNotFound(t *testing.T) {
	fake := &fakeFlagd{flags: map[string]fakeFlag{}}
	host, port := fake.start(t)
	f := newFlags(t, host, port)
	if got := f.ProductFailure(t.Context(), "OLJCESPC7Z"); got {
		t.Errorf("ProductFailure without the flag = %v, want false", got)
	}
}

func TestProductFailureFlagdUnreachable(t *testing.T) {
	f := newFlags(t, "127.0.0.1", freeport.Pick(t))
	// A refused connection fails the call at once: well within the
	// deadline, so a missing flagd costs requests nothing noticeable.
	for i := range 3 { // the first call connects; the others find the connection failed
		start := time.Now()
		got := f.ProductFailure(t.Context(), "OLJCESPC7Z")
		// The first call's time is the dial's, which a loaded machine
		// may stretch: only the steady state is bounded.
		if elapsed := time.Since(start); i > 0 && elapsed >= EvaluationTimeout {
			t.Errorf("call %d: ProductFailure took %v with flagd unreachable, want under %v", i, elapsed, EvaluationTimeout)
		}
		if got {
			t.Errorf("call %d: ProductFailure with flagd unreachable = true, want false", i)
		}
	}
	d, err := f.client.BooleanValueDetails(t.Context(), ProductFailureFlag, false, openfeature.EvaluationContext{})
	if err == nil || d.ErrorCode != openfeature.ProviderNotReadyCode || d.Reason != openfeature.ErrorReason {
		t.Errorf("BooleanValueDetails with flagd unreachable = %+v, %v; want error code %s, reason %s",
			d, err, openfeature.ProviderNotReadyCode, openfeature.ErrorReason)
	}
}

func TestProductFailureFlagdHangs(t *testing.T) {
	// flagd answers the first call, so the connection is up, and then
	// hangs: the timed call's deadline is all spent waiting on flagd.
	fake := &fakeFlagd{flags: demoFlags(true), hang: true, answered: 1}
	host, port := fake.start(t)
	f := newFlags(t, host, port)
	if !f.ProductFailure(t.Context(), "OLJCESPC7Z") {
		t.Fatalf("ProductFailure before flagd hangs = false, want true (the demo's flag on)")
	}
	// A later deadline of the test's own, so that a provider without one
	// fails the test rather than hanging it.
	ctx, cancel := context.WithTimeout(t.Context(), 10*EvaluationTimeout)
	defer cancel()
	start := time.Now()
	got := f.ProductFailure(ctx, "OLJCESPC7Z")
	elapsed := time.Since(start)
	if got {
		t.Errorf("ProductFailure with flagd hanging = true, want false")
	}
	// The provider's deadline, not the test's, released the call; the
	// upper bound leaves room for a loaded machine.
	if elapsed < EvaluationTimeout || elapsed > 5*EvaluationTimeout {
		t.Errorf("ProductFailure with flagd hanging took %v, want from %v to %v", elapsed, EvaluationTimeout, 5*EvaluationTimeout)
	}
	// The call went out on a ready connection, so flagd gets it, if
	// perhaps after the client gave up on it.
	for i := range 2 {
		select {
		case <-fake.arrived:
		case <-time.After(10 * time.Second):
			t.Fatalf("flagd received %d calls, want 2", i)
		}
	}
	if n := len(fake.contexts()); n != 2 {
		t.Errorf("flagd received %d calls, want 2", n)
	}
}

func TestNilFlags(t *testing.T) {
	var f *Flags
	if got := f.ProductFailure(t.Context(), "OLJCESPC7Z"); got {
		t.Errorf("nil Flags: ProductFailure = true, want false")
	}
	if err := f.Close(); err != nil {
		t.Errorf("nil Flags: Close = %v, want nil", err)
	}
}

// fromEnv is what the service does with the variables: no host, no Flags.
func fromEnv(getenv func(string) string) (*Flags, error) {
	host, port, err := AddrFromEnv(getenv)
	if err != nil || host == "" {
		return nil, err
	}
	return New(host, port)
}

func TestAddrFromEnv(t *testing.T) {
	tests := []struct {
		name       string
		env        map[string]string
		wantTarget string // "" for nil Flags
		wantErr    string // parts the error must hold; "" for none
	}{
		{name: "unset", env: map[string]string{}},
		{name: "empty host", env: map[string]string{"FLAGD_HOST": ""}},
		{name: "port without host", env: map[string]string{"FLAGD_PORT": "8013"}},
		{name: "default port", env: map[string]string{"FLAGD_HOST": "flagd"}, wantTarget: "flagd:8013"},
		{name: "empty port", env: map[string]string{"FLAGD_HOST": "flagd", "FLAGD_PORT": ""}, wantTarget: "flagd:8013"},
		{name: "explicit port", env: map[string]string{"FLAGD_HOST": "flagd", "FLAGD_PORT": "9090"}, wantTarget: "flagd:9090"},
		{name: "IPv6 host", env: map[string]string{"FLAGD_HOST": "::1"}, wantTarget: "[::1]:8013"},
		{name: "port not a number", env: map[string]string{"FLAGD_HOST": "flagd", "FLAGD_PORT": "http"}, wantErr: `FLAGD_PORT="http"`},
		{name: "port zero", env: map[string]string{"FLAGD_HOST": "flagd", "FLAGD_PORT": "0"}, wantErr: `FLAGD_PORT="0"`},
		{name: "port too large", env: map[string]string{"FLAGD_HOST": "flagd", "FLAGD_PORT": "65536"}, wantErr: `FLAGD_PORT="65536"`},
		{name: "port with a space", env: map[string]string{"FLAGD_HOST": "flagd", "FLAGD_PORT": " 8013"}, wantErr: `FLAGD_PORT=" 8013"`},
		{name: "bad port without host", env: map[string]string{"FLAGD_PORT": "x"}, wantErr: `FLAGD_PORT="x": must be a port number`},
		{name: "service name", env: map[string]string{"FLAGD_HOST": "flagd.otel-demo.svc.cluster.local."}, wantTarget: "flagd.otel-demo.svc.cluster.local.:8013"},
		{name: "underscore in a name", env: map[string]string{"FLAGD_HOST": "demo_flagd"}, wantTarget: "demo_flagd:8013"},
		{name: "IPv4 host", env: map[string]string{"FLAGD_HOST": "10.0.0.7"}, wantTarget: "10.0.0.7:8013"},
		{name: "host with a bad escape", env: map[string]string{"FLAGD_HOST": "flagd%zz"}, wantErr: `FLAGD_HOST="flagd%zz": must be a host name or an IP address`},
		{name: "host as a URL", env: map[string]string{"FLAGD_HOST": "http://flagd"}, wantErr: `FLAGD_HOST="http://flagd"`},
		{name: "host with a port", env: map[string]string{"FLAGD_HOST": "flagd:8013"}, wantErr: `FLAGD_HOST="flagd:8013"`},
		{name: "host with a space", env: map[string]string{"FLAGD_HOST": "flag d"}, wantErr: `FLAGD_HOST="flag d"`},
		{name: "empty label", env: map[string]string{"FLAGD_HOST": "flagd..svc"}, wantErr: `FLAGD_HOST="flagd..svc"`},
		{name: "bad host and bad port, both named", env: map[string]string{"FLAGD_HOST": "a/b", "FLAGD_PORT": "0"}, wantErr: `FLAGD_PORT="0": must be a port number from 1 to 65535` + "\n" + `FLAGD_HOST="a/b"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := fromEnv(func(k string) string { return tt.env[k] })
			if f != nil {
				t.Cleanup(func() { _ = f.Close() })
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("AddrFromEnv(%v) error = %v, want one holding %s", tt.env, err, tt.wantErr)
				}
				if f != nil {
					t.Errorf("AddrFromEnv(%v) = non-nil Flags with an error", tt.env)
				}
				return
			}
			if err != nil {
				t.Fatalf("AddrFromEnv(%v): %v", tt.env, err)
			}
			var got string
			if f != nil {
				got = f.conn.Target()
			}
			if got != tt.wantTarget {
				t.Errorf("AddrFromEnv(%v) target = %q, want %q", tt.env, got, tt.wantTarget)
			}
		})
	}
}

// errorHook records the errors of the evaluations it sees.
type errorHook struct {
	openfeature.UnimplementedHook
	mu   sync.Mutex
	errs []error
}

func (h *errorHook) Error(_ context.Context, _ openfeature.HookContext, err error, _ openfeature.HookHints) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.errs = append(h.errs, err)
}

func TestWithHooks(t *testing.T) {
	hook := &errorHook{}
	f, err := New("127.0.0.1", freeport.Pick(t), WithHooks(hook))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.ProductFailure(t.Context(), "OLJCESPC7Z"); got {
		t.Errorf("ProductFailure with flagd unreachable = true, want false")
	}
	hook.mu.Lock()
	defer hook.mu.Unlock()
	if len(hook.errs) != 1 || !strings.Contains(hook.errs[0].Error(), string(openfeature.ProviderNotReadyCode)) {
		t.Errorf("hook saw errors %v, want one %s", hook.errs, openfeature.ProviderNotReadyCode)
	}
}
