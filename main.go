// Command product-catalog serves a product catalog over REST and gRPC on one port.
package main

import (
	"context"
	"embed"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/product-catalog/product-catalog/service/app"
)

// The repository's catalog travels inside the binary, so the binary serves
// something useful with no catalog directory beside it.
//
//go:embed products/*.json
var products embed.FS

// version is stamped at build time: -ldflags "-X main.version=...".
var version = "dev"

func main() {
	if err := run(context.Background(), os.Args, os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintf(os.Stderr, "product-catalog: %v\n", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	catalogFS, err := fs.Sub(products, "products")
	if err != nil {
		return err
	}
	return app.Run(ctx, app.Build{Version: version, Catalog: catalogFS}, args, getenv, stdout, stderr)
}
