import type { Socket } from 'node:net';
import type { Logger } from '@pt/core';
import { PROBLEM_CONTENT_TYPE, type ProblemInput, problemBody } from './problem.js';
import { nextRequestId } from './request-id.js';
import { API_SECURITY_HEADERS } from './security.js';

const MALFORMED_REQUEST: ProblemInput = {
  status: 400,
  type: 'bad-request',
  detail: 'The request is not valid HTTP/1.1.',
};
const MALFORMED_REQUEST_LINE: ProblemInput = {
  status: 400,
  type: 'bad-request',
  detail: 'The request line is malformed; send "METHOD /path HTTP/1.1".',
};
const BAD_CONTENT_LENGTH: ProblemInput = {
  status: 400,
  type: 'bad-request',
  detail: 'Content-Length is malformed, or given twice; send it once, as a number of bytes.',
};
const BAD_TRANSFER_ENCODING: ProblemInput = {
  status: 400,
  type: 'bad-request',
  detail: 'Transfer-Encoding is malformed, or sent with a Content-Length; send one or the other, with chunked last.',
};

/** Node's HTTP parser's error codes (llhttp's `HPE_…`, and the server's request timeout), each with its answer. */
const CLIENT_ERRORS: Readonly<Record<string, ProblemInput>> = {
  HPE_HEADER_OVERFLOW: { status: 431, type: 'headers-too-large', detail: 'The request headers are too large.' },
  HPE_CHUNK_EXTENSIONS_OVERFLOW: { status: 413, type: 'body-too-large', detail: 'The chunk extensions are too large.' },
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, type: 'request-timeout', detail: 'The request did not arrive in time.' },
  HPE_INVALID_CONTENT_LENGTH: BAD_CONTENT_LENGTH,
  HPE_UNEXPECTED_CONTENT_LENGTH: BAD_CONTENT_LENGTH,
  HPE_INVALID_TRANSFER_ENCODING: BAD_TRANSFER_ENCODING,
  HPE_INVALID_METHOD: MALFORMED_REQUEST_LINE,
  HPE_INVALID_URL: MALFORMED_REQUEST_LINE,
  HPE_INVALID_VERSION: MALFORMED_REQUEST_LINE,
  HPE_INVALID_CONSTANT: MALFORMED_REQUEST_LINE,
  HPE_INVALID_HEADER_TOKEN: {
    status: 400,
    type: 'bad-request',
    detail: 'A header name or value holds a character HTTP does not allow.',
  },
};

/** The socket's response in progress, if the server started one (Node keeps it on the socket). */
type ServerSocket = Socket & { _httpMessage?: { headersSent?: boolean } | null };

/**
 * Fastify's `clientErrorHandler`: what Node's HTTP parser refuses (a header block over the limit,
 * a malformed request line, a bad or conflicting Content-Length, a request that never finished)
 * never reaches Fastify's routing, hooks or error handler. Fastify's default answers it as
 * application/json; this answers problem+json like every other error, with a request id of ours
 * and the data answers' security headers, then closes the connection: after a parse error the
 * rest of the stream cannot be read as requests. Logged with its code only: the parser's error
 * carries the raw bytes it refused, Authorization header included.
 */
export function createClientErrorHandler(logger: Logger) {
  return (error: Error & { code?: string }, socket: Socket): void => {
    // A reset or closed connection has no one left to answer.
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    const problem = CLIENT_ERRORS[error.code ?? ''] ?? MALFORMED_REQUEST;
    const requestId = nextRequestId();
    logger.info({ reqId: requestId, statusCode: problem.status, code: error.code }, 'request refused before routing');
    // A response already under way on this connection cannot be followed by another.
    if (socket.writable && !(socket as ServerSocket)._httpMessage?.headersSent) {
      socket.write(responseText(problem, requestId));
    }
    socket.destroy();
  };
}

/** The whole HTTP answer as text: a status line whose reason is the problem's title, headers, the body. */
function responseText(problem: ProblemInput, requestId: string): string {
  const document = problemBody(problem, requestId);
  const body = JSON.stringify(document);
  const headers: Record<string, string> = {
    ...API_SECURITY_HEADERS,
    'content-type': PROBLEM_CONTENT_TYPE,
    'content-length': String(Buffer.byteLength(body)),
    'x-request-id': requestId,
    connection: 'close',
  };
  const head = Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  return `HTTP/1.1 ${document.status} ${document.title}\r\n${head}\r\n${body}`;
}
