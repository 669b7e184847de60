import type { TFunction } from 'i18next';
import { ApiError } from './api.js';

/**
 * A failure in the user's language: by the field the server named when there is a message for it,
 * else by the stable error code (the server's own message is English and for logs).
 */
export function errorMessage(t: TFunction, error: unknown, scope?: string): string {
  if (error instanceof ApiError) {
    // `domains.1` is about the domains: the whole path first, then its first part.
    const fields = error.field ? [error.field, error.field.split('.')[0]!] : [];
    // A form's own words for a field (`errors.field.database.name`) before the shared ones.
    for (const field of scope ? [...fields.map((name) => `${scope}.${name}`), ...fields] : fields) {
      const byField = t(`errors.field.${field}`, { defaultValue: '' });
      if (byField) return byField;
    }
    return t(`errors.code.${error.code}`);
  }
  return t('errors.code.DIWAN_E_INTERNAL');
}

/**
 * A form's view of a failure: `fieldError(name)` for the input the server named, `other` for a
 * failure no input of the form owns (shown under the form).
 */
export function formErrors(t: TFunction, error: unknown, fields: readonly string[], scope?: string) {
  const fieldError = (field: string): string | undefined =>
    error instanceof ApiError && error.field?.split('.')[0] === field
      ? errorMessage(t, error, scope)
      : undefined;
  const other = error && !fields.some((field) => fieldError(field)) ? errorMessage(t, error, scope) : null;
  return { fieldError, other };
}
