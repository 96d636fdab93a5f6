import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as keys from '../../../src/config/keys';
import * as errors from '../../../src/errors';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { tables, render } = require('../../../scripts/readme-tables.js') as {
  tables(sources: object): Record<string, string>;
  render(readme: string, generated: Record<string, string>): string;
};

const root = path.join(__dirname, '../../..');

describe('README', () => {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');

  it('opens with the command that runs callgate and the command that runs the tests', () => {
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    expect(firstBlock).toContain('npm start');
    expect(firstBlock).toContain('npm test');
    expect(readme.indexOf('```sh')).toBeLessThan(200);
  });

  it('has configuration and reason-code tables in sync with the code (run scripts/readme-tables.js)', () => {
    expect(render(readme, tables({ ...keys, ...errors }))).toBe(readme);
  });

  it('runs the same test command in CI as the README gives', () => {
    const ci = readFileSync(path.join(root, '.ci/run'), 'utf8');
    expect(ci).toMatch(/^npm test\b/m);
  });
});
