package catalog

import (
	"fmt"
	"io/fs"
	"path"
	"sort"
)

// Load reads and merges every *.json file at the root of fsys into one
// catalog. origin names fsys in messages (a directory, or "embedded").
// Either the whole catalog is valid and returned, or nothing is: the
// *ValidationError lists every problem found.
func Load(fsys fs.FS, origin string) (*Catalog, error) {
	names, err := fs.Glob(fsys, "*.json")
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
	)
	for _, name := range names {
		file := path.Join(origin, name)
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			problems = append(problems, Problem{File: file, Index: -1, Message: err.Error()})
			continue
		}
		parsed, fileProblems := Parse(file, data)
		problems = append(problems, fileProblems...)
		for i, p := range parsed {
			products = append(products, p)
			sources = append(sources, source{file: file, index: i})
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
