// An HTTP proxy on 127.0.0.1 between the SDK and moto that misbehaves like a flaky network or
// a throttling S3. It drops connections, responds with 500 or 503 SlowDown, and cuts response
// bodies short, for a seeded share of requests. `respond` lets a test return its own responses.

import {
  createServer,
  request,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomGenerator } from '../../src/sample/generator.js';

export type Fault = 'drop' | 'error500' | 'slowDown503' | 'truncate';

export interface CannedResponse {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body: string;
}

export interface FaultProxyOptions {
  /** The server requests go to, such as moto's `http://127.0.0.1:PORT`. */
  readonly target: string;
  /** Share of requests that get a fault, 0 to 1. @default 0 */
  readonly faultRate?: number;
  /** Faults to choose from. @default all four */
  readonly faults?: readonly Fault[];
  /** Faults in a row at most, so the SDK's retries get through. @default 2 */
  readonly maxConsecutive?: number;
  /** @default 1 */
  readonly seed?: number;
  /** Returns a response to send instead of forwarding the request, or null to forward it. */
  readonly respond?: (method: string, url: string) => CannedResponse | null;
}

export interface FaultProxy {
  readonly endpoint: string;
  /** Requests seen, and faults injected by kind. */
  readonly counts: Record<Fault | 'requests' | 'canned', number>;
  /** Every request as `METHOD URL`, in arrival order. */
  readonly requests: string[];
  stop(): Promise<void>;
}

const ALL_FAULTS: readonly Fault[] = ['drop', 'error500', 'slowDown503', 'truncate'];
const CUT_DELAY_MS = 250;

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const target = new URL(options.target);
  const random = randomGenerator(options.seed ?? 1);
  const faults = options.faults ?? ALL_FAULTS;
  const counts = { requests: 0, canned: 0, drop: 0, error500: 0, slowDown503: 0, truncate: 0 };
  const requests: string[] = [];
  let consecutive = 0;

  const pickFault = (): Fault | null => {
    const hit = random() < (options.faultRate ?? 0) && consecutive < (options.maxConsecutive ?? 2);
    consecutive = hit ? consecutive + 1 : 0;
    return hit ? faults[Math.floor(random() * faults.length)] : null;
  };

  const server = createServer((req, res) => {
    counts.requests++;
    requests.push(`${req.method} ${req.url}`);
    const canned = options.respond?.(req.method ?? 'GET', req.url ?? '/');
    if (canned) {
      counts.canned++;
      req.resume();
      res.writeHead(canned.status, { 'content-type': 'application/xml', ...canned.headers });
      res.end(canned.body);
      return;
    }

    const fault = pickFault();
    if (fault) counts[fault]++;
    if (fault === 'drop') {
      req.socket.destroy();
      return;
    }
    if (fault === 'error500' || fault === 'slowDown503') {
      req.resume();
      const [status, code] = fault === 'error500' ? [500, 'InternalError'] : [503, 'SlowDown'];
      res.writeHead(status, { 'content-type': 'application/xml' });
      res.end(errorXml(code, 'injected by the test proxy'));
      return;
    }
    forward(req, target, (upstream) => {
      res.writeHead(upstream.statusCode ?? 502, upstream.headers);
      if (fault !== 'truncate') {
        upstream.pipe(res);
        return;
      }
      cutShort(upstream, res, Number(upstream.headers['content-length'] ?? 0));
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { endpoint: `http://127.0.0.1:${port}`, counts, requests, stop: () => close(server) };
}

export function errorXml(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>TEST</RequestId></Error>`;
}

function forward(req: IncomingMessage, target: URL, onResponse: (r: IncomingMessage) => void) {
  const upstream = request(
    {
      host: target.hostname,
      port: target.port,
      method: req.method,
      path: req.url,
      headers: req.headers,
    },
    onResponse,
  );
  upstream.on('error', () => req.socket.destroy());
  req.pipe(upstream);
}

/**
 * Sends about half the body, then drops the connection a moment later. The pause lets the client
 * hand the response to its caller first, so the break hits a body being read.
 */
function cutShort(upstream: IncomingMessage, res: ServerResponse, length: number) {
  let sent = 0;
  const limit = Math.floor(length / 2);
  const drop = () => setTimeout(() => res.socket?.destroy(), CUT_DELAY_MS);
  upstream.on('data', (chunk: Buffer) => {
    if (sent >= limit) return;
    const part = chunk.subarray(0, limit - sent);
    sent += part.length;
    res.write(part, () => {
      if (sent >= limit) drop();
    });
  });
  upstream.on('end', () => {
    if (sent < limit) drop();
  });
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}
