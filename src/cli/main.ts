/**
 * The `callgate` command line. Every config key is also a flag (`--listen-grpc`) and an env var
 * (`CALLGATE_LISTEN_GRPC`); see src/config/keys.ts. Exit codes: 0 ok, 1 problems found (validate),
 * 2 usage or configuration error, 3 startup failure.
 */
import { writeFile } from 'node:fs/promises';
import { Command, CommanderError, Option } from 'commander';
import { CONFIG_KEYS, envNameOf, flagNameOf } from '../config/keys';
import { ConfigError } from '../config/load-config';
import { BundleInvalidError } from '../app';
import { runServe } from './serve';
import type { runSchemaFromMcp } from './schema-from-mcp';
import { PROBLEM_FORMATS, type ProblemFormat } from '../policy/format-problems';
import { DEFAULT_FAIL_ON, FAIL_ON, IMPACT_FORMATS, runImpact, type ImpactOptions } from './impact';
import type { TestOptions } from './test';
import type { ExplainOptions } from './explain';

export const EXIT = { ok: 0, problems: 1, usage: 2, startup: 3 } as const;

// Each command's module is required when that command runs, so `serve` starts without loading the others.

function buildProgram(setExit: (code: number) => void, hooks: CliHooks): Command {
  const program = new Command('callgate')
    .description('Policy-as-code gate for function calls: Envoy ext_authz service deciding calls with Cedar')
    .exitOverride()
    .showHelpAfterError();

  const serve = program
    .command('serve')
    .description('serve Envoy ext_authz (gRPC) and the admin HTTP port')
    .option('-c, --config <file>', 'YAML config file (keys below; flags and env vars override it)');
  for (const key of CONFIG_KEYS) {
    serve.option(`--${flagNameOf(key.path)} <value>`, `${key.help} [${envNameOf(key.path)}] (default: ${JSON.stringify(key.default)})`);
  }
  serve.action(async (opts: Record<string, string | undefined>) => {
    const flags: Record<string, string> = {};
    for (const key of CONFIG_KEYS) {
      const v = opts[camel(flagNameOf(key.path))];
      if (v !== undefined) flags[key.path] = v;
    }
    await runServe({ file: opts.config, env: process.env, flags }, hooks.onServing);
  });

  program
    .command('validate')
    .description('validate a policy bundle (parse, strict schema validation, @id and obligation rules); exit 0 ok, 1 problems, 2 usage')
    .argument('[dir]', 'bundle directory', './policies')
    .addOption(new Option('--format <format>', 'human (file:line:col lines), json (one object on stdout) or github (workflow annotations on stdout)').choices(PROBLEM_FORMATS).default('human'))
    .action(async (dir: string, opts: { format: ProblemFormat }) => {
      const { runValidate } = require('./validate') as typeof import('./validate');
      const result = await runValidate(dir, { format: opts.format });
      (result.ok || opts.format !== 'human' ? process.stdout : process.stderr).write(`${result.output}\n`);
      setExit(result.ok ? EXIT.ok : EXIT.problems);
    });
  program
    .command('fmt')
    .description("format the bundle's *.cedar files with Cedar's formatter; exit 0 formatted, 1 unformatted or unparsable files, 2 usage")
    .argument('[dir]', 'bundle directory', './policies')
    .addOption(new Option('--check', 'list the files that are not formatted and exit 1 if any (the default)').conflicts('write'))
    .addOption(new Option('--write', 'rewrite the files that are not formatted'))
    .action(async (dir: string, opts: { check?: boolean; write?: boolean }) => {
      const { runFmt } = require('./fmt') as typeof import('./fmt');
      const result = await runFmt(dir, opts.write === true ? 'write' : 'check');
      if (result.output !== '') process.stdout.write(`${result.output}\n`);
      process.stderr.write(`${result.diagnostics}\n`);
      setExit(result.ok ? EXIT.ok : EXIT.problems);
    });
  program
    .command('test')
    .description("run the bundle's policy tests (DIR/tests/*.yaml, docs/policy-tests.md) through serve's own pipeline; exit 0 all pass, 1 failures or coverage below --min-coverage, 2 invalid bundle, test file or usage")
    .argument('[dir]', 'bundle directory', './policies')
    .option('--coverage', 'report which policies decided no passing case, and the percentage')
    .option('--min-coverage <percent>', 'fail (exit 1) when policy coverage is below this percentage (0-100)')
    .option('--junit <file>', 'also write a JUnit XML report to this file')
    .addOption(new Option('--format <format>', 'human (PASS/FAIL per case, expected vs actual), json (one object on stdout) or github (human plus workflow annotations at each failing case and uncovered policy)').choices(['human', 'json', 'github']).default('human'))
    .option('-c, --config <file>', 'callgate config file whose identity.mapping and limits apply (CALLGATE_* env vars too), as in serve')
    .action(async (dir: string, opts: TestOptions) => {
      const { runTest } = require('./test') as typeof import('./test');
      const result = await runTest(dir, opts);
      if (result.stdout !== '') process.stdout.write(`${result.stdout}\n`);
      if (result.stderr !== '') process.stderr.write(`${result.stderr}\n`);
      setExit(result.exitCode);
    });
  program
    .command('explain')
    .description('decide one request with the bundle and say why: decision, deciding policies (file:line, @reason), obligations, errors; exit 0 explained, 1 the case file expect is not met, 2 usage or invalid input')
    .argument('[dir]', 'bundle directory', './policies')
    .option('--case <file>', 'YAML file holding one case in the test-file shape (expect optional); replaces the flags below')
    .option('--principal <uid>', 'caller entity, e.g. User::"alice" (in entities.json, or give --groups)')
    .option('--groups <list>', 'comma-separated groups of the principal (declares it inline)')
    .option('--claims <json>', 'caller as verified token claims, mapped as serve maps them (instead of --principal)')
    .addOption(new Option('--kind <kind>', 'expected caller kind (checked)').choices(['human', 'service', 'agent', 'anonymous']))
    .option('--on-behalf-of <uid>', 'for an Agent principal: the User it acts for')
    .option('--on-behalf-of-groups <list>', "comma-separated groups of that user")
    .option('--function <name>', 'the function (Cedar action id), e.g. payments.refund or mcp:tools/list')
    .option('--server <id>', 'the Server entity id hosting the function')
    .addOption(new Option('--protocol <protocol>', 'how the call arrives').choices(['http', 'mcp']).default('http'))
    .option('--input <json>', 'the arguments as a JSON object (numbers kept as written: 120.50 is a decimal)', '{}')
    .option('--approved', 'decide with context.approval.granted = true')
    .option('--approver <name>', 'context.approval.approver')
    .option('--time <iso>', 'the time the request is decided at (default 2026-01-05T12:00:00Z)')
    .addOption(new Option('--format <format>', 'human (in words) or json').choices(['human', 'json']).default('human'))
    .option('-c, --config <file>', 'callgate config file whose identity.mapping and limits apply (CALLGATE_* env vars too), as in serve')
    .action(async (dir: string, opts: ExplainOptions) => {
      const { runExplain } = require('./explain') as typeof import('./explain');
      const result = await runExplain(dir, opts);
      if (result.stdout !== '') process.stdout.write(`${result.stdout}\n`);
      if (result.stderr !== '') process.stderr.write(`${result.stderr}\n`);
      setExit(result.exitCode);
    });
  const schema = program.command('schema').description('generate Cedar schema declarations (functions with a typed context.input) from the functions themselves');
  const schemaCommands: readonly (readonly [string, string, () => typeof runSchemaFromMcp])[] = [
    ['from-mcp', 'an MCP tools/list result ({"tools": [...]}, the JSON-RPC response, or a JSON array of them, one per page)', () => (require('./schema-from-mcp') as typeof import('./schema-from-mcp')).runSchemaFromMcp],
    ['from-openapi', 'an OpenAPI 3.0/3.1 document (JSON or YAML; operations named by operationId, input from the JSON request body)', () => (require('./schema-from-openapi') as typeof import('./schema-from-openapi')).runSchemaFromOpenApi],
  ];
  for (const [name, what, loadRun] of schemaCommands) {
    schema
      .command(name)
      .description(`Cedar schema text from ${what}; constructs Cedar cannot express are listed on stderr with their JSON pointer; exit 0 written, 1 constructs not expressible (without --allow-partial), 2 unreadable input or usage`)
      .argument('<file>', 'the source document')
      .option('--allow-partial', 'write the schema without the constructs that cannot be expressed (still listed on stderr and as comments)')
      .option('--group <name>', 'an action group every generated function joins (e.g. the server name)')
      .option('-o, --output <file>', 'write the schema to this file instead of stdout')
      .action(async (file: string, opts: { allowPartial?: boolean; group?: string; output?: string }) => {
        const result = await loadRun()(file, { allowPartial: opts.allowPartial === true, ...(opts.group === undefined ? {} : { group: opts.group }) });
        if (result.schema !== undefined) {
          if (opts.output === undefined) process.stdout.write(result.schema);
          else await writeFile(opts.output, result.schema, 'utf8');
        }
        if (result.diagnostics !== '') process.stderr.write(`${result.diagnostics}\n`);
        setExit(result.exitCode);
      });
  }
  program
    .command('impact')
    .description(
      'replay recorded decisions (audit files) against a base and a head bundle through the same pipeline as serve; list every change (deny→allow, allow→deny, deciding policies, obligations) and the calls a masked argument makes undecidable; exit 0 ok, 1 a --fail-on change, 2 usage or invalid bundle',
    )
    .requiredOption('--base <dir>', 'bundle before the change (e.g. the target branch)')
    .requiredOption('--head <dir>', 'bundle after the change (the pull request)')
    .requiredOption('--decisions <files...>', 'audit files (written by audit.sink=file or stdout) whose decisions are replayed')
    .addOption(new Option('--format <format>', 'human, markdown (a pull-request comment) or json').choices(IMPACT_FORMATS).default('human'))
    .option('--fail-on <kinds>', `comma-separated: ${FAIL_ON.join(', ')}`, DEFAULT_FAIL_ON)
    .option('-c, --config <file>', 'callgate config file whose identity.mapping and limits apply (CALLGATE_* env vars too), as in serve')
    .action(async (opts: ImpactOptions) => {
      const result = await runImpact(opts);
      if (result.stdout !== '') process.stdout.write(`${result.stdout}\n`);
      if (result.stderr !== '') process.stderr.write(`${result.stderr}\n`);
      setExit(result.exitCode);
    });
  program
    .command('audit')
    .description('audit trail tools')
    .command('verify')
    .description(
      'verify audit files given in the order written (rotated files oldest first, the active file last): reports edited, removed, reordered and truncated records, and checkpoints that do not match or are signed by another key; exit 0 intact, 1 tampered',
    )
    .argument('<files...>', 'audit files written by audit.sink=file')
    .option('--public-key <pem>', 'Ed25519 public key (PEM) that must have signed every checkpoint; with it, missing checkpoints are reported too')
    .action((files: string[], opts: { publicKey?: string }) => {
      const { runAuditVerify } = require('./audit-verify') as typeof import('./audit-verify');
      const result = runAuditVerify(files, opts.publicKey === undefined ? {} : { publicKey: opts.publicKey });
      (result.ok ? process.stdout : process.stderr).write(`${result.output}\n`);
      setExit(result.ok ? EXIT.ok : EXIT.problems);
    });
  return program;
}

