// Which passkeys this browser holds, as the SDK pages last saw them (their ids at Beyond
// Identity, which are no secret). The home page runs no SDK, because its policy forbids
// what the SDK needs, so it reads this note to mark the account's passkeys that are here.
const KEY = 'passkeys-on-this-device';

export function noteDevicePasskeys(ids: string[]): void {
  localStorage.setItem(KEY, JSON.stringify(ids));
}

export function devicePasskeys(): Set<string> {
  try {
    const ids: unknown = JSON.parse(localStorage.getItem(KEY) ?? '[]');
    return new Set(Array.isArray(ids) ? ids.filter((id): id is string => typeof id === 'string') : []);
  } catch {
    return new Set();
  }
}

const DELETED = 'passkeys-of-a-deleted-account';

/** Notes the passkeys of an account just deleted, for /device to forget in this browser. */
export function noteDeletedPasskeys(ids: string[]): void {
  sessionStorage.setItem(DELETED, JSON.stringify(ids));
}

/** The passkeys of a deleted account that this tab noted, if any; taken once. */
export function takeDeletedPasskeys(): Set<string> {
  const raw = sessionStorage.getItem(DELETED);
  sessionStorage.removeItem(DELETED);
  try {
    const ids: unknown = JSON.parse(raw ?? '[]');
    return new Set(Array.isArray(ids) ? ids.filter((id): id is string => typeof id === 'string') : []);
  } catch {
    return new Set();
  }
}
