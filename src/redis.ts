/**
 * The Redis that Grafana replicas share (jsonData.redisUrl): what the config
 * editor says about a URL as it is typed, in the words of the backend's
 * check (Go: redisstore.CheckURL), which Save & test applies in full.
 */
import { goTrim } from './types';

/** The example the backend's messages give. */
export const REDIS_URL_EXAMPLE = 'redis://redis:6379/0';

export const REDIS_URL_ERRORS = {
  scheme: `Not a redis:// or rediss:// URL with a host (e.g. ${REDIS_URL_EXAMPLE})`,
  password: 'The URL holds a password; put the password in the Redis password field, where it is stored encrypted',
  extra: 'Give only the host, port and database number (redis://host:6379/0)',
} as const;

/**
 * The problem with a Redis URL, or undefined when it is fine or empty (off).
 * Checks what users get wrong most: another scheme or no host (localhost:6379,
 * http://…), a password inside the URL, a query or fragment. A user name
 * without a password is fine (Redis ACL users). The typed value is never
 * shown back: it may hold a password.
 */
export function checkRedisUrl(raw?: string): string | undefined {
  const s = goTrim(raw ?? '');
  if (s === '') {
    return undefined;
  }
  // Go's url.Parse: scheme ":" ["//" authority] path ["?" query] ["#" fragment].
  const m = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)(.*)$/is.exec(s);
  const scheme = m?.[1].toLowerCase();
  const authority = m?.[2] ?? '';
  const at = authority.lastIndexOf('@');
  const host = authority.slice(at + 1);
  if (!m || (scheme !== 'redis' && scheme !== 'rediss') || host === '') {
    return REDIS_URL_ERRORS.scheme;
  }
  if (at >= 0 && authority.slice(0, at).includes(':')) {
    return REDIS_URL_ERRORS.password;
  }
  // An empty query ("…/0?") or fragment ("…/0#") is no query or fragment to Go.
  const rest = m[3];
  const hash = rest.indexOf('#');
  const beforeHash = hash >= 0 ? rest.slice(0, hash) : rest;
  const q = beforeHash.indexOf('?');
  if ((q >= 0 && q < beforeHash.length - 1) || (hash >= 0 && hash < rest.length - 1)) {
    return REDIS_URL_ERRORS.extra;
  }
  return undefined;
}
