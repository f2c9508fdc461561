package app

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zapcore"
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
