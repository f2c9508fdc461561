package app

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/product-catalog/product-catalog/service/config"
)

// healthcheckWait bounds the healthcheck subcommand's request.
const healthcheckWait = 3 * time.Second

// healthcheck asks the local server for readiness. Images without a shell
// run it as their HEALTHCHECK.
func healthcheck(ctx context.Context, getenv func(string) string) error {
	cfg, err := config.FromEnv(getenv)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, healthcheckWait)
	defer cancel()
	url := fmt.Sprintf("http://127.0.0.1:%d/readyz", cfg.Port)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: GET %s: %s", url, resp.Status)
	}
	return nil
}
