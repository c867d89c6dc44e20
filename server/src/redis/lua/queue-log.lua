-- queue-log (included by `--- @include "queue-log"`): one line of a concert's write-behind log,
-- "kind|ticket|lane|joinedAtMs|atMs|reason|userId", kinds E entered, S shuffled, A admitted, C claimed, L left,
-- X sale closed (server/src/admission/write-behind.ts folds them). The TypeScript codec is
-- server/src/redis/records.ts; server/src/redis/records.test.ts checks that both agree.
local function logLine(kind, ticket, lane, joinedAt, atMs, reason, userId)
  return table.concat({ kind, ticket, lane, joinedAt, string.format('%.0f', atMs), reason, userId }, '|')
end
