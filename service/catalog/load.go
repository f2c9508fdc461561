package catalog

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"
)

// Limits bound what Load reads, so a catalog directory cannot make the
// process read without end: a file that grows while it is read, a huge file
// dropped into the directory, or a thousand files each under the limit.
type Limits struct {
	FileBytes  int64 // the most read from one file
	TotalBytes int64 // the most read from all files together
}

// DefaultLimits are generous for a catalog (the OpenTelemetry demo's file
// is 7 KB; 100k generated products are 29 MB). A loaded catalog holds
// about 2.7 bytes of heap per byte of JSON and loading peaks at about 6 of
// RSS (docs/performance.md), so a deployment that mounts more than a
// ConfigMap's 1 MiB sizes its memory limit, or these limits, from that.
var DefaultLimits = Limits{FileBytes: 64 << 20, TotalBytes: 256 << 20}

// CatalogFiles names the catalog files at the root of fsys: every *.json
// whose name does not start with "." (editors' temporary files, and the
// kubelet's ..data and ..<timestamp> entries in a ConfigMap volume).
func CatalogFiles(fsys fs.FS) ([]string, error) {
	names, err := fs.Glob(fsys, "*.json")
	if err != nil {
		return nil, err
	}
	files := names[:0]
	for _, name := range names {
		if !strings.HasPrefix(name, ".") {
			files = append(files, name)
		}
	}
	return files, nil
}

// Load reads and merges every catalog file (CatalogFiles) at the root of
// fsys into one catalog. origin names fsys in messages (a directory, or "embedded").
// Only regular files are read (a symlink counts as what it points to): a
// named pipe, a device or a directory named *.json is refused, never read
// or waited on. Either the whole catalog is valid and returned, or nothing
// is: the *ValidationError lists every problem found.
func Load(fsys fs.FS, origin string, limits Limits) (*Catalog, error) {
	names, err := CatalogFiles(fsys)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", origin, err)
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("load catalog: no *.json files in %s", origin)
	}
	var (
		products []Product
		sources  []source
		problems []Problem
		total    int64
	)
	for _, name := range names {
		file := path.Join(origin, name)
		budget := limits.TotalBytes - total
		data, err := readRegular(fsys, name, min(limits.FileBytes, budget))
		if tooLarge := (*sizeError)(nil); errors.As(err, &tooLarge) && budget < limits.FileBytes {
			// Nothing more is read: the catalog cannot be valid.
			return nil, fmt.Errorf("load catalog: the *.json files in %s hold more than the limit of %d bytes in all (passed at %s)", origin, limits.TotalBytes, file)
		}
		if err != nil {
			problems = append(problems, Problem{File: file, Index: -1, Message: err.Error()})
			continue
		}
		total += int64(len(data))
		parsed, fileProblems := Parse(file, data)
		problems = append(problems, fileProblems...)
		for i := range parsed {
			sources = append(sources, source{file: file, index: i})
		}
		if products == nil {
			products = parsed // one file, the usual case: no copy
		} else {
			products = append(products, parsed...)
		}
	}
	problems = append(problems, duplicateIDs(products, sources)...)
	if len(problems) > 0 {
		return nil, &ValidationError{Problems: problems}
	}
	if len(products) == 0 {
		return nil, fmt.Errorf("load catalog: no products in %s (%d files)", origin, len(names))
	}
	return build(products), nil
}

// readRegular reads name if it is a regular file of at most limit bytes.
// It checks before opening, so that a named pipe is never opened (which
// would wait for a writer), and again on the file opened, which is what is
// read even if the name was swapped in between.
func readRegular(fsys fs.FS, name string, limit int64) ([]byte, error) {
	info, err := fs.Stat(fsys, name)
	if err != nil {
		return nil, err
	}
	if err := checkRegular(info, limit); err != nil {
		return nil, err
	}
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if info, err = f.Stat(); err != nil {
		return nil, err
	}
	if err := checkRegular(info, limit); err != nil {
		return nil, err
	}
	// One byte past the limit tells a file that grew since Stat.
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, &sizeError{limit: limit}
	}
	return data, nil
}

func checkRegular(info fs.FileInfo, limit int64) error {
	mode := info.Mode()
	if !mode.IsRegular() {
		return fmt.Errorf("not a regular file but %s: only regular files (or symlinks to them) are read", fileKind(mode))
	}
	if info.Size() > limit {
		return &sizeError{size: info.Size(), limit: limit}
	}
	return nil
}

// sizeError is a file over the size limit; size is 0 when the file grew
// past the limit while it was read.
type sizeError struct{ size, limit int64 }

func (e *sizeError) Error() string {
	if e.size == 0 {
		return fmt.Sprintf("larger than the limit of %d bytes per file", e.limit)
	}
	return fmt.Sprintf("%d bytes, larger than the limit of %d bytes per file", e.size, e.limit)
}

func fileKind(mode fs.FileMode) string {
	switch {
	case mode.IsDir():
		return "a directory"
	case mode&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case mode&fs.ModeSocket != 0:
		return "a socket"
	case mode&fs.ModeDevice != 0:
		return "a device"
	case mode&fs.ModeSymlink != 0:
		return "a symlink"
	default:
		return "an irregular file (" + mode.Type().String() + ")"
	}
}

// New validates products as one catalog, as Load does for files.
func New(products []Product) (*Catalog, error) {
	var problems []Problem
	sources := make([]source, len(products))
	for i := range products {
		sources[i] = source{file: "(catalog)", index: i}
		problems = append(problems, validateProduct("(catalog)", i, &products[i])...)
	}
	problems = append(problems, duplicateIDs(products, sources)...)
	if len(problems) > 0 {
		return nil, &ValidationError{Problems: problems}
	}
	if len(products) == 0 {
		return nil, fmt.Errorf("new catalog: no products")
	}
	return build(append([]Product(nil), products...)), nil
}

type source struct {
	file  string
	index int
}

func duplicateIDs(products []Product, sources []source) []Problem {
	first := make(map[string]int, len(products))
	var problems []Problem
	for i, p := range products {
		if p.ID == "" {
			continue
		}
		j, seen := first[p.ID]
		if !seen {
			first[p.ID] = i
			continue
		}
		problems = append(problems, Problem{
			File: sources[i].file, Index: sources[i].index, ID: p.ID, Field: "id",
			Message: fmt.Sprintf("duplicate id: already used by %s products[%d]", sources[j].file, sources[j].index),
		})
	}
	return problems
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
