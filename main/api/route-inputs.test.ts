import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestAppliance, type ApiClient, type TestAppliance } from '../../tests/support/appliance.js';

/**
 * Every number a request may carry is bounded by its route's schema, so an absurd value
 * (?page=9223372036854775808, an id past 2^31) is a 400 that says which field, never a 500
 * from the database. Enumerated from the server: new routes are covered automatically.
 */
interface JsonSchema {
  type?: string | string[];
  maximum?: number;
  enum?: unknown[];
  const?: unknown;
  exclusiveMaximum?: number;
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema | JsonSchema[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  additionalProperties?: JsonSchema | boolean;
  patternProperties?: Record<string, JsonSchema>;
}

function unboundedNumbers(schema: unknown, where: string, found: string[]): string[] {
  if (!schema || typeof schema !== 'object') return found;
  const s = schema as JsonSchema;
  const types = Array.isArray(s.type) ? s.type : s.type ? [s.type] : [];
  const bounded = s.maximum !== undefined || s.exclusiveMaximum !== undefined || s.enum !== undefined || s.const !== undefined;
  if ((types.includes('integer') || types.includes('number')) && !bounded) {
    found.push(where);
  }
  for (const [name, property] of Object.entries(s.properties ?? {})) unboundedNumbers(property, `${where}.${name}`, found);
  for (const [name, property] of Object.entries(s.patternProperties ?? {})) unboundedNumbers(property, `${where}[${name}]`, found);
  if (typeof s.additionalProperties === 'object') unboundedNumbers(s.additionalProperties, `${where}[*]`, found);
  const items = Array.isArray(s.items) ? s.items : s.items ? [s.items] : [];
  items.forEach((item) => unboundedNumbers(item, `${where}[]`, found));
  for (const branch of [...(s.anyOf ?? []), ...(s.oneOf ?? []), ...(s.allOf ?? [])]) unboundedNumbers(branch, where, found);
  return found;
}

describe('request inputs are bounded', () => {
  let app: TestAppliance;
  let admin: ApiClient;
  beforeAll(async () => {
    app = await createTestAppliance();
    admin = await app.client('admin');
  });
  afterAll(() => app.close());

  it('every integer and number in params, query and body has a maximum', () => {
    const found: string[] = [];
    for (const route of app.server.registeredRoutes) {
      if (!route.url.startsWith('/api')) continue;
      for (const part of ['params', 'querystring', 'body'] as const) {
        unboundedNumbers(route.schema[part], `${route.method} ${route.url} ${part}`, found);
      }
    }
    expect(found.join("\n")).toBe("");
  });

  it('answers 400 naming the field for huge page numbers and ids on every list and item route', async () => {
    const lists = app.server.registeredRoutes.filter((r) => r.method === 'GET' && r.url.startsWith('/api') && !r.url.includes(':'));
    let paged = 0;
    for (const route of lists) {
      const properties = (route.schema.querystring as JsonSchema | undefined)?.properties ?? {};
      for (const field of ['page', 'pageSize', 'limit', 'offset']) {
        if (!(field in properties)) continue;
        const response = await admin.get(`${route.url}?${field}=9223372036854775808`);
        expect(response.statusCode, `${route.url}?${field}`).toBe(400);
        expect(response.json().error.code).toBe('VALIDATION_FAILED');
        paged++;
      }
    }
    expect(paged).toBeGreaterThan(8);
    const items = app.server.registeredRoutes.filter(
      (r) => r.method === 'GET' && /\/:id$/.test(r.url) && (r.schema.params as JsonSchema | undefined)?.properties?.['id']?.type === 'integer',
    );
    expect(items.length).toBeGreaterThan(3);
    for (const route of items) {
      const response = await admin.get(route.url.replace(':id', '99999999999999999999'));
      expect(response.statusCode, route.url).toBe(400);
    }
  });
});
