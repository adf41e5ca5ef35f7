/**
 * The one catalogue of socklab's error codes. Every error a user can see is built by
 * `socklabError` from a code listed here, so the exit code a command ends with follows from
 * the kind of failure and never from where it was thrown (docs/PROTOCOLS.md §Command line: 1 for a failed
 * network exchange, 2 for usage or configuration).
 */
export const ERROR_CATALOGUE = {
  SOCKLAB_ERR_USAGE: { exitCode: 2, summary: 'bad command-line usage' },
  SOCKLAB_ERR_CONFIG: { exitCode: 2, summary: 'invalid configuration' },
  SOCKLAB_ERR_UNKNOWN_SERVICE: { exitCode: 2, summary: 'no such service' },
  SOCKLAB_ERR_NETWORK: { exitCode: 1, summary: 'the network exchange failed' },
  SOCKLAB_ERR_TIMEOUT: { exitCode: 1, summary: 'no answer within the time limit' },
  SOCKLAB_ERR_PROTOCOL: { exitCode: 1, summary: 'the peer answered outside the protocol' },
  SOCKLAB_ERR_STORE: { exitCode: 1, summary: 'a SQLite store cannot be opened, read or written' },
} as const;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export class SocklabError extends Error {
  override readonly name = 'SocklabError';
  readonly exitCode: 1 | 2;

  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.exitCode = ERROR_CATALOGUE[code].exitCode;
  }
}

export function socklabError(code: ErrorCode, message: string): SocklabError {
  return new SocklabError(code, message);
}

export function isSocklabError(error: unknown): error is SocklabError {
  return error instanceof SocklabError;
}

/** A one-line description of any thrown value, for places that must not print a stack trace. */
export function describeError(error: unknown): string {
  if (error instanceof SocklabError) return error.message; // written for the user already
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    const text = error.message.split('\n').join('; ');
    return code && !text.includes(code) ? `${text} (${code})` : text;
  }
  return String(error);
}
