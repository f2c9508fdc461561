package catalog

import (
	"sort"
	"strings"
)

// Catalog is an immutable snapshot of validated products, ordered by id,
// with the lookup structures that make reads cheap. It is safe for
// concurrent use; a reload builds a new Catalog rather than changing one.
type Catalog struct {
	products   []Product
	encoded    encoded
	all        []int32  // every position, for unfiltered queries
	searchText []string // fold(name) + "\x00" + fold(description), by position
	index      trigramIndex
	byCategory map[string][]int32 // folded category -> positions
	categories []CategoryCount
	cache      *searchCache
}

// CategoryCount is a category and how many products carry it.
type CategoryCount struct {
	Name     string `json:"name"`
	Products int    `json:"products"`
}

// fieldSeparator sits between name and description in the search text so a
// match never spans the two fields.
const fieldSeparator = "\x00"

func build(products []Product) *Catalog {
	if cap(products) > len(products)+len(products)/16 {
		// Decoding grew the slice by appending: what it has spare would be
		// held for the life of the snapshot.
		products = append(make([]Product, 0, len(products)), products...)
	}
	sort.Slice(products, func(i, j int) bool { return products[i].ID < products[j].ID })
	c := &Catalog{
		products:   products,
		encoded:    encodeAll(products),
		all:        make([]int32, len(products)),
		byCategory: make(map[string][]int32),
		cache:      &searchCache{},
	}
	display := make(map[string]string)
	for i := range products {
		p := &products[i]
		pos := int32(i)
		c.all[i] = pos
		for _, category := range p.Categories {
			key := fold(category)
			list := c.byCategory[key]
			if len(list) > 0 && list[len(list)-1] == pos {
				continue // the same category twice on one product counts once
			}
			c.byCategory[key] = append(list, pos)
			if _, ok := display[key]; !ok {
				display[key] = category
			}
		}
	}
	c.searchText = searchTexts(products)
	c.index = newTrigramIndex(c.searchText)
	for key, list := range c.byCategory {
		c.categories = append(c.categories, CategoryCount{Name: display[key], Products: len(list)})
	}
	sort.Slice(c.categories, func(i, j int) bool {
		return fold(c.categories[i].Name) < fold(c.categories[j].Name)
	})
	return c
}

// searchTexts folds each product's name and description into one string,
// all of them cut from a single allocation: a search that checks thousands
// of candidates then reads memory in order instead of chasing pointers.
func searchTexts(products []Product) []string {
	size := 0
	for i := range products {
		size += len(products[i].Name) + len(fieldSeparator) + len(products[i].Description)
	}
	var all strings.Builder
	all.Grow(size + size/8) // folding can change a rune's width
	ends := make([]int, len(products))
	for i := range products {
		foldInto(&all, products[i].Name)
		all.WriteString(fieldSeparator)
		foldInto(&all, products[i].Description)
		ends[i] = all.Len()
	}
	joined := all.String()
	texts := make([]string, len(products))
	start := 0
	for i, end := range ends {
		texts[i] = joined[start:end]
		start = end
	}
	return texts
}

// Len is the number of products.
func (c *Catalog) Len() int { return len(c.products) }

// At returns the product at position i (0 <= i < Len), in id order.
func (c *Catalog) At(i int) Product { return c.products[i] }

// JSON returns the product at position i encoded as JSON, as the catalog
// files hold it (with [] for no categories), encoded once per snapshot.
func (c *Catalog) JSON(i int) string { return c.encoded.product(i) }

// Position returns the position of the product with this id.
// Products are in id order, so this is a binary search: about 17
// comparisons at 100k products, which cost less than a request's headers,
// where a map would hold another 4 MB per 100k products.
func (c *Catalog) Position(id string) (int, bool) {
	return sort.Find(len(c.products), func(i int) int { return strings.Compare(id, c.products[i].ID) })
}

// Categories lists every category with its product count, by name.
func (c *Catalog) Categories() []CategoryCount {
	return append([]CategoryCount(nil), c.categories...)
}

// Query selects and pages products. The zero Query selects every product.
type Query struct {
	Text     string // case-insensitive substring of name or description
	Category string // case-insensitive exact category
	Offset   int
	Limit    int // at most this many positions; 0 means no limit
}

// Result is one page of matches.
type Result struct {
	Total     int     // matches before paging
	Positions []int32 // the page, in id order; shared with the catalog, so read-only
}

// Search returns the products matching q, in id order.
func (c *Catalog) Search(q Query) Result {
	if q.Category == "" && q.Limit > 0 {
		// A query the index answers from bitmaps alone (one letter, a
		// common trigram) is paged from the bits: its matches are most of
		// the catalog, and listing them all for one page of twenty cost
		// 400 KB at 100k products, a collection's worth per request.
		text := fold(q.Text)
		if !strings.Contains(text, fieldSeparator) {
			if bitmaps, ok := c.index.exactBitmaps(text); ok {
				total, page := c.index.page(bitmaps, q.Offset, q.Limit)
				return Result{Total: total, Positions: page}
			}
		}
	}
	matches := c.match(q)
	total := len(matches)
	if q.Offset >= total {
		return Result{Total: total}
	}
	page := matches[q.Offset:]
	if q.Limit > 0 && len(page) > q.Limit {
		page = page[:q.Limit]
	}
	return Result{Total: total, Positions: page}
}

func (c *Catalog) match(q Query) []int32 {
	var candidates []int32 // nil means every product
	if q.Category != "" {
		list, ok := c.byCategory[fold(q.Category)]
		if !ok {
			return nil
		}
		candidates = list
	}
	text := fold(q.Text)
	if text == "" {
		if candidates == nil {
			return c.all
		}
		return candidates
	}
	if strings.Contains(text, fieldSeparator) {
		return nil // the separator is ours; no field contains it
	}
	key := searchKey{text, fold(q.Category)}
	if matches, ok := c.cache.get(key); ok {
		return matches
	}
	postings, exact, indexed, shared := c.index.lookup(text)
	if indexed {
		if candidates == nil {
			candidates = postings
		} else {
			candidates, shared = intersect(candidates, postings), false
		}
		if exact && (shared || len(candidates) < cacheMinCandidates) {
			return candidates
		}
		if exact {
			// Worked out from bitmaps: kept, so the next request for it
			// does not allocate a list as long as the catalog again.
			return c.cache.do(key, func() []int32 { return candidates })
		}
	} else if candidates == nil {
		candidates = c.all
	}
	if len(candidates) < cacheMinCandidates {
		return verify(c.searchText, candidates, text)
	}
	return c.cache.do(key, func() []int32 { return verify(c.searchText, candidates, text) })
}

// verify keeps the candidates whose text contains the folded query: the
// trigram index narrows the candidates, only a substring check is exact.
// The answer grows as matches are found rather than being sized to the
// candidates: a query the index cannot narrow has every product as a
// candidate, and would make every request allocate 4 bytes per product.
func verify(texts []string, candidates []int32, text string) []int32 {
	var matches []int32
	for _, pos := range candidates {
		if strings.Contains(texts[pos], text) {
			matches = append(matches, pos)
		}
	}
	return matches
}
