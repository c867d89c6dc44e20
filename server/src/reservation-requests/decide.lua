--[[
  decide: records the one decision of a request (COMPLETED with its reservation, or FAILED with its error) and
  counts it. A request is decided once: a second run of the same job (a stalled job re-run, a retry) finds the
  first decision and gets it back instead of recording its own.

  KEYS[1] request   HASH (see submit.lua)
  KEYS[2] pending   ZSET requestId -> submittedAtMs of the request's fan
  KEYS[3] stats     HASH counters: completed, failed, cancelled, decided, waitMs (sum of submit -> decision)
  KEYS[4] rate      HASH n, waitMs of the decisions made in the current second (expires after rateTtlMs)
  ARGV[1] requestId
  ARGV[2] status    COMPLETED | FAILED
  ARGV[3] result    the Reservation as JSON, or ''
  ARGV[4] error     the ApiErrorBody as JSON, or ''
  ARGV[5] nowMs     from the injectable clock
  ARGV[6] ttlMs     the decided request is kept this long
  ARGV[7] rateTtlMs

  Returns {'DECIDED', status, result, error}  recorded now
       or {'ALREADY', status, result, error}  decided before: the earlier decision stands
       or {'CANCELLED'} or {'GONE'}           nothing recorded
  A PENDING request may be decided too: a job that failed for good before it was claimed.
]]
local rcall = redis.call
local f = rcall('HMGET', KEYS[1], 'status', 'submittedAt', 'result', 'error')
local status = f[1]
if not status then return {'GONE'} end
if status == 'CANCELLED' then return {'CANCELLED'} end
if status == 'COMPLETED' or status == 'FAILED' then return {'ALREADY', status, f[3] or '', f[4] or ''} end

local now = tonumber(ARGV[5])
rcall('HSET', KEYS[1], 'status', ARGV[2], 'decidedAt', now)
if ARGV[3] ~= '' then rcall('HSET', KEYS[1], 'result', ARGV[3]) end
if ARGV[4] ~= '' then rcall('HSET', KEYS[1], 'error', ARGV[4]) end
rcall('PEXPIRE', KEYS[1], tonumber(ARGV[6]))
rcall('ZREM', KEYS[2], ARGV[1])

local wait = math.max(0, now - (tonumber(f[2]) or now))
rcall('HINCRBY', KEYS[3], ARGV[2] == 'COMPLETED' and 'completed' or 'failed', 1)
rcall('HINCRBY', KEYS[3], 'decided', 1)
rcall('HINCRBY', KEYS[3], 'waitMs', wait)
rcall('HINCRBY', KEYS[4], 'n', 1)
rcall('HINCRBY', KEYS[4], 'waitMs', wait)
rcall('PEXPIRE', KEYS[4], tonumber(ARGV[7]))
return {'DECIDED', ARGV[2], ARGV[3], ARGV[4]}
