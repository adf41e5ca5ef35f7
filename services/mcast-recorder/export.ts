import type { StoredDatagram } from './store.js';

/** The recorder's export formats, shared by `socklab recorder export` and the dashboard's downloads. */
export type ExportFormat = 'jsonl' | 'csv';

const COLUMNS: Array<keyof StoredDatagram> = ['id', 'receivedAt', 'group', 'from', 'senderId', 'text', 'size', 'wellFormed'];

const csvField = (value: string | number | boolean) => {
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

/** The first line of an export ("" for JSON lines). */
export function exportHeader(format: ExportFormat): string {
  return format === 'csv' ? `${COLUMNS.join(',')}\n` : '';
}

export function exportLine(row: StoredDatagram, format: ExportFormat): string {
  return `${format === 'csv' ? COLUMNS.map((column) => csvField(row[column])).join(',') : JSON.stringify(row)}\n`;
}
