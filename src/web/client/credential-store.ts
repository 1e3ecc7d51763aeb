// Where the signed-in credential is kept: in memory and in sessionStorage (this tab only, gone when it
// closes), never in localStorage or a cookie.
const STORAGE_KEY = 'rollcall.dashboard.authorization';

export function storedAuthorization(): string | undefined {
  try {
    return sessionStorage.getItem(STORAGE_KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

export function storeAuthorization(value: string | undefined): void {
  try {
    if (value) sessionStorage.setItem(STORAGE_KEY, value);
    else sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    // Storage disabled: the credential lives in memory only, and a reload asks again.
  }
}
