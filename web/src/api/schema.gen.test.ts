// The API's types (schema.gen.ts) are generated from the API's own OpenAPI document (openapi.json,
// which tests/functional/test_openapi.py keeps equal to what the routes declare): a schema change
// that was not regenerated (`npm run api`) fails here.
import openapiTS, { astToString, COMMENT_HEADER, type OpenAPI3 } from 'openapi-typescript';
import { describe, expect, it } from 'vitest';

import documentText from './openapi.json?raw';
import committed from './schema.gen.ts?raw';

describe('generated API types', () => {
  it('are what openapi-typescript makes of the committed OpenAPI document', async () => {
    const fresh = COMMENT_HEADER + astToString(await openapiTS(JSON.parse(documentText) as OpenAPI3));
    expect(committed === fresh, 'web/src/api/schema.gen.ts is stale: run `npm run api` in web/').toBe(true);
  });
});
