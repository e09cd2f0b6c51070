// The console's only way to the server: job-api's public /v1 with the tenant's API key.
// The key lives in sessionStorage (gone when the tab closes) and travels only in the
// Authorization header, never in a URL.

const KEY_SLOT = 'loraforge.apiKey';

export function apiKey() {
  return sessionStorage.getItem(KEY_SLOT);
}

export function signIn(key) {
  sessionStorage.setItem(KEY_SLOT, key);
}

export function signOut() {
  sessionStorage.removeItem(KEY_SLOT);
}

/** Checks a key before keeping it: resolves when /v1 accepts it, throws ApiError otherwise. */
export async function verifyKey(key) {
  const response = await fetch('v1/models', { headers: { Authorization: `Bearer ${key}` } });
  if (!response.ok) {
    let body = null;
    try {
      body = await response.json();
    } catch (_) {
      // not JSON
    }
    throw new ApiError(response.status, body);
  }
}

/** An answer of /v1 that is not 2xx: OpenAI's error envelope, unpacked. */
export class ApiError extends Error {
  constructor(status, body) {
    const e = (body && body.error) || {};
    super(e.message || `HTTP ${status}`);
    this.status = status;
    this.param = e.param || null;
    this.code = e.code || null;
    this.type = e.type || null;
  }
}

/** Listeners told when the key is refused (401), so the app can ask for it again. */
const unauthorizedListeners = [];
export function onUnauthorized(fn) {
  unauthorizedListeners.push(fn);
}

function headers(extra) {
  const h = new Headers(extra || {});
  const key = apiKey();
  if (key) h.set('Authorization', `Bearer ${key}`);
  return h;
}

async function check(response) {
  if (response.ok) return response;
  let body = null;
  try {
    body = await response.json();
  } catch (_) {
    // not JSON: the status says enough
  }
  const error = new ApiError(response.status, body);
  if (response.status === 401) unauthorizedListeners.forEach((fn) => fn(error));
  throw error;
}

/** A JSON call to /v1; body objects are sent as JSON. */
export async function call(method, path, body, extraHeaders) {
  const init = { method, headers: headers(extraHeaders) };
  if (body instanceof FormData) {
    init.body = body;
  } else if (body !== undefined) {
    init.headers.set('Content-Type', 'application/json');
    init.body = JSON.stringify(body);
  }
  const response = await check(await fetch(`v1${path}`, init));
  return response.status === 204 ? null : response.json();
}

export const get = (path) => call('GET', path);
export const post = (path, body, extraHeaders) => call('POST', path, body, extraHeaders);

/** A binary download (the adapter tar) as a Blob, with the file name the server suggests. */
export async function download(path) {
  const response = await check(await fetch(`v1${path}`, { headers: headers() }));
  const disposition = response.headers.get('Content-Disposition') || '';
  const match = /filename="([^"]+)"/.exec(disposition);
  return { blob: await response.blob(), filename: match ? match[1] : 'download.bin' };
}

/** A random Idempotency-Key (works outside secure contexts too, unlike crypto.randomUUID). */
export function idempotencyKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return 'console-' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Follows a Server-Sent Events stream of /v1 with fetch() (EventSource cannot send the
 * Authorization header). Reconnects after a dropped connection with Last-Event-ID, so no event is
 * seen twice or missed; a stream the server ends cleanly is over (the job ended) unless
 * shouldReconnect() says otherwise.
 *
 * @param path      e.g. /fine_tuning/jobs/ftjob-1/events/stream
 * @param onEvent   called with {id, event, data} per message (data parsed as JSON when it is)
 * @param options   {onState(state), shouldReconnect(): Promise<boolean>}
 * @returns a function that stops following
 */
export function followStream(path, onEvent, options = {}) {
  const controller = new AbortController();
  let lastEventId = null;
  let stopped = false;
  const state = (s) => options.onState && options.onState(s);

  async function once() {
    const h = headers({ Accept: 'text/event-stream' });
    if (lastEventId) h.set('Last-Event-ID', lastEventId);
    const response = await check(await fetch(`v1${path}`, { headers: h, signal: controller.signal }));
    state('live');
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    let message = { id: null, event: null, data: [] };
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let nl;
      while ((nl = buffer.search(/\r\n|\r|\n/)) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + (buffer.startsWith('\r\n', nl) ? 2 : 1));
        if (line === '') {
          if (message.data.length) {
            const text = message.data.join('\n');
            let data = text;
            try {
              data = JSON.parse(text);
            } catch (_) {
              // plain text data
            }
            if (message.id !== null) lastEventId = message.id;
            onEvent({ id: message.id, event: message.event || 'message', data });
          }
          message = { id: null, event: null, data: [] };
        } else if (!line.startsWith(':')) {
          const colon = line.indexOf(':');
          const field = colon < 0 ? line : line.slice(0, colon);
          let value = colon < 0 ? '' : line.slice(colon + 1);
          if (value.startsWith(' ')) value = value.slice(1);
          if (field === 'data') message.data.push(value);
          else if (field === 'id') message.id = value;
          else if (field === 'event') message.event = value;
        }
      }
    }
  }

  (async () => {
    let delay = 1000;
    while (!stopped) {
      try {
        await once();
        delay = 1000;
        if (stopped) break;
        const again = options.shouldReconnect ? await options.shouldReconnect() : false;
        if (!again) break;
      } catch (error) {
        if (stopped || error.name === 'AbortError') break;
        if (error instanceof ApiError && error.status < 500) {
          state('error: ' + error.message);
          return;
        }
        state('reconnecting');
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 15000);
      }
    }
    if (!stopped) state('ended');
  })();

  return () => {
    stopped = true;
    controller.abort();
  };
}
