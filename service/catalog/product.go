// Package catalog is the product catalog domain: the product types, loading
// and validating catalog files, and searching an immutable catalog snapshot.
// It knows nothing about HTTP, logging or metrics.
package catalog

// Money is an amount in a currency, in the OpenTelemetry demo's shape:
// whole units plus nanos (10^-9 units).
type Money struct {
	CurrencyCode string `json:"currencyCode"`
	Units        int64  `json:"units"`
	Nanos        int32  `json:"nanos"`
}

// Product is one catalog entry. The JSON names are those of the
// OpenTelemetry demo's products.json, so its files load unchanged.
type Product struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Picture     string   `json:"picture"`
	PriceUSD    Money    `json:"priceUsd"`
	Categories  []string `json:"categories"`
}

// maxNanos is the largest nanos value: one more would be a whole unit.
const maxNanos = 999_999_999
