/** Test-file reading: exact JSON input text, defaults, and problems located by file:line:column. */
import { parseTestFile } from '../../../src/policy-tests/read-test-files';

const file = 'tests/t.yaml';

describe('parseTestFile', () => {
  it('keeps numbers as written, so decimals reach the call parser exactly', () => {
    const text = [
      'defaults: { server: payments, protocol: http }',
      'cases:',
      '  - name: refund',
      '    function: payments.refund',
      '    input: { amount: 120.50, n: 7, big: 12345678901234567890, nested: [1.0, { x: -0.25e1 }], s: "1.50", none: null, flag: true }',
      '    expect: { decision: deny, policies: [] }',
    ].join('\n');
    const { cases, problems } = parseTestFile(file, text);
    expect(problems).toEqual([]);
    expect(cases[0]?.inputJson).toBe('{"amount":120.50,"n":7,"big":12345678901234567890,"nested":[1.0,{"x":-0.25e1}],"s":"1.50","none":null,"flag":true}');
    expect(cases[0]?.spec).toMatchObject({ server: 'payments', protocol: 'http', function: 'payments.refund' });
    expect(cases[0]?.line).toBe(3);
  });

  it('gives an empty object for a case without input and locates inherited fields in defaults', () => {
    const text = ['defaults:', '  server: tools', '  caller: { principal: \'User::"a"\' }', 'cases:', '  - name: ping', '    function: "mcp:ping"', '    expect: { decision: allow, policies: [p] }'].join('\n');
    const { cases } = parseTestFile(file, text);
    expect(cases[0]?.inputJson).toBe('{}');
    expect(cases[0]?.locate(['caller', 'principal'])).toEqual({ line: 3, column: 13 });
    expect(cases[0]?.locate(['function'])).toEqual({ line: 6, column: 5 });
  });

  it('refuses values JSON cannot hold, at their line', () => {
    const text = ['cases:', '  - name: inf', '    server: s', '    function: f', '    input:', '      x: .inf', '    expect: { decision: deny, policies: [] }'].join('\n');
    const { problems } = parseTestFile(file, text);
    expect(problems).toEqual([{ code: 'test-file', file, line: 5, column: 5, message: 'cases[0].input: numbers must be finite (JSON has no .inf or .nan)' }]);
  });

  it('reports every shape problem with its position', () => {
    const text = [
      'cases:',
      '  - name: one',
      '    function: f',
      '    caller: { principal: alice }',
      '    expect: { decision: allow, policies: [p], reason: nope }',
      '  - name: two',
      '    server: s',
      '    function: f',
      '    expect: { decision: deny, policies: [], obligations: { mask: [pan] }, code: ERR_NOPE }',
      'extra: 1',
    ].join('\n');
    const { problems } = parseTestFile(file, text);
    const shown = problems.map((p) => `${p.line}:${p.column} ${p.message}`);
    expect(shown).toEqual(
      expect.arrayContaining([
        '10:1 extra: unknown key "extra"',
        '4:15 cases[0].caller.principal: must be an entity uid like User::"alice"',
        '5:47 cases[0].expect.reason: reason applies to a deny only',
        '9:75 cases[1].expect.code: is not a callgate reason code (see README "Reason codes")',
        '9:45 cases[1].expect.obligations: obligations apply to an allow only',
      ]),
    );
  });

  it('reports YAML syntax and duplicate keys', () => {
    expect(parseTestFile(file, 'cases:\n  - name: a\n    name: b\n').problems[0]).toMatchObject({ code: 'yaml', line: 3 });
  });

  it('requires a server for every case', () => {
    const { problems } = parseTestFile(file, 'cases:\n  - name: a\n    function: f\n    expect: { decision: deny, policies: [] }\n');
    expect(problems.map((p) => p.message)).toEqual(['cases[0]: server is required (in the case or in defaults)']);
  });
});
