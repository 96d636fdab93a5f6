/**
 * The docker-compose local mesh without containers (test/deploy/support/start-local-mesh.ts): the example
 * services, Redis and callgate as processes started from docker-compose.yml's commands, environment and
 * mounted configs, behind the Envoy emulation configured from deploy/compose/envoy.yaml. Every walkthrough
 * block of docs/deployment.md is run in one bash session (as a reader types them), with the compose and
 * host addresses rewritten to loopback ports, and its output checked for the doc's expectations.
 */
import { execFile, execFileSync } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './support/compose-file';
import { startLocalMesh, type LocalMesh } from './support/start-local-mesh';
import { readWalkthrough, type WalkthroughBlock } from './support/walkthrough';

jest.setTimeout(120_000);

const GUIDE = path.join(REPO_ROOT, 'docs', 'deployment.md');
const SEPARATOR = '@@walkthrough-block@@';

/** `docker compose run --rm SERVICE cmd…` runs `cmd…` in the service's image, whose workdir is the repo root. */
function withoutDocker(script: string): string {
  return script.replace(/docker compose run --rm [a-z-]+ /g, '');
}

async function runWalkthrough(mesh: LocalMesh, blocks: readonly WalkthroughBlock[]): Promise<string[]> {
  const script = blocks.map((b) => `printf '\\n${SEPARATOR}\\n'\n${mesh.localize(withoutDocker(b.script))}`).join('\n');
  const { stdout } = await promisify(execFile)('bash', ['-c', script], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 90_000, maxBuffer: 10_000_000 });
  return stdout.split(`\n${SEPARATOR}\n`).slice(1);
}

describe('the local mesh walkthrough (docs/deployment.md), without containers', () => {
  let mesh: LocalMesh | undefined;
  const blocks = readWalkthrough(GUIDE);

  beforeAll(async () => {
    // The examples image compiles examples/ the same way (Dockerfile, target examples).
    execFileSync(path.join(REPO_ROOT, 'node_modules', '.bin', 'tsc'), ['-p', 'examples/tsconfig.json'], { cwd: REPO_ROOT });
    mesh = await startLocalMesh();
  });
  afterAll(async () => {
    await mesh?.close();
  });

  it('has the allowed, denied, unauthenticated, masked, redacted, approval and MCP client steps', () => {
    const all = blocks.flatMap((b) => b.expect).join('\n');
    for (const step of ['HTTP/1.1 200', 'HTTP/1.1 403', 'HTTP/1.1 401', '[REDACTED:pan]', 'approval_required', 'tools: ']) expect(all).toContain(step);
    expect(blocks.length).toBeGreaterThanOrEqual(10);
  });

  it('gives every block the output the guide promises', async () => {
    if (mesh === undefined) throw new Error('mesh not started');
    const outputs = await runWalkthrough(mesh, blocks);
    expect(outputs).toHaveLength(blocks.length);
    const problems: string[] = [];
    blocks.forEach((block, i) => {
      const out = outputs[i] ?? '';
      for (const want of block.expect) if (!out.toLowerCase().includes(want.toLowerCase())) problems.push(`line ${block.line}: missing ${JSON.stringify(want)} in:\n${out}`);
      for (const not of block.expectNot) if (out.includes(not)) problems.push(`line ${block.line}: must not show ${JSON.stringify(not)}:\n${out}`);
    });
    if (problems.length > 0) throw new Error(`${problems.join('\n\n')}\n\n${mesh.output().slice(-4000)}`);
  });
});
