import type { PinoLogger } from 'nestjs-pino';
import { ServiceLogger, StartupLogger } from './service-logger';

function fakePino() {
  return {
    debug: jest.fn(),
    info: jest.fn(),
    error: jest.fn(),
  };
}

describe('ServiceLogger', () => {
  it("logs Nest's bootstrap lines at debug and the service's own at info", () => {
    const pino = fakePino();
    const logger = new ServiceLogger(pino as unknown as PinoLogger, {});
    logger.log('AppModule dependencies initialized', 'InstanceLoader');
    logger.log('Mapped {/api/v1/sessions, GET} route', 'RouterExplorer');
    logger.log('Applied migration CreateSessions', 'MigrationRunner');

    expect(pino.debug.mock.calls).toEqual([
      [{ context: 'InstanceLoader' }, 'AppModule dependencies initialized'],
      [{ context: 'RouterExplorer' }, 'Mapped {/api/v1/sessions, GET} route'],
    ]);
    expect(pino.info.mock.calls).toEqual([
      [{ context: 'MigrationRunner' }, 'Applied migration CreateSessions'],
    ]);
  });
});

describe('StartupLogger', () => {
  it("drops Nest's copy of a start-up failure until the service listens, and only that", () => {
    const pino = fakePino();
    const logger = new StartupLogger(pino as unknown as PinoLogger, {});
    const failure = new Error('Cannot connect to PostgreSQL at db:5432');
    logger.error(failure, 'ExceptionHandler');
    logger.error('Error: listen EADDRINUSE', 'NestApplication');
    logger.error('something else', 'ProblemDetailsFilter');
    expect(pino.error).toHaveBeenCalledTimes(1);

    logger.starting = false;
    logger.error(failure, 'ExceptionHandler');
    expect(pino.error).toHaveBeenCalledTimes(2);
    expect(pino.error).toHaveBeenLastCalledWith({
      context: 'ExceptionHandler',
      err: failure,
    });
  });
});
