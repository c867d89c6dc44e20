-- fan-record (included by `--- @include "fan-record"`): a fan's record in a concert's `fans` hash,
-- "status|lane|ticket|laneSeq|joinedAtMs|untilMs|reason", status W waiting, R ready, E entered, X expired.
-- The TypeScript codec is server/src/redis/records.ts; server/src/redis/records.test.ts checks that both agree.
local function parseFan(rec)
  local s, lane, ticket, seq, joined, untilMs, reason =
    string.match(rec, '^(%u)|(%l+)|(%d+)|(%d+)|(%d+)|(%d+)|(.*)$')
  return { s = s, lane = lane, ticket = ticket, seq = seq, joined = joined, untilMs = untilMs, reason = reason }
end
local function formatFan(f)
  return table.concat({ f.s, f.lane, f.ticket, f.seq, f.joined, f.untilMs, f.reason }, '|')
end
