--[[
  status: where a fan stands in a concert's waiting room, read in one consistent step.

  KEYS[1] sale        HASH (see enter.lua)
  KEYS[2] fans        HASH userId -> "status|lane|ticket|laneSeq|joinedAtMs|untilMs|reason"
  KEYS[3] laneVip     ZSET userId -> laneSeq
  KEYS[4] lanePresale ZSET userId -> laneSeq
  KEYS[5] laneNormal  ZSET userId -> laneSeq
  KEYS[6] sessionIds  HASH userId -> "jti|expiresAtMs"
  ARGV[1] userId
  ARGV[2] nowMs       from the injectable clock

  Returns {'OK', saleState, title, status, lane, ticket, laneSeq, position, totalWaiting, untilMs,
           opensAt, rate, groupSize, intervalMs, seatsAvailable, seatsHeld, spread, notice, stateReason,
           admitRatio, maxActive}
    status    WAITING | READY | ENTERED | EXPIRED | NOT_IN_QUEUE | BOOKING_CLOSED | SOLD_OUT (sold out and the
              fan neither READY nor ENTERED)
    seatsAvailable, seatsHeld, spread, notice, stateReason, admitRatio  as the sale hash has them ('' if absent)
    lane      '' when the fan is not known; ticket, laneSeq, position 0 when they do not apply
    position  1-based: every fan of the lanes ahead (VIP, then presale, then normal) counts, then laneSeq order
              inside the fan's own lane
    untilMs   readyUntil (READY) or the session's expiry (ENTERED), else 0
    rate      measured admissions per second as a string ('' before any was measured)
       or {code}  NO_SALE, NOT_FOUND

  READY past its window and ENTERED without a live session read as EXPIRED at once, before any sweep.

  Cluster: every key above carries the concert's hash tag {c:<concertId>} (server/src/redis/keys.ts), so all keys
  of one call hash to one Redis Cluster slot, which a cluster requires of a script. The tests' slot guard
  (server/test/slot-guard.ts) fails any call whose keys hash to two slots.
]]

--- @include "fan-record"
--- @include "sale-meta"

local rcall = redis.call
local userId, now = ARGV[1], tonumber(ARGV[2])

local meta, refused = saleMeta(KEYS[1], 'title', 'closesAt', 'opensAt', 'rate', 'groupSize',
  'intervalMs', 'soldOut', 'seatsAvailable', 'seatsHeld', 'spread', 'notice', 'stateReason', 'admitRatio',
  'maxActive')
if refused then return refused end
local state = meta[1]

local vip, presale, normal = rcall('ZCARD', KEYS[3]), rcall('ZCARD', KEYS[4]), rcall('ZCARD', KEYS[5])
local status, lane, ticket, seq, position, untilMs = 'NOT_IN_QUEUE', '', 0, 0, 0, 0

local rec = rcall('HGET', KEYS[2], userId)
if rec then
  local f = parseFan(rec)
  local s, l, t, q, u = f.s, f.lane, f.ticket, f.seq, f.untilMs
  lane, ticket, seq = l, tonumber(t), tonumber(q)
  if s == 'W' then
    status = 'WAITING'
    if l == 'vip' then
      position = (rcall('ZRANK', KEYS[3], userId) or 0) + 1
    elseif l == 'presale' then
      position = vip + (rcall('ZRANK', KEYS[4], userId) or 0) + 1
    else
      position = vip + presale + (rcall('ZRANK', KEYS[5], userId) or 0) + 1
    end
  elseif s == 'R' then
    if tonumber(u) > now then status, untilMs = 'READY', tonumber(u) else status = 'EXPIRED' end
  elseif s == 'E' then
    local session = rcall('HGET', KEYS[6], userId)
    local exp = session and tonumber(string.match(session, '|(%d+)$'))
    if exp and exp > now then status, untilMs = 'ENTERED', exp else status = 'EXPIRED' end
  else
    status = 'EXPIRED'
  end
end
if meta[9] == '1' and status ~= 'READY' and status ~= 'ENTERED' then status, position, untilMs = 'SOLD_OUT', 0, 0 end
if state == 'CLOSED' or now >= tonumber(meta[4]) then status, position, untilMs = 'BOOKING_CLOSED', 0, 0 end

return {'OK', state, meta[3] or '', status, lane, ticket, seq, position, vip + presale + normal, untilMs,
  tonumber(meta[5]) or 0, meta[6] or '', tonumber(meta[7]) or 0, tonumber(meta[8]) or 0, meta[10] or '',
  meta[11] or '', meta[12] or '', meta[13] or '', meta[14] or '', meta[15] or '', tonumber(meta[16]) or 0}
