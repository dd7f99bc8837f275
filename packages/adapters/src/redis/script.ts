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

/**
 * The sliding-window-counter rule of `@switchyard/core`'s `SlidingWindowLimiter`, as one Lua
 * script: state `{ w: window index, p: previous count, c: current count }` per key, the same
 * integer arithmetic (every product stays below 2^53 because `limit × windowMs ≤ 2^51`), the same
 * decision fields, on the Redis server's clock (ARGV[4], when not empty, replaces it for tests).
 *
 * A state that says nothing any more (both counts 0, not ahead of the clock) is deleted; any
 * other expires (`PEXPIRE`) when its counts would have rolled out of both windows — the point at
 * which the in-process limiter also treats a key as idle — so memory is bounded by active keys.
 * Forgetting is exact only on a clock that does not go back, as the server's: with the clock
 * override (virtual time, which tests also run backwards) nothing is deleted or expires.
 *
 * KEYS[1] state; ARGV limit, windowMs, cost, now override.
 * Returns { allowed (0|1), limit, remaining, retryAfterMs, resetMs }.
 */
export const SLIDING_WINDOW_LUA = `
local l = tonumber(ARGV[1])
local w = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local now
if ARGV[4] ~= '' then
  now = tonumber(ARGV[4])
else
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function floordiv(a, b)
  return (a - a % b) / b
end
local nowWindow = floordiv(now, w)
local state = redis.call('HMGET', KEYS[1], 'w', 'p', 'c')
local window = tonumber(state[1])
local prev = tonumber(state[2])
local cur = tonumber(state[3])
if window == nil or prev == nil or cur == nil then
  window = nowWindow
  prev = 0
  cur = 0
end
local e = 0
if nowWindow == window then
  e = now - window * w
elseif nowWindow > window then
  if nowWindow == window + 1 then prev = cur else prev = 0 end
  cur = 0
  window = nowWindow
  e = now - window * w
end
local start = window * w
local weighted = prev * (w - e)
local allowed = 0
local retry = 0
if weighted + (cur + cost) * w <= l * w then
  allowed = 1
  cur = cur + cost
else
  local at = start + 2 * w
  local done = false
  if cur + cost <= l and prev > 0 then
    local x = math.max(0, w - floordiv((l - cur - cost) * w, prev))
    if x < w then
      at = start + x
      done = true
    end
  end
  if not done then
    if cur == 0 then
      at = start + w
    else
      local x = math.max(0, w - floordiv((l - cost) * w, cur))
      if x < w then at = start + w + x end
    end
  end
  retry = at - now
end
local used = weighted + cur * w
local remaining = 0
if used < l * w then remaining = floordiv(l * w - used, w) end
local reset = 0
if cur > 0 then
  reset = start + 2 * w - now
elseif prev > 0 then
  reset = start + w - now
end
if ARGV[4] == '' and prev == 0 and cur == 0 and window <= nowWindow then
  redis.call('DEL', KEYS[1])
else
  redis.call('HSET', KEYS[1], 'w', string.format('%.0f', window), 'p', string.format('%.0f', prev), 'c', string.format('%.0f', cur))
  if ARGV[4] == '' then
    redis.call('PEXPIRE', KEYS[1], reset + 1)
  end
end
return { allowed, l, remaining, retry, reset }
`;
