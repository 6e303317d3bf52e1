// Number, byte and time formats shared by the charts and tables. Byte units are
// decimal (1 GB = 10^9 bytes), as CloudFront's billing counts them.

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

export interface ByteUnit {
  readonly name: string;
  readonly size: number;
}

const BYTE_UNITS: readonly ByteUnit[] = [
  { name: 'TB', size: 1e12 },
  { name: 'GB', size: 1e9 },
  { name: 'MB', size: 1e6 },
  { name: 'kB', size: 1e3 },
  { name: 'B', size: 1 },
];

export function formatCount(value: number): string {
  return integer.format(value);
}

export function formatDecimal(value: number): string {
  return oneDecimal.format(value);
}

export function formatPercent(ratio: number): string {
  return `${oneDecimal.format(ratio * 100)}%`;
}

/** Picks the largest unit in which `bytes` is at least 1. */
export function byteUnit(bytes: number): ByteUnit {
  return BYTE_UNITS.find((unit) => bytes >= unit.size) ?? BYTE_UNITS[BYTE_UNITS.length - 1];
}

export function formatBytes(bytes: number): string {
  const unit = byteUnit(bytes);
  return `${oneDecimal.format(bytes / unit.size)} ${unit.name}`;
}

/** Formats an ISO-8601 time as "YYYY-MM-DD HH:MM UTC". */
export function formatTime(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/** Describes how long ago `iso` was, in minutes, hours or days. */
export function formatAge(iso: string, now: Date): string {
  const minutes = Math.round((now.getTime() - Date.parse(iso)) / 60_000);
  if (minutes < 0) return "later than this computer's clock";
  if (minutes < 90) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  return `${Math.round(hours / 24)} days ago`;
}

/** Formats a day (YYYY-MM-DD) with its weekday, e.g. "Thu 2026-03-05". */
export function formatDay(day: string): string {
  const weekday = new Date(`${day}T00:00:00Z`).toLocaleDateString('en-US', {
    weekday: 'short',
    timeZone: 'UTC',
  });
  return `${weekday} ${day}`;
}
