package catalog

// ForgetSearches empties the snapshot's search cache, so benchmarks and
// tests can measure and check a search the first time it is asked.
func (c *Catalog) ForgetSearches() { c.cache = &searchCache{} }
