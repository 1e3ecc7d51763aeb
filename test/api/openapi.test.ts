// The OpenAPI document against the routes the app really has. Every route registered on the app (seen
// by an onRoute hook installed before any other) must be in /openapi.json with its answers declared,
// so a route added later without a schema fails here. And /docs serves the interactive page.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { RouteOptions } from 'fastify';
import packageJson from '../../package.json' with { type: 'json' };
import { DOCS_PREFIX, documentPath } from '../../src/api/openapi.ts';
import { loadConfig } from '../../src/config/load.ts';
import { createRollcall, type Rollcall } from '../../src/server/compose.ts';
import { request } from '../helpers/http.ts';
import { TEST_ADMIN_PASSWORD, TEST_INGEST_KEY, TEST_TOKEN_SECRET } from '../helpers/server.ts';

interface Operation {
  operationId?: string;
  tags?: string[];
  summary?: string;
  description?: string;
  parameters?: { in: string; name: string }[];
  security?: Record<string, string[]>[];
  responses: Record<string, { description: string; content?: Record<string, { schema?: Record<string, unknown> }> }>;
}
type OpenApiDocument = {
  openapi: string;
  info: { title: string; version: string; license?: { name: string; identifier?: string; url?: string } };
  servers?: { url: string; description?: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, unknown> };
};

