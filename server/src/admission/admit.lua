--[[
  admit: one admission step of a concert, atomically. It first sweeps what ran out (READY windows, booking
  sessions, and with a cutoff waiting entries older than MAX_WAIT_MINUTES), then admits up to `count` fans,
  VIP lane first, then the presale lane, then the normal lane, laneSeq order inside a lane, without ever letting READY (window not over) + ENTERED (live
  session) exceed maxActive. Two workers running the same tick, or a retried job, cannot admit anyone twice or
  skip anyone: fans are popped from the head of the lanes inside this one script, and a tick id is run once.

  KEYS[1]  sale        HASH state, maxActive, groupSize, intervalMs, openedAt, closesAt, seatsAvailable,
                       admitRatio, soldOut; rate and spread (written here)
  KEYS[2]  fans        HASH userId -> "status|lane|ticket|laneSeq|joinedAtMs|untilMs|reason"
  KEYS[3]  laneVip     ZSET userId -> laneSeq
  KEYS[4]  lanePresale ZSET userId -> laneSeq
  KEYS[5]  laneNormal  ZSET userId -> laneSeq
  KEYS[6]  joined      ZSET userId -> joinedAtMs (waiting fans)
  KEYS[7]  ready       ZSET userId -> readyUntilMs
  KEYS[8]  sessions    ZSET userId -> expiresAtMs (access/sessions.lua; a payment removes its fan at once)
  KEYS[9]  sessionIds  HASH userId -> "jti|expiresAtMs"
  KEYS[10] stats       HASH served:<lane>, left:<lane>, expired
  KEYS[11] log         LIST write-behind log "kind|ticket|lane|joinedAtMs|atMs|reason|userId"
  KEYS[12] admissions  LIST "atMs|count", newest first
  KEYS[13] ticks       ZSET tickId -> atMs
  ARGV[1] nowMs         from the injectable clock
  ARGV[2] readyWindowMs READY_WINDOW_MINUTES in ms
  ARGV[3] tickId        '' for none; a tick id already run makes this a no-op (DUP)
  ARGV[4] count         fans to admit: -1 = the sale's groupSize, 0 = sweep only
  ARGV[5] manual        '1' also admits while PAUSED (an admin's "admit N now")
  ARGV[6] cutoffMs      waiting entries that joined at or before this expire (MAX_WAIT); 0 = keep them
  ARGV[7] ratio         ADMIT_SEAT_RATIO, when the sale has no admitRatio of its own
  ARGV[8] window        how many ticks `spread` keeps: the fans each scheduled tick admitted while fans waited,
                        newest first, comma-separated (the measured spread behind the wait ranges)

  Returns {'OK', admitted, expired, removedWaiting, active, state, maxActive, seatCap}
    admitted  flat list userId, lane, ticket, readyUntilMs for each fan admitted
    expired   flat list userId, reason (READY_EXPIRED | SESSION_EXPIRED | MAX_WAIT)
    active    READY + ENTERED after this step
    seatCap   ceil(seatsAvailable x ratio), -1 before the first count
       or {code}  DUP, NO_SALE, NOT_FOUND, BOOKING_CLOSED
  Admitting happens only while ON_SALE (or PAUSED with manual) and before closesAt; sweeping happens in any
  state but CLOSED.

  Cluster: every key above carries the concert's hash tag {c:<concertId>} (server/src/redis/keys.ts), so all keys
  of one call hash to one Redis Cluster slot, which a cluster requires of a script. The tests' slot guard
  (server/test/slot-guard.ts) fails any call whose keys hash to two slots.
]]

--- @include "fan-record"
--- @include "queue-log"
--- @include "sale-meta"
local rcall = redis.call
local now, windowMs, tickId = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
local want, manual, cutoff = tonumber(ARGV[4]), ARGV[5] == '1', tonumber(ARGV[6])

local meta, refused = saleMeta(KEYS[1], 'maxActive', 'groupSize', 'intervalMs', 'openedAt', 'closesAt',
  'seatsAvailable', 'admitRatio', 'soldOut', 'spread')
if refused then return refused end
local maxActive = tonumber(meta[3]) or 0
local state = meta[1]
if state == 'CLOSED' then return {'BOOKING_CLOSED'} end
if tickId ~= '' then
  if rcall('ZADD', KEYS[13], 'NX', now, tickId) == 0 then return {'DUP'} end
  rcall('ZREMRANGEBYSCORE', KEYS[13], '-inf', now - 3600000)
end

local LANES = { 'vip', 'presale', 'normal' }
local laneKeys = { vip = KEYS[3], presale = KEYS[4], normal = KEYS[5] }
local function int(x) return string.format('%.0f', x) end
local function save(userId, f)
  rcall('HSET', KEYS[2], userId, formatFan(f))
end
local function log(kind, f, reason, userId)
  rcall('RPUSH', KEYS[11], logLine(kind, f.ticket, f.lane, f.joined, now, reason, userId))
end

local expired = {}
-- Marks the fan EXPIRED if it is still in the state the sweep found it in (it may have left or entered again).
local function expire(userId, expect, reason, logReason)
  local rec = rcall('HGET', KEYS[2], userId)
  if not rec then return end
  local f = parseFan(rec)
  if f.s ~= expect then return end
  f.s, f.untilMs, f.reason = 'X', '0', reason
  save(userId, f)
  log('L', f, logReason, userId)
  -- A MAX_WAIT removal counts as leaving the lane from the middle; the others as expiries.
  if expect == 'W' then
    rcall('ZREM', laneKeys[f.lane] or KEYS[5], userId)
    rcall('HINCRBY', KEYS[10], 'left:' .. f.lane, 1)
  else
    rcall('HINCRBY', KEYS[10], 'expired', 1)
  end
  expired[#expired + 1] = userId
  expired[#expired + 1] = reason
end

for _, userId in ipairs(rcall('ZRANGEBYSCORE', KEYS[7], '-inf', now, 'LIMIT', 0, 1000)) do
  rcall('ZREM', KEYS[7], userId)
  expire(userId, 'R', 'READY_EXPIRED', 'EXPIRED')
end
for _, userId in ipairs(rcall('ZRANGEBYSCORE', KEYS[8], '-inf', now, 'LIMIT', 0, 1000)) do
  rcall('ZREM', KEYS[8], userId)
  local session = rcall('HGET', KEYS[9], userId)
  local exp = session and tonumber(string.match(session, '|(%d+)$'))
  if exp and exp <= now then rcall('HDEL', KEYS[9], userId) end
  expire(userId, 'E', 'SESSION_EXPIRED', 'EXPIRED')
end

local removed = 0
if cutoff > 0 then
  for _, userId in ipairs(rcall('ZRANGEBYSCORE', KEYS[6], '-inf', cutoff, 'LIMIT', 0, 5000)) do
    rcall('ZREM', KEYS[6], userId)
    local before = #expired
    expire(userId, 'W', 'MAX_WAIT', 'CLEANED')
    if #expired > before then removed = removed + 1 end
  end
end

local admitted = {}
local active = rcall('ZCOUNT', KEYS[7], '(' .. int(now), '+inf') + rcall('ZCOUNT', KEYS[8], '(' .. int(now), '+inf')
if want == -1 then want = tonumber(meta[4]) or 0 end
-- Past bookingCloseAt nobody is admitted, even before the closing timer has run.
local selling = (state == 'ON_SALE' or (manual and state == 'PAUSED')) and now < (tonumber(meta[7]) or 0)
  and meta[10] ~= '1'
local seatCap = -1
if meta[8] then seatCap = math.ceil(tonumber(meta[8]) * (tonumber(meta[9]) or tonumber(ARGV[7])) - 1e-9) end
local waitingBefore = rcall('ZCARD', KEYS[3]) + rcall('ZCARD', KEYS[4]) + rcall('ZCARD', KEYS[5])
if want > 0 and selling then
  local n = math.min(want, maxActive - active, seatCap - active)
  local readyUntil = int(now + windowMs)
  for _, lane in ipairs(LANES) do
    if n <= 0 then break end
    local popped = rcall('ZPOPMIN', laneKeys[lane], n)
    for i = 1, #popped, 2 do
      local userId = popped[i]
      rcall('ZREM', KEYS[6], userId)
      local rec = rcall('HGET', KEYS[2], userId)
      if rec then
        local f = parseFan(rec)
        f.s, f.untilMs, f.reason = 'R', readyUntil, ''
        save(userId, f)
        rcall('ZADD', KEYS[7], readyUntil, userId)
        log('A', f, '', userId)
        rcall('HINCRBY', KEYS[10], 'served:' .. lane, 1)
        admitted[#admitted + 1] = userId
        admitted[#admitted + 1] = lane
        admitted[#admitted + 1] = tonumber(f.ticket)
        admitted[#admitted + 1] = tonumber(readyUntil)
        n = n - 1
        active = active + 1
      end
    end
  end

  -- The measured admission rate: admissions over the last max(1 min, 5 intervals), divided by the time the sale
  -- has been admitting within that window; when nothing moved in the window, the average since the sale opened.
  -- That time is at least what this step stands for: a scheduled tick one interval (its group is the interval's
  -- admissions), an admin's step one second (it happened now, whatever the interval).
  local count = #admitted / 4
  if count > 0 then
    rcall('LPUSH', KEYS[12], int(now) .. '|' .. count)
    rcall('LTRIM', KEYS[12], 0, 499)
  end
  local intervalMs = tonumber(meta[5]) or 1000
  local openedAt = tonumber(meta[6]) or now
  local span = math.max(60000, 5 * intervalMs)
  local sum = 0
  for _, entry in ipairs(rcall('LRANGE', KEYS[12], 0, 499)) do
    local at, c = string.match(entry, '^(%d+)|(%d+)$')
    if now - tonumber(at) >= span then break end
    sum = sum + tonumber(c)
  end
  local elapsed = math.max(now - openedAt, tickId ~= '' and intervalMs or 1000)
  local rate
  if sum > 0 then
    rate = sum * 1000 / math.min(span, elapsed)
  else
    local stats = rcall('HMGET', KEYS[10], 'served:vip', 'served:presale', 'served:normal')
    local served = (tonumber(stats[1]) or 0) + (tonumber(stats[2]) or 0) + (tonumber(stats[3]) or 0)
    rate = served * 1000 / elapsed
  end
  rcall('HSET', KEYS[1], 'rate', tostring(rate))

  -- A scheduled tick with fans waiting records what it admitted, zero included (the seat cap held it back): the
  -- spread of these is what wait ranges are made of. A tick with nobody waiting says nothing about the pace.
  if tickId ~= '' and waitingBefore > 0 then
    local spread = { tostring(count) }
    for c in string.gmatch(meta[11] or '', '%d+') do
      if #spread >= tonumber(ARGV[8]) then break end
      spread[#spread + 1] = c
    end
    rcall('HSET', KEYS[1], 'spread', table.concat(spread, ','))
  end
end

return {'OK', admitted, expired, removed, active, state, maxActive, seatCap}
