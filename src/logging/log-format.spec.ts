import { resolveLogFormat } from './log-format';

describe('resolveLogFormat', () => {
  it.each([
    ['development', true, 'pretty'],
    ['development', false, 'json'],
    ['test', true, 'json'],
    ['production', true, 'json'],
  ] as const)(
    'NODE_ENV=%s, stdout a terminal: %s, LOG_FORMAT unset: %s',
    (nodeEnv, tty, format) => {
      expect(resolveLogFormat({ nodeEnv }, tty)).toBe(format);
    },
  );

  it('LOG_FORMAT wins either way', () => {
    expect(
      resolveLogFormat({ nodeEnv: 'development', logFormat: 'json' }, true),
    ).toBe('json');
    expect(
      resolveLogFormat({ nodeEnv: 'production', logFormat: 'pretty' }, false),
    ).toBe('pretty');
  });
});