function camel(flag: string): string {
  return flag.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** What the caller of runCli (bin/callgate.js) hooks into. */
export interface CliHooks {
  /** Called once `serve` serves (both ports bound, the bundle installed): bin/callgate.js sets its serving V8 flags. */
  readonly onServing?: () => void;
}

export function runCli(argv: readonly string[], hooks: CliHooks = {}): void {
  let exitCode: number = EXIT.ok;
  const program = buildProgram((code) => {
    exitCode = code;
  }, hooks);
  program.parseAsync([...argv], { from: 'user' }).then(
    () => {
      if (exitCode !== EXIT.ok) process.exitCode = exitCode;
    },
    (err: unknown) => {
      if (err instanceof CommanderError) {
        process.exitCode = err.exitCode === 0 ? EXIT.ok : EXIT.usage;
        return;
      }
      if (err instanceof ConfigError) {
        process.stderr.write(`callgate: ${err.message}\n`);
        process.exitCode = EXIT.usage;
        return;
      }
      if (err instanceof BundleInvalidError) {
        process.stderr.write(`callgate: ${err.message}\n`);
        process.exitCode = EXIT.startup;
        return;
      }
      process.stderr.write(`callgate: ${(err as Error).message ?? String(err)}\n`);
      process.exitCode = EXIT.startup;
    },
  );
}
