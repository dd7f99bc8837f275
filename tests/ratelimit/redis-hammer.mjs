// Child process of the multi-process Redis tests: hammers one key through its own connection for
// the given time and prints how many takes Redis admitted and how many the failure mode answered.
// It runs under plain node, so it loads the built package through its name (the workspace link).
import { RedisRateLimiter } from '@switchyard/adapters';
import { Redis } from 'ioredis';

const [, , url, key, ms, capacity, refillPerSecond, onFailure = 'closed', timeoutMs = '2000'] = process.argv;

// ioredis's defaults (offline queue, resend on reconnect): the limiter must not let them replay takes.
const client = new Redis(url);
const limiter = new RedisRateLimiter({
  client,
  capacity: Number(capacity),
  refillPerSecond: Number(refillPerSecond),
  onFailure,
  timeoutMs: Number(timeoutMs),
});
let admitted = 0;
let failed = 0;
const end = Date.now() + Number(ms);
let first = true;
while (Date.now() < end) {
  const batch = await Promise.all(Array.from({ length: 8 }, () => limiter.take(key)));
  if (first) process.stderr.write('first take answered\n');
  first = false;
  let answeredLocally = false;
  for (const d of batch) {
    if (d.source !== 'redis') {
      failed++;
      answeredLocally = true;
    } else if (d.allowed) admitted++;
  }
  // Takes answered at once by the failure mode never leave the microtask queue: yield, so the
  // client can reconnect.
  if (answeredLocally) await new Promise((resolve) => setTimeout(resolve, 5));
}
client.disconnect();
process.stdout.write(JSON.stringify({ admitted, failed }));
