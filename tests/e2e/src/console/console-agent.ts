import { request } from 'undici';

export interface ConsoleAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  location: string | undefined;
  setCookie: string[];
}

/**
 * A browser's worth of HTTP for the console, without the browser: one cookie jar (the session
 * cookie), forms sent as a page of the console sends them (Origin header, urlencoded body).
 */
export function consoleAgent(baseUrl: string, options: { origin?: string; headers?: Record<string, string> } = {}) {
  let cookie: string | undefined;
  const origin = options.origin ?? baseUrl;

  async function call(method: 'GET' | 'POST', path: string, init: { body?: string; headers?: Record<string, string> } = {}) {
    const headers: Record<string, string> = { accept: 'text/html', ...options.headers, ...init.headers };
    if (cookie) headers.cookie = cookie;
    const response = await request(`${baseUrl}${path}`, { method, headers, body: init.body });
    const text = await response.body.text();
    const raw = response.headers['set-cookie'];
    const setCookie = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
    for (const line of setCookie) {
      const [pair] = line.split(';');
      if (pair?.startsWith('pt_console=')) cookie = pair.endsWith('=') ? undefined : pair;
    }
    const location = response.headers.location;
    return { status: response.statusCode, headers: response.headers, text, location: location as string | undefined, setCookie };
  }

  return {
    get: (path: string, headers?: Record<string, string>) => call('GET', path, { headers }),
    /** A form POST with this console's Origin (unless `headers` replace it). */
    post: (path: string, form: Record<string, string>, headers?: Record<string, string>) =>
      call('POST', path, {
        body: new URLSearchParams(form).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin, ...headers },
      }),
    async signIn(apiKey: string) {
      return this.post('/console/sign-in', { api_key: apiKey });
    },
    /** The CSRF token the pages of this session carry. */
    async csrf(): Promise<string> {
      const page = await call('GET', '/console/payments');
      const token = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1];
      if (!token) throw new Error(`no CSRF token on the page (status ${page.status})`);
      return token;
    },
    get cookie() {
      return cookie;
    },
    set cookie(value: string | undefined) {
      cookie = value;
    },
  };
}
