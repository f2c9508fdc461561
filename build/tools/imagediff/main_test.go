package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

var (
	epoch = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	later = epoch.Add(26 * time.Hour)
)

// file is one tar entry of a test layer.
type file struct {
	name  string
	mode  int64
	uid   int
	mtime time.Time
	body  string
	link  string // a symlink's target
}

func tarOf(t *testing.T, files ...file) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range files {
		hdr := &tar.Header{Name: f.name, Mode: f.mode, Uid: f.uid, Gid: f.uid, ModTime: f.mtime,
			Typeflag: tar.TypeReg, Size: int64(len(f.body)), Format: tar.FormatPAX}
		switch {
		case f.link != "":
			hdr.Typeflag, hdr.Linkname, hdr.Size = tar.TypeSymlink, f.link, 0
		case strings.HasSuffix(f.name, "/"):
			hdr.Typeflag, hdr.Size = tar.TypeDir, 0
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(f.body)); hdr.Typeflag == tar.TypeReg && err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// app is the test image's layer: a directory, the program, a catalog file
// and a link to the program, as the Dockerfile's final stage has them.
func app(change func([]file)) []file {
	files := []file{
		{name: "usr/src/app/", mode: 0o755, mtime: epoch},
		{name: "usr/src/app/product-catalog", mode: 0o755, mtime: epoch, body: "\x7fELF program"},
		{name: "usr/src/app/products/tea.json", mode: 0o644, mtime: epoch, body: `{"products":[]}`},
		{name: "bin/grpc_health_probe", mode: 0o777, mtime: epoch, link: "/usr/src/app/product-catalog"},
	}
	if change != nil {
		change(files)
	}
	return files
}

func image(t *testing.T, created time.Time, level int, layers ...[]file) v1.Image {
	t.Helper()
	tars := make([][]byte, len(layers))
	for i, files := range layers {
		tars[i] = tarOf(t, files...)
	}
	return imageOfTars(t, created, level, tars...)
}

func imageOfTars(t *testing.T, created time.Time, level int, tars ...[]byte) v1.Image {
	t.Helper()
	img := empty.Image
	for _, data := range tars {
		l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
			return io.NopCloser(bytes.NewReader(data)), nil
		}, tarball.WithCompressionLevel(level))
		if err != nil {
			t.Fatal(err)
		}
		if img, err = mutate.AppendLayers(img, l); err != nil {
			t.Fatal(err)
		}
	}
	img, err := mutate.CreatedAt(img, v1.Time{Time: created})
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func index(t *testing.T, amd64, arm64 v1.Image) v1.ImageIndex {
	t.Helper()
	return mutate.AppendManifests(empty.Index,
		mutate.IndexAddendum{Add: amd64, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "amd64"}}},
		mutate.IndexAddendum{Add: arm64, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "arm64"}}})
}

// writeLayout writes an image or index as an OCI layout, as buildctl's
// type=oci export unpacked, and returns its "oci:DIR" argument.
func writeLayout(t *testing.T, what any) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "layout")
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	switch w := what.(type) {
	case v1.Image:
		err = p.AppendImage(w)
	case v1.ImageIndex:
		err = p.AppendIndex(w)
	}
	if err != nil {
		t.Fatal(err)
	}
	return "oci:" + dir
}

