--[[
  claim: a READY fan takes its booking session (READY -> ENTERED) in one step, so a READY window that runs out
  during the claim can never leave the fan both expired and holding a session. Claiming again while the
  session lives returns that same session. The session layout is access/sessions.lua's: any change there must
  be made here too.

  KEYS[1] sale        HASH (see enter.lua)
  KEYS[2] fans        HASH userId -> "status|lane|ticket|laneSeq|joinedAtMs|untilMs|reason"
  KEYS[3] ready       ZSET userId -> readyUntilMs
  KEYS[4] sessions    ZSET userId -> expiresAtMs (counted against MAX_ACTIVE_USERS)
  KEYS[5] sessionIds  HASH userId -> "jti|expiresAtMs"
  KEYS[6] log         LIST write-behind log
  ARGV[1] userId
  ARGV[2] jti         a fresh id, used only when a new session is opened
  ARGV[3] nowMs       from the injectable clock
  ARGV[4] ttlMs       SESSION_MINUTES in ms

  Returns {'OK', jti, expiresAtMs, created}  created = 1 for the new session, 0 for the live one
       or {code}  NOT_ADMITTED (not READY, READY window over, session ended), BOOKING_CLOSED, NOT_FOUND, NO_SALE

  Cluster: every key above carries the concert's hash tag {c:<concertId>} (server/src/redis/keys.ts), so all keys
  of one call hash to one Redis Cluster slot, which a cluster requires of a script. The tests' slot guard
  (server/test/slot-guard.ts) fails any call whose keys hash to two slots.
]]

--- @include "fan-record"
--- @include "queue-log"
--- @include "sale-meta"

local rcall = redis.call
local userId, jti, now, ttl = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])

local meta, refused = saleMeta(KEYS[1], 'closesAt')
if refused then return refused end
if meta[1] == 'CLOSED' or now >= tonumber(meta[3]) then return {'BOOKING_CLOSED'} end

local rec = rcall('HGET', KEYS[2], userId)
if not rec then return {'NOT_ADMITTED'} end
local f = parseFan(rec)
local s, untilMs = f.s, f.untilMs

if s == 'E' then
  local session = rcall('HGET', KEYS[5], userId)
  if session then
    local sep = string.find(session, '|', 1, true)
    local exp = tonumber(string.sub(session, sep + 1))
    if exp > now then return {'OK', string.sub(session, 1, sep - 1), exp, 0} end
  end
  return {'NOT_ADMITTED'}
end
if s ~= 'R' or tonumber(untilMs) <= now then return {'NOT_ADMITTED'} end

local expiresAt = now + ttl
local exp = string.format('%.0f', expiresAt)
rcall('ZREM', KEYS[3], userId)
rcall('HSET', KEYS[5], userId, jti .. '|' .. exp)
rcall('ZADD', KEYS[4], expiresAt, userId)
f.s, f.untilMs, f.reason = 'E', exp, ''
rcall('HSET', KEYS[2], userId, formatFan(f))
rcall('RPUSH', KEYS[6], logLine('C', f.ticket, f.lane, f.joined, now, '', userId))
return {'OK', jti, expiresAt, 1}
