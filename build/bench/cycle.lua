-- wrk script: a client cycling through 16 one-letter queries. Each matches
-- most of a generated catalog, so at 100k products each answer is a few
-- hundred KB and the 16 together are more than the search cache's 4 MB:
-- the cache must evict, and should evict these rather than a query that
-- is read all the time (cached.lua).
local letters = "abcdefghijklmnop"
local n = 0

request = function()
  n = n % #letters + 1
  return wrk.format("GET", "/products?limit=20&q=" .. letters:sub(n, n))
end
