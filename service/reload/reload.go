// Package reload keeps the served catalog current: a Reloader re-reads a
// catalog directory when its files change and publishes each new version
// that is valid as a whole; a broken version is refused and the last good
// one stays published.
package reload

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/product-catalog/product-catalog/service/catalog"
)

// Dir is a catalog directory on disk that remembers what it last read.
type Dir struct {
	path   string
	limits catalog.Limits
	seen   string // fingerprint of the files at the last load, good or bad
}

// NewDir returns the catalog directory at path, read within limits.
func NewDir(path string, limits catalog.Limits) *Dir { return &Dir{path: path, limits: limits} }

// Path is the directory's path as configured.
func (d *Dir) Path() string { return d.path }

// Load reads and validates the whole directory. The fingerprint is taken
// before reading, so an edit made during the read is seen as a change next
// time rather than lost.
//
// In a Kubernetes ConfigMap volume every file is a link through ..data,
// which the kubelet points at a new snapshot directory at once, then
// removes the old one, file by file. The load reads the snapshot ..data
// names when it starts, and keeps what it read only if ..data still names
// that snapshot when it is done: a snapshot that is no longer current may
// have lost files under the read, and a read of it that succeeded could
// hold some files and not others (it lists what is left). Then it reads
// the new snapshot whole; a directory that keeps moving is an error, and
// the catalog served stays as it was.
func (d *Dir) Load() (*catalog.Catalog, error) {
	for attempt := 1; ; attempt++ {
		dir, fp, err := d.snapshot()
		if err != nil {
			return nil, err
		}
		c, err := catalog.Load(nonblockingDirFS(dir), d.path, d.limits)
		if dir != d.path {
			now, resolveErr := d.resolve()
			if resolveErr != nil {
				return nil, resolveErr
			}
			if now != dir {
				if attempt < maxSnapshotReads {
					continue
				}
				return nil, fmt.Errorf("read %s: ..data moved %d times while it was read; the catalog served is unchanged", d.path, attempt)
			}
		}
		d.seen = fp
		return c, err
	}
}

// maxSnapshotReads bounds the reads of one Load when ..data keeps moving
// under it; the kubelet moves it once per ConfigMap update, far less often
// than a read takes.
const maxSnapshotReads = 5

// snapshot is the directory to read and the fingerprint of its files.
func (d *Dir) snapshot() (dir, fp string, err error) {
	dir, err = d.resolve()
	if err != nil {
		return "", "", err
	}
	fp, err = fingerprint(dir)
	return dir, dir + "\n" + fp, err
}

// resolve is the directory ..data points at, when there is one, or the
// directory itself.
func (d *Dir) resolve() (string, error) {
	link := filepath.Join(d.path, "..data")
	target, err := filepath.EvalSymlinks(link)
	switch {
	case err == nil:
		return target, nil
	case errors.Is(err, fs.ErrNotExist):
		return d.path, nil
	default:
		return "", fmt.Errorf("resolve %s: %w", link, err)
	}
}

// nonblockingDirFS is os.DirFS opening files with O_NONBLOCK. catalog.Load
// refuses anything but a regular file before opening it, but a name could
// be swapped for a named pipe in between; opened without O_NONBLOCK, a pipe
// would block the reload until some writer came. Opened this way, the
// check Load makes on the opened file refuses it at once.
type nonblockingDirFS string

func (d nonblockingDirFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	return os.OpenFile(filepath.Join(string(d), filepath.FromSlash(name)), os.O_RDONLY|syscall.O_NONBLOCK, 0)
}

// Changed reports whether the directory's files differ from the last load.
func (d *Dir) Changed() (bool, error) {
	_, fp, err := d.snapshot()
	if err != nil {
		return false, err
	}
	return fp != d.seen, nil
}

// fingerprint summarises the name, size, modification time and inode of
// every catalog file, symlinks followed; any write, rename or removal
// changes it, and so does a symlink that comes to point at another file (a
// Kubernetes ConfigMap volume swaps its files that way, leaving the links'
// own names, sizes and times as they were).
func fingerprint(dir string) (string, error) {
	names, err := catalog.CatalogFiles(os.DirFS(dir))
	if err != nil {
		return "", fmt.Errorf("read catalog directory: %w", err)
	}
	var b strings.Builder
	for _, name := range names {
		info, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				// Removed while listing, or a dangling symlink: Load reports
				// the latter, and the next poll sees the former.
				fmt.Fprintf(&b, "%s\x00missing\n", name)
				continue
			}
			return "", fmt.Errorf("stat %s: %w", name, err)
		}
		var inode uint64
		if st, ok := info.Sys().(*syscall.Stat_t); ok {
			inode = st.Ino
		}
		fmt.Fprintf(&b, "%s\x00%d\x00%d\x00%d\n", name, info.Size(), info.ModTime().UnixNano(), inode)
	}
	return b.String(), nil
}

// Reloader publishes each valid new version of a catalog directory.
type Reloader struct {
	dir     *Dir
	publish func(*catalog.Catalog) error
}

// NewReloader returns a Reloader of dir. publish makes a catalog the one
// served (the HTTP layer encodes it, then swaps it in); its error refuses
// the catalog as a validation error would.
func NewReloader(dir *Dir, publish func(*catalog.Catalog) error) *Reloader {
	return &Reloader{dir: dir, publish: publish}
}

// Poll looks at the directory once. When its files changed since the last
// load it loads them and publishes the catalog: next is that catalog, or nil
// when nothing changed or the change was refused (err says why; the last
// good catalog stays published, and the same broken state is not reported
// again).
func (r *Reloader) Poll() (next *catalog.Catalog, err error) {
	changed, err := r.dir.Changed()
	if err != nil || !changed {
		return nil, err
	}
	next, err = r.dir.Load()
	if err == nil {
		err = r.publish(next)
	}
	if err != nil {
		return nil, err
	}
	return next, nil
}

// Hooks tell the caller what a poll did.
type Hooks struct {
	Reloaded func(*catalog.Catalog) // a new catalog is published
	Failed   func(error)            // the directory changed but could not be published
}

// Run polls at every tick until ctx ends, reporting through hooks.
func (r *Reloader) Run(ctx context.Context, ticks <-chan time.Time, hooks Hooks) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticks:
		}
		next, err := r.Poll()
		switch {
		case err != nil && hooks.Failed != nil:
			hooks.Failed(err)
		case next != nil && hooks.Reloaded != nil:
			hooks.Reloaded(next)
		}
	}
}
