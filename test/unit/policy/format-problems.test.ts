import { formatProblems } from '../../../src/policy/format-problems';

describe('formatProblems', () => {
  it('renders file:line:col: message (help), one per line', () => {
    const text = formatProblems([
      { code: 'validation', file: 'a/b.cedar', line: 3, column: 7, message: 'bad type', help: 'use a Long' },
      { code: 'entities', file: 'entities.json', message: 'invalid JSON' },
      { code: 'validation', message: 'schema failed' },
    ]);
    expect(text).toBe('a/b.cedar:3:7: bad type (use a Long)\nentities.json: invalid JSON\n<bundle>: schema failed');
  });
});
