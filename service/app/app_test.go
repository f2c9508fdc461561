package app

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zapcore"

	"github.com/product-catalog/product-catalog/service/catalog"
	"github.com/product-catalog/product-catalog/service/config"
	"github.com/product-catalog/product-catalog/service/freeport"
)

type stringsEncoder struct {
	zapcore.PrimitiveArrayEncoder
	got []string
}

func (e *stringsEncoder) AppendByteString(b []byte) { e.got = append(e.got, string(b)) }

func TestISOTimeMatchesZap(t *testing.T) {
	var it isoTime
	base := time.Date(2026, 11, 28, 19, 48, 21, 0, time.UTC)
	for _, tm := range []time.Time{
		base, base.Add(7 * time.Millisecond), base.Add(999*time.Millisecond + 999), base.Add(time.Second),
		base.Add(36 * time.Hour).In(time.FixedZone("CET", 3600)), base.Add(time.Second + 120*time.Millisecond),
	} {
		enc := &stringsEncoder{}
		it.encode(tm, enc)
		if want := tm.UTC().Format("2006-01-02T15:04:05.000Z07:00"); len(enc.got) != 1 || enc.got[0] != want {
			t.Errorf("encode(%v) = %q, want %q", tm, enc.got, want)
		}
	}
}

func TestAccessLogModes(t *testing.T) {
	tests := []struct {
		mode     string
		min, max int
	}{
		{"all", 1000, 1000},
		{"sampled", accessLogFirst, accessLogFirst + 1000/accessLogThereafter},
		{"off", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			var out bytes.Buffer
			logs := newLoggers("info", tt.mode, &out, nil)
			for i := 0; i < 1000; i++ {
				logs.access.Info("request")
			}
			logs.events.Info("started") // events are never sampled or dropped
			if err := logs.flush(); err != nil {
				t.Fatal(err)
			}
			got := strings.Count(out.String(), `"msg":"request"`)
			if got < tt.min || got > tt.max {
				t.Errorf("ACCESS_LOG=%s: %d of 1000 request lines written, want %d to %d", tt.mode, got, tt.min, tt.max)
			}
			if !strings.Contains(out.String(), `"msg":"started"`) {
				t.Errorf("ACCESS_LOG=%s: the event line is missing", tt.mode)
			}
		})
	}
}

// The catalog's read limits are the README's defaults, 64MiB per file and
// 256MiB in all, unless PRODUCT_CATALOG_MAX_FILE_BYTES or
// PRODUCT_CATALOG_MAX_BYTES says otherwise, each on its own.
func TestCatalogLimits(t *testing.T) {
	for _, tt := range []struct {
		name string
		env  map[string]string
		want catalog.Limits
	}{
		{"defaults", nil, catalog.Limits{FileBytes: 64 << 20, TotalBytes: 256 << 20}},
		{"per file", map[string]string{config.EnvMaxFileBytes: "1KiB"}, catalog.Limits{FileBytes: 1 << 10, TotalBytes: 256 << 20}},
		{"in all", map[string]string{config.EnvMaxBytes: "1GiB"}, catalog.Limits{FileBytes: 64 << 20, TotalBytes: 1 << 30}},
		{"both", map[string]string{config.EnvMaxFileBytes: "100", config.EnvMaxBytes: "2MiB"}, catalog.Limits{FileBytes: 100, TotalBytes: 2 << 20}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := config.FromEnv(func(k string) string { return tt.env[k] })
			if err != nil {
				t.Fatal(err)
			}
			if got := catalogLimits(cfg); got != tt.want {
				t.Errorf("catalogLimits(%v) = %+v, want %+v", tt.env, got, tt.want)
			}
		})
	}
}

// The healthcheck subcommand passes only on a 200 from /readyz on
// PRODUCT_CATALOG_PORT: a 503, what the server answers from the moment
// shutdown starts (through SHUTDOWN_DRAIN), fails it, as does no server.
func TestHealthcheck(t *testing.T) {
	closedPort := strconv.Itoa(freeport.Pick(t))
	for _, tt := range []struct {
		name    string
		status  int    // 0: no server
		wantErr string // "" to pass
	}{
		{"ready", http.StatusOK, ""},
		{"draining", http.StatusServiceUnavailable, "/readyz: 503 Service Unavailable"},
		{"no server", 0, "connection refused"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			port := closedPort
			paths := make(chan string, 1)
			if tt.status != 0 {
				// httptest listens on 127.0.0.1, where healthcheck asks.
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					paths <- r.URL.Path
					w.WriteHeader(tt.status)
				}))
				defer srv.Close()
				port = strconv.Itoa(srv.Listener.Addr().(*net.TCPAddr).Port)
			}
			env := func(k string) string {
				if k == config.EnvPort {
					return port
				}
				return ""
			}
			err := Run(context.Background(), Build{}, []string{"product-catalog", "healthcheck"}, env, io.Discard, io.Discard)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("healthcheck = %v, want nil", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("healthcheck = %v, want an error holding %q", err, tt.wantErr)
			}
			if tt.status != 0 {
				// The handler sent the path before it answered, and
				// healthcheck returned after the answer.
				select {
				case got := <-paths:
					if got != "/readyz" {
						t.Errorf("healthcheck asked for %s, want /readyz", got)
					}
				default:
					t.Errorf("healthcheck did not ask the server")
				}
			}
		})
	}
}
