import { serve } from '../../src/server/main.js';
import { startPrivateWebServers } from '../support/web-servers.js';

/**
 * The browser suite's Diwan: `diwan serve` exactly, except that its websites module works on a
 * private nginx and php-fpm (the same as the websites API tests use), so that the browser can create,
 * change and delete real sites without touching the host's /etc/nginx. Prints the private nginx's
 * port for the tests to visit the sites through it; stops nginx and php-fpm when Diwan stops.
 */
const web = await startPrivateWebServers('diwan-e2e-web-');
process.on('exit', () => web.stop());
process.stdout.write(`Private nginx on port ${web.layout.httpPort}, web root ${web.layout.webRoot}\n`);
await serve({ adjust: (config) => ({ ...config, websites: web.layout }) });
