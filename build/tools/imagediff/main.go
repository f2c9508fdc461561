// Command imagediff compares two images or image indexes and, when their
// digests differ, says where: which platform, which manifest or config
// field, which layer, and in that layer which file, by name, type, mode,
// uid/gid, mtime, size and content hash, and whether the files come in
// another order. make test-reproducible (build/reproducible/test.sh) runs it
// on two builds of the Dockerfile, so that a build that stops being
// reproducible names its cause instead of just printing two digests.
//
// usage: imagediff [-max-files N] A B
//
// A and B are image references (127.0.0.1:5000/repo@sha256:..., or a tag)
// or "oci:DIR", an OCI layout such as buildctl's type=oci export unpacked.
// Exit status: 0 when the digests are equal, 1 when they differ (the
// report says why), 2 when an image cannot be read.
package main

import (
	"archive/tar"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("imagediff", flag.ContinueOnError)
	flags.SetOutput(stderr)
	maxFiles := flags.Int("max-files", 20, "the most file differences shown for one layer")
	if err := flags.Parse(args); err != nil || flags.NArg() != 2 {
		fmt.Fprintln(stderr, "usage: imagediff [-max-files N] A B   (image references or oci:DIR)")
		return 2
	}
	var nodes [2]node
	for i, ref := range flags.Args() {
		n, err := open(ref)
		if err != nil {
			fmt.Fprintf(stderr, "imagediff: %s: %v\n", ref, err)
			return 2
		}
		nodes[i] = n
	}
	d := &differ{w: stdout, maxFiles: *maxFiles}
	if err := d.nodes("", nodes[0], nodes[1]); err != nil {
		fmt.Fprintf(stderr, "imagediff: %v\n", err)
		return 2
	}
	if d.found {
		return 1
	}
	return 0
}

// node is an image or an index: what a reference or a layout names.
type node struct {
	digest v1.Hash
	index  v1.ImageIndex
	image  v1.Image
}

func open(ref string) (node, error) {
	if dir, ok := strings.CutPrefix(ref, "oci:"); ok {
		return openLayout(dir)
	}
	r, err := name.ParseReference(ref)
	if err != nil {
		return node{}, err
	}
	desc, err := remote.Get(r)
	if err != nil {
		return node{}, err
	}
	if desc.MediaType.IsIndex() {
		idx, err := desc.ImageIndex()
		return node{digest: desc.Digest, index: idx}, err
	}
	img, err := desc.Image()
	return node{digest: desc.Digest, image: img}, err
}

// openLayout reads the one image or index an OCI layout's index.json
// names: the layout's own index is a wrapper, not part of what was built.
func openLayout(dir string) (node, error) {
	p, err := layout.FromPath(dir)
	if err != nil {
		return node{}, err
	}
	top, err := p.ImageIndex()
	if err != nil {
		return node{}, err
	}
	m, err := top.IndexManifest()
	if err != nil {
		return node{}, err
	}
	if len(m.Manifests) != 1 {
		return node{}, fmt.Errorf("index.json lists %d manifests, want 1", len(m.Manifests))
	}
	return child(top, m.Manifests[0])
}

func child(idx v1.ImageIndex, desc v1.Descriptor) (node, error) {
	if desc.MediaType.IsIndex() {
		sub, err := idx.ImageIndex(desc.Digest)
		return node{digest: desc.Digest, index: sub}, err
	}
	img, err := idx.Image(desc.Digest)
	return node{digest: desc.Digest, image: img}, err
}

type differ struct {
	w        io.Writer
	maxFiles int
	found    bool
}

func (d *differ) printf(format string, args ...any) {
	fmt.Fprintf(d.w, format, args...)
}

// nodes compares two images or indexes, at path (a platform, or "" for the
// top). Equal digests mean equal content, so nothing below them is read.
func (d *differ) nodes(path string, a, b node) error {
	label := path
	if label == "" {
		label = "top"
	}
	if a.digest == b.digest {
		d.printf("%s: same digest %s\n", label, a.digest)
		return nil
	}
	d.found = true
	d.printf("%s: %s != %s\n", label, a.digest, b.digest)
	switch {
	case a.index != nil && b.index != nil:
		return d.indexes(path, a.index, b.index)
	case a.image != nil && b.image != nil:
		return d.images(label, a.image, b.image)
	default:
		d.printf("%s: one is an index, the other an image\n", label)
		return nil
	}
}

