// Maps what undici and Node report into the stable `errors_by_type` keys of SPEC.md.
//
// Choices: a peer that closes or resets the connection (ECONNRESET, EPIPE, undici's
// UND_ERR_SOCKET "other side closed") is `connection_reset`; malformed responses and
// unreachable networks are `socket`; a response over a size limit (body or headers, e.g. a
// 10,000-header response over the parser's 16 KiB header limit) is `body_too_large`.
import { ERROR_TYPES, type ErrorType } from '../format/result';

export const ERROR_INDEX: Readonly<Record<ErrorType, number>> = Object.fromEntries(
  ERROR_TYPES.map((type, index) => [type, index]),
) as Record<ErrorType, number>;

const BY_CODE: Record<string, ErrorType> = {
  UND_ERR_HEADERS_TIMEOUT: 'timeout',
  UND_ERR_BODY_TIMEOUT: 'timeout',
  ETIMEDOUT: 'timeout',
  ATM_ERR_DEADLINE: 'timeout',
  ATM_ERR_CONNECT_DEADLINE: 'connect_timeout',
  UND_ERR_CONNECT_TIMEOUT: 'connect_timeout',
  ECONNREFUSED: 'connection_refused',
  ECONNRESET: 'connection_reset',
  EPIPE: 'connection_reset',
  ECONNABORTED: 'connection_reset',
  UND_ERR_SOCKET: 'connection_reset',
  ENOTFOUND: 'dns',
  EAI_AGAIN: 'dns',
  EAI_FAIL: 'dns',
  EAI_NONAME: 'dns',
  EAI_NODATA: 'dns',
  UND_ERR_RES_EXCEEDED_MAX_SIZE: 'body_too_large',
  UND_ERR_HEADERS_OVERFLOW: 'body_too_large',
  HPE_HEADER_OVERFLOW: 'body_too_large',
  EHOSTUNREACH: 'socket',
  ENETUNREACH: 'socket',
  EADDRNOTAVAIL: 'socket',
  EADDRINUSE: 'socket',
  UND_ERR_CLOSED: 'socket',
  UND_ERR_DESTROYED: 'socket',
  UND_ERR_REQ_CONTENT_LENGTH_MISMATCH: 'socket',
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: 'socket',
  EPROTO: 'tls',
};

const TLS_CODE = /^(ERR_TLS_|ERR_SSL_|CERT_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_(GET|VERIFY|DECRYPT)|ERR_OSSL_|HOSTNAME_MISMATCH|INVALID_CA|INVALID_PURPOSE)/;

function codeOf(err: unknown): string | undefined {
  if (err !== null && typeof err === 'object' && 'code' in err) {
    const code = (err as { code: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/** The stable key for a failed request. Looks through `cause` and aggregate errors. */
export function classifyError(err: unknown): ErrorType {
  for (let depth = 0, current: unknown = err; current !== null && current !== undefined && depth < 4; depth++) {
    const code = codeOf(current);
    if (code !== undefined) {
      const known = BY_CODE[code];
      if (known !== undefined) return known;
      if (TLS_CODE.test(code)) return 'tls';
      if (code.startsWith('HPE_')) return 'socket';
    }
    if (current instanceof AggregateError && current.errors.length > 0) {
      current = current.errors[0];
    } else if (current instanceof Error && current.cause !== undefined) {
      current = current.cause;
    } else {
      break;
    }
  }
  return 'other';
}

/** The message of an error with its code, for samples and logs. */
export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const code = codeOf(err);
    const message = err.message || (err instanceof AggregateError ? err.errors.map(describeError).join('; ') : err.name);
    return code !== undefined && !message.includes(code) ? `${code}: ${message}` : message;
  }
  return String(err);
}

/** The error the engine raises when a request outlives timeout_seconds (connect to last byte). */
export class DeadlineError extends Error {
  readonly code = 'ATM_ERR_DEADLINE';
  constructor(timeoutMs: number) {
    super(`request exceeded timeout_seconds (${timeoutMs / 1000} s)`);
    this.name = 'DeadlineError';
  }
}

/** The error the engine raises when a request waited timeout_seconds and still has no connection. */
export class ConnectDeadlineError extends Error {
  readonly code = 'ATM_ERR_CONNECT_DEADLINE';
  constructor(timeoutMs: number) {
    super(`no connection within timeout_seconds (${timeoutMs / 1000} s)`);
    this.name = 'ConnectDeadlineError';
  }
}
