import base from './jest.config.js';
/** Browser suite: playwright-core driving Debian's Chromium against a server started by the test. */
export default { ...base, roots: ['<rootDir>/test/browser'], testMatch: ['**/*.browser-spec.ts'], testPathIgnorePatterns: ['/node_modules/'], testTimeout: 180000, forceExit: true };
