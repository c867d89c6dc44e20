--[[
  claim: a worker takes the requests of a batch to decide them (PENDING -> PROCESSING), in one call. Atomic with
  cancel.lua on the same hashes: a request is either cancelled before any worker took it, or taken and no longer
  cancellable, never both.

  For request i (1-based), in batch order:
  KEYS[2i-1] request   HASH (see submit.lua)
  KEYS[2i]   pending   ZSET requestId -> submittedAtMs of the request's fan
  ARGV[1]    nowMs     from the injectable clock
  ARGV[2]    ttlMs     a request is kept this long from now, so it cannot expire while being decided
  ARGV[2+i]  requestId

  Returns one reply a request, in batch order:
          {'CLAIMED'}    taken now, or PROCESSING already: a re-run after a crash or a retry, which goes on (the
                         hold is idempotent by request id)
       or {'DECIDED', status, result, error}  decided by an earlier run whose job did not finish: nothing to do
       or {'CANCELLED'}  cancelled while PENDING
       or {'GONE'}       no such request (expired, or its submit failed)

  Cluster: every key above carries the concert's hash tag {c:<concertId>} (server/src/redis/keys.ts), so all keys
  of one call hash to one Redis Cluster slot, which a cluster requires of a script. The tests' slot guard
  (server/test/slot-guard.ts) fails any call whose keys hash to two slots.
]]
local rcall = redis.call
local now, ttl = ARGV[1], tonumber(ARGV[2])

local function claim(request, pending, requestId)
  local f = rcall('HMGET', request, 'status', 'result', 'error')
  local status = f[1]
  if not status then return {'GONE'} end
  if status == 'CANCELLED' then return {'CANCELLED'} end
  if status == 'COMPLETED' or status == 'FAILED' then return {'DECIDED', status, f[2] or '', f[3] or ''} end
  if status == 'PENDING' then
    rcall('HSET', request, 'status', 'PROCESSING', 'startedAt', now)
    rcall('ZREM', pending, requestId)
  end
  rcall('PEXPIRE', request, ttl)
  return {'CLAIMED'}
end

local replies = {}
for i = 1, #KEYS / 2 do
  replies[i] = claim(KEYS[2 * i - 1], KEYS[2 * i], ARGV[2 + i])
end
return replies
