--[[
  submit: records a queued reservation request as PENDING, unless the fan already has `maxPending` PENDING
  requests for this concert. It runs before the BullMQ job is added, so a refused request never reaches the
  queue; a job whose request hash is missing is skipped by the worker (claim.lua), so an add that failed after
  this script leaves nothing behind but a hash that expires, and a submit that died before adding its job leaves
  the request in `unqueued` for the sweeper to queue.

  KEYS[1] request   HASH, the layout below
  KEYS[2] pending   ZSET requestId -> submittedAtMs: the fan's PENDING requests of this concert
  KEYS[3] unqueued  ZSET requestId -> submittedAtMs: recorded, BullMQ job not yet known to be added (the caller
                    removes it once the job is added; the sweeper queues what a dead submit left here)
  ARGV[1] requestId
  ARGV[2] userId
  ARGV[3] concertId
  ARGV[4] scheduleId
  ARGV[5] seatIds     JSON array
  ARGV[6] lane        vip | normal (from the user token)
  ARGV[7] nowMs       from the injectable clock
  ARGV[8] ttlMs       how long a request, and later its result, is kept
  ARGV[9] maxPending  per fan and concert
  ARGV[10] jti        the booking session the request was submitted in (claim.lua takes it only while it lives)

  Request HASH fields: userId, concertId, scheduleId, seatIds (JSON), lane, jti,
    status (PENDING | PROCESSING | COMPLETED | FAILED | CANCELLED), submittedAt, startedAt, decidedAt (ms),
    result (the Reservation, JSON), error (the ApiErrorBody, JSON).

  Returns {'OK'}, {'RATE_LIMITED', pendingCount} or {'DUPLICATE'} (the request id exists already)

  Cluster: every key above carries the concert's hash tag {c:<concertId>} (server/src/redis/keys.ts), so all keys
  of one call hash to one Redis Cluster slot, which a cluster requires of a script. The tests' slot guard
  (server/test/slot-guard.ts) fails any call whose keys hash to two slots.
]]
local rcall = redis.call
local now, ttl, maxPending = tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9])

-- Entries older than the TTL name requests whose hash is gone: they can never be decided, so they do not count.
rcall('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - ttl)
local pending = rcall('ZCARD', KEYS[2])
if pending >= maxPending then return {'RATE_LIMITED', pending} end
if rcall('EXISTS', KEYS[1]) == 1 then return {'DUPLICATE'} end

rcall('HSET', KEYS[1], 'userId', ARGV[2], 'concertId', ARGV[3], 'scheduleId', ARGV[4], 'seatIds', ARGV[5],
  'lane', ARGV[6], 'jti', ARGV[10], 'status', 'PENDING', 'submittedAt', now)
rcall('PEXPIRE', KEYS[1], ttl)
rcall('ZADD', KEYS[2], now, ARGV[1])
rcall('PEXPIRE', KEYS[2], ttl)
rcall('ZADD', KEYS[3], now, ARGV[1])
rcall('PEXPIRE', KEYS[3], ttl)
return {'OK'}