func (d *differ) indexes(path string, a, b v1.ImageIndex) error {
	var raws [2][]byte
	var manifests [2]*v1.IndexManifest
	for i, idx := range []v1.ImageIndex{a, b} {
		raw, err := idx.RawManifest()
		if err != nil {
			return err
		}
		m, err := idx.IndexManifest()
		if err != nil {
			return err
		}
		raws[i], manifests[i] = raw, m
	}
	// The children's digests and sizes are explained platform by platform below.
	for _, line := range jsonDiff(raws[0], raws[1], `^\.manifests\[\d+\]\.(digest|size)$`) {
		d.printf("%s index: %s\n", labelOf(path), line)
	}
	// Children are matched by platform (a second child of the same
	// platform, such as attestation manifests' unknown/unknown, by its
	// rank among them), in A's order, then B's.
	children := [2]map[string]v1.Descriptor{{}, {}}
	var order []string
	for i, m := range manifests {
		for _, desc := range m.Manifests {
			key := platformOf(desc)
			for n := 2; inMap(children[i], key); n++ {
				key = fmt.Sprintf("%s#%d", platformOf(desc), n)
			}
			if i == 0 || !inMap(children[0], key) {
				order = append(order, key)
			}
			children[i][key] = desc
		}
	}
	for _, key := range order {
		da, okA := children[0][key]
		db, okB := children[1][key]
		if !okA || !okB {
			which := "A"
			if okB {
				which = "B"
			}
			d.printf("%s: only in %s\n", key, which)
			continue
		}
		na, err := child(a, da)
		if err != nil {
			return err
		}
		nb, err := child(b, db)
		if err != nil {
			return err
		}
		if err := d.nodes(strings.TrimSpace(path+" "+key), na, nb); err != nil {
			return err
		}
	}
	return nil
}

func inMap(m map[string]v1.Descriptor, key string) bool {
	_, ok := m[key]
	return ok
}

func labelOf(path string) string {
	if path == "" {
		return "top"
	}
	return path
}

// platformOf names an index's child by its platform.
func platformOf(desc v1.Descriptor) string {
	if desc.Platform == nil {
		return "no-platform"
	}
	return desc.Platform.String()
}

func (d *differ) images(label string, a, b v1.Image) error {
	var raws, configs [2][]byte
	var layers [2][]v1.Layer
	for i, img := range []v1.Image{a, b} {
		var err error
		if raws[i], err = img.RawManifest(); err != nil {
			return err
		}
		if configs[i], err = img.RawConfigFile(); err != nil {
			return err
		}
		if layers[i], err = img.Layers(); err != nil {
			return err
		}
	}
	// Digests and sizes of the config and layers are explained below.
	for _, line := range jsonDiff(raws[0], raws[1], `^\.(config|layers\[\d+\])\.(digest|size)$`) {
		d.printf("%s manifest: %s\n", label, line)
	}
	for _, line := range jsonDiff(configs[0], configs[1], `^\.rootfs\.diff_ids\[\d+\]$`) {
		d.printf("%s config: %s\n", label, line)
	}
	n := max(len(layers[0]), len(layers[1]))
	for i := range n {
		if i >= len(layers[0]) {
			d.printf("%s layer %d/%d: only in B\n", label, i+1, n)
			continue
		}
		if i >= len(layers[1]) {
			d.printf("%s layer %d/%d: only in A\n", label, i+1, n)
			continue
		}
		if err := d.layers(fmt.Sprintf("%s layer %d/%d", label, i+1, n), layers[0][i], layers[1][i]); err != nil {
			return err
		}
	}
	return nil
}

func (d *differ) layers(label string, a, b v1.Layer) error {
	da, err := a.Digest()
	if err != nil {
		return err
	}
	db, err := b.Digest()
	if err != nil {
		return err
	}
	if da == db {
		return nil
	}
	ia, err := a.DiffID()
	if err != nil {
		return err
	}
	ib, err := b.DiffID()
	if err != nil {
		return err
	}
	if ia == ib {
		d.printf("%s: the same tar (%s), compressed differently: %s != %s\n", label, ia, da, db)
		return nil
	}
	d.printf("%s: %s != %s\n", label, da, db)
	var entries [2][]entry
	for i, l := range []v1.Layer{a, b} {
		rc, err := l.Uncompressed()
		if err != nil {
			return err
		}
		entries[i], err = readTar(rc)
		rc.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", label, err)
		}
	}
	lines := entryDiff(entries[0], entries[1])
	if len(lines) == 0 {
		lines = []string{"the same files, names and metadata: the tar streams differ in their encoding (header format, padding)"}
	}
	for k, line := range lines {
		if k == d.maxFiles {
			d.printf("  ... and %d more\n", len(lines)-k)
			break
		}
		d.printf("  %s\n", line)
	}
	return nil
}

// entry is what a layer says of one file.
type entry struct {
	name   string
	fields map[string]string // what the comparison reports, by name
}

// The PAX records that tar.Header's own fields already carry.
var paxInFields = map[string]bool{"path": true, "linkpath": true, "size": true, "uid": true, "gid": true,
	"uname": true, "gname": true, "mtime": true, "atime": true, "ctime": true}

