--[[
  claim: a worker takes the requests of a batch to decide them (PENDING -> PROCESSING), in one call. Atomic with
  cancel.lua on the same hashes: a request is either cancelled before any worker took it, or taken and no longer
  cancellable, never both. Atomic with close-sale.lua and the session scripts too: a PENDING request is taken only
  while the sale is not CLOSED and the booking session it was submitted in is live, so a queue that outlives its
  sale or its fan's session never takes a seat.

  KEYS[1]      sale        HASH state, ... (the concert's sale)
  KEYS[2]      sessionIds  HASH userId -> "jti|expiresAtMs" (access/sessions.lua)
  and for request i (1-based), in batch order:
  KEYS[1+2i]   request     HASH (see submit.lua)
  KEYS[2+2i]   pending     ZSET requestId -> submittedAtMs of the request's fan
  ARGV[1]      nowMs       from the injectable clock
  ARGV[2]      ttlMs       a request is kept this long from now, so it cannot expire while being decided
  ARGV[2+i]    requestId

  Returns one reply a request, in batch order:
          {'CLAIMED'}    taken now, or PROCESSING already: a re-run after a crash or a retry, which goes on (the
                         hold is idempotent by request id)
       or {'DECIDED', status, result, error}  decided by an earlier run whose job did not finish: nothing to do
       or {'CANCELLED'}  cancelled while PENDING
       or {'GONE'}       no such request (expired, or its submit failed)
       or {'CLOSED'}     still PENDING, but the sale is CLOSED: to be decided FAILED (BOOKING_CLOSED)
       or {'ENDED'}      still PENDING, but the fan's booking session ended or is another one than the request's
                         (a request recorded without a session id needs any live session): FAILED (SESSION_ENDED)

  Cluster: every key above carries the concert's hash tag {c:<concertId>} (server/src/redis/keys.ts), so all keys
  of one call hash to one Redis Cluster slot, which a cluster requires of a script. The tests' slot guard
  (server/test/slot-guard.ts) fails any call whose keys hash to two slots.
]]
local rcall = redis.call
local now, ttl = tonumber(ARGV[1]), tonumber(ARGV[2])
local saleClosed = rcall('HGET', KEYS[1], 'state') == 'CLOSED'

local function sessionLive(userId, jti)
  local value = userId and rcall('HGET', KEYS[2], userId)
  if not value then return false end
  local sep = string.find(value, '|', 1, true)
  if not sep or tonumber(string.sub(value, sep + 1)) <= now then return false end
  return jti == nil or jti == '' or string.sub(value, 1, sep - 1) == jti
end

local function claim(request, pending, requestId)
  local f = rcall('HMGET', request, 'status', 'result', 'error', 'userId', 'jti')
  local status = f[1]
  if not status then return {'GONE'} end
  if status == 'CANCELLED' then return {'CANCELLED'} end
  if status == 'COMPLETED' or status == 'FAILED' then return {'DECIDED', status, f[2] or '', f[3] or ''} end
  if status == 'PENDING' then
    if saleClosed then return {'CLOSED'} end
    if not sessionLive(f[4], f[5]) then return {'ENDED'} end
    rcall('HSET', request, 'status', 'PROCESSING', 'startedAt', ARGV[1])
    rcall('ZREM', pending, requestId)
  end
  rcall('PEXPIRE', request, ttl)
  return {'CLAIMED'}
end

local replies = {}
for i = 1, (#KEYS - 2) / 2 do
  replies[i] = claim(KEYS[1 + 2 * i], KEYS[2 + 2 * i], ARGV[2 + i])
end
return replies
