package httpapi

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"strconv"

	"github.com/product-catalog/product-catalog/service/catalog"
)

// view is a catalog snapshot encoded for the wire: everything a request
// needs, built once by Server.Publish before the snapshot is served. Each
// product is encoded once per snapshot, so a request only copies bytes:
// encoding on every request would dominate the cost of a catalog read.
type view struct {
	catalog    *catalog.Catalog
	products   []representation // by catalog position
	etag       string           // strong validator of the whole snapshot
	categories representation
	// firstPage is GET /products with no parameters, by far the most asked
	// list: rendered once per snapshot like a product.
	firstPage representation
}

func newView(c *catalog.Catalog) (*view, error) {
	v := &view{
		catalog:  c,
		products: make([]representation, c.Len()),
	}
	whole := sha256.New()
	for i := 0; i < c.Len(); i++ {
		p := c.At(i)
		if p.Categories == nil {
			p.Categories = []string{} // an array, never null, for clients
		}
		body, err := json.Marshal(p)
		if err != nil {
			return nil, fmt.Errorf("encode product %q: %w", p.ID, err)
		}
		sum := sha256.Sum256(body)
		v.products[i] = newCacheable(body, `"p-`+hex.EncodeToString(sum[:12])+`"`)
		whole.Write(sum[:])
	}
	v.etag = hex.EncodeToString(whole.Sum(nil)[:12])
	categories, err := json.Marshal(struct {
		Categories []catalog.CategoryCount `json:"categories"`
	}{c.Categories()})
	if err != nil {
		return nil, fmt.Errorf("encode categories: %w", err)
	}
	v.categories = newCacheable(append(categories, '\n'), `"c-`+v.etag+`"`)
	v.firstPage = newCacheable(v.listBody(c.Search(firstPageQuery)), v.listETag(firstPageQuery))
	return v, nil
}

// firstPageQuery is what GET /products with no parameters asks for.
var firstPageQuery = catalog.Query{Limit: defaultLimit}

// listETag identifies one page of one snapshot: the body is a function of
// the two, so the validator is strong.
func (v *view) listETag(q catalog.Query) string {
	h := fnv.New64a()
	var buf [64]byte
	b := append(buf[:0], q.Text...)
	b = append(b, 0)
	b = append(b, q.Category...)
	b = append(b, 0)
	b = strconv.AppendInt(b, int64(q.Offset), 10)
	b = append(b, 0)
	b = strconv.AppendInt(b, int64(q.Limit), 10)
	_, _ = h.Write(b)
	return `"l-` + v.etag + "-" + strconv.FormatUint(h.Sum64(), 16) + `"`
}

// listBody renders {"products": [...], "total": N} from encoded products.
func (v *view) listBody(r catalog.Result) []byte {
	size := 32
	for _, pos := range r.Positions {
		size += len(v.products[pos].body) + 1
	}
	var b bytes.Buffer
	b.Grow(size)
	b.WriteString(`{"products":[`)
	for i, pos := range r.Positions {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(v.products[pos].body)
	}
	b.WriteString(`],"total":`)
	b.WriteString(strconv.Itoa(r.Total))
	b.WriteString("}\n")
	return b.Bytes()
}
