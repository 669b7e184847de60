import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { buildTestApp } from '../../../test/support/app.js';
import { metaSchema, readinessSchema } from '../../contract/health.js';
import { routesOf } from './route-table.js';
import { compileResponseSchema, responseSerializerCompiler } from './serializer.js';

const accountSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    roles: z.array(z.enum(['admin', 'read'])),
    lastLogin: z.number().nullable(),
    note: z.string().optional(),
  })
  .meta({ id: 'AccountProbe' });

function serializers(schema: z.ZodType) {
  const route = { schema, method: 'GET', url: '/x', httpStatus: '200' };
  return {
    production: responseSerializerCompiler('production')(route),
    test: responseSerializerCompiler('test')(route),
  };
}

describe('response serialization', () => {
  it('writes the same JSON in production as the validating serializer does', () => {
    const samples: [z.ZodType, unknown][] = [
      [accountSchema, { id: 'u1', name: 'سارة', roles: ['admin'], lastLogin: null }],
      [accountSchema, { id: 'u2', name: 'a"b\\c\n', roles: [], lastLogin: 1700000000000, note: '' }],
      [metaSchema, { name: 'diwan', version: '1.2.3', apiVersion: 'v1' }],
      [
        readinessSchema,
        { status: 'fail', checks: { database: { status: 'fail', durationMs: 1.5, detail: 'unreachable' } } },
      ],
    ];
    for (const [schema, data] of samples) {
      const { production, test } = serializers(schema);
      expect(JSON.parse(production(data))).toEqual(JSON.parse(test(data)));
      expect(JSON.parse(production(data))).toEqual(data);
    }
  });

  it('never writes a property the schema does not declare, in any environment', () => {
    const { production, test } = serializers(accountSchema);
    const leaky = { id: 'u1', name: 'x', roles: [], lastLogin: null, passwordHash: '$argon2id$secret' };
    expect(production(leaky)).not.toContain('passwordHash');
    expect(test(leaky)).not.toContain('passwordHash');
  });

  it('refuses a response that breaks its contract outside production', () => {
    const { test } = serializers(accountSchema);
    expect(() => test({ id: 'u1', name: 'x', roles: ['root'], lastLogin: null })).toThrow();
  });

  it("compiles every route's response schemas (production compiles each on its first answer)", async () => {
    const testApp = await buildTestApp();
    try {
      const schemas = new Set(routesOf(testApp.app).flatMap((route) => Object.values(route.responses)));
      expect(schemas.size).toBeGreaterThan(30);
      for (const schema of schemas) {
        expect(schema).toBeInstanceOf(z.ZodType);
        expect(typeof compileResponseSchema(schema as z.ZodType)).toBe('function');
      }
    } finally {
      await testApp.close();
    }
  });
});
