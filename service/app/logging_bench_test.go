package app

import (
	"io"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// BenchmarkAccessLogLine writes one access-log line, as observe does, with
// the time encoded by isoTime and by zap's own ISO8601TimeEncoder. isoTime
// stays only while it saves a measurable share of a line (see its comment).
func BenchmarkAccessLogLine(b *testing.B) {
	for _, enc := range []struct {
		name   string
		encode zapcore.TimeEncoder
	}{
		{"isoTime", (&isoTime{}).encode},
		{"zapISO8601", zapcore.ISO8601TimeEncoder},
	} {
		b.Run(enc.name, func(b *testing.B) {
			config := zap.NewProductionEncoderConfig()
			config.TimeKey = "time"
			config.EncodeTime = enc.encode
			logger := zap.New(zapcore.NewCore(zapcore.NewJSONEncoder(config), zapcore.AddSync(io.Discard), zapcore.InfoLevel))
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				logger.Info("request",
					zap.String("request_id", "0123456789abcdef-1"), zap.String("method", "GET"),
					zap.String("route", "/products/{id}"), zap.Int("status", 200),
					zap.Int("bytes", 312), zap.Int64("duration_us", 42))
			}
		})
	}
}
