import { describe, expect, it } from 'vitest';
import { backupInstructions, lockScreen, returnReminder, roleChanged } from '../../src/domain/phone-messages.ts';

const contact = { companyName: 'RetailCo', storeName: 'RetailCo Store S001 (Kazan)', supportPhone: '+7 800 555 0101' };
// Words that make a lock screen read like an attack or a ransom demand.
const ALARMING = /hack|ransom|pay|bitcoin|fine|police|virus|encrypt|stolen/i;

describe('messages on the phone', () => {
  for (const permanent of [false, true]) {
    it(`a ${permanent ? 'permanent (Knox Guard)' : 'MDM'} lock screen says who owns the phone, why it is locked and whom to call`, () => {
      const screen = lockScreen(contact, permanent);
      expect(screen.message).toContain('belongs to RetailCo');
      expect(screen.message).toContain('not returned after the end of employment');
      expect(screen.message).toContain('+7 800 555 0101');
      expect(screen.message).toContain('RetailCo Store S001 (Kazan)');
      expect(screen.phoneNumber).toBe('+7 800 555 0101');
      expect(screen.message).not.toMatch(ALARMING);
    });
  }

  it('backup instructions name the contacts explicitly and the last day', () => {
    const m = backupInstructions(contact, '2026-12-10');
    expect(m.body).toContain('CONTACTS');
    expect(m.body).toContain('cloud drive');
    expect(m.title).toContain('2026-12-10');
  });

  it('reminders say where and when to hand in phone and SIM', () => {
    expect(returnReminder(contact, '2026-12-10', 3).body).toContain('RetailCo Store S001 (Kazan) by 2026-12-10 (in 3 days)');
    expect(returnReminder(contact, '2026-12-10', 0).body).toContain('today, your last working day');
    expect(returnReminder(contact, '2026-12-10', 1).title).toContain('in 1 day');
  });

  it('a role change says what was added and removed', () => {
    const m = roleChanged(contact, 'Sales advisor', ['Catalogue'], ['Till']);
    expect(m.body).toContain('New: Catalogue.');
    expect(m.body).toContain('Removed: Till.');
  });
});
