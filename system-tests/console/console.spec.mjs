// End-to-end test of the web console in a real browser: Debian's headless Chromium driven by
// playwright-core. Against a running platform (run.sh starts one, registers the base model and
// creates a tenant with a key) it goes the user's whole path: sign in, upload (a refused file
// first, then drag and drop), submit, watch the loss curve grow, see the job succeed, download the
// adapter, look at its lineage, use the playground; tune the fine-tuned model further with DPO and see its
// rewards/accuracies curve; then cancel another job while it runs. Screenshots go to ./screenshots/.
//
// Env: CONSOLE_URL (job-api's origin), CONSOLE_API_KEY, CONSOLE_BASE_MODEL, CONSOLE_DATASET (a
// JSONL file), CONSOLE_EPOCHS [4], CONSOLE_METHOD [lora; or qlora], CONSOLE_TIMEOUT_S [1500], CHROMIUM [/usr/bin/chromium].
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const env = (name, fallback) => {
  const v = process.env[name] ?? fallback;
  if (v === undefined) throw new Error(`${name} is not set (run.sh sets it)`);
  return v;
};
const BASE = env('CONSOLE_URL').replace(/\/+$/, '');
const KEY = env('CONSOLE_API_KEY');
const MODEL = env('CONSOLE_BASE_MODEL');
const DATASET = env('CONSOLE_DATASET');
const EPOCHS = env('CONSOLE_EPOCHS', '4');
const METHOD = env('CONSOLE_METHOD', 'lora');
const TIMEOUT_MS = Number(env('CONSOLE_TIMEOUT_S', '1500')) * 1000;
const SHOTS = join(HERE, 'screenshots');
const ORIGIN = new URL(BASE).origin;

mkdirSync(SHOTS, { recursive: true });
const started = Date.now();
const log = (msg) => console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s] ${msg}`);
let shotNo = 0;
async function shot(page, name) {
  const file = join(SHOTS, `${String(++shotNo).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  log(`  screenshot ${file.slice(HERE.length + 1)}`);
}

const userDataDir = mkdtempSync(join(tmpdir(), 'loraforge-console-chromium-'));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: env('CHROMIUM', '/usr/bin/chromium'),
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  acceptDownloads: true,
  viewport: { width: 1280, height: 900 },
});
const failures = [];
const foreign = [];
// The console must not reach anything but its own origin: every other request is refused and counted.
await context.route('**/*', (route) => {
  const url = route.request().url();
  if (url.startsWith(ORIGIN + '/') || url === ORIGIN) return route.continue();
  foreign.push(url);
  return route.abort();
});
const page = context.pages()[0] || await context.newPage();
page.on('pageerror', (e) => failures.push(`page error: ${e.message}`));
page.on('console', (m) => { if (m.type() === 'error') log(`  browser console error: ${m.text()}`); });
const v1Urls = [];
page.on('request', (r) => { if (r.url().includes('/v1/')) v1Urls.push(r.url()); });

