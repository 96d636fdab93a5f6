/**
 * Envoy's API protos, loaded with protobufjs from @grpc/grpc-js-xds's deps/ (nothing is copied into this
 * repository). Message types are found by full name; a type that is not loaded yet is looked for in the
 * folder its package names (Envoy's, xDS's and googleapis' layout convention: package `a.b.v3` lives in
 * `a/b/v3/*.proto`), and every proto file of that folder is loaded.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as protobuf from 'protobufjs';
import { envoyIncludeDirs } from '../../../src/envoy/protos';

export interface ProtoRegistry {
  /** The message type with this full name (no leading dot), loading its package on demand; undefined if none. */
  findMessage(fullName: string): protobuf.Type | undefined;
  /** The enum with this full name, loading its package on demand; undefined if none. */
  findEnum(fullName: string): protobuf.Enum | undefined;
}

function includeDirs(): string[] {
  // protobufjs bundles google/protobuf/descriptor.proto but does not register it as a built-in.
  return [...envoyIncludeDirs(), path.dirname(require.resolve('protobufjs/package.json'))];
}

function resolveImport(dirs: readonly string[], target: string): string {
  if (path.isAbsolute(target)) return target;
  for (const dir of dirs) {
    const candidate = path.join(dir, target);
    if (fs.existsSync(candidate)) return candidate;
  }
  return target;
}

function protoFilesOfPackage(dirs: readonly string[], pkg: string): string[] {
  const rel = pkg.split('.').join(path.sep);
  const files: string[] = [];
  for (const dir of dirs) {
    const folder = path.join(dir, rel);
    if (!fs.existsSync(folder) || !fs.statSync(folder).isDirectory()) continue;
    for (const name of fs.readdirSync(folder).sort()) {
      if (name.endsWith('.proto')) files.push(path.join(folder, name));
    }
  }
  return files;
}

function lookupKind<T extends protobuf.ReflectionObject>(
  root: protobuf.Root,
  fullName: string,
  ctor: abstract new (...args: never[]) => T,
): T | undefined {
  const found = root.lookup(fullName.replace(/^\./, ''));
  return found instanceof ctor ? found : undefined;
}

/** Loads `rootFiles` (paths relative to the include dirs) and returns a registry over them. */
export function createProtoRegistry(rootFiles: readonly string[]): ProtoRegistry {
  const dirs = includeDirs();
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => resolveImport(dirs, target);
  root.loadSync([...rootFiles], { keepCase: true });
  root.resolveAll();
  const triedPackages = new Set<string>();

  function loadPackageOf(fullName: string): boolean {
    const parts = fullName.replace(/^\./, '').split('.');
    // Try the longest package prefix first: nested messages have more dots than their package.
    for (let n = parts.length - 1; n > 0; n--) {
      const pkg = parts.slice(0, n).join('.');
      if (triedPackages.has(pkg)) continue;
      triedPackages.add(pkg);
      const files = protoFilesOfPackage(dirs, pkg);
      if (files.length === 0) continue;
      root.loadSync(files, { keepCase: true });
      root.resolveAll();
      return true;
    }
    return false;
  }

  function find<T extends protobuf.ReflectionObject>(fullName: string, ctor: abstract new (...args: never[]) => T): T | undefined {
    const hit = lookupKind(root, fullName, ctor);
    if (hit !== undefined) return hit;
    while (loadPackageOf(fullName)) {
      const loaded = lookupKind(root, fullName, ctor);
      if (loaded !== undefined) return loaded;
    }
    return undefined;
  }

  return {
    findMessage: (fullName) => find(fullName, protobuf.Type),
    findEnum: (fullName) => find(fullName, protobuf.Enum),
  };
}

/** The registry for Envoy bootstrap configs. */
export function createBootstrapRegistry(): ProtoRegistry {
  return createProtoRegistry(['envoy/config/bootstrap/v3/bootstrap.proto']);
}