func TestRun(t *testing.T) {
	base := []file{{name: "bin/", mode: 0o755, mtime: epoch.Add(-time.Hour)}, {name: "bin/busybox", mode: 0o755, body: "busybox"}}
	same := image(t, epoch, gzip.BestSpeed, base, app(nil))
	tests := []struct {
		name     string
		a, b     any
		wantCode int
		want     []string // lines the report must hold, in this order
	}{
		{
			name: "same image", a: same, b: image(t, epoch, gzip.BestSpeed, base, app(nil)),
			want: []string{"top: same digest sha256:"},
		},
		{
			name: "a file's mtime", a: same, b: image(t, epoch, gzip.BestSpeed, base, app(func(f []file) { f[1].mtime = later })),
			wantCode: 1,
			want: []string{
				"top layer 2/2: sha256:",
				"  usr/src/app/product-catalog: mtime 2026-12-01T00:00:00Z != 2026-12-02T02:00:00Z",
			},
		},
		{
			name: "a file's mode and owner", a: same, b: image(t, epoch, gzip.BestSpeed, base, app(func(f []file) { f[2].mode, f[2].uid = 0o664, 1000 })),
			wantCode: 1,
			want:     []string{"  usr/src/app/products/tea.json: mode 0644 != 0664, uid/gid 0/0 != 1000/1000"},
		},
		{
			name: "a file's content", a: same, b: image(t, epoch, gzip.BestSpeed, base, app(func(f []file) { f[1].body = "\x7fELF programme" })),
			wantCode: 1,
			want: []string{"  usr/src/app/product-catalog: sha256 " + sha("\x7fELF program") + " != " + sha("\x7fELF programme") +
				", size 12 != 14"},
		},
		{
			name: "a link's target", a: same, b: image(t, epoch, gzip.BestSpeed, base, app(func(f []file) { f[3].link = "/bin/busybox" })),
			wantCode: 1,
			want:     []string{"  bin/grpc_health_probe: link /usr/src/app/product-catalog != /bin/busybox"},
		},
		{
			name: "a file more", a: same, b: image(t, epoch, gzip.BestSpeed, base, append(app(nil), file{name: "tmp/x", mode: 0o600, mtime: epoch})),
			wantCode: 1,
			want:     []string{"  tmp/x: only in B (file)"},
		},
		{
			name: "another order", a: same, b: image(t, epoch, gzip.BestSpeed, base, app(func(f []file) { f[1], f[2] = f[2], f[1] })),
			wantCode: 1,
			want:     []string{"  the same files in another order: entry 2 is usr/src/app/product-catalog in A, usr/src/app/products/tea.json in B"},
		},
		{
			name: "the same tar compressed differently", a: same, b: image(t, epoch, gzip.BestCompression, base, app(nil)),
			wantCode: 1,
			want:     []string{"top layer 1/2: the same tar (sha256:", "top layer 2/2: the same tar (sha256:"},
		},
		{
			name: "the same files in another encoding", a: same,
			b:        imageOfTars(t, epoch, gzip.BestSpeed, tarOf(t, base...), append(tarOf(t, app(nil)...), make([]byte, 1024)...)),
			wantCode: 1,
			want:     []string{"top layer 2/2: sha256:", "  the same files, names and metadata: the tar streams differ in their encoding"},
		},
		{
			name: "the config's creation time", a: same, b: image(t, later, gzip.BestSpeed, base, app(nil)),
			wantCode: 1,
			want:     []string{`top config: .created: "2026-12-01T00:00:00Z" != "2026-12-02T02:00:00Z"`},
		},
		{
			name: "a layer more", a: same, b: image(t, epoch, gzip.BestSpeed, base, app(nil), []file{{name: "etc/x", mode: 0o644}}),
			wantCode: 1,
			want:     []string{"top layer 3/3: only in B"},
		},
		{
			name:     "an index with one platform different",
			a:        index(t, same, same),
			b:        index(t, same, image(t, epoch, gzip.BestSpeed, base, app(func(f []file) { f[0].mtime = later }))),
			wantCode: 1,
			want: []string{
				"top: sha256:",
				"linux/amd64: same digest sha256:",
				"linux/arm64: sha256:",
				"  usr/src/app/: mtime 2026-12-01T00:00:00Z != 2026-12-02T02:00:00Z",
			},
		},
		{
			name: "an index and an image", a: index(t, same, same), b: same,
			wantCode: 1,
			want:     []string{"top: one is an index, the other an image"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errs bytes.Buffer
			code := run([]string{writeLayout(t, tt.a), writeLayout(t, tt.b)}, &out, &errs)
			if code != tt.wantCode {
				t.Fatalf("run() = %d, want %d; stdout:\n%s\nstderr:\n%s", code, tt.wantCode, out.String(), errs.String())
			}
			rest := out.String()
			for _, want := range tt.want {
				k := strings.Index(rest, want)
				if k < 0 {
					t.Fatalf("the report lacks %q (or has it out of order):\n%s", want, out.String())
				}
				rest = rest[k+len(want):]
			}
		})
	}
}

func sha(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func TestRunUsage(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{name: "no arguments", args: nil, want: "usage: imagediff"},
		{name: "one argument", args: []string{"oci:/nonexistent"}, want: "usage: imagediff"},
		{name: "no such layout", args: []string{"oci:/nonexistent", "oci:/nonexistent"}, want: "imagediff: oci:/nonexistent:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errs bytes.Buffer
			if got := run(tt.args, &out, &errs); got != 2 {
				t.Errorf("run(%q) = %d, want 2", tt.args, got)
			}
			if !strings.Contains(errs.String(), tt.want) {
				t.Errorf("run(%q) printed %q, want it to hold %q", tt.args, errs.String(), tt.want)
			}
		})
	}
}

func TestJSONDiff(t *testing.T) {
	tests := []struct {
		name, a, b, skip string
		want             []string
	}{
		{name: "equal", a: `{"a":1}`, b: `{"a":1}`},
		{name: "a value", a: `{"created":"x","config":{"User":"65532"}}`, b: `{"created":"y","config":{"User":"65532"}}`,
			want: []string{`.created: "x" != "y"`}},
		{name: "a key with dots", a: `{"Labels":{"org.opencontainers.image.revision":"a"}}`, b: `{"Labels":{"org.opencontainers.image.revision":"b"}}`,
			want: []string{`.Labels["org.opencontainers.image.revision"]: "a" != "b"`}},
		{name: "array items", a: `{"history":[{"created":"1"},{"created":"2"}]}`, b: `{"history":[{"created":"1"}]}`,
			want: []string{`.history[1].created: "2" != (none)`}},
		{name: "empty against missing", a: `{"env":[]}`, b: `{}`, want: []string{".env: [] != (none)"}},
		{name: "skipped paths", a: `{"rootfs":{"diff_ids":["a"]},"os":"linux"}`, b: `{"rootfs":{"diff_ids":["b"]},"os":"linux"}`,
			skip: `^\.rootfs\.diff_ids\[\d+\]$`},
		{name: "not JSON", a: `x`, b: `y`, want: []string{"not JSON, and different"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := jsonDiff([]byte(tt.a), []byte(tt.b), tt.skip)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("jsonDiff(%s, %s) (-want +got):\n%s", tt.a, tt.b, diff)
			}
		})
	}
}
