--[[
  log-ack: the drainer wrote its batch to MySQL; drop the batch and free the lease.

  KEYS[1] inflight  LIST
  KEYS[2] lease     STRING drainer token
  ARGV[1] token     this drainer

  Returns 1, or 0 when the lease had run out and another drainer may be replaying the batch (harmless).
]]
local rcall = redis.call
if rcall('GET', KEYS[2]) ~= ARGV[1] then return 0 end
rcall('DEL', KEYS[1], KEYS[2])
return 1
