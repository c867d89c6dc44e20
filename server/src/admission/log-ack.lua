--[[
  log-ack: the drainer wrote its batch to MySQL; drop the batch and free the lease.

  KEYS[1] inflight  LIST
  KEYS[2] lease     STRING drainer token
  ARGV[1] token     this drainer

  Returns 1, or 0 when the lease had run out and another drainer may be replaying the batch (harmless).

  Cluster: every key above carries the concert's hash tag {c:<concertId>} (server/src/redis/keys.ts), so all keys
  of one call hash to one Redis Cluster slot, which a cluster requires of a script. The tests' slot guard
  (server/test/slot-guard.ts) fails any call whose keys hash to two slots.
]]
local rcall = redis.call
if rcall('GET', KEYS[2]) ~= ARGV[1] then return 0 end
rcall('DEL', KEYS[1], KEYS[2])
return 1
