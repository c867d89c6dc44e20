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

  Returns queueStatus's answer (lua/queue-status.lua): {'OK', json} or {code} (NO_SALE, NOT_FOUND).

  Cluster: every key above carries the concert's hash tag {c:<concertId>} (server/src/redis/keys.ts), so all keys
  of one call hash to one Redis Cluster slot, which a cluster requires of a script. The tests' slot guard
  (server/test/slot-guard.ts) fails any call whose keys hash to two slots.
]]

--- @include "fan-record"
--- @include "sale-meta"
--- @include "queue-status"

return queueStatus(KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], ARGV[1], tonumber(ARGV[2]))
