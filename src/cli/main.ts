/**
 * The `callgate` command line. Every config key is also a flag (`--listen-grpc`) and an env var
 * (`CALLGATE_LISTEN_GRPC`); see src/config/keys.ts. Exit codes: 0 ok, 1 problems found (validate),
 * 2 usage or configuration error, 3 startup failure.
 */
import { Command, CommanderError, Option } from 'commander';
import { CONFIG_KEYS, envNameOf, flagNameOf } from '../config/keys';
import { ConfigError } from '../config/load-config';
import { BundleInvalidError } from '../app';
import { runServe } from './serve';
import { runValidate } from './validate';
import { runFmt } from './fmt';
import { PROBLEM_FORMATS, type ProblemFormat } from '../policy/format-problems';
import { runAuditVerify } from './audit-verify';

export const EXIT = { ok: 0, problems: 1, usage: 2, startup: 3 } as const;

function buildProgram(setExit: (code: number) => void): Command {
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
    await runServe({ file: opts.config, env: process.env, flags });
  });

  program
    .command('validate')
    .description('validate a policy bundle (parse, strict schema validation, @id and obligation rules); exit 0 ok, 1 problems, 2 usage')
    .argument('[dir]', 'bundle directory', './policies')
    .addOption(new Option('--format <format>', 'human (file:line:col lines), json (one object on stdout) or github (workflow annotations on stdout)').choices(PROBLEM_FORMATS).default('human'))
    .action(async (dir: string, opts: { format: ProblemFormat }) => {
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
      const result = await runFmt(dir, opts.write === true ? 'write' : 'check');
      if (result.output !== '') process.stdout.write(`${result.output}\n`);
      process.stderr.write(`${result.diagnostics}\n`);
      setExit(result.ok ? EXIT.ok : EXIT.problems);
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
      const result = runAuditVerify(files, opts.publicKey === undefined ? {} : { publicKey: opts.publicKey });
      (result.ok ? process.stdout : process.stderr).write(`${result.output}\n`);
      setExit(result.ok ? EXIT.ok : EXIT.problems);
    });
  return program;
}

function camel(flag: string): string {
  return flag.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

export function runCli(argv: readonly string[]): void {
  let exitCode: number = EXIT.ok;
  const program = buildProgram((code) => {
    exitCode = code;
  });
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
