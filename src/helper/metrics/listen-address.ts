// metrics-listen values: where the metrics endpoint binds. Numeric addresses only: a host name would need
// a resolver (NSS: DNS, LDAP), and a lookup that hangs must never hold up the helper.
//
//   9877                 loopback, 127.0.0.1:9877 (the default address: nothing leaves the host)
//   127.0.0.1:9877       an IPv4 address
//   [::1]:9877           an IPv6 address, in brackets
//   0.0.0.0:9877         every IPv4 address; [::]:9877 every address (so a remote Prometheus can scrape)
// Port 0 picks a free port; the log line names the one bound.
import { isIPv4, isIPv6 } from 'node:net';
import { SettingsError } from '../../node/config/settings.js';

export interface ListenAddress {
  host: string;
  port: number;
}

export function parseListenAddress(text: string, where: string): ListenAddress {
  const fail = (why: string): never => {
    throw new SettingsError(`${where}: ${why}, got ${JSON.stringify(text)} (e.g. 127.0.0.1:9877, [::1]:9877, or 0.0.0.0:9877 for every address)`);
  };
  const m = /^(?:(?:\[([^\]]*)\]|([^:[\]]*)):)?([0-9]+)$/.exec(text.trim());
  if (!m) return fail('expected ADDRESS:PORT');
  const [, v6, v4, portText] = m;
  const port = Number(portText);
  if (port > 65535) return fail('the port must be between 0 and 65535');
  if (v6 !== undefined) return isIPv6(v6) ? { host: v6, port } : fail(`${JSON.stringify(v6)} is not an IPv6 address`);
  if (v4 === undefined) return { host: '127.0.0.1', port };
  if (v4 === '') return fail('an empty address would mean every address: write 0.0.0.0 or [::] if that is meant');
  return isIPv4(v4) ? { host: v4, port } : fail(`${JSON.stringify(v4)} is not a numeric IPv4 address (host names are not looked up)`);
}

/** "127.0.0.1:9877", "[::1]:9877": as written in the config and the log. */
export function formatListenAddress(a: ListenAddress): string {
  return isIPv6(a.host) ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

/** A metrics-listen value as settings keep it: "" (off), or one that parses. */
export function checkMetricsListen(text: string, where: string): string {
  const value = text.trim();
  if (value !== '') parseListenAddress(value, where);
  return value;
}