const routes: { method: string; url: string }[] = [];
let rollcall: Rollcall;
let url: string;
let dataDir: string;
let document: OpenApiDocument;

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'rollcall-openapi-'));
  const config = loadConfig({
    flags: {
      port: 0,
      dataDir,
      ingestKey: TEST_INGEST_KEY,
      adminPassword: TEST_ADMIN_PASSWORD,
      tokenSecret: TEST_TOKEN_SECRET,
      logLevel: 'silent',
    },
  });
  rollcall = await createRollcall(config, {
    onRoute: (route: RouteOptions) => {
      for (const method of [route.method].flat()) routes.push({ method, url: route.url });
    },
  });
  await rollcall.app.listen({ port: 0, host: '127.0.0.1' });
  const address = rollcall.app.server.address();
  assert.ok(address && typeof address === 'object');
  url = `http://127.0.0.1:${address.port}`;
  const answer = await request(url, 'GET', '/openapi.json');
  assert.equal(answer.status, 200, answer.text);
  document = answer.json;
});
after(async () => {
  await rollcall.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Routes the document must hold: all but HEAD twins of GET routes and the docs page's own assets. */
const documentedRoutes = () => routes.filter((r) => r.method !== 'HEAD' && !r.url.startsWith(`${DOCS_PREFIX}/`));

/** Declared answers: not @fastify/swagger's placeholder for a route without response schemas. */
function declaresResponses(operation: Operation): boolean {
  const codes = Object.keys(operation.responses);
  if (codes.length === 0) return false;
  return !(codes.length === 1 && operation.responses['200']?.description === 'Default Response' && !operation.responses['200'].content);
}

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1, served without credentials, named after this version', () => {
    assert.equal(document.openapi, '3.1.0');
    assert.equal(document.info.title, 'rollcall');
    assert.equal(document.info.version, packageJson.version);
    assert.deepEqual(Object.keys(document.components.securitySchemes).sort(), ['basicAuth', 'bearerAuth']);
  });

  it('says where it is served and under which licence', () => {
    // Relative to wherever the document was fetched from: right behind any proxy, on any port.
    assert.deepEqual(
      document.servers?.map((s) => s.url),
      ['/'],
    );
    assert.deepEqual(document.info.license, { name: packageJson.license, identifier: packageJson.license });
  });

  it('gives every operation an operationId, unique, fit to name a function', () => {
    const ids: string[] = [];
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        assert.match(operation.operationId ?? '', /^[a-z][A-Za-z0-9]*$/, `${method} ${path}`);
        ids.push(operation.operationId!);
      }
    }
    assert.equal(new Set(ids).size, ids.length, `duplicates: ${ids.filter((id, i) => ids.indexOf(id) !== i).join(', ')}`);
    assert.equal(document.paths['/v1/sessions/{id}/heartbeat']?.post?.operationId, 'postV1SessionsByIdHeartbeat');
    assert.equal(document.paths['/api/command']?.get?.operationId, 'getApiCommand');
    assert.equal(document.paths['/api/command']?.post?.operationId, 'postApiCommand', 'one route, two methods, two ids');
  });

  it('names no file that does not exist', () => {
    // What looks like a file of the repository: a path with a folder (specs/INGEST.md, src/ingest/protocol.ts)
    // or a Markdown file; not a URL's path (/openapi.json) nor an asset's name (app.js).
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const files = /(?<![\w/.:-])((?:[\w-]+\/)+[\w.-]+\.(?:md|ts|js|mjs|json|ya?ml)|[\w-]+\.md)\b/g;
    const named = [...JSON.stringify(document).matchAll(files)].map((m) => m[1]!);
    assert.deepEqual(
      [...new Set(named)].filter((file) => !existsSync(join(root, file))),
      [],
    );
  });

  it('holds every route the app has, each with its answers declared', () => {
    const checked = documentedRoutes();
    assert.ok(checked.length >= 30, `the app lists its routes (${checked.length})`);
    const missing: string[] = [];
    const undeclared: string[] = [];
    for (const { method, url: routeUrl } of checked) {
      const operation = document.paths[documentPath(routeUrl)]?.[method.toLowerCase()];
      if (!operation) missing.push(`${method} ${routeUrl}`);
      else if (!declaresResponses(operation)) undeclared.push(`${method} ${routeUrl}`);
    }
    assert.deepEqual(missing, [], 'routes missing from /openapi.json (a schema with hide: true, or a route added before @fastify/swagger)');
    assert.deepEqual(undeclared, [], 'routes without response schemas');
  });

  it('lists nothing the app does not serve', () => {
    const served = new Set(documentedRoutes().map((r) => `${r.method.toLowerCase()} ${documentPath(r.url)}`));
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const method of Object.keys(operations)) assert.ok(served.has(`${method} ${path}`), `${method} ${path}`);
    }
  });

  it('names the routes the other parts of rollcall are built on', () => {
    const expected = [
      'get /v1/sessions',
      'get /v1/sessions/{id}',
      'delete /v1/sessions/{id}',
      'post /v1/sessions',
      'patch /v1/sessions/{id}',
      'post /v1/sessions/{id}/heartbeat',
      'post /v1/heartbeats',
      'get /v1/connect',
      'get /v1/users',
      'get /v1/users/{id}',
      'get /v1/stats',
      'get /v1/accounts',
      'post /v1/accounts',
      'get /v1/accounts/{username}',
      'delete /v1/accounts/{username}',
      'get /v1/keys',
      'post /v1/keys',
      'get /v1/keys/{id}',
      'delete /v1/keys/{id}',
      'get /healthz',
      'get /metrics',
      'get /openapi.json',
      'get /docs',
      'get /api/command',
      'post /api/command',
      'post /oauth2/token',
      'get /check_health',
      'get /api/users/usersonline',
      'get /api/v1/settings/users/active-users',
    ];
    for (const entry of expected) {
      const [method, path] = entry.split(' ') as [string, string];
      const operation = document.paths[path]?.[method];
      assert.ok(operation, entry);
      assert.ok(operation.tags && operation.tags.length > 0, `${entry} has a tag`);
      assert.ok(operation.summary, `${entry} has a summary`);
    }
  });

  it('declares the path parameters of every path and only known security schemes', () => {
    const schemes = new Set(Object.keys(document.components.securitySchemes));
    for (const [path, operations] of Object.entries(document.paths)) {
      const names = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      for (const [method, operation] of Object.entries(operations)) {
        const declared = (operation.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name);
        assert.deepEqual(declared.sort(), [...names].sort(), `${method} ${path}`);
        for (const requirement of operation.security ?? []) {
          for (const name of Object.keys(requirement)) assert.ok(schemes.has(name), `${method} ${path}: ${name}`);
        }
      }
    }
  });

  it('gives every answer of the v1 API a schema, and errors the v1 error shape', () => {
    for (const [path, operations] of Object.entries(document.paths)) {
      if (!path.startsWith('/v1/')) continue;
      for (const [method, operation] of Object.entries(operations)) {
        for (const [status, response] of Object.entries(operation.responses)) {
          const where = `${method} ${path} ${status}`;
          if (status === '204' || status === '101' || status === '304') {
            assert.equal(response.content, undefined, `${where} has no body`);
            continue;
          }
          // JSON mostly; the change stream answers text/event-stream.
          const media = Object.values(response.content ?? {});
          assert.ok(media.length > 0 && media.every((m) => m.schema), `${where} has a schema`);
          if (status.startsWith('4') || status.startsWith('5')) {
            const schema = response.content?.['application/json']?.schema;
            assert.deepEqual(Object.keys((schema?.properties as object) ?? {}), ['error'], where);
          }
        }
      }
    }
  });

  it('documents the sessions query and page as the dashboard uses them', () => {
    const operation = document.paths['/v1/sessions']!.get!;
    const query = (operation.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
    assert.deepEqual(query.sort(), ['cursor', 'limit', 'node', 'place', 'q', 'state', 'type', 'userId', 'userType'].sort());
    const page = operation.responses['200']!.content!['application/json']!.schema!;
    assert.deepEqual(Object.keys(page.properties as object).sort(), ['nextCursor', 'sessions', 'total']);
    assert.deepEqual(operation.security, [{ basicAuth: [] }, { bearerAuth: [] }]);
  });

  it('documents ending a session as an admin operation', () => {
    const operation = document.paths['/v1/sessions/{id}']!.delete!;
    assert.ok(operation.tags?.includes('admin'));
    assert.match(operation.description ?? '', /ended_by_admin/);
    assert.ok(operation.responses['204'] && operation.responses['403']);
  });
});

describe('/docs', () => {
  it('serves the interactive page as HTML without credentials, reading the same document', async () => {
    const page = await request(url, 'GET', DOCS_PREFIX);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(page.text, /swagger-ui/i);
    const initializer = await request(url, 'GET', `${DOCS_PREFIX}/static/swagger-initializer.js`);
    assert.equal(initializer.status, 200);
    const copy = await request(url, 'GET', `${DOCS_PREFIX}/json`);
    assert.equal(copy.status, 200);
    assert.deepEqual(copy.json, document);
  });
});
