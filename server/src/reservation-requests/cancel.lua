--[[
  cancel: the fan cancels a request that no worker has taken yet (PENDING -> CANCELLED). Atomic with claim.lua.

  KEYS[1] request   HASH (see submit.lua)
  KEYS[2] pending   ZSET requestId -> submittedAtMs of the caller
  KEYS[3] stats     HASH counters (see decide.lua); `cancelled` counts cancellations
  ARGV[1] requestId
  ARGV[2] userId    the caller: someone else's request reads as missing
  ARGV[3] nowMs     from the injectable clock
  ARGV[4] ttlMs     the cancelled request is kept this long

  Returns {'CANCELLED', fresh}  fresh = 1 when cancelled now, 0 when it was cancelled before
       or {'ALREADY_PROCESSING', status}  a worker took it (PROCESSING) or decided it
       or {'NOT_FOUND'}

  Cluster: every key above carries the concert's hash tag {c:<concertId>} (server/src/redis/keys.ts), so all keys
  of one call hash to one Redis Cluster slot, which a cluster requires of a script. The tests' slot guard
  (server/test/slot-guard.ts) fails any call whose keys hash to two slots.
]]
local rcall = redis.call
local f = rcall('HMGET', KEYS[1], 'userId', 'status')
if not f[1] or f[1] ~= ARGV[2] then return {'NOT_FOUND'} end
if f[2] == 'CANCELLED' then return {'CANCELLED', 0} end
if f[2] ~= 'PENDING' then return {'ALREADY_PROCESSING', f[2]} end

rcall('HSET', KEYS[1], 'status', 'CANCELLED', 'decidedAt', ARGV[3])
rcall('PEXPIRE', KEYS[1], tonumber(ARGV[4]))
rcall('ZREM', KEYS[2], ARGV[1])
rcall('HINCRBY', KEYS[3], 'cancelled', 1)
return {'CANCELLED', 1}
