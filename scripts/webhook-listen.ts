import { createServer } from 'node:http';
import { Webhook } from 'standardwebhooks';

// `make webhook-listen [WEBHOOK_SECRET=whsec_…] [WEBHOOK_LISTEN_PORT=8002]`: a development
// receiver. It prints every webhook that arrives and verifies its signature with the
// standardwebhooks package, as a client's receiver would: 204 when verified (or when no secret
// was given), 400 when the signature does not match.
const port = Number(process.env.WEBHOOK_LISTEN_PORT || 8002);
const secret = process.env.WEBHOOK_SECRET || '';
const verifier = secret ? new Webhook(secret) : null;

const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    const headers = Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, String(value)]));
    let verdict = 'not verified (no WEBHOOK_SECRET)';
    let status = 204;
    if (verifier) {
      try {
        verifier.verify(body, headers);
        verdict = 'signature verified';
      } catch (error) {
        verdict = `SIGNATURE REJECTED: ${error instanceof Error ? error.message : String(error)}`;
        status = 400;
      }
    }
    const time = new Date().toISOString();
    process.stdout.write(`${time} ${request.method} ${request.url} webhook-id=${headers['webhook-id']} ${verdict}\n${body}\n\n`);
    response.writeHead(status).end();
  });
});
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(
    `listening on http://127.0.0.1:${port}/ (${verifier ? 'verifying signatures' : 'set WEBHOOK_SECRET to verify'})\n`,
  );
});
process.on('SIGINT', () => server.close(() => process.exit(0)));
