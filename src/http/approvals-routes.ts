/**
 * Everything under /approvals on the HTTP port: /approvals/api/* (REST, bearer tokens) and the page.
 * One place catches failures: an unexpected error answers 503 and is logged, never a half-written page.
 */
import type http from 'node:http';
import type { Logger } from '../log/logger';
import { API_PREFIX, handleApprovalsApi, sendError, type ApprovalsApiDeps } from './approvals-api';
import { createApprovalsPage, type ApprovalsPageDeps } from './approvals-page';

export type ApprovalsHandler = (req: http.IncomingMessage, res: http.ServerResponse) => boolean;

export interface ApprovalsRoutesDeps {
  readonly api: ApprovalsApiDeps;
  readonly page: ApprovalsPageDeps;
  readonly log: Logger;
}

export function isApprovalsPath(pathname: string): boolean {
  return pathname === '/approvals' || pathname.startsWith('/approvals/');
}

/** Returns false (and leaves the request alone) for paths outside /approvals. */
export function createApprovalsHandler(deps: ApprovalsRoutesDeps): ApprovalsHandler {
  const page = createApprovalsPage(deps.page);
  return (req, res) => {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://callgate.invalid');
    } catch {
      return false;
    }
    if (!isApprovalsPath(url.pathname)) return false;
    const work = url.pathname.startsWith(API_PREFIX) ? handleApprovalsApi(req, res, url.pathname, deps.api) : page(req, res, url);
    work.catch((err: unknown) => {
      deps.log.error({ err: err instanceof Error ? err.message : String(err), path: url.pathname }, 'approvals request failed');
      if (res.headersSent) return void res.destroy();
      sendError(res, 'ERR_INTERNAL', 'the approvals service failed; try again');
    });
    return true;
  };
}
