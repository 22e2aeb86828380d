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
