// The words lines.ts builds its lines from: counts, durations, modes and the schedule. New lines say
// "1 second" and "1 mount"; the seed's own lines keep its plurals (lines.ts, checked()).
import type { Settings } from '../../node/config/settings.js';

/** "1 mount", "3 mounts". */
export function count(n: number, singular: string, plural = singular + 's'): string {
  return `${n} ${n === 1 ? singular : plural}`;
}

/** "45 seconds", "3 minutes", "5 hours", "2 days": whole units, rounded down, for durations. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 120) return count(s, 'second');
  if (s < 120 * 60) return count(Math.floor(s / 60), 'minute');
  if (s < 48 * 3600) return count(Math.floor(s / 3600), 'hour');
  return count(Math.floor(s / 86400), 'day');
}

/** Permission bits as the seed prints them: %03o of mode & 07777 ("4000", "000", "700"). */
export function formatMode(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(3, '0');
}

export type Schedule = Pick<Settings, 'intervalSeconds' | 'timeoutSeconds' | 'watchIntervalSeconds' | 'slowAfterSeconds'>;

/**
 * "checking mounts every 60 seconds (watched ones every 1 second), slow after 1.5 seconds, timeout 10
 * seconds": the settings as given, fractions included.
 */
export function scheduleText(s: Schedule): string {
  const seconds = (n: number) => count(n, 'second');
  return (
    `checking mounts every ${seconds(s.intervalSeconds)} (watched ones every ${seconds(s.watchIntervalSeconds)}), ` +
    `slow after ${seconds(s.slowAfterSeconds)}, timeout ${seconds(s.timeoutSeconds)}`
  );
}

/** 19000 -> "19,000": refusal counts run into the thousands. */
export function thousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
