--[[
  set-state: move a sale from one of the allowed states to another (pause, resume, the join window opening).
  Opening and closing have their own scripts (open-sale.lua, close-sale.lua) because they do more.

  KEYS[1] sale    HASH state, ...
  ARGV[1] target  the new state
  ARGV[2] from    the states it may come from, comma-separated (",PAUSED,")

  Returns {'OK', previous}        previous = target as well when nothing had to change
       or {'CONFLICT', current}   the sale is in a state the move does not start from
       or {code}                  NO_SALE, NOT_FOUND

  Cluster: every key above carries the concert's hash tag {c:<concertId>} (server/src/redis/keys.ts), so all keys
  of one call hash to one Redis Cluster slot, which a cluster requires of a script. The tests' slot guard
  (server/test/slot-guard.ts) fails any call whose keys hash to two slots.
]]
--- @include "sale-meta"
local rcall = redis.call
local target, from = ARGV[1], ARGV[2]

local meta, refused = saleMeta(KEYS[1])
if refused then return refused end
local state = meta[1]
if state == target then return {'OK', state} end
if not string.find(from, ',' .. state .. ',', 1, true) then return {'CONFLICT', state} end
rcall('HSET', KEYS[1], 'state', target)
return {'OK', state}
