package telemetry

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Every bad configuration is refused before the service starts, with an
// error that names the variable (and the file) at fault; nothing
// configured is off.
// setup is what the service does with the variables: read, then start.
func setup(getenv func(string) string) (*Telemetry, error) {
	cfg, err := FromEnv(getenv)
	if err != nil {
		return nil, err
	}
	return Start(context.Background(), cfg)
}

func TestFromEnvThenStart(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	big := write("big.yml", "file_format: \"1.0\"\n#"+strings.Repeat("x", maxConfigBytes)+"\n")
	noFormat := write("noformat.yml", "disabled: false\n")
	disabled := write("disabled.yml", "file_format: \"1.0\"\ndisabled: true\n")
	for _, tt := range []struct {
		name    string
		env     map[string]string
		wantOn  bool
		wantErr string
	}{
		{"nothing configured", nil, false, ""},
		{"disabled wins", map[string]string{EnvSDKDisabled: "true", EnvEndpoint: "http://127.0.0.1:1"}, false, ""},
		{"bad OTEL_SDK_DISABLED", map[string]string{EnvSDKDisabled: "yes"}, false, `OTEL_SDK_DISABLED="yes": want true or false`},
		{"exporter none", map[string]string{EnvEndpoint: "http://127.0.0.1:1", EnvTracesExporter: "none", EnvMetricsExporter: "none", EnvLogsExporter: "none"}, false, ""},
		{"unknown exporter", map[string]string{EnvTracesExporter: "zipkin"}, false, `OTEL_TRACES_EXPORTER="zipkin": this service exports by OTLP only`},
		{"unknown protocol", map[string]string{EnvEndpoint: "http://127.0.0.1:1", EnvProtocol: "http/json"}, false, `OTEL_EXPORTER_OTLP_PROTOCOL="http/json": want grpc or http/protobuf`},
		{"endpoint", map[string]string{EnvEndpoint: "http://127.0.0.1:1", EnvProtocol: "grpc"}, true, ""},
		{"missing file", map[string]string{EnvConfigFile: filepath.Join(dir, "nope.yml")}, false, "OTEL_CONFIG_FILE=" + filepath.Join(dir, "nope.yml")},
		{"a directory", map[string]string{EnvConfigFile: dir}, false, "not a regular file"},
		{"a device", map[string]string{EnvConfigFile: "/dev/zero"}, false, "OTEL_CONFIG_FILE=/dev/zero: not a regular file"},
		{"too large", map[string]string{EnvConfigFile: big}, false, "larger than 1048576 bytes"},
		{"no file_format", map[string]string{EnvConfigFile: noFormat}, false, "file_format"},
		{"file disables", map[string]string{EnvConfigFile: disabled}, false, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tel, err := setup(func(name string) string { return tt.env[name] })
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("FromEnv/Start error = %v, want one holding %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("FromEnv/Start: %v", err)
			}
			// Nothing was recorded; an exporter whose endpoint is away
			// need not be waited for.
			ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
			defer cancel()
			defer func() { _ = tel.Shutdown(ctx) }()
			if tel.On != tt.wantOn {
				t.Errorf("On = %v, want %v", tel.On, tt.wantOn)
			}
		})
	}
}

// FromEnv reports every problem at once, each naming its variable, and a
// bad OTEL_EXPORTER_OTLP_PROTOCOL that three signals fall back on once;
// what telemetry does not read (the other OTEL_* when disabled, or when a
// file configures it) is not judged.
func TestFromEnvReportsEveryProblem(t *testing.T) {
	for _, tt := range []struct {
		name string
		env  map[string]string
		want []string // each must appear exactly once; none means valid
	}{
		{"all at once", map[string]string{
			EnvSDKDisabled: "maybe", EnvTracesExporter: "zipkin", EnvEndpoint: "http://127.0.0.1:1", EnvProtocol: "udp",
		}, []string{`OTEL_SDK_DISABLED="maybe"`, `OTEL_TRACES_EXPORTER="zipkin"`, `OTEL_EXPORTER_OTLP_PROTOCOL="udp"`}},
		{"per-signal protocol named", map[string]string{
			EnvEndpoint: "http://127.0.0.1:1", "OTEL_EXPORTER_OTLP_LOGS_PROTOCOL": "http/json", EnvMetricsExporter: "prometheus",
		}, []string{`OTEL_EXPORTER_OTLP_LOGS_PROTOCOL="http/json"`, `OTEL_METRICS_EXPORTER="prometheus"`}},
		{"bad file and bad disabled", map[string]string{
			EnvSDKDisabled: "1", EnvConfigFile: "/does/not/exist.yml", EnvTracesExporter: "zipkin",
		}, []string{`OTEL_SDK_DISABLED="1"`, "OTEL_CONFIG_FILE=/does/not/exist.yml"}},
		{"disabled: the rest is not read", map[string]string{EnvSDKDisabled: "true", EnvTracesExporter: "zipkin", EnvConfigFile: "/does/not/exist.yml"}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := FromEnv(func(name string) string { return tt.env[name] })
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("FromEnv(%v) = %v, want no error", tt.env, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("FromEnv(%v) = nil, want errors naming %q", tt.env, tt.want)
			}
			for _, want := range tt.want {
				if got := strings.Count(err.Error(), want); got != 1 {
					t.Errorf("FromEnv(%v) error names %s %d times, want once; error:\n%v", tt.env, want, got, err)
				}
			}
			if got, want := strings.Count(err.Error(), "\n")+1, len(tt.want); got != want {
				t.Errorf("FromEnv(%v) reports %d problems, want %d; error:\n%v", tt.env, got, want, err)
			}
		})
	}
}
