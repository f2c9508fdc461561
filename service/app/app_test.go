package app

import (
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
