/** The example bundle's own policy tests, run in-process through the runner `callgate test` uses. */
import path from 'node:path';
import { loadConfig } from '../../../src/config/load-config';
import { parseOptionsOf } from '../../../src/app';
import { runPolicyTests } from '../../../src/policy-tests/run-policy-tests';
import { renderHuman } from '../../../src/policy-tests/render-test-report';

const root = path.join(__dirname, '../../..');

it('every example case passes and every policy decides one of them', async () => {
  const config = loadConfig({ env: {} });
  const run = await runPolicyTests(path.join(root, 'policies'), { identity: config.identity, parseOptions: parseOptionsOf(config), hrtime: () => process.hrtime.bigint() });
  if (run.kind === 'problems') throw new Error(JSON.stringify(run.problems, null, 2));
  const failed = run.results.filter((r) => !r.passed);
  expect(failed.length === 0 ? 'all passed' : renderHuman(run, { dir: 'policies', coverage: true })).toBe('all passed');
  expect(run.coverage.uncovered).toEqual([]);
  expect(run.coverage.percent).toBe(100);
});
