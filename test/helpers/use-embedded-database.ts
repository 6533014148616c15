// Jest setup of the `e2e-embedded` project: the same suites, against the embedded mode.
process.env.E2E_DATABASE = 'embedded';
