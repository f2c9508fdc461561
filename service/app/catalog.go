package app

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"go.uber.org/zap"

	"github.com/product-catalog/product-catalog/service/catalog"
	"github.com/product-catalog/product-catalog/service/config"
	"github.com/product-catalog/product-catalog/service/metrics"
	"github.com/product-catalog/product-catalog/service/reload"
)

// catalogSource checks PRODUCT_CATALOG_DIR, with the other variables
// before anything starts: it says whether the catalog embedded in the
// binary is served, which is only when the operator did not choose a
// directory and the default one is absent, or what is wrong with the
// directory.
func catalogSource(cfg config.Config, embedded fs.FS) (useEmbedded bool, err error) {
	info, err := os.Stat(cfg.CatalogDir)
	switch {
	case err == nil && !info.IsDir():
		return false, fmt.Errorf("%s=%q: not a directory", config.EnvCatalogDir, cfg.CatalogDir)
	case errors.Is(err, fs.ErrNotExist) && !cfg.CatalogDirSet && embedded != nil:
		return true, nil
	case err != nil:
		return false, fmt.Errorf("%s=%q: %w", config.EnvCatalogDir, cfg.CatalogDir, err)
	}
	return false, nil
}

// loadCatalog loads the configured directory, or the embedded catalog,
// which is never reloaded, as catalogSource chose.
func loadCatalog(cfg config.Config, embedded fs.FS, useEmbedded bool) (*catalog.Catalog, *reload.Dir, string, error) {
	if useEmbedded {
		c, err := catalog.Load(embedded, "embedded", catalogLimits(cfg))
		if err != nil {
			return nil, nil, "", fmt.Errorf("load the embedded catalog: %w", err)
		}
		return c, nil, "embedded", nil
	}
	dir := reload.NewDir(cfg.CatalogDir, catalogLimits(cfg))
	c, err := dir.Load()
	if err != nil {
		return nil, nil, "", fmt.Errorf("load catalog from %s (%s): %w", cfg.CatalogDir, config.EnvCatalogDir, err)
	}
	return c, dir, "directory " + cfg.CatalogDir, nil
}

// catalogLimits are the configured read limits, the catalog package's
// defaults where none is set.
func catalogLimits(cfg config.Config) catalog.Limits {
	limits := catalog.DefaultLimits
	if cfg.MaxFileBytes > 0 {
		limits.FileBytes = cfg.MaxFileBytes
	}
	if cfg.MaxBytes > 0 {
		limits.TotalBytes = cfg.MaxBytes
	}
	return limits
}

// reloadHooks log and count each poll's outcome; the catalog size is
// counted by publish, which start-up shares.
func reloadHooks(logger *zap.Logger, m *metrics.Metrics, dir string) reload.Hooks {
	return reload.Hooks{
		Reloaded: func(c *catalog.Catalog) {
			m.Reloaded()
			logger.Info("catalog reloaded", zap.String("dir", dir), zap.Int("products", c.Len()))
		},
		Failed: func(err error) {
			m.ReloadFailed()
			logger.Error("catalog reload failed; still serving the last good catalog", zap.String("dir", dir), zap.Error(err))
		},
	}
}
