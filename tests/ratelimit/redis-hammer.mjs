// Child process of the multi-process Redis test: hammers one key through its own connection for
// the given time and prints how many takes were admitted.
// It runs under plain node, so it loads the built package through its name (the workspace link).
import { RedisRateLimiter } from '@switchyard/adapters';
import { Redis } from 'ioredis';

const [, , url, key, ms, capacity, refillPerSecond] = process.argv;

const client = new Redis(url);
const limiter = new RedisRateLimiter({
  client,
  capacity: Number(capacity),
  refillPerSecond: Number(refillPerSecond),
  onFailure: 'closed',
  timeoutMs: 2000,
});
let admitted = 0;
let failed = 0;
const end = Date.now() + Number(ms);
while (Date.now() < end) {
  const batch = await Promise.all(Array.from({ length: 8 }, () => limiter.take(key)));
  for (const d of batch) {
    if (d.source !== 'redis') failed++;
    else if (d.allowed) admitted++;
  }
}
client.disconnect();
process.stdout.write(JSON.stringify({ admitted, failed }));
