// Opens many sessions through the real HTTP ingest (POST /v1/sessions with the ingest key), with a
// bounded number of keep-alive connections, from a process of its own: the server under test keeps
// its event loop (and the machine's other core) to itself. Loopback only.
//   node --import tsx test/web/open-sessions.ts <base url> <ingest key> <count> <concurrency>
// Prints one JSON line: { ids, ms } where ids[i] is the id of loadSessionBody(i)'s session.
import http from 'node:http';
import type { OpenSessionBody } from '../../src/core/input-schemas.ts';

const CLIENT_TYPES = ['representative', 'support_customer', 'presentation_attendee', 'push_agent', 'web'] as const;

/** Session `i` of the load: every client type, a third of users customers, hosts named by `i`. */
export function loadSessionBody(i: number): OpenSessionBody {
  const clientType = CLIENT_TYPES[i % CLIENT_TYPES.length]!;
  return {
    user: { id: `load-${i % 15_000}`, name: `Load User ${i % 15_000}`, type: i % 3 === 0 ? 'customer' : 'staff' },
    clientType,
    hostname: `load-host-${i}`,
    platform: { id: 'linux-64', name: 'Linux (x64)' },
    userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/134.0.0.0 Safari/537.36',
    view: { m: 'support', v: 'queue', t: `n|${i}` },
    ...(clientType === 'support_customer' && { customer: { lsid: `lsid-${i}` } }),
  };
}

async function main([baseUrl, key, countText, concurrencyText]: string[]) {
  const url = new URL(baseUrl!);
  if (url.hostname !== '127.0.0.1' && url.hostname !== 'localhost') throw new Error('loopback only');
  const count = Number(countText);
  const concurrency = Number(concurrencyText);
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const post = (body: string) =>
    new Promise<{ status: number; text: string }>((resolve, reject) => {
      const request = http.request(
        {
          host: url.hostname,
          port: url.port,
          path: '/v1/sessions',
          method: 'POST',
          agent,
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (response) => {
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => (text += chunk));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
        },
      );
      request.on('error', reject);
      request.end(body);
    });
  const ids = new Array<number>(count);
  let next = 0;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        const { status, text } = await post(JSON.stringify(loadSessionBody(i)));
        if (status !== 201) throw new Error(`session ${i}: ${status} ${text}`);
        ids[i] = (JSON.parse(text) as { id: number }).id;
      }
    }),
  );
  agent.destroy();
  process.stdout.write(`${JSON.stringify({ ids, ms: Date.now() - started })}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
