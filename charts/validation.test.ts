// Invalid settings fail at synth with a message that names the setting and echoes
// the value, and CDN_ANALYTICS_* variables override the defaults.

import {
  DEFAULT_SETTINGS,
  SETTINGS_ENV,
  settingsFromEnv,
  type DeploySettings,
} from './settings.js';
import { FULL_SETTINGS, synthObjects } from './synth-helpers.js';

const invalid: [string, Partial<DeploySettings>, RegExp][] = [
  ['empty sources', { sources: [] }, /^sources \[\] is invalid/],
  ['http source', { sources: ['https://bucket/x'] }, /^sources 'https:\/\/bucket\/x' is invalid/],
  ['short bucket', { backupTarget: 's3://ab/' }, /^target 's3:\/\/ab\/' is invalid/],
  ['latest image', { ingestImage: 'cdn-analytics-ingest:latest' }, /^image '.*:latest' is invalid/],
  ['untagged image', { datasetteImage: 'datasette' }, /^image 'datasette' is invalid/],
  ['six-field cron', { ingestSchedule: '0 0 */6 * * *' }, /^schedule '0 0 \*\/6 \* \* \*'/],
  ['cron macro', { backupSchedule: '@daily' }, /^schedule '@daily' is invalid/],
  ['bad region', { region: 'Europe' }, /^region 'Europe' is invalid/],
  ['zero storage', { storageGiB: 0 }, /^storageGiB 0 is invalid/],
  ['fractional storage', { storageGiB: 1.5 }, /^storageGiB 1.5 is invalid/],
  ['upper-case namespace', { namespace: 'Analytics' }, /^namespace 'Analytics' is invalid/],
  ['host with space', { ingressHost: 'a b' }, /^host 'a b' is invalid/],
  [
    'TLS without host',
    { ingressHost: undefined, tlsSecret: 'stats-tls' },
    /^tlsSecret 'stats-tls' requires host/,
  ],
  ['bad secret name', { awsCredentialsSecret: 'AWS_KEYS' }, /^awsCredentialsSecret 'AWS_KEYS'/],
  [
    'bad Datasette secret',
    { datasetteSecrets: { apiTokens: 'Tokens!', passwordHash: 'datasette-login' } },
    /^secretNames 'Tokens!' is invalid/,
  ],
];

describe('chart validation', () => {
  test.each(invalid)('rejects %s', (_case, override, message) => {
    expect(() => synthObjects({ ...FULL_SETTINGS, ...override })).toThrow(message);
  });

  test('accepts the defaults', () => {
    expect(synthObjects(DEFAULT_SETTINGS).length).toBe(7);
  });

  test('accepts every optional feature', () => {
    expect(synthObjects(FULL_SETTINGS).length).toBe(8);
  });
});

describe('settingsFromEnv', () => {
  test('returns the defaults for an empty environment', () => {
    expect(settingsFromEnv({})).toEqual(DEFAULT_SETTINGS);
  });

  test('ignores blank values', () => {
    expect(settingsFromEnv({ [SETTINGS_ENV.namespace]: '  ' }).namespace).toBe('cdn-analytics');
  });

  test('splits comma-separated sources', () => {
    const settings = settingsFromEnv({ [SETTINGS_ENV.sources]: 's3://a-logs/x/, s3://b-logs/' });
    expect(settings.sources).toEqual(['s3://a-logs/x/', 's3://b-logs/']);
  });

  test('parses the storage size', () => {
    expect(settingsFromEnv({ [SETTINGS_ENV.storageGiB]: '50' }).storageGiB).toBe(50);
  });

  test('overrides the Secret names', () => {
    const settings = settingsFromEnv({
      [SETTINGS_ENV.apiTokensSecret]: 'tokens',
      [SETTINGS_ENV.passwordHashSecret]: 'login',
    });
    expect(settings.datasetteSecrets).toEqual({ apiTokens: 'tokens', passwordHash: 'login' });
  });

  test('overrides every plain setting', () => {
    const settings = settingsFromEnv({
      [SETTINGS_ENV.namespace]: 'stats',
      [SETTINGS_ENV.ingestImage]: 'ingest:2',
      [SETTINGS_ENV.datasetteImage]: 'datasette:2',
      [SETTINGS_ENV.ingestSchedule]: '0 * * * *',
      [SETTINGS_ENV.backupSchedule]: '0 1 * * *',
      [SETTINGS_ENV.timeZone]: 'Europe/Berlin',
      [SETTINGS_ENV.region]: 'eu-central-1',
      [SETTINGS_ENV.backupTarget]: 's3://backups/x/',
      [SETTINGS_ENV.awsCredentialsSecret]: 'aws',
      [SETTINGS_ENV.storageClass]: 'gp3',
      [SETTINGS_ENV.ingressHost]: 'stats.example.org',
      [SETTINGS_ENV.tlsSecret]: 'tls',
    });
    expect(settings).toMatchObject({
      namespace: 'stats',
      ingestImage: 'ingest:2',
      datasetteImage: 'datasette:2',
      ingestSchedule: '0 * * * *',
      backupSchedule: '0 1 * * *',
      timeZone: 'Europe/Berlin',
      region: 'eu-central-1',
      backupTarget: 's3://backups/x/',
      awsCredentialsSecret: 'aws',
      storageClass: 'gp3',
      ingressHost: 'stats.example.org',
      tlsSecret: 'tls',
    });
  });
});
