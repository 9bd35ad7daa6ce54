// What phonefleet shows on an employee's phone. A locked phone that says nothing clear gets
// mistaken for a hack (in the story one employee put his in a microwave), so every lock screen
// says who owns the phone, why it is locked, and whom to call or where to bring it; nothing in
// it reads like a threat or a demand for money.

export interface StoreContact {
  companyName: string;
  storeName: string;
  supportPhone: string;
  /** The store's language (Store.language, e.g. "ru"); a language without texts here gets English. */
  language?: string;
}

/** Languages with texts; any other falls back to English. */
export type MessageLanguage = 'ru' | 'en';

export function messageLanguage(language: string | undefined): MessageLanguage {
  return language?.toLowerCase().split(/[-_]/)[0] === 'ru' ? 'ru' : 'en';
}

/**
 * Knox Guard shows at most ~350 characters on its lock screen; the MDM lock screen uses the same
 * text. Longer texts are cut by the vendor, possibly before the phone number.
 */
export const LOCK_TEXT_LIMIT = 350;

export interface PhoneMessage {
  title: string;
  body: string;
}

export function backupInstructions(c: StoreContact, lastWorkingDay: string): PhoneMessage {
  if (messageLanguage(c.language) === 'ru') {
    return {
      title: `${c.companyName}: сохраните свои данные до ${lastWorkingDay}`,
      body:
        `После последнего рабочего дня (${lastWorkingDay}) этот телефон вернётся в ${c.storeName} и будет сброшен. ` +
        `До этого скопируйте своё: фото и файлы в личное облако, а также КОНТАКТЫ ` +
        `(Контакты > Настройки > Экспорт), о них чаще всего забывают. Вопросы: ${c.supportPhone}.`,
    };
  }
  return {
    title: `${c.companyName}: back up your data before ${lastWorkingDay}`,
    body:
      `This phone goes back to ${c.storeName} after your last working day (${lastWorkingDay}) and will be reset. ` +
      `Before then, copy what is yours: photos and files to your own cloud drive, and your CONTACTS ` +
      `(Contacts > Settings > Export), which people most often forget. Questions: ${c.supportPhone}.`,
  };
}

export function returnReminder(c: StoreContact, lastWorkingDay: string, daysBefore: number): PhoneMessage {
  if (messageLanguage(c.language) === 'ru') {
    const inDays = `через ${daysBefore} ${russianDays(daysBefore)}`;
    return {
      title: `${c.companyName}: сдайте этот телефон и SIM-карту ${daysBefore === 0 ? 'сегодня' : inDays}`,
      body:
        `Пожалуйста, принесите этот телефон и корпоративную SIM-карту в поддержку магазина ${c.storeName} ` +
        `${daysBefore === 0 ? 'сегодня, в ваш последний рабочий день' : `до ${lastWorkingDay} (${inDays})`}, с обходным листом. Вопросы: ${c.supportPhone}.`,
    };
  }
  const when = daysBefore === 0 ? 'today, your last working day' : `by ${lastWorkingDay} (in ${daysBefore} day${daysBefore === 1 ? '' : 's'})`;
  return {
    title: `${c.companyName}: hand in this phone and its SIM ${daysBefore === 0 ? 'today' : `in ${daysBefore} day${daysBefore === 1 ? '' : 's'}`}`,
    body: `Please bring this phone and the corporate SIM card to store support at ${c.storeName} ${when}, with your clearance sheet. Questions: ${c.supportPhone}.`,
  };
}

/**
 * The screen of a phone locked because it was not returned (MDM lock and Knox Guard lock): who
 * owns it, why it is locked, where to bring it and whom to call, within LOCK_TEXT_LIMIT. When a
 * long store name would push it over, the optional last sentence goes first, then the store name
 * is shortened; owner, reason and phone number always stay.
 */
