// Package reload keeps the served catalog current: a Store holds the
// snapshot being served, and Watch re-reads a catalog directory when its
// files change, swapping in the new snapshot only when it is valid as a whole.
package reload

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/product-catalog/product-catalog/service/catalog"
)

// Store holds the catalog being served. Readers take one snapshot per
// request, so a response never mixes two catalogs.
type Store struct {
	current atomic.Pointer[catalog.Catalog]
}

// NewStore returns a Store serving c.
func NewStore(c *catalog.Catalog) *Store {
	s := &Store{}
	s.current.Store(c)
	return s
}

// Catalog returns the current snapshot.
func (s *Store) Catalog() *catalog.Catalog { return s.current.Load() }

func (s *Store) replace(c *catalog.Catalog) { s.current.Store(c) }

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
func (d *Dir) Load() (*catalog.Catalog, error) {
	fp, err := fingerprint(d.path)
	if err != nil {
		return nil, err
	}
	d.seen = fp
	return catalog.Load(nonblockingDirFS(d.path), d.path, d.limits)
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
	fp, err := fingerprint(d.path)
	if err != nil {
		return false, err
	}
	return fp != d.seen, nil
}

// fingerprint summarises the name, size and modification time of every
// catalog file; any write, rename or removal changes it.
func fingerprint(dir string) (string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "", fmt.Errorf("read catalog directory: %w", err)
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	var b strings.Builder
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		info, err := e.Info()
		if err != nil {
			if os.IsNotExist(err) || err == fs.ErrNotExist {
				continue // removed while listing; the next poll sees the new state
			}
			return "", fmt.Errorf("stat %s: %w", e.Name(), err)
		}
		fmt.Fprintf(&b, "%s\x00%d\x00%d\n", e.Name(), info.Size(), info.ModTime().UnixNano())
	}
	return b.String(), nil
}

// Hooks tell the caller what a reload did.
type Hooks struct {
	// Prepare, when set, readies a new catalog before it is served (the
	// HTTP layer encodes it); an error refuses the catalog like a
	// validation error.
	Prepare  func(*catalog.Catalog) error
	Reloaded func(*catalog.Catalog) // a new catalog is being served
	Failed   func(error)            // the directory changed but could not be served; the last good catalog stays
}

// Watch polls dir every interval until ctx ends, and serves each valid new
// version of it through store.
func Watch(ctx context.Context, dir *Dir, store *Store, interval time.Duration, hooks Hooks) {
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
		changed, err := dir.Changed()
		if err != nil {
			hooks.Failed(err)
			continue
		}
		if !changed {
			continue
		}
		next, err := dir.Load()
		if err == nil && hooks.Prepare != nil {
			err = hooks.Prepare(next)
		}
		if err != nil {
			hooks.Failed(err)
			continue
		}
		store.replace(next)
		hooks.Reloaded(next)
	}
}
