import type { Migration } from 'kysely';

import * as settings from './0001-settings.js';
import * as users from './0002-users.js';
import * as auditLog from './0003-audit-log.js';
import * as tasks from './0004-tasks.js';
import * as twoFactor from './0005-two-factor.js';
import * as loginThrottle from './0006-login-throttle.js';
import * as taskOwner from './0007-task-owner.js';
import * as databases from './0008-databases.js';
import * as websites from './0009-websites.js';
import * as websiteCertificates from './0010-website-certificates.js';

/**
 * Every migration, in order. Static imports rather than a directory scan, so the same list works
 * from src/ under tsx and from dist/ after a build. Names sort in the order they must run; never
 * rename or edit one that has shipped: add a new one.
 */
export const migrations: Readonly<Record<string, Migration>> = {
  '0001_settings': settings,
  '0002_users': users,
  '0003_audit_log': auditLog,
  '0004_tasks': tasks,
  '0005_two_factor': twoFactor,
  '0006_login_throttle': loginThrottle,
  '0007_task_owner': taskOwner,
  '0008_databases': databases,
  '0009_websites': websites,
  '0010_website_certificates': websiteCertificates,
};
