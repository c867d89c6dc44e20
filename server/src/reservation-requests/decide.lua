--[[
  decide: records the one decision of each request of a batch (COMPLETED with its reservation, or FAILED with its
  error) and counts it, in one call. A request is decided once: a second run of the same job (a stalled job re-run,
  a retry) finds the first decision and gets it back instead of recording its own.

  KEYS[1]      stats     HASH counters: completed, failed, cancelled, decided, waitMs (sum of submit -> decision)
  KEYS[2]      rate      HASH n, waitMs of the decisions made in the current second (expires after rateTtlMs)
  and for request i (1-based), in batch order:
  KEYS[1+2i]   request   HASH (see submit.lua)
  KEYS[2+2i]   pending   ZSET requestId -> submittedAtMs of the request's fan
  ARGV[1]      nowMs     from the injectable clock
  ARGV[2]      ttlMs     a decided request is kept this long
  ARGV[3]      rateTtlMs
  ARGV[4i]     requestId
  ARGV[4i+1]   status    COMPLETED | FAILED
  ARGV[4i+2]   result    the Reservation as JSON, or ''
  ARGV[4i+3]   error     the ApiErrorBody as JSON, or ''

  Returns one reply a request, in batch order:
          {'DECIDED', status, result, error}  recorded now
       or {'ALREADY', status, result, error}  decided before: the earlier decision stands
       or {'CANCELLED'} or {'GONE'}           nothing recorded
  A PENDING request may be decided too: a job that failed for good before it was claimed.

  Cluster: every key above carries the concert's hash tag {c:<concertId>} (server/src/redis/keys.ts), so all keys
  of one call hash to one Redis Cluster slot, which a cluster requires of a script. The tests' slot guard
  (server/test/slot-guard.ts) fails any call whose keys hash to two slots.
]]
local rcall = redis.call
local now, ttl = tonumber(ARGV[1]), tonumber(ARGV[2])

local function decide(request, pending, requestId, verdict, result, err)
  local f = rcall('HMGET', request, 'status', 'submittedAt', 'result', 'error')
  local status = f[1]
  if not status then return {'GONE'} end
  if status == 'CANCELLED' then return {'CANCELLED'} end
  if status == 'COMPLETED' or status == 'FAILED' then return {'ALREADY', status, f[3] or '', f[4] or ''} end

  rcall('HSET', request, 'status', verdict, 'decidedAt', now)
  if result ~= '' then rcall('HSET', request, 'result', result) end
  if err ~= '' then rcall('HSET', request, 'error', err) end
  rcall('PEXPIRE', request, ttl)
  rcall('ZREM', pending, requestId)

  local wait = math.max(0, now - (tonumber(f[2]) or now))
  rcall('HINCRBY', KEYS[1], verdict == 'COMPLETED' and 'completed' or 'failed', 1)
  rcall('HINCRBY', KEYS[1], 'decided', 1)
  rcall('HINCRBY', KEYS[1], 'waitMs', wait)
  rcall('HINCRBY', KEYS[2], 'n', 1)
  rcall('HINCRBY', KEYS[2], 'waitMs', wait)
  return {'DECIDED', verdict, result, err}
end

local replies = {}
for i = 1, (#KEYS - 2) / 2 do
  replies[i] = decide(KEYS[1 + 2 * i], KEYS[2 + 2 * i], ARGV[4 * i], ARGV[4 * i + 1], ARGV[4 * i + 2], ARGV[4 * i + 3])
end
rcall('PEXPIRE', KEYS[2], tonumber(ARGV[3]))
return replies
