/**
 * When does an access token stop working? Torus does not say. A JWT with a numeric `exp`
 * tells us; otherwise Indian broker sessions end daily, so we assume the next daily cutoff
 * (default 06:00 Asia/Kolkata, configurable).
 */
export interface DailyTime {
  /** "HH:MM", 24-hour. */
  time: string;
  /** IANA zone, e.g. "Asia/Kolkata". */
  zone: string;
}

export function parseHhMm(time: string): { hour: number; minute: number } {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(time);
  if (!match) throw new RangeError(`Time "${time}" must look like HH:MM (24-hour).`);
  return { hour: Number(match[1]), minute: Number(match[2]) };
}

export function isValidTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatterFor(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  // Stryker disable next-line ConditionalExpression: a cache; building the formatter every time gives the same answer, slower
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, f);
  }
  return f;
}

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

export function wallClock(instantMs: number, zone: string): WallClock {
  const parts: Record<string, number> = {};
  for (const part of formatterFor(zone).formatToParts(new Date(instantMs))) {
    // Stryker disable next-line ConditionalExpression: the separators would land under the key "literal", which is never read
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return {
    year: parts.year!,
    month: parts.month!,
    day: parts.day!,
    hour: parts.hour!,
    minute: parts.minute!,
    second: parts.second!,
  };
}

function offsetMs(instantMs: number, zone: string): number {
  const w = wallClock(instantMs, zone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - Math.floor(instantMs / 1000) * 1000;
}

/** The instant at which the wall clock in `zone` shows the given date and time. */
export function zonedToInstant(year: number, month: number, day: number, hour: number, minute: number, zone: string): number {
  const guess = Date.UTC(year, month - 1, day, hour, minute);
  const first = guess - offsetMs(guess, zone);
  const second = guess - offsetMs(first, zone);
  // In a spring-forward gap the wall time does not exist; both guesses then straddle the gap
  // and the later one is that time shifted forward by the gap (02:30 -> 03:30) in every zone.
  const wall = wallClock(second, zone);
  if (wall.hour !== hour || wall.minute !== minute) return Math.max(first, second);
  return second;
}

/** The first instant strictly after `afterMs` at which the zone's wall clock reads `time`. */
export function nextDailyTime(afterMs: number, daily: DailyTime): number {
  const { hour, minute } = parseHhMm(daily.time);
  const today = wallClock(afterMs, daily.zone);
  // Stryker disable next-line EqualityOperator: a candidate within two days after today always exists, so a fourth day is never tried
  for (let addDays = 0; addDays < 3; addDays++) {
    const date = new Date(Date.UTC(today.year, today.month - 1, today.day + addDays));
    const candidate = zonedToInstant(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate(), hour, minute, daily.zone);
    if (candidate > afterMs) return candidate;
  }
  // Unreachable for real zones; keep a sane answer anyway.
  // Stryker disable next-line ArithmeticOperator: unreachable (see above)
  return afterMs + 24 * 3600_000;
}

/** Decodes a JWT's numeric `exp` (seconds) to ms, or undefined when the token is not a JWT. */
export function jwtExpiryMs(token: string): number | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const payload = jsonSegment(parts[1]!);
  // Numbers and strings have no "exp"; null (also what a segment that is not JSON gives) has no properties at all.
  const exp = payload === null ? undefined : (payload as { exp?: unknown }).exp;
  if (typeof exp !== 'number' || !Number.isFinite(exp) || exp <= 0) return undefined;
  return Math.round(exp * 1000);
}

/** The JSON value in a base64url JWT segment, or null when it is not JSON. */
function jsonSegment(segment: string): unknown {
  try {
    return JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
}

export type ExpirySource = 'jwt' | 'daily-cutoff';

/**
 * A JWT `exp` is trusted only when it is in the future and not after the daily cutoff:
 * some brokers' `exp` is known to be unreliable, and sessions end daily anyway.
 */
export function expiryFor(issuedAtMs: number, jwtExpiresAt: number | null, cutoff: DailyTime): { expiresAt: number; source: ExpirySource } {
  const cutoffAt = nextDailyTime(issuedAtMs, cutoff);
  if (jwtExpiresAt !== null && jwtExpiresAt > issuedAtMs && jwtExpiresAt <= cutoffAt) return { expiresAt: jwtExpiresAt, source: 'jwt' };
  return { expiresAt: cutoffAt, source: 'daily-cutoff' };
}

export function tokenExpiry(token: string, issuedAtMs: number, cutoff: DailyTime): { expiresAt: number; source: ExpirySource; jwtExpiresAt: number | null } {
  const jwtExpiresAt = jwtExpiryMs(token) ?? null;
  return { ...expiryFor(issuedAtMs, jwtExpiresAt, cutoff), jwtExpiresAt };
}
