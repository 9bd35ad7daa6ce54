// What is stored of a curator's notice: never the person's name (the curator's view fetches it
// from HR when it is shown), and whom it is about, so that it can be fetched.

export interface StoredNotice {
  idempotencyKey: string;
  storeId: string;
  kind: string;
  message: string;
  employeeId?: string;
}

/**
 * The "phone ready" text of onboardings started before names left the notice (they still run
 * the old code): "Phone <imei> for <name> (<employee id>, starts <date>) is ready. ..."
 */
const NAMED_PHONE_READY = /^Phone (\S+) for .* \(([^,() ]+), starts ([0-9-]+)\) is ready\./;
/** Today's texts: "... for new employee <employee id> (starts <date>) ..." */
const ABOUT_EMPLOYEE = /for new employee (\S+) \(starts /;

/** The notice as it may be stored: the name taken out of the old text, the employee named. */
export function withoutName<T extends StoredNotice>(notice: T): T & { employeeId?: string } {
  const named = NAMED_PHONE_READY.exec(notice.message);
  if (named) {
    const [, imei, employeeId, startDate] = named;
    return {
      ...notice,
      employeeId: notice.employeeId ?? employeeId,
      message: notice.message.replace(NAMED_PHONE_READY, `Phone ${imei} for new employee ${employeeId} (starts ${startDate}) is ready.`),
    };
  }
  const about = notice.employeeId ?? ABOUT_EMPLOYEE.exec(notice.message)?.[1];
  return about ? { ...notice, employeeId: about } : notice;
}
