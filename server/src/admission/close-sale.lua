--[[
  close-sale: the sale of a concert closes for good. Every waiting fan, every READY fan and every booking
  session ends in the same step (their access tokens stop working at once); the fans read BOOKING_CLOSED.

  KEYS[1] sale        HASH state, ...
  KEYS[2] fans        HASH userId -> fan record (dropped: the sale state now answers for every fan)
  KEYS[3] laneVip     ZSET
  KEYS[4] lanePresale ZSET
  KEYS[5] laneNormal  ZSET
  KEYS[6] joined      ZSET
  KEYS[7] ready       ZSET
  KEYS[8] sessions    ZSET (access/sessions.lua)
  KEYS[9] sessionIds  HASH
  KEYS[10] log        LIST write-behind log: one 'X' row closes every open queue entry of the concert
  ARGV[1] nowMs       from the injectable clock

  Returns {'OK', previous, waiting, active}  (waiting and active as they were before closing)
       or {code}                             NO_SALE, NOT_FOUND

  Cluster: every key above carries the concert's hash tag {c:<concertId>} (server/src/redis/keys.ts), so all keys
  of one call hash to one Redis Cluster slot, which a cluster requires of a script. The tests' slot guard
  (server/test/slot-guard.ts) fails any call whose keys hash to two slots.
]]

--- @include "queue-log"
--- @include "sale-meta"

local rcall = redis.call
local now = tonumber(ARGV[1])

local meta, refused = saleMeta(KEYS[1])
if refused then return refused end
local state = meta[1]
if state == 'CLOSED' then return {'OK', state, 0, 0} end

local waiting = rcall('ZCARD', KEYS[3]) + rcall('ZCARD', KEYS[4]) + rcall('ZCARD', KEYS[5])
local active = rcall('ZCARD', KEYS[7]) + rcall('ZCARD', KEYS[8])
rcall('HSET', KEYS[1], 'state', 'CLOSED', 'closedAt', string.format('%.0f', now))
rcall('UNLINK', KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8], KEYS[9])
rcall('RPUSH', KEYS[10], logLine('X', '0', '', '0', now, 'CLOSED', ''))
return {'OK', state, waiting, active}