export function lockScreen(c: StoreContact, permanent: boolean): { message: string; phoneNumber: string } {
  const ru = messageLanguage(c.language) === 'ru';
  const text = (storeName: string, withSimNote: boolean) =>
    ru
      ? `Этот телефон принадлежит ${c.companyName}. Он заблокирован компанией ${c.companyName}, так как не был возвращён ` +
        `после увольнения${permanent ? ', и не будет работать, пока его не вернут' : ''}. ` +
        `Принесите его в ${storeName} или позвоните ${c.supportPhone}: телефон примут и разблокируют.` +
        (withSimNote ? ' Личную SIM-карту можно вынуть и оставить себе.' : '')
      : `This phone belongs to ${c.companyName}. It was locked by ${c.companyName} because it was not returned ` +
        `after the end of employment${permanent ? ' and cannot be used again until it is' : ''}. ` +
        `Please bring it to ${storeName} or call ${c.supportPhone}: the store will take it back and unlock it.` +
        (withSimNote ? ' Your personal SIM card can be removed and kept.' : '');
  let message = text(c.storeName, true);
  if (message.length > LOCK_TEXT_LIMIT) message = text(c.storeName, false);
  if (message.length > LOCK_TEXT_LIMIT) {
    const room = Math.max(0, c.storeName.length - (message.length - LOCK_TEXT_LIMIT) - 1);
    message = text(`${c.storeName.slice(0, room).trimEnd()}…`, false);
  }
  return { message, phoneNumber: c.supportPhone };
}

/**
 * What a phone shows when it locked itself after OFFLINE_LOCK.days without reaching the network
 * (Knox Guard's offline lock): connecting to any network unlocks it again.
 */
export function offlineLockScreen(c: StoreContact, days: number): { message: string; phoneNumber: string } {
  const ru = messageLanguage(c.language) === 'ru';
  const text = (storeName: string) =>
    ru
      ? `Этот телефон принадлежит ${c.companyName}. Он заблокировался сам, так как ${days} ${russianDays(days)} не выходил в сеть. ` +
        `Подключите его к Wi-Fi или мобильной сети, и блокировка снимется. Если не получается, позвоните ${c.supportPhone} или принесите его в ${storeName}.`
      : `This phone belongs to ${c.companyName}. It locked itself because it has not been online for ${days} days. ` +
        `Connect it to Wi-Fi or a mobile network and it unlocks again. If that fails, call ${c.supportPhone} or bring it to ${storeName}.`;
  let message = text(c.storeName);
  if (message.length > LOCK_TEXT_LIMIT) {
    const room = Math.max(0, c.storeName.length - (message.length - LOCK_TEXT_LIMIT) - 1);
    message = text(`${c.storeName.slice(0, room).trimEnd()}…`);
  }
  return { message, phoneNumber: c.supportPhone };
}

/** 1 день, 2 дня, 5 дней, 21 день. */
function russianDays(n: number): string {
  const mod10 = n % 10;
  const mod100 = n % 100;
  if (mod10 === 1 && mod100 !== 11) return 'день';
  if (mod10 >= 2 && mod10 <= 4 && (mod100 < 12 || mod100 > 14)) return 'дня';
  return 'дней';
}

export function roleChanged(c: StoreContact, roleName: string, added: string[], removed: string[]): PhoneMessage {
  if (messageLanguage(c.language) === 'ru') {
    const parts = [`Ваша роль теперь: ${roleName}; приложения на телефоне обновлены.`];
    if (added.length) parts.push(`Новые: ${added.join(', ')}.`);
    if (removed.length) parts.push(`Удалены: ${removed.join(', ')}.`);
    parts.push(`Вопросы: ${c.supportPhone}.`);
    return { title: `${c.companyName}: телефон обновлён для вашей новой роли`, body: parts.join(' ') };
  }
  const parts = [`Your role is now ${roleName}; the apps on this phone were updated.`];
  if (added.length) parts.push(`New: ${added.join(', ')}.`);
  if (removed.length) parts.push(`Removed: ${removed.join(', ')}.`);
  parts.push(`Questions: ${c.supportPhone}.`);
  return { title: `${c.companyName}: your phone was updated for your new role`, body: parts.join(' ') };
}
