import { connect, type Socket } from 'node:net';

/** An HTTP/1.1 answer read off a socket as it came, nothing interpreted for us by an HTTP client. */
export interface RawAnswer {
  status: number;
  reason: string;
  /** Lower-cased names; a repeated header keeps its last value. */
  headers: Record<string, string>;
  body: string;
  /** Whether the server closed the connection after answering. */
  closed: boolean;
}

/** A connection to `baseUrl` that writes bytes exactly as given: what no HTTP client would send. */
export async function openRaw(baseUrl: string): Promise<RawConnection> {
  const { hostname, port } = new URL(baseUrl);
  const socket = await new Promise<Socket>((resolve, reject) => {
    const s = connect({ host: hostname, port: Number(port) }, () => resolve(s));
    s.once('error', reject);
  });
  return new RawConnection(socket);
}

export class RawConnection {
  private received = Buffer.alloc(0);
  private closed = false;
  private waiting: (() => void) | undefined;

  constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.received = Buffer.concat([this.received, chunk]);
      this.waiting?.();
    });
    // The server may reset a connection it refuses while bytes we sent are still unread.
    socket.on('error', () => {});
    socket.on('close', () => {
      this.closed = true;
      this.waiting?.();
    });
  }

  /** Writes `bytes`, then reads one whole answer (its head, and a body of its Content-Length). */
  async exchange(bytes: string | Buffer, timeoutMs = 5000): Promise<RawAnswer> {
    this.socket.write(bytes);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const answer = this.take();
      if (answer) return answer;
      if (this.closed) throw new Error(`connection closed after ${JSON.stringify(this.received.toString('latin1'))}`);
      if (Date.now() > deadline) throw new Error('no complete answer in time');
      await new Promise<void>((resolve) => {
        this.waiting = resolve;
        setTimeout(resolve, 50);
      });
    }
  }

  /** Resolves once the server has closed the connection (or after `timeoutMs`, false). */
  async closedByServer(timeoutMs = 2000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    return this.closed;
  }

  close(): void {
    this.socket.destroy();
  }

  private take(): RawAnswer | undefined {
    const text = this.received.toString('latin1');
    const headEnd = text.indexOf('\r\n\r\n');
    if (headEnd < 0) return undefined;
    const [statusLine = '', ...lines] = text.slice(0, headEnd).split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const length = Number(headers['content-length'] ?? 0);
    const bodyStart = headEnd + 4;
    if (this.received.length < bodyStart + length) return undefined;
    const body = this.received.subarray(bodyStart, bodyStart + length).toString('utf8');
    this.received = this.received.subarray(bodyStart + length);
    const [, status = '0', reason = ''] = /^HTTP\/1\.1 (\d{3}) ?(.*)$/.exec(statusLine) ?? [];
    return { status: Number(status), reason, headers, body, closed: this.closed };
  }
}

/** Opens a connection, sends `bytes`, reads one answer, and notes whether the server then closed it. */
export async function rawExchange(baseUrl: string, bytes: string | Buffer): Promise<RawAnswer> {
  const connection = await openRaw(baseUrl);
  try {
    const answer = await connection.exchange(bytes);
    return { ...answer, closed: await connection.closedByServer() };
  } finally {
    connection.close();
  }
}
