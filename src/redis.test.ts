import fs from 'fs';
import path from 'path';

import { checkRedisUrl, REDIS_URL_ERRORS, REDIS_URL_EXAMPLE } from './redis';

const goFile = (...p: string[]) => fs.readFileSync(path.join(__dirname, '..', 'pkg', ...p), 'utf8');

describe('checkRedisUrl', () => {
  it.each([
    [undefined],
    [''],
    ['  '],
    [REDIS_URL_EXAMPLE],
    ['redis://redis'],
    ['REDIS://redis:6379'],
    ['rediss://redis.example.com:6380/1'],
    ['redis://alice@redis:6379/0'],
    ['redis://[::1]:6379/0'],
    [' redis://redis:6379/0\n'],
    // An empty query or fragment is none to Go's url.Parse.
    ['redis://redis:6379/0?'],
    ['redis://redis:6379/0#'],
  ])('accepts %j', (raw) => {
    expect(checkRedisUrl(raw)).toBeUndefined();
  });

  it.each([
    ['localhost:6379'],
    ['redis:6379'],
    ['redis.example.com'],
    ['http://redis:6379'],
    ['https://redis:6379/0'],
    ['tcp://redis:6379'],
    ['redis://'],
    ['redis:///0'],
    ['redis://alice:pw@'],
    ['http://:pw@redis:6379'],
  ])('refuses %j: not redis:// or rediss:// with a host', (raw) => {
    expect(checkRedisUrl(raw)).toBe(REDIS_URL_ERRORS.scheme);
  });

  it.each([['redis://:hunter2@redis:6379/0'], ['rediss://alice:hunter2@redis:6380'], ['redis://alice:@redis']])(
    'refuses %j: a password in the URL',
    (raw) => {
      const msg = checkRedisUrl(raw);
      expect(msg).toBe(REDIS_URL_ERRORS.password);
      expect(msg).not.toContain('hunter2');
    }
  );

  it.each([['redis://redis:6379/0?db=1'], ['redis://redis:6379/0#x'], ['redis://redis:6379?#x']])(
    'refuses %j: a query or fragment',
    (raw) => {
      expect(checkRedisUrl(raw)).toBe(REDIS_URL_ERRORS.extra);
    }
  );
});

// The backend's check (redisstore.CheckURL) and settings, read from their source.
describe('matches the Go side (pkg/)', () => {
  const store = goFile('redisstore', 'redisstore.go');
  const settings = goFile('models', 'settings.go');

  it("uses the backend's words for the URL problems it names", () => {
    const field = (msg: string) => msg.charAt(0).toLowerCase() + msg.slice(1);
    // Go: "redisUrl: %s is not a redis:// or rediss:// URL with a host (e.g. redis://redis:6379/0)".
    expect(store).toContain(`${field(REDIS_URL_ERRORS.scheme).replace(/^not /, 'is not ')}`);
    // Go: "...the URL holds a password; put it in the Redis password field (...) so that it is stored encrypted".
    expect(store).toContain('redisUrl: the URL holds a password; put it in the Redis password field');
    expect(store).toMatch(/Redis password field[^"]*stored encrypted"/);
    expect(store).toContain(`redisUrl: ${field(REDIS_URL_ERRORS.extra)}`);
    expect(store).toMatch(/u\.Scheme != "redis" && u\.Scheme != "rediss"/);
  });

  it('the settings keys', () => {
    expect(settings).toMatch(/RedisURL\s+string\s+`json:"redisUrl,omitempty"`/);
    expect(settings).toMatch(/RedisPasswordKey = "redisPassword"/);
    expect(settings).toMatch(/RateLimitReserve \*int `json:"rateLimitReserve,omitempty"`/);
  });
});
