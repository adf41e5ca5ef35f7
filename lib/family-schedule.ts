import type { Family } from './address.js';

/**
 * The RESET server's timetable (handout part 3: "depending on the time of day, the server runs
 * either in IPv4 or IPv6"). Windows are [from, to) in local time, whole minutes; a window whose
 * `to` is before its `from` runs past midnight. Pure functions of a Date.
 */

const CLOCK_TIME = /^([01]\d|2[0-3]):[0-5]\d$|^24:00$/;

export interface ScheduleWindow {
  from: string;
  to: string;
  family: Family;
}

export function isScheduleWindow(value: unknown): value is ScheduleWindow {
  if (typeof value !== 'object' || value === null) return false;
  const window = value as Record<string, unknown>;
  return (
    Object.keys(window).every((key) => ['from', 'to', 'family'].includes(key)) &&
    typeof window.from === 'string' &&
    CLOCK_TIME.test(window.from) &&
    typeof window.to === 'string' &&
    CLOCK_TIME.test(window.to) &&
    window.from !== window.to &&
    (window.family === 'IPv4' || window.family === 'IPv6')
  );
}

const MINUTES_PER_DAY = 24 * 60;

function minutes(clock: string): number {
  const [hours, mins] = clock.split(':').map(Number) as [number, number];
  return (hours * 60 + mins) % MINUTES_PER_DAY;
}

function minuteOfDay(date: Date): number {
  return date.getHours() * 60 + date.getMinutes() + (date.getSeconds() + date.getMilliseconds() / 1000) / 60;
}

function contains(window: ScheduleWindow, minute: number): boolean {
  const from = minutes(window.from);
  const to = minutes(window.to);
  return from < to ? minute >= from && minute < to : minute >= from || minute < to;
}

/** The family the server runs on at `date`, or null when no window covers it (server down). */
export function familyAt(date: Date, windows: readonly ScheduleWindow[]): Family | null {
  const minute = minuteOfDay(date);
  return windows.find((window) => contains(window, minute))?.family ?? null;
}

/** The first window boundary strictly after `date`, or null when there is none. */
export function nextBoundary(date: Date, windows: readonly ScheduleWindow[]): Date | null {
  const boundaries = [...new Set(windows.flatMap((window) => [minutes(window.from), minutes(window.to)]))];
  if (boundaries.length === 0) return null;
  const now = minuteOfDay(date);
  const ahead = boundaries.map((boundary) => (boundary > now ? boundary - now : boundary + MINUTES_PER_DAY - now));
  const next = new Date(date);
  next.setSeconds(0, 0);
  next.setMinutes(next.getMinutes() + Math.round(Math.min(...ahead) + (now % 1)));
  return next;
}
