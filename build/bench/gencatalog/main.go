// Command gencatalog writes a generated catalog (service/catalog/generate)
// as one products.json document, for load tests on catalogs larger than
// the repository's.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"

	"github.com/product-catalog/product-catalog/service/catalog/generate"
)

func main() {
	n := flag.Int("n", 100_000, "number of products")
	seed := flag.Int64("seed", 42, "generator seed; the same seed gives the same catalog")
	flag.Parse()
	err := json.NewEncoder(os.Stdout).Encode(map[string]any{"products": generate.Products(*n, *seed)})
	if err != nil {
		fmt.Fprintf(os.Stderr, "gencatalog: %v\n", err)
		os.Exit(1)
	}
}
