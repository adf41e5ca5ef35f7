/** "1 message", "5 messages", "1 reply", "0 replies": a count with its noun agreeing. */
export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count.toLocaleString('en')} ${count === 1 ? singular : pluralForm}`;
}
