// Command ceiling is the load test's baseline: a minimal net/http server
// that answers the same catalog reads with bytes encoded once at start-up,
// with no routing library, logging, metrics or validation of parameters.
// The service's throughput is reported as a ratio of this one's, measured
// in the same run on the same machine.
//
// A client that accepts gzip gets the list's bytes compressed once at
// start-up (at the service's level), so the compressed rows of the load
// test compare the service with serving pre-compressed bytes.
//
// With -limits it runs with the service's http.Server limits (read, write
// and idle timeouts, header size), which set deadlines on every request;
// without, with net/http's defaults, which set none.
package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"strconv"
	"strings"

	"github.com/product-catalog/product-catalog/service/catalog"
	"github.com/product-catalog/product-catalog/service/httpapi"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8089", "listen address")
	dir := flag.String("dir", "products", "catalog directory")
	limits := flag.Bool("limits", false, "run with the service's http.Server limits")
	flag.Parse()
	if err := serve(*addr, *dir, *limits); err != nil {
		fmt.Fprintf(os.Stderr, "ceiling: %v\n", err)
		os.Exit(1)
	}
}

func serve(addr, dir string, limits bool) error {
	c, err := catalog.Load(os.DirFS(dir), dir, catalog.DefaultLimits)
	if err != nil {
		return err
	}
	products := make([]catalog.Product, c.Len())
	byID := make(map[string][]byte, c.Len())
	for i := range products {
		products[i] = c.At(i)
		body, err := json.Marshal(products[i])
		if err != nil {
			return err
		}
		byID[products[i].ID] = body
	}
	list, err := json.Marshal(map[string]any{"products": products, "total": len(products)})
	if err != nil {
		return err
	}
	var zipped bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&zipped, gzip.DefaultCompression)
	_, _ = zw.Write(list)
	if err := zw.Close(); err != nil {
		return err
	}
	mux := http.NewServeMux()
	// Content-Length set, as the service sets it: a body over net/http's
	// 4 KB buffer would otherwise go chunked, and the ceiling pay for it.
	listLength, zippedLength := []string{strconv.Itoa(len(list))}, []string{strconv.Itoa(zipped.Len())}
	mux.HandleFunc("GET /products", func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "application/json")
		if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			h.Set("Content-Encoding", "gzip")
			h["Content-Length"] = zippedLength
			_, _ = w.Write(zipped.Bytes())
			return
		}
		h["Content-Length"] = listLength
		_, _ = w.Write(list)
	})
	mux.HandleFunc("GET /products/{id}", func(w http.ResponseWriter, r *http.Request) {
		body, ok := byID[r.PathValue("id")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	})
	srv := &http.Server{Handler: mux}
	if limits {
		srv = httpapi.NewHTTPServer(mux)
	}
	srv.Addr = addr
	log.Printf("ceiling: %d products on %s (service limits: %v)", len(products), addr, limits)
	return srv.ListenAndServe()
}
