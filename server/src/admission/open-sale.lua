--[[
  open-sale: the sale of a concert opens (SCHEDULED | QUEUE_OPEN -> ON_SALE), and in the same step the fans who
  joined before it opened are shuffled, once, each inside its own lane. The shuffle permutes the (ticket,
  laneSeq) pairs of a lane's pre-sale fans among those fans, so "VIP lane, then presale, then normal, laneSeq
  (= ticket) order inside a lane" stays the only ordering rule; later arrivals queue behind them in arrival order.

  The permutation is frontrow-draw v1 (docs/fairness.md): Fisher-Yates over each lane's fans in laneSeq order,
  VIP lane, then presale, then normal, on one stream of 32-bit words from HMAC-SHA256(seed, counter). Redis Lua has no SHA-256, so
  the caller computes the words from the sale's committed seed (fairness/draw.ts) and this script consumes them;
  the seed is revealed (field `seed`) in the same step.

  KEYS[1] sale        HASH state, openedAt, shuffled, seed, shuffledVip, shuffledPresale, shuffledNormal,
                      drawSeed (secret)
  KEYS[2] fans        HASH userId -> "status|lane|ticket|laneSeq|joinedAtMs|untilMs|reason"
  KEYS[3] laneVip     ZSET userId -> laneSeq
  KEYS[4] lanePresale ZSET userId -> laneSeq
  KEYS[5] laneNormal  ZSET userId -> laneSeq
  KEYS[6] log         LIST write-behind log ('S' rows name each ticket's new owner)
  KEYS[7] draw        HASH userId -> "lane|entryTicket|place|ticket": each drawn fan before and after the draw
  KEYS[8] drawOrder   HASH vip|presale|normal -> entry tickets in drawn order, comma-separated
  ARGV[1] nowMs       from the injectable clock
  ARGV[2] words       the draw's stream: big-endian uint32 words, 4 bytes each, from ARGV[4]
  ARGV[3] resume      '1' also turns PAUSED into ON_SALE (an admin's open); the timed open leaves PAUSED alone
  ARGV[4] seedHex     the seed ARGV[2] was computed from; must be the sale's drawSeed

  Returns {'OK', previousState, state, seed, vipShuffled, presaleShuffled, normalShuffled, shuffledNow}
    seed '' while no shuffle ever happened; shuffledNow = 1 only for the call that shuffled
       or {'MORE', words}  the stream was too short for the lanes as they are now: call again with that many
       or {'STALE'}        ARGV[4] is not the sale's drawSeed (missing or another): read it again
       or {code}  NO_SALE, NOT_FOUND, BOOKING_CLOSED
  Nothing is written before MORE or STALE.

  Cluster: every key above carries the concert's hash tag {c:<concertId>} (server/src/redis/keys.ts), so all keys
  of one call hash to one Redis Cluster slot, which a cluster requires of a script. The tests' slot guard
  (server/test/slot-guard.ts) fails any call whose keys hash to two slots.
]]

--- @include "fan-record"
--- @include "queue-log"
--- @include "sale-meta"

local rcall = redis.call
local now, resume = tonumber(ARGV[1]), ARGV[3] == '1'

local meta, refused = saleMeta(KEYS[1])
if refused then return refused end
local state = meta[1]
if state == 'CLOSED' then return {'BOOKING_CLOSED'} end

local shuffledNow = 0
if state == 'SCHEDULED' or state == 'QUEUE_OPEN' then
  if not rcall('HGET', KEYS[1], 'shuffled') then
    if rcall('HGET', KEYS[1], 'drawSeed') ~= ARGV[4] then return {'STALE'} end
    local words, used = ARGV[2], 0
    local function uniform(n)
      local limit = 4294967296 - 4294967296 % n
      while 4 * used + 4 <= #words do
        local b1, b2, b3, b4 = string.byte(words, 4 * used + 1, 4 * used + 4)
        used = used + 1
        local x = ((b1 * 256 + b2) * 256 + b3) * 256 + b4
        if x < limit then return x % n end
      end
      return nil
    end
    -- Both lanes are drawn before anything is written, so a stream that runs out leaves no trace.
    local lanes = {}
    local laneKeys = { KEYS[3], KEYS[4], KEYS[5] }
    for l, laneKey in ipairs(laneKeys) do
      local members = rcall('ZRANGE', laneKey, 0, -1)
      local n = #members
      local records = {}
      for i = 1, n do
        records[i] = parseFan(rcall('HGET', KEYS[2], members[i]))
      end
      -- slots[i] keeps the i-th (ticket, laneSeq) pair; the fans are permuted over the slots.
      local order = {}
      for i = 1, n do order[i] = i end
      for i = n, 2, -1 do
        local j = uniform(i)
        if not j then
          -- This draw and the i - 2 after it in this lane, then every draw of the later lanes, plus a margin.
          local rest = i - 1
          for later = l + 1, #laneKeys do rest = rest + rcall('ZCARD', laneKeys[later]) end
          return {'MORE', used + rest + 64}
        end
        order[i], order[j + 1] = order[j + 1], order[i]
      end
      lanes[l] = { key = laneKey, n = n, users = members, records = records, order = order }
    end
    rcall('HSET', KEYS[1], 'state', 'ON_SALE', 'openedAt', string.format('%.0f', now))
    for l, lane in ipairs(lanes) do
      local drawn = {}
      for i = 1, lane.n do
        local slot, owner = lane.records[i], lane.records[lane.order[i]]
        local userId = lane.users[lane.order[i]]
        drawn[i] = owner.ticket
        rcall('ZADD', lane.key, slot.seq, userId)
        rcall('HSET', KEYS[2], userId, formatFan({
          s = owner.s, lane = owner.lane, ticket = slot.ticket, seq = slot.seq,
          joined = owner.joined, untilMs = owner.untilMs, reason = owner.reason,
        }))
        rcall('HSET', KEYS[7], userId, table.concat({ owner.lane, owner.ticket, i, slot.ticket }, '|'))
        rcall('RPUSH', KEYS[6], logLine('S', slot.ticket, owner.lane, owner.joined, now, '', userId))
      end
      rcall('HSET', KEYS[8], ({ 'vip', 'presale', 'normal' })[l], table.concat(drawn, ','))
    end
    rcall('HSET', KEYS[1], 'shuffled', '1', 'seed', ARGV[4], 'shuffledVip', lanes[1].n,
      'shuffledPresale', lanes[2].n, 'shuffledNormal', lanes[3].n)
    shuffledNow = 1
  else
    rcall('HSET', KEYS[1], 'state', 'ON_SALE', 'openedAt', string.format('%.0f', now))
  end
elseif state == 'PAUSED' and resume then
  rcall('HSET', KEYS[1], 'state', 'ON_SALE')
end

local after = rcall('HMGET', KEYS[1], 'state', 'seed', 'shuffledVip', 'shuffledPresale', 'shuffledNormal')
return {'OK', state, after[1], after[2] or '', tonumber(after[3]) or 0, tonumber(after[4]) or 0,
  tonumber(after[5]) or 0, shuffledNow}
