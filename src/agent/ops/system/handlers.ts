import { readFileSync } from 'node:fs';
import type { Handler } from '../../dispatch.js';
import { detectHost } from '../../../server/host/detect.js';

export const ping: Handler = async () => ({ pong: true });

export const info: Handler = async () => ({
  ...detectHost(),
  uptimeSeconds: Math.floor(Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0])),
});
