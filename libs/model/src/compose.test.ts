import { describe, expect, it } from 'vitest';
import { parseImage, publishedPorts, variableRefs } from './compose.ts';

describe('compose helpers', () => {
  it('publishedPorts reads short, long, ranged and host-ip forms', () => {
    const ports = publishedPorts({
      services: {
        a: {
          image: 'x:1',
          ports: [
            '8080:80',
            '127.0.0.1:9090:9090',
            '53:53/udp',
            '6000-6001:6000-6001',
            '3000',
            { target: 80, published: 8443, host_ip: '10.0.0.1' },
          ],
        },
      },
    });
    expect(ports.map((p) => `${p.hostIp}:${p.port}/${p.protocol}`)).toEqual([
      '0.0.0.0:8080/tcp',
      '127.0.0.1:9090/tcp',
      '0.0.0.0:53/udp',
      '0.0.0.0:6000/tcp',
      '0.0.0.0:6001/tcp',
      '10.0.0.1:8443/tcp',
    ]);
  });

  it('variableRefs finds ${VAR} with and without defaults, and $VAR, and skips $$', () => {
    expect(variableRefs('a: ${A}\nb: ${B:-x}\nc: $${C}\nd: ${D?required}\ne: ${A-y}\nf: $F/x\ng: $$G\nh: $$$H')).toEqual([
      { name: 'A', hasDefault: true },
      { name: 'B', hasDefault: true },
      { name: 'D', hasDefault: false },
      { name: 'F', hasDefault: false },
      { name: 'H', hasDefault: false },
    ]);
  });

  it('parseImage splits registry ports from tags', () => {
    expect(parseImage('localhost:5000/a/b')).toEqual({ repository: 'localhost:5000/a/b', tag: undefined, digest: undefined });
    expect(parseImage('plexinc/pms-docker:1.41.3.9314-a0bfb8370')).toMatchObject({
      repository: 'plexinc/pms-docker',
      tag: '1.41.3.9314-a0bfb8370',
    });
    expect(parseImage('nginx:1.27@sha256:ff')).toEqual({ repository: 'nginx', tag: '1.27', digest: 'sha256:ff' });
  });
});
