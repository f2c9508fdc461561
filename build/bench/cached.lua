-- wrk script: one common query, asked again and again, so every answer
-- after the first comes from the snapshot's search cache. load.sh measures
-- its latency alone and while cycle.lua churns the cache.
request = function()
  return wrk.format("GET", "/products?limit=20&q=kettle")
end
