--[[
  restore: put fans back into a concert's waiting room from its durable log (recovery/service.ts), and raise the
  counters so new fans continue after the highest ticket and laneSeq ever issued. It only adds: a fan Redis
  already knows (any status) is left as it is, and a counter is never lowered, so running it again, or on two
  workers at once, or over fans who entered since, changes nothing that is there. A fan whose leaving (L) is
  still in the write-behind log, which MySQL has not seen yet, is not put back; after a sale close (X) nobody is.

  KEYS[1] fans           HASH userId -> "status|lane|ticket|laneSeq|joinedAtMs|untilMs|reason"
  KEYS[2] laneVip        ZSET userId -> laneSeq
  KEYS[3] lanePresale    ZSET userId -> laneSeq
  KEYS[4] laneNormal     ZSET userId -> laneSeq
  KEYS[5] joined         ZSET userId -> joinedAtMs (waiting fans)
  KEYS[6] ready          ZSET userId -> readyUntilMs
  KEYS[7] ticketSeq      STRING
  KEYS[8] laneSeqVip     STRING
  KEYS[9] laneSeqPresale STRING
  KEYS[10] laneSeqNormal STRING
  KEYS[11] stats         HASH served:<lane>, left:<lane>
  KEYS[12] log           LIST write-behind log "kind|ticket|lane|joinedAtMs|atMs|reason|userId"
  KEYS[13] inflight      LIST the batch a drainer is writing
  ARGV[1] ticketSeq      the highest ticket in the log
  ARGV[2] laneSeqVip     the VIP lane's entries in the log
  ARGV[3] laneSeqPresale the presale lane's entries in the log
  ARGV[4] laneSeqNormal  the normal lane's entries in the log
  ARGV[5] stats          "field=value,field=value" (raised, never lowered)
  ARGV[6..] fans         userId, record, userId, record, ... (records in the fans layout; status W or R)

  Returns {restored, present, pending}  fans put back, fans left alone because Redis already had them, and fans
  not put back because the log still holds their leaving

  Cluster: every key above carries the concert's hash tag {c:<concertId>} (server/src/redis/keys.ts), so all keys
  of one call hash to one Redis Cluster slot, which a cluster requires of a script. The tests' slot guard
  (server/test/slot-guard.ts) fails any call whose keys hash to two slots.
]]

--- @include "fan-record"

local rcall = redis.call

-- Fans whose entry ended in the part of the log MySQL has not got yet (read in the same atomic step).
local gone, closed = {}, false
if #ARGV > 5 then
  for _, key in ipairs({ KEYS[12], KEYS[13] }) do
    for _, entry in ipairs(rcall('LRANGE', key, 0, -1)) do
      local kind, userId = string.match(entry, '^(%u)|[^|]*|[^|]*|[^|]*|[^|]*|[^|]*|(.*)$')
      if kind == 'L' then gone[userId] = true elseif kind == 'X' then closed = true end
    end
  end
end

local function raise(key, value)
  local v = tonumber(value) or 0
  if v > (tonumber(rcall('GET', key)) or 0) then rcall('SET', key, string.format('%.0f', v)) end
end
raise(KEYS[7], ARGV[1])
raise(KEYS[8], ARGV[2])
raise(KEYS[9], ARGV[3])
raise(KEYS[10], ARGV[4])
for field, value in string.gmatch(ARGV[5], '([%w:]+)=(%d+)') do
  if tonumber(value) > (tonumber(rcall('HGET', KEYS[11], field)) or 0) then rcall('HSET', KEYS[11], field, value) end
end

local laneKeys = { vip = KEYS[2], presale = KEYS[3], normal = KEYS[4] }
local restored, present, pending = 0, 0, 0
for i = 6, #ARGV, 2 do
  local userId, rec = ARGV[i], ARGV[i + 1]
  if closed or gone[userId] then
    pending = pending + 1
  elseif rcall('HSETNX', KEYS[1], userId, rec) == 1 then
    local f = parseFan(rec)
    local s, lane, seq, joinedAt, untilMs = f.s, f.lane, f.seq, f.joined, f.untilMs
    if s == 'W' then
      rcall('ZADD', laneKeys[lane] or KEYS[4], seq, userId)
      rcall('ZADD', KEYS[5], joinedAt, userId)
    else
      rcall('ZADD', KEYS[6], untilMs, userId)
    end
    restored = restored + 1
  else
    present = present + 1
  end
end
return {restored, present, pending}
