-- sale-meta (included by `--- @include "sale-meta"`): the fields of a concert's sale hash a script reads, `state`
-- and `missing` first, then the ones it names. A hash without a state refuses the script: NOT_FOUND when the sale
-- cache marked the concert as missing from MySQL, NO_SALE when it exists but has no sale in Redis.
local function saleMeta(key, ...)
  local meta = redis.call('HMGET', key, 'state', 'missing', ...)
  if meta[1] then return meta, nil end
  if meta[2] then return nil, {'NOT_FOUND'} end
  return nil, {'NO_SALE'}
end
