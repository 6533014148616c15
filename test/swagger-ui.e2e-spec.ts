import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { CHROMIUM_PATH, describeWith } from './helpers/requirements';
import { useTestApp } from './helpers/test-app';
import { UUID } from './helpers/constants';
import { tokenFor } from './helpers/tokens';

const SCREENSHOT =
  process.env.SWAGGER_SCREENSHOT ?? join(tmpdir(), 'swagger-ui', 'swagger.png');

async function tryItOut(
  page: Page,
  operationId: string,
  body?: string,
): Promise<{ status: string; body: string }> {
  const operation = page.locator(`#operations-sessions-${operationId}`);
  await operation.locator('.opblock-summary').first().click();
  await operation.locator('button.try-out__btn').click();
  if (body !== undefined) {
    await operation.locator('textarea.body-param__text').fill(body);
  }
  await operation.locator('button.execute').click();
  const live = operation.locator('.live-responses-table .response').first();
  await live.locator('.response-col_status').waitFor();
  return {
    status: (await live.locator('.response-col_status').innerText()).trim(),
    body: (
      await live.locator('.response-col_description pre').first().innerText()
    ).trim(),
  };
}

describeWith(['chromium'], 'Swagger UI in Chromium', () => {
  jest.setTimeout(120_000);
  const t = useTestApp();
  let context: BrowserContext;
  let profile: string;
  let baseUrl: string;

  beforeAll(async () => {
    await t.app.listen(0, '127.0.0.1');
    baseUrl = await t.app.getUrl();
    profile = mkdtempSync(join(tmpdir(), 'chromium-profile-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      viewport: { width: 1280, height: 1200 },
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });
  afterAll(async () => {
    await context?.close();
    if (profile) {
      rmSync(profile, { recursive: true, force: true });
    }
  });

  it('authorises with a bearer token and runs POST /sessions and GET /sessions/active', async () => {
    const page = await context.newPage();
    const external: string[] = [];
    page.on('request', (request) => {
      if (!request.url().startsWith(baseUrl)) {
        external.push(request.url());
      }
    });
    await page.goto(`${baseUrl}/docs`);
    await expect(page.locator('.info .title').innerText()).resolves.toContain(
      'Session service',
    );

    await page.locator('.auth-wrapper button.authorize').click();
    const dialog = page.locator('.modal-ux');
    await dialog.locator('input').first().fill(tokenFor(42));
    await dialog.locator('button.authorize').click();
    await dialog.locator('button', { hasText: 'Logout' }).waitFor();
    await expect(
      dialog.locator('.auth-container').innerText(),
    ).resolves.toMatch(/Authorized/);
    await dialog.locator('button.btn-done').click();

    const created = await tryItOut(
      page,
      'SessionsController_create',
      JSON.stringify({ title: 'From Swagger UI' }),
    );
    expect(created.status).toBe('201');
    const session = JSON.parse(created.body);
    expect(session).toMatchObject({
      title: 'From Swagger UI',
      user_id: 42,
      active: true,
    });

    const active = await tryItOut(page, 'SessionsController_activeSessionId');
    expect(active.status).toBe('200');
    expect(session.id).toMatch(UUID);
    expect(active.body).toBe(JSON.stringify(session.id));

    mkdirSync(dirname(SCREENSHOT), { recursive: true });
    const requestUrl = await page
      .locator('#operations-sessions-SessionsController_create .request-url')
      .boundingBox();
    const top = (requestUrl?.y ?? 0) + (await page.evaluate<number>('scrollY'));
    await page.screenshot({
      path: SCREENSHOT,
      fullPage: true,
      clip: { x: 0, y: Math.max(0, top - 700), width: 1280, height: 1200 },
    });
    expect(external).toEqual([]);
  });
});