func readTar(r io.Reader) ([]entry, error) {
	tr := tar.NewReader(r)
	var out []entry
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		h := sha256.New()
		if _, err := io.Copy(h, tr); err != nil {
			return nil, fmt.Errorf("%s: %w", hdr.Name, err)
		}
		f := map[string]string{
			"type":    typeName(hdr.Typeflag),
			"mode":    fmt.Sprintf("%04o", hdr.Mode),
			"uid/gid": fmt.Sprintf("%d/%d", hdr.Uid, hdr.Gid),
			"owner":   hdr.Uname + "/" + hdr.Gname,
			"mtime":   stamp(hdr.ModTime),
			"size":    strconv.FormatInt(hdr.Size, 10),
			"sha256":  hex.EncodeToString(h.Sum(nil)),
		}
		if hdr.Linkname != "" {
			f["link"] = hdr.Linkname
		}
		if !hdr.AccessTime.IsZero() {
			f["atime"] = stamp(hdr.AccessTime)
		}
		if !hdr.ChangeTime.IsZero() {
			f["ctime"] = stamp(hdr.ChangeTime)
		}
		if hdr.Typeflag == tar.TypeChar || hdr.Typeflag == tar.TypeBlock {
			f["device"] = fmt.Sprintf("%d:%d", hdr.Devmajor, hdr.Devminor)
		}
		for k, v := range hdr.PAXRecords {
			if !paxInFields[k] {
				f["pax "+k] = strconv.Quote(v)
			}
		}
		out = append(out, entry{name: strings.TrimPrefix(hdr.Name, "./"), fields: f})
	}
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func typeName(flag byte) string {
	switch flag {
	case tar.TypeReg:
		return "file"
	case tar.TypeDir:
		return "dir"
	case tar.TypeSymlink:
		return "symlink"
	case tar.TypeLink:
		return "hardlink"
	case tar.TypeChar:
		return "char device"
	case tar.TypeBlock:
		return "block device"
	case tar.TypeFifo:
		return "fifo"
	}
	return fmt.Sprintf("type %q", flag)
}

// entryDiff lists, in A's order then B's, the files only one layer has,
// each field that differs for a file both have, and, when the files are
// the same, the first place where their order differs.
func entryDiff(a, b []entry) []string {
	inB := make(map[string]entry, len(b))
	for _, e := range b {
		inB[e.name] = e
	}
	inA := make(map[string]bool, len(a))
	var lines []string
	for _, ea := range a {
		inA[ea.name] = true
		eb, ok := inB[ea.name]
		if !ok {
			lines = append(lines, fmt.Sprintf("%s: only in A (%s)", ea.name, ea.fields["type"]))
			continue
		}
		keys := make([]string, 0, len(ea.fields)+len(eb.fields))
		for k := range ea.fields {
			keys = append(keys, k)
		}
		for k := range eb.fields {
			if _, ok := ea.fields[k]; !ok {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		var diffs []string
		for _, k := range keys {
			va, vb := value(ea.fields, k), value(eb.fields, k)
			if va != vb {
				diffs = append(diffs, fmt.Sprintf("%s %s != %s", k, va, vb))
			}
		}
		if len(diffs) > 0 {
			lines = append(lines, ea.name+": "+strings.Join(diffs, ", "))
		}
	}
	for _, eb := range b {
		if !inA[eb.name] {
			lines = append(lines, fmt.Sprintf("%s: only in B (%s)", eb.name, eb.fields["type"]))
		}
	}
	if len(lines) == 0 {
		for k := range a {
			if a[k].name != b[k].name {
				lines = append(lines, fmt.Sprintf("the same files in another order: entry %d is %s in A, %s in B", k+1, a[k].name, b[k].name))
				break
			}
		}
	}
	return lines
}

func value(fields map[string]string, key string) string {
	if v, ok := fields[key]; ok {
		return v
	}
	return "(none)"
}

// jsonDiff lists the JSON values that differ between a and b, each by its
// path (.config.Labels["org.opencontainers.image.revision"]), skipping
// paths that match skip (a regular expression, or "").
func jsonDiff(a, b []byte, skip string) []string {
	var va, vb any
	if json.Unmarshal(a, &va) != nil || json.Unmarshal(b, &vb) != nil {
		if string(a) == string(b) {
			return nil
		}
		return []string{"not JSON, and different"}
	}
	fa, fb := map[string]string{}, map[string]string{}
	flatten("", va, fa)
	flatten("", vb, fb)
	keys := make([]string, 0, len(fa)+len(fb))
	for k := range fa {
		keys = append(keys, k)
	}
	for k := range fb {
		if _, ok := fa[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var skipRe *regexp.Regexp
	if skip != "" {
		skipRe = regexp.MustCompile(skip)
	}
	var lines []string
	for _, k := range keys {
		if skipRe != nil && skipRe.MatchString(k) {
			continue
		}
		x, y := value(fa, k), value(fb, k)
		if x != y {
			lines = append(lines, fmt.Sprintf("%s: %s != %s", k, x, y))
		}
	}
	return lines
}

func flatten(path string, v any, out map[string]string) {
	switch t := v.(type) {
	case map[string]any:
		if len(t) == 0 && path != "" {
			out[path] = "{}"
		}
		for k, x := range t {
			flatten(path+key(k), x, out)
		}
	case []any:
		if len(t) == 0 && path != "" {
			out[path] = "[]"
		}
		for i, x := range t {
			flatten(fmt.Sprintf("%s[%d]", path, i), x, out)
		}
	default:
		s, _ := json.Marshal(t)
		out[path] = string(s)
	}
}

// key writes an object key as jq would: .name, or ["a.b"] when it holds
// anything but letters, digits and underscores.
func key(k string) string {
	for _, r := range k {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return "[" + strconv.Quote(k) + "]"
		}
	}
	return "." + k
}
