--[[
  log-take: hand the next batch of a concert's write-behind log to one drainer. Batches go out strictly in
  order and one at a time: while a drainer holds the lease, others get BUSY; if it dies, the lease runs out and
  the next drainer gets the same batch again (the MySQL upserts are idempotent, so a replay changes nothing).

  KEYS[1] log       LIST entries, oldest first
  KEYS[2] inflight  LIST the batch being written
  KEYS[3] lease     STRING drainer token, with a PX expiry (Redis time: a lease, not a business time)
  ARGV[1] token     this drainer
  ARGV[2] leaseMs
  ARGV[3] batch     at most this many entries

  Returns {'OK', entries} | {'BUSY'} | {'EMPTY'}

  Cluster: every key above carries the concert's hash tag {c:<concertId>} (server/src/redis/keys.ts), so all keys
  of one call hash to one Redis Cluster slot, which a cluster requires of a script. The tests' slot guard
  (server/test/slot-guard.ts) fails any call whose keys hash to two slots.
]]
local rcall = redis.call
local token, leaseMs, batch = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])

local holder = rcall('GET', KEYS[3])
if holder and holder ~= token then return {'BUSY'} end

local entries = rcall('LRANGE', KEYS[2], 0, -1)
if #entries == 0 then
  entries = rcall('LRANGE', KEYS[1], 0, batch - 1)
  if #entries == 0 then
    rcall('DEL', KEYS[3])
    return {'EMPTY'}
  end
  rcall('LTRIM', KEYS[1], #entries, -1)
  rcall('RPUSH', KEYS[2], unpack(entries))
end
rcall('SET', KEYS[3], token, 'PX', leaseMs)
return {'OK', entries}
