import { csvLine } from '../../lib/csv.js';
import type { StoredDatagram } from './store.js';

/** The recorder's export formats, shared by `socklab recorder export` and the dashboard's downloads. */
export type ExportFormat = 'jsonl' | 'csv';

const COLUMNS: Array<keyof StoredDatagram> = ['id', 'receivedAt', 'group', 'from', 'senderId', 'text', 'size', 'wellFormed'];

/** The first line of an export ("" for JSON lines). */
export function exportHeader(format: ExportFormat): string {
  return format === 'csv' ? csvLine(COLUMNS) : '';
}

export function exportLine(row: StoredDatagram, format: ExportFormat): string {
  return format === 'csv' ? csvLine(COLUMNS.map((column) => row[column])) : `${JSON.stringify(row)}\n`;
}
