// What phonefleet shows on an employee's phone. A locked phone that says nothing clear gets
// mistaken for a hack (in the story one employee put his in a microwave), so every lock screen
// says who owns the phone, why it is locked, and whom to call or where to bring it; nothing in
// it reads like a threat or a demand for money.

export interface StoreContact {
  companyName: string;
  storeName: string;
  supportPhone: string;
}

export interface PhoneMessage {
  title: string;
  body: string;
}

export function backupInstructions(c: StoreContact, lastWorkingDay: string): PhoneMessage {
  return {
    title: `${c.companyName}: back up your data before ${lastWorkingDay}`,
    body:
      `This phone goes back to ${c.storeName} after your last working day (${lastWorkingDay}) and will be reset. ` +
      `Before then, copy what is yours: photos and files to your own cloud drive, and your CONTACTS ` +
      `(Contacts > Settings > Export), which people most often forget. Questions: ${c.supportPhone}.`,
  };
}

export function returnReminder(c: StoreContact, lastWorkingDay: string, daysBefore: number): PhoneMessage {
  const when = daysBefore === 0 ? 'today, your last working day' : `by ${lastWorkingDay} (in ${daysBefore} day${daysBefore === 1 ? '' : 's'})`;
  return {
    title: `${c.companyName}: hand in this phone and its SIM ${daysBefore === 0 ? 'today' : `in ${daysBefore} day${daysBefore === 1 ? '' : 's'}`}`,
    body: `Please bring this phone and the corporate SIM card to store support at ${c.storeName} ${when}, with your clearance sheet. Questions: ${c.supportPhone}.`,
  };
}

/** The screen of a phone locked because it was not returned (MDM lock and Knox Guard lock). */
export function lockScreen(c: StoreContact, permanent: boolean): { message: string; phoneNumber: string } {
  return {
    message:
      `This phone belongs to ${c.companyName}. It was locked by ${c.companyName} because it was not returned ` +
      `after the end of employment${permanent ? ' and cannot be used again until it is' : ''}. ` +
      `Please bring it to ${c.storeName} or call ${c.supportPhone}: the store will take it back and unlock it. ` +
      `Your personal SIM card can be removed and kept.`,
    phoneNumber: c.supportPhone,
  };
}

export function roleChanged(c: StoreContact, roleName: string, added: string[], removed: string[]): PhoneMessage {
  const parts = [`Your role is now ${roleName}; the apps on this phone were updated.`];
  if (added.length) parts.push(`New: ${added.join(', ')}.`);
  if (removed.length) parts.push(`Removed: ${removed.join(', ')}.`);
  parts.push(`Questions: ${c.supportPhone}.`);
  return { title: `${c.companyName}: your phone was updated for your new role`, body: parts.join(' ') };
}
