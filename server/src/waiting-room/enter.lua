--[[
  enter: put a fan in a concert's waiting room, or find the place it already has (idempotent: a refresh, a
  double click or a second tab never costs a place).

  KEYS[1]  sale        HASH state, joinOpensAt, closesAt, soldOut, ... (missing = 1: a cached "no such concert")
  KEYS[2]  fans        HASH userId -> "status|lane|ticket|laneSeq|joinedAtMs|untilMs|reason"
                       status W waiting, R ready (admitted), E entered (claimed), X expired
  KEYS[3]  laneVip      ZSET userId -> laneSeq (waiting fans)
  KEYS[4]  lanePresale  ZSET userId -> laneSeq
  KEYS[5]  laneNormal   ZSET userId -> laneSeq
  KEYS[6]  laneSeqVip      STRING counter of the VIP lane's laneSeq
  KEYS[7]  laneSeqPresale  STRING counter of the presale lane's laneSeq
  KEYS[8]  laneSeqNormal   STRING counter of the normal lane's laneSeq
  KEYS[9]  ticketSeq   STRING concert-wide ticket counter (every lane: tickets are dense 1..N)
  KEYS[10] joined      ZSET userId -> joinedAtMs (waiting fans)
  KEYS[11] ready       ZSET userId -> readyUntilMs
  KEYS[12] sessionIds  HASH userId -> "jti|expiresAtMs" (access/sessions.lua)
  KEYS[13] log         LIST write-behind log "kind|ticket|lane|joinedAtMs|atMs|reason|userId"
  KEYS[14] accessCodes HASH sha256(code) -> "lane|usesLeft|expiresAtMs" (access-codes/)
  KEYS[15] allowList   HASH userId -> lane (access-codes/)
  KEYS[16] powUsed     STRING one-use mark of the fan's proof-of-work challenge (pow/); a key of the concert even
                       when the fan gave no proof
  ARGV[1] userId
  ARGV[2] lane          'vip' | 'normal' (from the user token's tier, never from the request)
  ARGV[3] nowMs         from the injectable clock
  ARGV[4] maxQueueSize  MAX_QUEUE_SIZE: waiting fans over every lane
  ARGV[5] codeHash      SHA-256 (hex) of the access code the fan gave, '' for none
  ARGV[6] proof         '' to skip the proof-of-work gate; else what the server judged of the fan's proof
                        (pow/service.ts `check`): NONE, MALFORMED, BAD_SIGNATURE, NOT_YOURS, EXPIRED or OK
  ARGV[7] proofBits     the challenge's difficulty
  ARGV[8] proofSolved   '1' when the nonce does that much work
  ARGV[9] proofTtlMs    how long the challenge stays usable

  Returns {'OK', created, status}   created = 1 for a new entry, 0 when the fan already waits, is READY or
                            ENTERED; status the fan's place after the step, as status.lua answers it (the JSON
                            of lua/queue-status.lua)
       or {'INVALID_PROOF_OF_WORK', reason, difficultyBits?}  the concert's powBits ask for work and the proof
                            does not pass: REQUIRED (none given), a refused verdict, TOO_EASY, INSUFFICIENT_WORK, USED
       or {'QUEUE_NOT_OPEN', joinOpensAtMs}
       or {'INVALID_ACCESS_CODE', reason}  reason REQUIRED (codes-only sale), UNKNOWN, USED, EXPIRED
       or {code}            NO_SALE (cache empty: load the sale and retry), NOT_FOUND, BOOKING_CLOSED, QUEUE_FULL,
                            SOLD_OUT (no seat left and none held: nobody new waits for nothing)

  A code is redeemed (one use) only by a new entry, in this step: a fan already in the room keeps its place
  and its code's use, and a code with one use lets exactly one fan in however many race for it. A code or an
  allow-list entry opens a codes-only sale to the fan and puts it in its lane ('vip' or 'presale'), unless the
  fan's own lane (or the other grant's) goes first: lanes are admitted vip, then presale, then normal.

  A fan whose READY window or session is over (EXPIRED) enters again at the back with a new ticket.
  Order inside a lane is laneSeq order, which is also ticket order: both are issued here in the same step.

  Cluster: every key above carries the concert's hash tag {c:<concertId>} (server/src/redis/keys.ts), so all keys
  of one call hash to one Redis Cluster slot, which a cluster requires of a script. The tests' slot guard
  (server/test/slot-guard.ts) fails any call whose keys hash to two slots.
]]

--- @include "fan-record"
--- @include "queue-log"
--- @include "sale-meta"
--- @include "queue-status"
local rcall = redis.call
local userId, lane, now, maxSize = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])

