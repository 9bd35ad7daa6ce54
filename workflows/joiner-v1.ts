// The joiner as it ran before each onboarding got its own keys (issue 6), kept verbatim so the
// histories of onboardings started with it still replay: `joiner` runs it for every run without
// the 'joiner-v2' marker. Do not change it; change workflows/joiner.ts.
import { CancellationScope, condition, isCancellation, proxyActivities, setHandler, sleep, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { msToNumber } from '@temporalio/common/lib/time.js';
import type { JoinerActivities } from '../activities/joiner.ts';
import {
  handedOverSignal,
  progressQuery,
  retrySimOwnerRegistrationSignal,
  stockArrivedSignal,
  type Handover,
  type JoinerProgress,
  type JoinerResult,
  type JoinerStage,
} from './joiner-contract.ts';
import type { JoinerInput } from './joiner.ts';
import { Imei, Phase } from './search-attributes.ts';

const systems = proxyActivities<JoinerActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

export async function joinerV1({ employeeId, hire, policy }: JoinerInput): Promise<JoinerResult> {
  const { workflowId } = workflowInfo();
  const progress: JoinerProgress = { employeeId, storeId: hire.storeId, stage: 'recording-hire', since: now(), escalations: [] };
  let stockArrived = false;
  let retryRegistration = false;
  let handover: Handover | undefined;

  setHandler(progressQuery, () => progress);
  setHandler(stockArrivedSignal, () => void (stockArrived = true));
  setHandler(retrySimOwnerRegistrationSignal, () => void (retryRegistration = true));
  setHandler(handedOverSignal, (h) => void (handover ??= h));

  // Index the process for operators only if whoever started it indexed it (the lifecycle does;
  // a server without phonefleet's search attributes, like the time-skipping test server, can't).
  const indexed = workflowInfo().typedSearchAttributes.get(Phase) !== undefined;
  const index = (pairs: Parameters<typeof upsertSearchAttributes>[0]) => indexed && upsertSearchAttributes(pairs);
  const enter = (stage: JoinerStage) => {
    progress.stage = stage;
    progress.since = now();
    index([{ key: Phase, value: stage }]);
  };

  // Undo steps, pushed as each side effect succeeds; run newest first on rescission.
  const compensations: (() => Promise<unknown>)[] = [];

  try {
    const role = await systems.recordHire({ employeeId, ...hire });
    progress.roleCode = role.roleCode;

    enter('awaiting-directory-account');
    const started = Date.now();
    for (;;) {
      const account = await systems.findDirectoryAccount(employeeId);
      if (account) {
        progress.directoryUserId = account.userId;
        break;
      }
      if (!progress.escalations.includes('directory-account-missing') && Date.now() - started >= msToNumber(policy.directoryEscalateAfter)) {
        // Support chases IT for the account; the hire keeps waiting for it, it does not fail.
        await systems.openSupportTask({
          idempotencyKey: `${workflowId}:directory-account-missing`,
          storeId: hire.storeId,
          employeeId,
          kind: 'directory-account-missing',
          summary: `No directory account for employee ${employeeId} since ${new Date(started).toISOString()}; phone enrolment is waiting for it.`,
        });
        progress.escalations.push('directory-account-missing');
      }
      await sleep(policy.directoryPollInterval);
    }

    enter('awaiting-stock');
    let stock;
    for (;;) {
      stock = await systems.reserveDeviceAndSim({ reservationKey: workflowId, employeeId, storeId: hire.storeId });
      if (stock.reserved) break;
      progress.missingStock = stock.missing;
      if (!progress.escalations.includes('out-of-stock')) {
        await systems.notifyCurator({
          idempotencyKey: `${workflowId}:out-of-stock`,
          storeId: hire.storeId,
          kind: 'out-of-stock',
          message: `No ${stock.missing.join(' or ')} in stock for new employee ${employeeId} (starts ${hire.startDate}). Register the delivery in phonefleet and the phone will be prepared at once.`,
        });
        progress.escalations.push('out-of-stock');
      }
      stockArrived = false;
      await condition(() => stockArrived, policy.stockRetryInterval);
    }
    compensations.push(() => systems.releaseReservation({ reservationKey: workflowId, employeeId }));
    const { imei, iccid } = stock;
    progress.imei = imei;
    progress.iccid = iccid;
    progress.missingStock = undefined;
    index([{ key: Imei, value: imei }]);

    enter('registering-sim-owner');
    for (let attempt = 1; ; attempt++) {
      const submitted = await systems.submitSimOwnerRegistration({ employeeId, iccid, idempotencyKey: `${workflowId}:sim-owner:${attempt}` });
      progress.simOwnerRegistration = submitted;
      compensations.push(() => systems.withdrawSimOwnerRegistration({ iccid, registrationId: submitted.registrationId }));
      let decision = submitted;
      while (decision.status === 'PENDING') {
        await sleep(policy.registrationPollInterval);
        decision = await systems.checkSimOwnerRegistration({ iccid, registrationId: submitted.registrationId });
        progress.simOwnerRegistration = decision;
      }
      if (decision.status === 'ACCEPTED') break;
      // Rejected: nothing a retry can fix by itself. Support checks the identity data with HR,
      // then signals a new attempt; meanwhile the device and SIM stay reserved for this hire.
      enter('sim-owner-rejected');
      await systems.openSupportTask({
        idempotencyKey: `${workflowId}:sim-owner-rejected:${attempt}`,
        storeId: hire.storeId,
        employeeId,
        kind: 'sim-owner-registration-rejected',
        summary: `Operator rejected the SIM owner registration for employee ${employeeId} (SIM ${iccid}): ${decision.reason ?? 'no reason given'}. Check the identity data in HR, then retry the registration.`,
      });
      progress.escalations.push(`sim-owner-rejected:${attempt}`);
      retryRegistration = false;
      await condition(() => retryRegistration);
      enter('registering-sim-owner');
    }

    enter('enrolling-device');
    compensations.push(() => systems.unenrolDevice({ imei, employeeId }));
    await systems.enrolDevice({ imei, employeeId, directoryUserId: progress.directoryUserId!, profileId: role.profileId });

    enter('awaiting-handover');
    await systems.notifyCurator({
      idempotencyKey: `${workflowId}:phone-ready`,
      storeId: hire.storeId,
      kind: 'phone-ready',
      message: `Phone ${imei} for ${hire.displayName ?? 'new employee'} (${employeeId}, starts ${hire.startDate}) is ready. Hand it over and confirm in phonefleet.`,
    });
    await condition(() => handover !== undefined);

    const recorded = await systems.recordHandover({ employeeId, imei, iccid, handedOverAt: handover!.at, by: handover!.by });
    progress.handover = { at: handover!.at, day: recorded.handoverDay };
    enter('handed-over');
    return { employeeId, imei, iccid, handedOverAt: handover!.at, handoverDay: recorded.handoverDay, dayOne: recorded.handoverDay <= 1 };
  } catch (err) {
    // Rescinded (cancelled) or failed for good: undo what was done, newest first, even though
    // this scope may be cancelled, then let the cancellation or failure through to the lifecycle.
    const rescinded = isCancellation(err);
    await CancellationScope.nonCancellable(async () => {
      enter(rescinded ? 'rescinding' : 'undoing');
      for (const undo of compensations.reverse()) await undo();
      enter(rescinded ? 'rescinded' : 'failed');
    });
    throw err;
  }
}

function now(): string {
  return new Date().toISOString();
}
