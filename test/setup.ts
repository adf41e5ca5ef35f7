import { afterEach, expect } from 'vitest';

// An unexpected process warning (a listener leak, a deprecation, an unhandled rejection turned
// warning) fails the test that raised it, as multicast-dns's tests do.
const warnings: Error[] = [];
process.on('warning', (warning) => warnings.push(warning));

afterEach(() => {
  const raised = warnings.splice(0).map((warning) => `${warning.name}: ${warning.message}`);
  expect(raised, 'process warnings during the test').toEqual([]);
});
