import { describe, expect, it } from 'vitest';
import { backupInstructions, LOCK_TEXT_LIMIT, lockScreen, returnReminder, roleChanged } from '../../src/domain/phone-messages.ts';

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

describe("messages on the phone in the store's language", () => {
  const ru = { ...contact, language: 'ru', storeName: 'RetailCo Казань' };

  it('Russian stores get Russian texts; an unknown language falls back to English', () => {
    expect(backupInstructions(ru, '2026-12-10').body).toContain('КОНТАКТЫ');
    expect(returnReminder(ru, '2026-12-10', 3).body).toContain('RetailCo Казань до 2026-12-10 (через 3 дня)');
    expect(returnReminder(ru, '2026-12-10', 5).title).toContain('через 5 дней');
    expect(returnReminder(ru, '2026-12-10', 1).title).toContain('через 1 день');
    expect(returnReminder(ru, '2026-12-10', 0).body).toContain('сегодня, в ваш последний рабочий день');
    expect(roleChanged(ru, 'Продавец', ['Каталог'], []).body).toContain('Новые: Каталог.');
    expect(lockScreen({ ...contact, language: 'ru-RU' }, false).message).toContain('принадлежит RetailCo');
    expect(lockScreen({ ...contact, language: 'tt' }, false).message).toContain('belongs to RetailCo');
    expect(backupInstructions({ ...contact, language: undefined }, '2026-12-10').body).toContain('CONTACTS');
  });

  for (const language of ['ru', 'en']) {
    for (const permanent of [false, true]) {
      it(`a ${language} ${permanent ? 'permanent' : 'MDM'} lock screen names owner, reason and whom to call within Knox Guard's 350 characters`, () => {
        const screen = lockScreen({ ...contact, language }, permanent);
        expect(screen.message.length).toBeLessThanOrEqual(LOCK_TEXT_LIMIT);
        expect(screen.message).toContain(contact.supportPhone);
        expect(screen.message).toContain(contact.storeName);
        expect(screen.message).toContain(language === 'ru' ? 'не был возвращён после увольнения' : 'not returned after the end of employment');
        expect(screen.message).not.toMatch(ALARMING);
      });

      it(`a ${language} ${permanent ? 'permanent' : 'MDM'} lock screen for a store with a very long name still fits and keeps owner, reason and phone`, () => {
        const long = { companyName: 'RetailCo', storeName: `RetailCo ${'Очень Длинное Название Торгового Центра '.repeat(4)}`, supportPhone: '+7 800 555 0101', language };
        const screen = lockScreen(long, permanent);
        expect(screen.message.length).toBeLessThanOrEqual(LOCK_TEXT_LIMIT);
        expect(screen.message).toContain('+7 800 555 0101');
        expect(screen.message).toContain(language === 'ru' ? 'принадлежит RetailCo' : 'belongs to RetailCo');
        expect(screen.message).toContain(language === 'ru' ? 'не был возвращён' : 'not returned');
        expect(screen.message).toContain('RetailCo Очень'); // the store name is shortened, not dropped
      });
    }
  }
});
