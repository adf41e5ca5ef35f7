/**
 * The one CSV writer of socklab (recorder exports, the dashboard's downloads, the prober report,
 * the checker's grades.csv). Cells are quoted as RFC 4180 §2 says, and text that a spreadsheet
 * would read as a formula is defused: TAs open these files in a spreadsheet, and their text comes
 * from the network or from students.
 */
export type CsvValue = string | number | boolean | null;

/**
 * OWASP's CSV-injection rule: a cell that starts with one of these is prefixed with `'`, which
 * spreadsheets show as text and hide. Numbers socklab writes itself (a negative count) stay numbers.
 */
const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\n\r]/;

export function csvCell(value: CsvValue): string {
  if (value === null) return '';
  if (typeof value !== 'string') return String(value);
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One record, ended by a newline. */
export function csvLine(values: readonly CsvValue[]): string {
  return `${values.map(csvCell).join(',')}\n`;
}
