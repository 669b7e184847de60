import { Code } from '@mantine/core';
import type { DatabaseDetail } from '../../lib/api.js';

/**
 * How a client connects, as lines to copy into an application's settings; the password only when
 * it was just made (it is shown once) or revealed. Not translated: these are the settings' own names.
 */
export function ConnectionDetails({
  connection,
  password,
}: {
  connection: DatabaseDetail['connection'];
  password?: string | undefined;
}) {
  const lines = [
    `host      ${connection.host}:${connection.port}`,
    ...(connection.socket ? [`socket    ${connection.socket}`] : []),
    `database  ${connection.database}`,
    `user      ${connection.username}`,
    ...(password ? [`password  ${password}`] : []),
  ];
  return (
    <Code block className="mono" data-testid="database-connection">
      {lines.join('\n')}
    </Code>
  );
}
