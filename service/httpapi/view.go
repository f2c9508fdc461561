package httpapi

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"

	"github.com/product-catalog/product-catalog/service/catalog"
)

// view is a catalog snapshot encoded for the wire: everything a request
// needs, built once by Server.Publish before the snapshot is served. Each
// product is encoded once per snapshot, so a request only copies bytes:
// encoding on every request would dominate the cost of a catalog read.
//
// A product's body is the catalog's own encoding (catalog.JSON), and its
// header values are cut from a few shared allocations rather than one
// representation per product: at 100k products that is 6 MB instead of 17.
type view struct {
	catalog        *catalog.Catalog
	productETags   []string                // by catalog position
	productLengths []string                // by catalog position: Content-Length
	productsGzip   map[int]*representation // the products of compressMin bytes or more
	etag           string                  // strong validator of the whole snapshot
	categories     representation
	// firstPage is GET /products with no parameters, by far the most asked
	// list: rendered once per snapshot like a product.
	firstPage representation
}

func newView(c *catalog.Catalog) (*view, error) {
	v := &view{
		catalog:        c,
		productETags:   make([]string, c.Len()),
		productLengths: make([]string, c.Len()),
		productsGzip:   make(map[int]*representation),
	}
	const etagLen = len(`"p-`) + 2*productSumBytes + len(`"`)
	var etags strings.Builder
	etags.Grow(etagLen * c.Len())
	lengths := make(map[int]string) // bodies share few lengths
	whole := sha256.New()
	for i := range c.Len() {
		body := c.JSON(i)
		sum := sha256.Sum256([]byte(body))
		whole.Write(sum[:])
		etags.WriteString(`"p-`)
		etags.WriteString(hex.EncodeToString(sum[:productSumBytes]))
		etags.WriteString(`"`)
		if _, ok := lengths[len(body)]; !ok {
			lengths[len(body)] = strconv.Itoa(len(body))
		}
		v.productLengths[i] = lengths[len(body)]
	}
	all := etags.String()
	for i := range c.Len() {
		v.productETags[i] = all[i*etagLen : (i+1)*etagLen]
		if body := c.JSON(i); len(body) >= compressMin {
			v.productsGzip[i] = newGzipped([]byte(body), v.productETags[i])
		}
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

// productSumBytes is how much of a product body's SHA-256 its ETag shows.
const productSumBytes = 12

// product is the representation of the product at position pos. Its
// header values are slices of the view's shared arrays, capacity one, so
// nothing can append into a neighbour's.
func (v *view) product(pos int) representation {
	rep := representation{
		text:       v.catalog.JSON(pos),
		etag:       v.productETags[pos],
		etagHeader: v.productETags[pos : pos+1 : pos+1],
		length:     v.productLengths[pos : pos+1 : pos+1],
	}
	if len(v.productsGzip) > 0 {
		rep.gzip = v.productsGzip[pos]
	}
	return rep
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
		size += len(v.catalog.JSON(int(pos))) + 1
	}
	var b bytes.Buffer
	b.Grow(size)
	b.WriteString(`{"products":[`)
	for i, pos := range r.Positions {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(v.catalog.JSON(int(pos)))
	}
	b.WriteString(`],"total":`)
	b.WriteString(strconv.Itoa(r.Total))
	b.WriteString("}\n")
	return b.Bytes()
}