local meta, refused = saleMeta(KEYS[1], 'joinOpensAt', 'closesAt', 'soldOut', 'accessMode', 'powBits')
if refused then return refused end
local state = meta[1]

-- Proof-of-work comes first, as a gate in front of the room: every enter call of a gated concert shows one.
local required = tonumber(meta[7]) or 0
if ARGV[6] ~= '' and required > 0 then
  local verdict, bits = ARGV[6], tonumber(ARGV[7])
  if verdict == 'NONE' then return {'INVALID_PROOF_OF_WORK', 'REQUIRED', required} end
  if verdict ~= 'OK' then return {'INVALID_PROOF_OF_WORK', verdict} end
  if bits < required then return {'INVALID_PROOF_OF_WORK', 'TOO_EASY', required} end
  if ARGV[8] ~= '1' then return {'INVALID_PROOF_OF_WORK', 'INSUFFICIENT_WORK', bits} end
  if not rcall('SET', KEYS[16], '1', 'PX', ARGV[9], 'NX') then return {'INVALID_PROOF_OF_WORK', 'USED'} end
end

-- The fan's place after the step, in the same reply.
local function entered(created)
  local status = queueStatus(KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[12], userId, now)
  return {'OK', created, status[2]}
end

if state == 'CLOSED' or now >= tonumber(meta[4]) then return {'BOOKING_CLOSED'} end

local function int(x) return string.format('%.0f', x) end
local function log(kind, f, reason)
  rcall('RPUSH', KEYS[13], logLine(kind, f.ticket, f.lane, f.joined, now, reason, userId))
end

local rec = rcall('HGET', KEYS[2], userId)
if rec then
  local f = parseFan(rec)
  if f.s == 'W' then return entered(0) end
  if f.s == 'R' then
    if tonumber(f.untilMs) > now then return entered(0) end
    -- The READY window ran out and no sweep has seen it yet: record the expiry before the new entry.
    rcall('ZREM', KEYS[11], userId)
    log('L', f, 'EXPIRED')
  elseif f.s == 'E' then
    local session = rcall('HGET', KEYS[12], userId)
    local exp = session and tonumber(string.match(session, '|(%d+)$'))
    if exp and exp > now then return entered(0) end
    log('L', f, 'ENDED')
  end
end

if meta[5] == '1' then return {'SOLD_OUT'} end
if (state == 'SCHEDULED' or state == 'QUEUE_OPEN') and now < tonumber(meta[3]) then
  return {'QUEUE_NOT_OPEN', tonumber(meta[3])}
end
if rcall('ZCARD', KEYS[3]) + rcall('ZCARD', KEYS[4]) + rcall('ZCARD', KEYS[5]) >= maxSize then
  return {'QUEUE_FULL'}
end

local listed = rcall('HGET', KEYS[15], userId)
local granted = listed
if ARGV[5] ~= '' then
  local code = rcall('HGET', KEYS[14], ARGV[5])
  if not code then return {'INVALID_ACCESS_CODE', 'UNKNOWN'} end
  local codeLane, uses, expiresAt = string.match(code, '^(%l+)|(%d+)|(%d+)$')
  if tonumber(expiresAt) <= now then return {'INVALID_ACCESS_CODE', 'EXPIRED'} end
  if tonumber(uses) < 1 then return {'INVALID_ACCESS_CODE', 'USED'} end
  rcall('HSET', KEYS[14], ARGV[5], table.concat({ codeLane, tonumber(uses) - 1, expiresAt }, '|'))
  granted = codeLane
elseif meta[6] == 'codes-only' and not listed then
  return {'INVALID_ACCESS_CODE', 'REQUIRED'}
end
-- The best of the fan's own lane, its allow-list entry and its code (admission order: vip, presale, normal).
local order = { vip = 1, presale = 2, normal = 3 }
for _, g in ipairs({ listed, granted }) do
  if g and order[g] and order[g] < order[lane] then lane = g end
end

local laneKey, seqKey = KEYS[5], KEYS[8]
if lane == 'vip' then laneKey, seqKey = KEYS[3], KEYS[6]
elseif lane == 'presale' then laneKey, seqKey = KEYS[4], KEYS[7] end
local ticket = rcall('INCR', KEYS[9])
local seq = rcall('INCR', seqKey)
local f = {
  s = 'W', lane = lane, ticket = tostring(ticket), seq = tostring(seq), joined = int(now), untilMs = '0', reason = '',
}
rcall('HSET', KEYS[2], userId, formatFan(f))
rcall('ZADD', laneKey, seq, userId)
rcall('ZADD', KEYS[10], now, userId)
log('E', f, '')
return entered(1)
