--[[
  open-session: give a fan a booking session for a concert, or return the one it already has.

  KEYS[1] sessions     ZSET userId -> expiresAtMs (fans ENTERED; counted against MAX_ACTIVE_USERS)
  KEYS[2] sessionIds   HASH userId -> "jti|expiresAtMs"
  ARGV[1] userId
  ARGV[2] jti          a fresh id, used only when no live session exists
  ARGV[3] nowMs        from the injectable clock
  ARGV[4] ttlMs        SESSION_MINUTES in ms

  Returns { jti, expiresAtMs, created }  (created = 1 for a new session, 0 when the live one is returned)

  Cluster: every key above carries the concert's hash tag {c:<concertId>} (server/src/redis/keys.ts), so all keys
  of one call hash to one Redis Cluster slot, which a cluster requires of a script. The tests' slot guard
  (server/test/slot-guard.ts) fails any call whose keys hash to two slots.
]]
local rcall = redis.call
local userId, jti, now, ttl = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])

local existing = rcall('HGET', KEYS[2], userId)
if existing then
  local sep = string.find(existing, '|', 1, true)
  local oldJti = string.sub(existing, 1, sep - 1)
  local oldExp = tonumber(string.sub(existing, sep + 1))
  if oldExp > now then
    return { oldJti, oldExp, 0 }
  end
end

local expiresAt = now + ttl
rcall('HSET', KEYS[2], userId, jti .. '|' .. expiresAt)
rcall('ZADD', KEYS[1], expiresAt, userId)
return { jti, expiresAt, 1 }
