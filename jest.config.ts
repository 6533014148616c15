// Jest: unit specs beside the code, e2e suites in test/ (once against the configured
// servers, and sessions once more against the embedded mode), one TypeScript transform.
import type { Config } from 'jest';

const base = {
  testEnvironment: 'node',
  rootDir: '.',
  moduleFileExtensions: ['js', 'json', 'ts'],
  transform: {
    '^.+\\.[tj]s$': [
      'ts-jest',
      { tsconfig: { allowJs: true, isolatedModules: true } },
    ],
  },
  // content-disposition and jose ship ESM that ts-jest must compile like our own code.
  transformIgnorePatterns: ['/node_modules/(?!(content-disposition|jose)/)'],
} satisfies Config;

const e2e = {
  ...base,
  // Finds or starts the PostgreSQL and Redis the suites use; see test/helpers/test-services.ts.
  globalSetup: '<rootDir>/test/helpers/global-setup.ts',
  globalTeardown: '<rootDir>/test/helpers/global-teardown.ts',
  setupFilesAfterEnv: ['<rootDir>/test/helpers/openapi-contract.setup.ts'],
} satisfies Config;

const config: Config = {
  testTimeout: 30_000,
  projects: [
    {
      ...base,
      displayName: 'unit',
      testMatch: ['<rootDir>/src/**/*.spec.ts'],
    },
    {
      ...e2e,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
    },
    {
      ...e2e,
      displayName: 'e2e-embedded',
      testMatch: ['<rootDir>/test/sessions.e2e-spec.ts'],
      setupFiles: ['<rootDir>/test/helpers/use-embedded-database.ts'],
    },
  ],
};

export default config;
