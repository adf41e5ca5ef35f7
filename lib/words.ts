/** "1 message", "5 messages", "1 reply", "0 replies": a count with its noun agreeing. */
export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count.toLocaleString('en')} ${count === 1 ? singular : pluralForm}`;
}

/** A time as local ISO-8601 with its UTC offset, "2026-11-28T14:05:09.123+01:00" (the course server switches family by local hour, Q17). */
export function localIso(time: Date | string | number): string {
  const date = new Date(time);
  const offset = -date.getTimezoneOffset();
  const sign = offset >= 0 ? '+' : '-';
  const pad = (value: number, width = 2) => String(Math.abs(value)).padStart(width, '0');
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}` +
    `${sign}${pad(Math.trunc(offset / 60))}:${pad(offset % 60)}`
  );
}
