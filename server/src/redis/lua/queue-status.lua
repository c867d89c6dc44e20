-- queue-status (included by `--- @include "queue-status"`, after "fan-record" and "sale-meta", whose functions it
-- calls): where a fan stands in a concert's waiting room, read in one consistent step. status.lua answers it, and
-- enter.lua answers it after its step, so a fan's entry and the place it got come back in one call.
--
-- Returns {'OK', json} with json a JSON array (cjson) of
--   [saleState, title, status, lane, ticket, laneSeq, position, totalWaiting, untilMs, opensAt, rate, groupSize,
--    intervalMs, seatsAvailable, seatsHeld, spread, notice, stateReason, admitRatio, maxActive]
-- one string instead of twenty values, which the client decodes with one JSON.parse (waiting-room/status.ts).
--   status    WAITING | READY | ENTERED | EXPIRED | NOT_IN_QUEUE | BOOKING_CLOSED | SOLD_OUT (sold out and the
--             fan neither READY nor ENTERED)
--   seatsAvailable, seatsHeld, spread, notice, stateReason, admitRatio  as the sale hash has them ('' if absent)
--   lane      '' when the fan is not known; ticket, laneSeq, position 0 when they do not apply
--   position  1-based: every fan of the lanes ahead (VIP, then presale, then normal) counts, then laneSeq order
--             inside the fan's own lane
--   untilMs   readyUntil (READY) or the session's expiry (ENTERED), else 0
--   rate      measured admissions per second as a string ('' before any was measured)
-- or {code}  NO_SALE, NOT_FOUND
-- Numbers are integers below 2^53 (milliseconds since 1970 have 13 digits), which cjson writes exactly.
--
-- READY past its window and ENTERED without a live session read as EXPIRED at once, before any sweep.
local function queueStatus(saleKey, fansKey, laneVip, lanePresale, laneNormal, sessionIdsKey, userId, now)
  local rcall = redis.call
  local meta, refused = saleMeta(saleKey, 'title', 'closesAt', 'opensAt', 'rate', 'groupSize',
    'intervalMs', 'soldOut', 'seatsAvailable', 'seatsHeld', 'spread', 'notice', 'stateReason', 'admitRatio',
    'maxActive')
  if refused then return refused end
  local state = meta[1]

  local vip, presale, normal = rcall('ZCARD', laneVip), rcall('ZCARD', lanePresale), rcall('ZCARD', laneNormal)
  local status, lane, ticket, seq, position, untilMs = 'NOT_IN_QUEUE', '', 0, 0, 0, 0

  local rec = rcall('HGET', fansKey, userId)
  if rec then
    local f = parseFan(rec)
    local s, l, t, q, u = f.s, f.lane, f.ticket, f.seq, f.untilMs
    lane, ticket, seq = l, tonumber(t), tonumber(q)
    if s == 'W' then
      status = 'WAITING'
      if l == 'vip' then
        position = (rcall('ZRANK', laneVip, userId) or 0) + 1
      elseif l == 'presale' then
        position = vip + (rcall('ZRANK', lanePresale, userId) or 0) + 1
      else
        position = vip + presale + (rcall('ZRANK', laneNormal, userId) or 0) + 1
      end
    elseif s == 'R' then
      if tonumber(u) > now then status, untilMs = 'READY', tonumber(u) else status = 'EXPIRED' end
    elseif s == 'E' then
      local session = rcall('HGET', sessionIdsKey, userId)
      local exp = session and tonumber(string.match(session, '|(%d+)$'))
      if exp and exp > now then status, untilMs = 'ENTERED', exp else status = 'EXPIRED' end
    else
      status = 'EXPIRED'
    end
  end
  if meta[9] == '1' and status ~= 'READY' and status ~= 'ENTERED' then status, position, untilMs = 'SOLD_OUT', 0, 0 end
  if state == 'CLOSED' or now >= tonumber(meta[4]) then status, position, untilMs = 'BOOKING_CLOSED', 0, 0 end

  return {'OK', cjson.encode({state, meta[3] or '', status, lane, ticket, seq, position, vip + presale + normal,
    untilMs, tonumber(meta[5]) or 0, meta[6] or '', tonumber(meta[7]) or 0, tonumber(meta[8]) or 0, meta[10] or '',
    meta[11] or '', meta[12] or '', meta[13] or '', meta[14] or '', meta[15] or '', tonumber(meta[16]) or 0})}
end
