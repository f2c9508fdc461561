-- wrk script: a shop's search traffic against a generated catalog. Half the
-- requests ask for one of a few common words or phrases (each matches 4 to
-- 16% of the products, and shoppers ask for them again and again); the
-- other half ask for a model-code prefix drawn at random, mostly never
-- asked before (each matches a handful of products). Every request asks for
-- one results page of 20.
local common = {
  "kettle", "copper", "steel", "%C3%A5ngstr%C3%B6m", "hot%20for%20hours",
  "ceramic%20mug", "waterproof", "travel%20bag", "walnut", "dishwasher",
}
local n = 0

request = function()
  n = n + 1
  local q
  if n % 2 == 0 then
    q = common[(n / 2) % #common + 1]
  else
    q = string.char(65 + math.random(0, 25), 65 + math.random(0, 25)) .. "-" .. math.random(0, 99)
  end
  return wrk.format("GET", "/products?limit=20&q=" .. q)
end