let ok = false;
try {
  // --- sign in -------------------------------------------------------------------------------
  log(`open ${BASE}/ in ${(await context.browser()?.version()) ?? 'Chromium'}`);
  await page.goto(`${BASE}/`);
  await page.locator('#signin-form').waitFor();
  await page.fill('#api-key', 'lf-not-a-key');
  await page.click('#signin-form button[type=submit]');
  await page.locator('#signin-form .error', { hasText: 'refused' }).waitFor();
  log('a wrong key is refused');
  await shot(page, 'signin-refused');
  await page.fill('#api-key', KEY);
  await page.click('#signin-form button[type=submit]');
  await page.locator('#jobs-table').waitFor();
  assert.equal(await page.evaluate(() => sessionStorage.getItem('loraforge.apiKey')), KEY);
  assert.equal(await page.evaluate(() => localStorage.length), 0, 'nothing in localStorage');
  log('signed in; the key is in sessionStorage only');
  await shot(page, 'jobs-empty');

  // --- upload --------------------------------------------------------------------------------
  await page.click('nav a[data-route=new]');
  await page.locator('#new-job-form').waitFor();
  await page.locator('#model option', { hasText: MODEL }).waitFor({ state: 'attached' });
  const bad = '{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"hello"}]}\n'
    + 'this is not json\n{"prompt":"only a prompt"}\n';
  await page.setInputFiles('#training-input', { name: 'broken.jsonl', mimeType: 'application/jsonl', buffer: Buffer.from(bad) });
  const errorRows = page.locator('#training-status table.line-errors tbody tr');
  await errorRows.first().waitFor();
  const lines = await errorRows.locator('td:first-child').allTextContents();
  assert.ok(lines.includes('2') && lines.includes('3'), `errors for lines 2 and 3, got ${JSON.stringify(lines)}`);
  log(`a broken file is refused line by line: lines ${lines.join(', ')}`);
  await shot(page, 'upload-refused');

  const data = readFileSync(DATASET, 'utf8');
  // Drag and drop: a real DataTransfer with the file, dropped on the zone.
  await page.evaluate(([text, name]) => {
    const dt = new DataTransfer();
    dt.items.add(new File([text], name, { type: 'application/jsonl' }));
    const zone = document.getElementById('training-zone');
    zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
    zone.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, [data, 'pirate.jsonl']);
  const trainingId = await page.locator('#training-status code.file-id').textContent({ timeout: 60000 });
  log(`training file dropped and accepted: ${trainingId}`);
  const validation = data.split('\n').filter(Boolean).slice(0, 6).join('\n') + '\n';
  await page.setInputFiles('#validation-input', { name: 'pirate-val.jsonl', mimeType: 'application/jsonl', buffer: Buffer.from(validation) });
  const validationId = await page.locator('#validation-status code.file-id').textContent({ timeout: 60000 });
  log(`validation file picked and accepted: ${validationId}`);

  // --- submit --------------------------------------------------------------------------------
  await page.selectOption('#model', MODEL);
  await page.selectOption('#method', METHOD);
  assert.equal(await page.inputValue('#r'), '8');
  assert.equal(await page.inputValue('#alpha'), '16');
  await page.fill('#epochs', EPOCHS);
  await page.fill('#lr-multiplier', '10');
  await page.fill('#suffix', 'console');
  await page.fill('#seed', '42');
  // a dry run first: the job measured with the base's tokenizer, nothing created
  await page.click('#dry-run-job');
  const dry = page.locator('#dry-run .dry-run');
  await dry.waitFor({ timeout: 60000 });
  assert.match(await dry.textContent(), /\d+ of \d+ examples, [\d,.]+ tokens an epoch/);
  assert.match(await dry.textContent(), /\d+ steps \(\d+ an epoch\)/);
  log(`dry run: ${(await dry.textContent()).replace(/\s+/g, ' ').slice(0, 160)}`);
  await shot(page, 'new-job');
  await page.click('#submit-job');
  await page.waitForURL(/#\/jobs\/ftjob-/);
  const jobId = decodeURIComponent(page.url().split('#/jobs/')[1]);
  log(`submitted: ${jobId}`);

  // --- watch ---------------------------------------------------------------------------------
  const chart = page.locator('#loss-chart svg.chart');
  const points = async () => Number(await chart.getAttribute('data-train-points'));
  await page.waitForFunction(() => Number(document.querySelector('#loss-chart svg.chart')?.dataset.trainPoints) > 0,
    null, { timeout: TIMEOUT_MS });
  const first = await points();
  log(`the loss curve has its first point(s): ${first}; ${await page.textContent('#progress-text')}`);
  await page.waitForFunction((n) => Number(document.querySelector('#loss-chart svg.chart')?.dataset.trainPoints) > n,
    first, { timeout: TIMEOUT_MS });
  log(`the curve grows while the job runs: ${await points()} points; ${await page.textContent('#progress-text')}`);
  await shot(page, 'job-running');

  await page.locator('#job-status [data-status=succeeded], #job-status [data-status=failed], #job-status [data-status=cancelled]')
    .waitFor({ timeout: TIMEOUT_MS });
  const status = await page.getAttribute('#job-status .badge', 'data-status');
  await page.locator('#checkpoints-body tr code').first().waitFor({ timeout: 30000 }).catch(() => {});
  await shot(page, 'job-ended');
  assert.equal(status, 'succeeded', `the job ended ${status}`);
  const train = await points();
  const valid = Number(await chart.getAttribute('data-valid-points'));
  const checkpoints = await page.locator('#checkpoints-body tr code').count();
  const events = await page.locator('#events li').count();
  log(`succeeded: ${train} training and ${valid} validation loss points, ${checkpoints} checkpoints, ${events} events`);
  assert.ok(valid > 0, 'validation loss points');
  const accuracy = page.locator('#accuracy-chart svg.chart');
  assert.equal(await accuracy.getAttribute('data-metric'), 'token accuracy');
  assert.ok(Number(await accuracy.getAttribute('data-train-points')) > 0, 'token accuracy points');
  assert.ok(checkpoints > 0, 'checkpoints listed');
  assert.ok(await page.locator('#events li', { hasText: 'successfully completed' }).count() === 1);
  const model = (await page.textContent('#fine-tuned-model')).trim();

  // --- download ------------------------------------------------------------------------------
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-adapter')]);
  const tarPath = join(userDataDir, download.suggestedFilename());
  await download.saveAs(tarPath);
  const tar = readFileSync(tarPath);
  assert.equal(tar.subarray(257, 262).toString(), 'ustar', 'a tar archive');
  assert.ok(tar.includes('adapter_config.json') && tar.includes('adapter_model.safetensors'), 'a PEFT directory');
  log(`downloaded ${download.suggestedFilename()} (${tar.length} bytes, a PEFT tar) through a blob: URL`);

  // --- adapters and lineage ------------------------------------------------------------------
  await page.click('nav a[data-route=adapters]');
  const card = page.locator(`article.adapter[data-model="${model}"]`);
  await card.locator('svg.lineage').waitFor({ timeout: 30000 });
  const kinds = await card.locator('svg.lineage g.node').evaluateAll((ns) => ns.map((n) => n.dataset.kind));
  for (const k of ['base_model', 'dataset', 'job', 'adapter', ...(METHOD === 'qlora' ? ['quantized_model'] : [])]) assert.ok(kinds.includes(k), `lineage has a ${k}: ${kinds}`);
  log(`lineage of ${model}: ${kinds.join(', ')}`);
  await shot(page, 'adapters-lineage');
  await card.locator('select.format').selectOption('gguf');
  const [gguf] = await Promise.all([page.waitForEvent('download', { timeout: TIMEOUT_MS }), card.locator('button.download').click()]);
  const ggufPath = join(userDataDir, gguf.suggestedFilename());
  await gguf.saveAs(ggufPath);
  const ggufBytes = readFileSync(ggufPath);
  assert.ok(gguf.suggestedFilename().endsWith('.gguf'), `a .gguf file: ${gguf.suggestedFilename()}`);
  assert.equal(ggufBytes.subarray(0, 4).toString(), 'GGUF', 'GGUF magic');
  assert.equal(ggufBytes.readUInt32LE(4), 3, 'GGUF version 3');
  log(`downloaded ${gguf.suggestedFilename()} (${ggufBytes.length} bytes, GGUF v3, the merged model) from the adapters page`);

  // --- playground ----------------------------------------------------------------------------
  await page.click('nav a[data-route=playground]');
  await page.locator(`#pg-base option[value="${MODEL}"]`).waitFor({ state: 'attached' });
  await page.selectOption('#pg-base', MODEL);
  const box = page.locator(`#pg-adapters input[value="${model}"]`);
  await box.waitFor();
  await box.check();
  await page.fill('#pg-prompt', 'What is your favourite food?');
  await page.fill('#pg-max-tokens', '24');
  await page.click('#pg-run');
  await page.waitForFunction(() => {
    const outs = [...document.querySelectorAll('#pg-outputs article.output')];
    return outs.length >= 2 && outs.every((o) => o.classList.contains('done'));
  }, null, { timeout: 300000 });
  const outputs = await page.locator('#pg-outputs article.output').evaluateAll((os) => os.map((o) => ({
    model: o.dataset.model, failed: o.classList.contains('failed'), text: o.querySelector('.completion').textContent })));
  for (const o of outputs) log(`  ${o.model}: ${JSON.stringify(o.text)}`);
  assert.ok(outputs.every((o) => !o.failed), 'every generation answered');
  assert.deepEqual(outputs.map((o) => o.model).sort(), [MODEL, model].sort());
  await shot(page, 'playground');

  // --- DPO on the fine-tuned model (SFT, then DPO) ---------------------------------------------
  await page.click('nav a[data-route=new]');
  const pairs = Array.from({ length: 8 }, (_, i) => JSON.stringify({
    input: { messages: [{ role: 'user', content: `Tell me about the sea, part ${i + 1}.` }] },
    preferred_output: [{ role: 'assistant', content: `Arr, the sea be wide, matey ${i + 1}!` }],
    non_preferred_output: [{ role: 'assistant', content: 'The sea is a large body of salt water.' }],
  })).join('\n') + '\n';
  await page.setInputFiles('#training-input', { name: 'prefs.jsonl', mimeType: 'application/jsonl', buffer: Buffer.from(pairs) });
  await page.locator('#training-status code.file-id').waitFor({ timeout: 60000 });
  await page.locator(`#model option[value="${model}"]`).waitFor({ state: 'attached' });
  await page.selectOption('#model', model);
  assert.ok(await page.isDisabled('#r'), 'a continued model keeps its rank');
  await page.selectOption('#training-method', 'dpo');
  await page.fill('#beta', '0.2');
  await page.fill('#epochs', '2');
  await page.fill('#lr-multiplier', '10');
  await page.click('#dry-run-job');
  await dry.waitFor({ timeout: 60000 });
  assert.match(await dry.textContent(), /8 of 8 preference pairs/);
  await page.click('#submit-job');
  await page.waitForURL(/#\/jobs\/ftjob-/);
  const dpoJob = decodeURIComponent(page.url().split('#/jobs/')[1]);
  await page.locator('#job-status [data-status=succeeded], #job-status [data-status=failed]').waitFor({ timeout: TIMEOUT_MS });
  assert.equal(await page.getAttribute('#job-status .badge', 'data-status'), 'succeeded', `${dpoJob} succeeded`);
  const rewards = page.locator('#accuracy-chart svg.chart');
  await page.waitForFunction(() => document.querySelector('#accuracy-chart svg.chart')?.dataset.metric === 'rewards/accuracies',
    null, { timeout: 30000 });
  assert.ok(Number(await rewards.getAttribute('data-train-points')) > 0, 'rewards/accuracies points');
  assert.match(await page.textContent('.facts'), /DPO β=0\.2/);
  log(`${dpoJob}: DPO (beta 0.2) on ${model} succeeded; ${await rewards.getAttribute('data-train-points')} rewards/accuracies points`);
  await shot(page, 'dpo-job');

  // --- cancel --------------------------------------------------------------------------------
  await page.click('nav a[data-route=new]');
  await page.setInputFiles('#training-input', { name: 'pirate.jsonl', mimeType: 'application/jsonl', buffer: Buffer.from(data) });
  await page.locator('#training-status code.file-id').waitFor({ timeout: 60000 });
  await page.selectOption('#model', MODEL);
  await page.fill('#epochs', '50');
  await page.click('#submit-job');
  await page.waitForURL(/#\/jobs\/ftjob-/);
  const doomed = decodeURIComponent(page.url().split('#/jobs/')[1]);
  await page.waitForFunction(() => Number(document.querySelector('#loss-chart svg.chart')?.dataset.trainPoints) > 0,
    null, { timeout: TIMEOUT_MS });
  page.once('dialog', (d) => d.accept());
  await page.click('#cancel-job');
  await page.locator('#job-status [data-status=cancelled]').waitFor({ timeout: 120000 });
  await page.locator('#events li', { hasText: 'cancelled' }).first().waitFor({ timeout: 60000 });
  assert.equal(await page.locator('#cancel-job').count(), 0, 'no cancel button on a cancelled job');
  log(`${doomed} (50 epochs) cancelled from its page while running: ${await page.textContent('#progress-text')}`);
  await shot(page, 'job-cancelled');

  // --- the list, and what the browser did ----------------------------------------------------
  await page.click('nav a[data-route=jobs]');
  await page.locator(`#jobs-body tr[data-job="${jobId}"] [data-status=succeeded]`).waitFor();
  await page.locator(`#jobs-body tr[data-job="${doomed}"] [data-status=cancelled]`).waitFor();
  await shot(page, 'jobs');
  assert.ok(v1Urls.every((u) => !u.includes(KEY)), 'the key never appears in a URL');
  assert.deepEqual(foreign, [], 'requests to other origins');
  assert.deepEqual(failures, [], 'page errors');
  log(`ok: ${v1Urls.length} API requests, none to another origin, no page errors`);
  ok = true;
} catch (e) {
  log(`FAILED: ${e.stack || e}`);
  await shot(page, 'failure').catch(() => {});
  if (failures.length) log(`page errors: ${failures.join('\n')}`);
} finally {
  await context.close();
  rmSync(userDataDir, { recursive: true, force: true });
}
process.exit(ok ? 0 : 1);
