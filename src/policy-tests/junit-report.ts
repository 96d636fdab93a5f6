/**
 * JUnit XML for CI (junit-report-builder does the XML and its escaping): one testsuite per test file, one
 * testcase per case (classname = the file, name = the case name), a failure carrying expected vs actual; with
 * a minimum coverage, one more testcase "policy coverage" that fails below it.
 */
import { join } from 'node:path';
import junit from 'junit-report-builder';
import { coverageOk, type ReportOptions } from './render-test-report';
import type { PolicyTestRun } from './run-policy-tests';

type Ran = Extract<PolicyTestRun, { kind: 'ran' }>;

export function buildJunitXml(run: Ran, options: ReportOptions): string {
  const builder = junit.newBuilder();
  for (const file of run.files) {
    const path = join(options.dir, file);
    const suite = builder.testSuite().name(path);
    for (const r of run.results.filter((x) => x.file === file)) {
      const tc = suite.testCase().className(path).name(r.name).file(path).time(r.seconds);
      if (!r.passed) {
        const text = r.mismatches.map((m) => `${m.field}: expected ${m.expected}, actual ${m.actual}`).join('\n');
        const why = r.actual.errors.length > 0 ? `\nwhy: ${r.actual.errors.join('; ')}` : '';
        tc.failure(`${path}:${r.line}: ${r.mismatches.map((m) => m.field).join(', ')} differ`, 'PolicyTestFailure').stacktrace(`${text}${why}`);
      }
    }
  }
  if (options.coverage || options.minCoverage !== undefined) {
    const c = run.coverage;
    const tc = builder.testSuite().name('policy coverage').testCase().className('policy coverage').name(`coverage ${c.percent}%`);
    if (!coverageOk(c, options.minCoverage)) {
      tc.failure(`coverage ${c.percent}% is below the minimum ${options.minCoverage}%`, 'PolicyCoverage').stacktrace(c.uncovered.map((p) => `not covered: ${p.id}`).join('\n'));
    }
  }
  return builder.build();
}
