/** Reads "HOST:PORT" from an environment variable (the examples all take their listen address this way). */
export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

export function readListenAddress(name: string, fallback: string): ListenAddress {
  const text = process.env[name] ?? fallback;
  const match = /^(.+):(\d{1,5})$/.exec(text);
  const port = Number(match?.[2]);
  if (match === null || match[1] === undefined || !Number.isInteger(port) || port > 65535) {
    throw new Error(`${name} must be HOST:PORT, got ${JSON.stringify(text)}`);
  }
  return { host: match[1], port };
}

/** Prints one JSON line once listening, so a supervisor (or a test) knows the port. */
export function announceListening(service: string, address: { address: string; port: number } | string | null): void {
  const where = typeof address === 'object' && address !== null ? `${address.address}:${address.port}` : String(address);
  process.stdout.write(`${JSON.stringify({ service, listening: where })}\n`);
}

/** Stops on SIGTERM / SIGINT (containers send SIGTERM). */
export function stopOnSignals(close: () => Promise<void>): void {
  const stop = (): void => {
    close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
