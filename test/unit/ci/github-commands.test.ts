import { escapeCommandData, escapeCommandProperty, formatAnnotation } from '../../../src/ci/github-commands';

describe('GitHub workflow commands', () => {
  it('escapes %, CR and LF in messages and also : and , in properties', () => {
    expect(escapeCommandData('100% sure\r\nnext: a, b')).toBe('100%25 sure%0D%0Anext: a, b');
    expect(escapeCommandProperty('dir/a:b,c%.cedar\n')).toBe('dir/a%3Ab%2Cc%25.cedar%0A');
  });

  it('escapes % first, so an existing escape sequence in the text survives the round trip', () => {
    expect(escapeCommandData('%0A')).toBe('%250A');
  });

  it('writes file, line, col and title as properties and leaves out the absent ones', () => {
    expect(formatAnnotation({ level: 'error', file: 'policies/p.cedar', line: 3, column: 8, title: 'callgate: bad, very', message: 'two\nlines' })).toBe(
      '::error file=policies/p.cedar,line=3,col=8,title=callgate%3A bad%2C very::two%0Alines',
    );
    expect(formatAnnotation({ level: 'warning', message: 'plain' })).toBe('::warning::plain');
  });
});
