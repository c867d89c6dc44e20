--[[
  claim: a worker takes a request to decide it (PENDING -> PROCESSING). Atomic with cancel.lua on the same hash:
  a request is either cancelled before any worker took it, or taken and no longer cancellable, never both.

  KEYS[1] request   HASH (see submit.lua)
  KEYS[2] pending   ZSET requestId -> submittedAtMs of the request's fan
  ARGV[1] requestId
  ARGV[2] nowMs     from the injectable clock
  ARGV[3] ttlMs     the request is kept this long from now, so it cannot expire while being decided

  Returns {'CLAIMED'}    taken now, or PROCESSING already: a re-run after a crash or a retry, which goes on (the
                         hold is idempotent by request id)
       or {'DECIDED', status, result, error}  decided by an earlier run whose job did not finish: nothing to do
       or {'CANCELLED'}  cancelled while PENDING
       or {'GONE'}       no such request (expired, or its submit failed)
]]
local rcall = redis.call
local f = rcall('HMGET', KEYS[1], 'status', 'result', 'error')
local status = f[1]
if not status then return {'GONE'} end
if status == 'CANCELLED' then return {'CANCELLED'} end
if status == 'COMPLETED' or status == 'FAILED' then return {'DECIDED', status, f[2] or '', f[3] or ''} end

if status == 'PENDING' then
  rcall('HSET', KEYS[1], 'status', 'PROCESSING', 'startedAt', ARGV[2])
  rcall('ZREM', KEYS[2], ARGV[1])
end
rcall('PEXPIRE', KEYS[1], tonumber(ARGV[3]))
return {'CLAIMED'}
