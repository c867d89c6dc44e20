--[[
  open-sale: the sale of a concert opens (SCHEDULED | QUEUE_OPEN -> ON_SALE), and in the same step the fans who
  joined before it opened are shuffled, once, each inside its own lane. The shuffle permutes the (ticket,
  laneSeq) pairs of a lane's pre-sale fans among those fans, so "VIP lane first, then laneSeq (= ticket) order
  inside a lane" stays the only ordering rule; later arrivals queue behind them in arrival order.

  The permutation is a Fisher-Yates shuffle driven by xorshift32 from a recorded seed: VIP lane first, then the
  normal lane, on one generator, each lane listed in laneSeq order. admission/shuffle.ts replays it for audits.

  KEYS[1] sale        HASH state, openedAt, shuffled, seed, shuffledVip, shuffledNormal
  KEYS[2] fans        HASH userId -> "status|lane|ticket|laneSeq|joinedAtMs|untilMs|reason"
  KEYS[3] laneVip     ZSET userId -> laneSeq
  KEYS[4] laneNormal  ZSET userId -> laneSeq
  KEYS[5] log         LIST write-behind log ('S' rows name each ticket's new owner)
  ARGV[1] nowMs       from the injectable clock
  ARGV[2] seed        8 hex digits, not 0; used only if this call performs the shuffle
  ARGV[3] resume      '1' also turns PAUSED into ON_SALE (an admin's open); the timed open leaves PAUSED alone

  Returns {'OK', previousState, state, seed, vipShuffled, normalShuffled, shuffledNow}
    seed '' while no shuffle ever happened; shuffledNow = 1 only for the call that shuffled
       or {code}  NO_SALE, NOT_FOUND, BOOKING_CLOSED

  Cluster: every key above carries the concert's hash tag {c:<concertId>} (server/src/redis/keys.ts), so all keys
  of one call hash to one Redis Cluster slot, which a cluster requires of a script. The tests' slot guard
  (server/test/slot-guard.ts) fails any call whose keys hash to two slots.
]]
local rcall = redis.call
local now, resume = tonumber(ARGV[1]), ARGV[3] == '1'

local meta = rcall('HMGET', KEYS[1], 'state', 'missing')
local state = meta[1]
if not state then
  if meta[2] then return {'NOT_FOUND'} end
  return {'NO_SALE'}
end
if state == 'CLOSED' then return {'BOOKING_CLOSED'} end

local shuffledNow = 0
if state == 'SCHEDULED' or state == 'QUEUE_OPEN' then
  rcall('HSET', KEYS[1], 'state', 'ON_SALE', 'openedAt', string.format('%.0f', now))
  if not rcall('HGET', KEYS[1], 'shuffled') then
    local x = tonumber(ARGV[2], 16)
    local function nextRandom()
      x = bit.bxor(x, bit.lshift(x, 13))
      x = bit.bxor(x, bit.rshift(x, 17))
      x = bit.bxor(x, bit.lshift(x, 5))
      return x % 4294967296 -- LuaBitOp works in signed 32 bits; this is the unsigned value
    end
    local function shuffleLane(laneKey)
      local members = rcall('ZRANGE', laneKey, 0, -1, 'WITHSCORES')
      local n = #members / 2
      local users, records = {}, {}
      for i = 1, n do
        users[i] = members[2 * i - 1]
        records[i] = { string.match(rcall('HGET', KEYS[2], users[i]), '^(%u)|(%l+)|(%d+)|(%d+)|(.*)$') }
      end
      -- slots[i] keeps the i-th (ticket, laneSeq) pair; the fans are permuted over the slots.
      local order = {}
      for i = 1, n do order[i] = i end
      for i = n, 2, -1 do
        local j = (nextRandom() % i) + 1
        order[i], order[j] = order[j], order[i]
      end
      for i = 1, n do
        local slot, owner = records[i], records[order[i]]
        local userId = users[order[i]]
        rcall('ZADD', laneKey, slot[4], userId)
        rcall('HSET', KEYS[2], userId, table.concat({ owner[1], owner[2], slot[3], slot[4], owner[5] }, '|'))
        local joinedAt = string.match(owner[5], '^(%d+)')
        rcall('RPUSH', KEYS[5],
          table.concat({ 'S', slot[3], owner[2], joinedAt, string.format('%.0f', now), '', userId }, '|'))
      end
      return n
    end
    local vip = shuffleLane(KEYS[3])
    local normal = shuffleLane(KEYS[4])
    rcall('HSET', KEYS[1], 'shuffled', '1', 'seed', ARGV[2], 'shuffledVip', vip, 'shuffledNormal', normal)
    shuffledNow = 1
  end
elseif state == 'PAUSED' and resume then
  rcall('HSET', KEYS[1], 'state', 'ON_SALE')
end

local after = rcall('HMGET', KEYS[1], 'state', 'seed', 'shuffledVip', 'shuffledNormal')
return {'OK', state, after[1], after[2] or '', tonumber(after[3]) or 0, tonumber(after[4]) or 0, shuffledNow}
