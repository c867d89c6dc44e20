--[[
  leave: a fan leaves the waiting room. A waiting fan gives up its place; a READY or ENTERED fan gives up its
  admission slot and its booking session (its access token stops working), so the next tick refills the slot.

  KEYS[1] sale        HASH (see enter.lua)
  KEYS[2] fans        HASH userId -> "status|lane|ticket|laneSeq|joinedAtMs|untilMs|reason"
  KEYS[3] laneVip     ZSET userId -> laneSeq
  KEYS[4] lanePresale ZSET userId -> laneSeq
  KEYS[5] laneNormal  ZSET userId -> laneSeq
  KEYS[6] joined      ZSET userId -> joinedAtMs
  KEYS[7] ready       ZSET userId -> readyUntilMs
  KEYS[8] sessions    ZSET userId -> expiresAtMs (access/sessions.lua)
  KEYS[9] sessionIds  HASH userId -> "jti|expiresAtMs"
  KEYS[10] stats      HASH counters: left:<lane> counts fans who left a lane from the middle
  KEYS[11] log        LIST write-behind log
  ARGV[1] userId
  ARGV[2] nowMs       from the injectable clock
  ARGV[3] reason      written to the log: LEFT (default) when the fan leaves, PAID when its purchase ends it
  ARGV[4] answer      'status' to answer the fan's status after the step too

  Returns {'OK', previous, status?}  previous = W | R | E; status (when asked) the fan's place after the step, as
                            status.lua answers it (the JSON of lua/queue-status.lua)
       or {code}            NOT_QUEUED (unknown, expired, or the sale is closed), NOT_FOUND, NO_SALE

  Cluster: every key above carries the concert's hash tag {c:<concertId>} (server/src/redis/keys.ts), so all keys
  of one call hash to one Redis Cluster slot, which a cluster requires of a script. The tests' slot guard
  (server/test/slot-guard.ts) fails any call whose keys hash to two slots.
]]

--- @include "fan-record"
--- @include "queue-log"
--- @include "sale-meta"
--- @include "queue-status"

local rcall = redis.call
local userId, now, reason = ARGV[1], tonumber(ARGV[2]), ARGV[3] or 'LEFT'

local meta, refused = saleMeta(KEYS[1])
if refused then return refused end

local rec = rcall('HGET', KEYS[2], userId)
if not rec then return {'NOT_QUEUED'} end
local f = parseFan(rec)
local s, lane = f.s, f.lane

if s == 'W' then
  local laneKeys = { vip = KEYS[3], presale = KEYS[4], normal = KEYS[5] }
  rcall('ZREM', laneKeys[lane] or KEYS[5], userId)
  rcall('ZREM', KEYS[6], userId)
  rcall('HINCRBY', KEYS[10], 'left:' .. lane, 1)
elseif s == 'R' then
  if tonumber(f.untilMs) <= now then return {'NOT_QUEUED'} end
  rcall('ZREM', KEYS[7], userId)
elseif s == 'E' then
  local session = rcall('HGET', KEYS[9], userId)
  local exp = session and tonumber(string.match(session, '|(%d+)$'))
  if not (exp and exp > now) then return {'NOT_QUEUED'} end
  rcall('HDEL', KEYS[9], userId)
  rcall('ZREM', KEYS[8], userId)
else
  return {'NOT_QUEUED'}
end

rcall('HDEL', KEYS[2], userId)
rcall('RPUSH', KEYS[11], logLine('L', f.ticket, lane, f.joined, now, reason, userId))
if ARGV[4] ~= 'status' then return {'OK', s} end
return {'OK', s, queueStatus(KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[9], userId, now)[2]}
