/**
 * The token-bucket rule of `@switchyard/core`'s `RateLimiter`, as one Lua script run atomically
 * by Redis: read, refill, decide, write, in one step, so two gateways can never both spend the
 * same token. Same integer arithmetic (micro-tokens, refill in micro-tokens per ms; Lua numbers
 * are doubles and every value stays below 2^53, and `floor`/`ceil` of a quotient of two such
 * integers is exact). Time is the Redis server's clock (`TIME`), one clock for the whole fleet;
 * ARGV[4], when not empty, replaces it (the differential test uses it to replay any clock).
 *
 * A bucket that is full again (and not ahead of the clock) is deleted, and every other expires
 * (`PEXPIRE`) once it would be full: forgetting it then is indistinguishable from keeping it
 * (the in-process limiters evict by the same rule), so memory stays bounded by the active keys
 * without a sweep. With the clock override, nothing expires (virtual time is not Redis time).
 *
 * KEYS[1] bucket; ARGV capacity, refill (micro-tokens/ms), cost, now override.
 * Returns { allowed (0|1), limit, remaining, retryAfterMs, resetMs }.
 */
export const TOKEN_BUCKET_LUA = `
local capacity = tonumber(ARGV[1])
local refill = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local full = capacity * 1000000
local now
if ARGV[4] ~= '' then
  now = tonumber(ARGV[4])
else
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function ceildiv(a, b)
  local r = a % b
  return (a - r) / b + ((r == 0) and 0 or 1)
end
local state = redis.call('HMGET', KEYS[1], 't', 'l')
local tokens = tonumber(state[1])
local last = tonumber(state[2])
if tokens == nil or last == nil then
  tokens = full
  last = now
end
if now > last then
  if now - last >= ceildiv(full - tokens, refill) then
    tokens = full
  else
    tokens = tokens + (now - last) * refill
  end
  last = now
end
local behind = last - now
local need = cost * 1000000
local allowed = 0
local retry = 0
if tokens >= need then
  tokens = tokens - need
  allowed = 1
else
  retry = behind + ceildiv(need - tokens, refill)
end
local reset = 0
if tokens ~= full then
  reset = behind + ceildiv(full - tokens, refill)
end
if tokens == full and behind == 0 then
  redis.call('DEL', KEYS[1])
else
  redis.call('HSET', KEYS[1], 't', string.format('%.0f', tokens), 'l', string.format('%.0f', last))
  if ARGV[4] == '' then
    redis.call('PEXPIRE', KEYS[1], reset + behind + 1)
  end
end
return { allowed, capacity, (tokens - tokens % 1000000) / 1000000, retry, reset }
`;
