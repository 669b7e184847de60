import { describe, expect, it } from 'vitest';
import { AptOutput, parseAptStatus } from './apt-status.js';

describe('parseAptStatus', () => {
  it('reads download, dpkg and error lines, architectures included', () => {
    expect(parseAptStatus('dlstatus:1:24.4943:Retrieving file 1 of 1')).toEqual({
      kind: 'dlstatus',
      subject: '1',
      percent: 24.4943,
      message: 'Retrieving file 1 of 1',
    });
    expect(parseAptStatus('pmstatus:libc6:amd64:40.0000:Installing libc6 (amd64)')).toMatchObject({
      kind: 'pmstatus',
      subject: 'libc6:amd64',
      percent: 40,
    });
    expect(
      parseAptStatus('pmerror:/var/cache/apt/archives/x.deb:60:trying to overwrite /usr/bin/x'),
    ).toMatchObject({
      kind: 'pmerror',
      message: 'trying to overwrite /usr/bin/x',
    });
  });

  it('leaves ordinary output alone', () => {
    for (const line of [
      'Setting up hello (2.10-3) ...',
      'Get:1 http://deb.debian.org hello 2.10-3',
      'pmstatus: nope',
      '',
    ]) {
      expect(parseAptStatus(line)).toBeNull();
    }
  });
});

describe('AptOutput', () => {
  it('turns status lines into progress that never goes back, and forwards the rest', () => {
    const lines: [string, string][] = [];
    const progress: number[] = [];
    const output = new AptOutput({
      onLine: (stream, line) => lines.push([stream, line]),
      onProgress: (percent) => progress.push(percent),
    });
    for (const line of [
      'The following NEW packages will be installed:',
      'dlstatus:1:0.0000:Retrieving file 1 of 2',
      'dlstatus:1:50.0000:Retrieving file 1 of 2',
      'dlstatus:1:50.2000:Retrieving file 1 of 2',
      'dlstatus:2:100.0000:Retrieving file 2 of 2',
      'pmstatus:dpkg-exec:0.0000:Running dpkg',
      'Unpacking hello (2.10-3) ...',
      'pmstatus:hello:40.0000:Installing hello (amd64)',
      'pmstatus:hello:20.0000:Preparing hello (amd64)',
      'pmerror:hello.deb:60:dpkg: error processing archive',
    ]) {
      output.onLine('stdout', line);
    }
    output.onLine('stderr', 'dlstatus:1:99:on stderr it is just text');
    output.done();
    expect(progress).toEqual([0, 25, 50, 70, 100]);
    expect(lines).toEqual([
      ['stdout', 'The following NEW packages will be installed:'],
      ['stdout', 'Unpacking hello (2.10-3) ...'],
      ['stderr', 'hello.deb: dpkg: error processing archive'],
      ['stderr', 'dlstatus:1:99:on stderr it is just text'],
    ]);
  });
});
