/** Admission: a bounded count of Checks in evaluation, released exactly once; the rest denied 503 at once. */
import { createCheckAdmission } from '../../../src/authz/admit-check';
import { createMetrics } from '../../../src/metrics/metrics';
import type { CheckResponse } from '../../../src/generated/envoy/service/auth/v3/CheckResponse';

const OK: CheckResponse = { status: { code: 0 } };

function setup(maxInFlight: number) {
  const metrics = createMetrics({ collectProcessMetrics: false });
  let n = 0;
  const admission = createCheckAdmission({ maxInFlight, metrics, newDecisionId: () => `d-${++n}`, nowMs: () => 1_000 });
  const shed = async (cause: string) => (await metrics.checksShed.get()).values.find((v) => v.labels.cause === cause)?.value ?? 0;
  const gauge = async () => (await metrics.inFlight.get()).values[0]?.value ?? 0;
  return { admission, shed, gauge };
}

function held(): { evaluate: () => Promise<CheckResponse>; release: () => void; fail: (e: Error) => void } {
  let release!: () => void;
  let fail!: (e: Error) => void;
  const p = new Promise<CheckResponse>((resolve, reject) => {
    release = () => resolve(OK);
    fail = reject;
  });
  return { evaluate: () => p, release, fail };
}

function reasonOf(res: CheckResponse): string {
  return JSON.parse(String(res.denied_response?.body ?? '{}')).code as string;
}

describe('createCheckAdmission', () => {
  it('denies 503 ERR_SERVICE_OVERLOADED without evaluating once max_in_flight Checks are being evaluated', async () => {
    const { admission, shed, gauge } = setup(2);
    const a = held();
    const b = held();
    const first = admission.admit(Infinity, a.evaluate);
    const second = admission.admit(Infinity, b.evaluate);
    expect(admission.inFlight()).toBe(2);
    expect(await gauge()).toBe(2);
    const evaluate = jest.fn(() => OK);
    const third = admission.admit(Infinity, evaluate);
    expect(third).not.toBeInstanceOf(Promise);
    const denied = third as CheckResponse;
    expect(evaluate).not.toHaveBeenCalled();
    expect(denied.status?.code).not.toBe(0);
    expect(denied.denied_response?.status?.code).toBe(503);
    expect(reasonOf(denied)).toBe('ERR_SERVICE_OVERLOADED');
    expect(await shed('in_flight')).toBe(1);

    a.release();
    await expect(first).resolves.toBe(OK);
    expect(admission.inFlight()).toBe(1);
    await expect(admission.admit(Infinity, () => OK)).resolves.toBe(OK);
    b.fail(new Error('boom'));
    await expect(second).rejects.toThrow('boom');
    expect(admission.inFlight()).toBe(0);
    expect(await gauge()).toBe(0);
  });

  it('releases the slot when evaluation throws synchronously', async () => {
    const { admission } = setup(1);
    await expect(
      admission.admit(Infinity, () => {
        throw new Error('sync');
      }),
    ).rejects.toThrow('sync');
    expect(admission.inFlight()).toBe(0);
    await expect(admission.admit(Infinity, () => OK)).resolves.toBe(OK);
  });

  it('sheds a Check whose deadline has passed, without taking a slot', async () => {
    const { admission, shed } = setup(1);
    const res = admission.admit(999, () => OK) as CheckResponse;
    expect(reasonOf(res)).toBe('ERR_SERVICE_OVERLOADED');
    expect(await shed('deadline')).toBe(1);
    expect(await shed('in_flight')).toBe(0);
    expect(admission.inFlight()).toBe(0);
    await expect(admission.admit(1001, () => OK)).resolves.toBe(OK);
  });
});
