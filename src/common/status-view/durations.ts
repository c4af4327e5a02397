// Durations in words for the status window: "12 s", "3 min", "2 h 5 min", "3 days".

export function durationInWords(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 48) return min % 60 === 0 ? `${h} h` : `${h} h ${min % 60} min`;
  return `${Math.floor(h / 24)} days`;
}

/** "for 3 min", as shown next to a state badge. */
export function forDuration(since: number, now: number): string {
  return `for ${durationInWords(now - since)}`;
}

/** A probe latency: "0.4 ms", "12 ms", "1.3 s". */
export function latencyInWords(ms: number): string {
  if (ms < 10) return `${(Math.round(ms * 10) / 10).toString()} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(Math.round(ms / 100) / 10).toString()} s`;
}

/** Bytes with binary units, as df -h prints them: "512 B", "3.2 GiB". */
export function bytesInWords(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  const shown = i === 0 || v >= 100 ? Math.round(v).toString() : (Math.round(v * 10) / 10).toString();
  return `${shown} ${units[i]}`;
}
