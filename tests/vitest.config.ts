import { defineConfig } from 'vitest/config';

// Integration and browser tests. ctest runs each file as its own test (tests/CMakeLists.txt), so
// every file starts its own Redis and server on free ports and files never share state.
export default defineConfig({
  test: {
    include: ['integration/**/*.test.ts', 'browser/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 90_000,
    fileParallelism: false,
    // a browser page in the background, or a 2-core machine under load, can take a few seconds
    expect: { poll: { timeout: 10_000 } },
  },
});
