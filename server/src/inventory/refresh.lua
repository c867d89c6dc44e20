--[[
  refresh: a concert's seat count (read from MySQL by the caller) becomes the one admission uses, and the sale
  moves in or out of its sell-out in the same step. A count older than the one stored is ignored, so two
  refreshes racing each other (an API replica after a payment, the worker's admission tick) cannot put a stale
  count back.

  Sold out = ON_SALE or PAUSED with no seat AVAILABLE and none held: every waiting fan leaves the room (status X,
  reason SOLD_OUT, an 'L' row with reason SOLD_OUT in the write-behind log), READY and ENTERED fans keep their
  turn. Seats that come back afterwards (refund, cancelled or expired hold) reopen the room only when the sale's
  reopenOnReturns is '1'.

  KEYS[1] sale        HASH seatsAvailable, seatsHeld, seatsSold, countedAt, soldOut, soldOutAt, reopenOnReturns
  KEYS[2] fans        HASH userId -> "status|lane|ticket|laneSeq|joinedAtMs|untilMs|reason"
  KEYS[3] laneVip     ZSET userId -> laneSeq
  KEYS[4] lanePresale ZSET userId -> laneSeq
  KEYS[5] laneNormal  ZSET userId -> laneSeq
  KEYS[6] joined      ZSET userId -> joinedAtMs (waiting fans)
  KEYS[7] stats       HASH left:<lane>
  KEYS[8] log         LIST write-behind log "kind|ticket|lane|joinedAtMs|atMs|reason|userId"
  ARGV[1] available   AVAILABLE seats (a hold past its time counts as available)
  ARGV[2] held        seats in live holds
  ARGV[3] sold        SOLD seats
  ARGV[4] countedAtMs when MySQL counted (its own clock, the same for every process)
  ARGV[5] nowMs       from the injectable clock

  Cluster: every key above carries the concert's hash tag {c:<concertId>} (server/src/redis/keys.ts), so all keys
  of one call hash to one Redis Cluster slot.

  Returns {'OK', change, removed, moved}
    change   '' | 'SOLD_OUT' | 'REOPENED' | 'RETURNED' (seats back, room stays closed) | 'STALE' (count ignored)
    removed  waiting fans the sell-out removed
    moved    1 when the count differs from the one stored before
       or {code}  NO_SALE, NOT_FOUND
]]

--- @include "fan-record"
--- @include "queue-log"
--- @include "sale-meta"

local rcall = redis.call
local available, held, sold = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local countedAt, now = tonumber(ARGV[4]), tonumber(ARGV[5])

local meta, refused = saleMeta(KEYS[1], 'countedAt', 'soldOut', 'reopenOnReturns',
  'seatsAvailable', 'seatsHeld', 'seatsSold')
if refused then return refused end
local state = meta[1]
if meta[3] and countedAt < tonumber(meta[3]) then return {'OK', 'STALE', 0, 0} end
local wasAvailable = tonumber(meta[6]) or 0
local moved = 0
if meta[6] ~= ARGV[1] or meta[7] ~= ARGV[2] or meta[8] ~= ARGV[3] then moved = 1 end
rcall('HSET', KEYS[1], 'seatsAvailable', available, 'seatsHeld', held, 'seatsSold', sold, 'countedAt',
  string.format('%.0f', countedAt))
if state == 'CLOSED' then return {'OK', '', 0, moved} end

if meta[4] == '1' then
  if available == 0 then return {'OK', '', 0, moved} end
  if meta[5] == '1' then
    rcall('HDEL', KEYS[1], 'soldOut', 'soldOutAt')
    return {'OK', 'REOPENED', 0, moved}
  end
  if wasAvailable == 0 then return {'OK', 'RETURNED', 0, moved} end
  return {'OK', '', 0, moved}
end
if (state ~= 'ON_SALE' and state ~= 'PAUSED') or available > 0 or held > 0 then return {'OK', '', 0, moved} end

local nowText = string.format('%.0f', now)
rcall('HSET', KEYS[1], 'soldOut', '1', 'soldOutAt', nowText)
local removed = 0
for _, laneKey in ipairs({ KEYS[3], KEYS[4], KEYS[5] }) do
  for _, userId in ipairs(rcall('ZRANGE', laneKey, 0, -1)) do
    local rec = rcall('HGET', KEYS[2], userId)
    local f = parseFan(rec or '')
    if f.s == 'W' then
      f.s, f.untilMs, f.reason = 'X', '0', 'SOLD_OUT'
      rcall('HSET', KEYS[2], userId, formatFan(f))
      rcall('RPUSH', KEYS[8], logLine('L', f.ticket, f.lane, f.joined, now, 'SOLD_OUT', userId))
      rcall('HINCRBY', KEYS[7], 'left:' .. f.lane, 1)
      removed = removed + 1
    end
  end
end
rcall('UNLINK', KEYS[3], KEYS[4], KEYS[5], KEYS[6])
return {'OK', 'SOLD_OUT', removed, 1}
