// The jobs list (polled) and the job page (live from the event stream).
import { download, followStream, get, post } from '../api.js';
import { accuracyChart, lossChart } from '../charts.js';
import { fmtDuration, fmtTime, h, mount, saveBlob, statusBadge } from '../dom.js';

export const TERMINAL = ['succeeded', 'failed', 'cancelled'];
const POLL_MS = 3000;
const MAX_EVENTS_SHOWN = 500; // the newest; the loss curve keeps every point

/** The download formats of GET /v1/fine_tuning/jobs/{id}/adapter, as a <select>. */
export function formatPicker() {
  return h('select', { class: 'format', 'aria-label': 'Download format' }, [
    h('option', { value: 'peft' }, ['PEFT adapter (.tar)']),
    h('option', { value: 'merged' }, ['Merged model, Hugging Face (.tar)']),
    h('option', { value: 'gguf' }, ['Merged model, GGUF f16 (llama.cpp)']),
  ]);
}

export function methodSummary(job) {
  const a = job.adapter || {};
  const type = (a.type || 'lora').toUpperCase().replace('QLORA', 'QLoRA').replace('LORA', 'LoRA');
  const targets = a.target_modules || a.targetModules;
  const dpo = job.method && job.method.type === 'dpo' ? job.method.dpo?.hyperparameters?.beta : undefined;
  return `${type}${a.r ? ` r=${a.r}` : ''}${a.alpha ? ` α=${a.alpha}` : ''}${a.quantization ? ` ${a.quantization}` : ''}`
    + (targets ? ` on ${targets.join(', ')}` : '') + (dpo !== undefined ? `, DPO β=${dpo}` : '');
}

export function jobsView(main) {
  const body = h('tbody', { id: 'jobs-body' });
  const note = h('p', { class: 'muted' });
  mount(main, h('div', { class: 'title-row' }, [h('h1', {}, ['Fine-tuning jobs']),
    h('a', { class: 'button primary', href: '#/new' }, ['New job'])]),
  h('table', { class: 'jobs', id: 'jobs-table' }, [h('thead', {}, [h('tr', {}, ['Job', 'Base model', 'Method', 'Status',
    'Created', 'Fine-tuned model'].map((t) => h('th', {}, [t])))]), body]), note);

  let timer = null;
  let stopped = false;
  async function refresh() {
    try {
      const list = await get('/fine_tuning/jobs?limit=100');
      mount(body, ...list.data.map((j) => h('tr', { 'data-job': j.id }, [
        h('td', {}, [h('a', { href: `#/jobs/${encodeURIComponent(j.id)}` }, [j.id])]),
        h('td', {}, [j.model]),
        h('td', {}, [methodSummary(j)]),
        h('td', {}, [statusBadge(j.status, j.status_detail)]),
        h('td', {}, [fmtTime(j.created_at)]),
        h('td', {}, [j.fine_tuned_model ? h('code', {}, [j.fine_tuned_model]) : '']),
      ])));
      mount(note, list.data.length ? (list.has_more ? 'Showing the newest 100 jobs.' : '')
        : h('span', {}, ['No jobs yet. ', h('a', { href: '#/new' }, ['Start one']), '.']));
    } catch (err) {
      mount(note, h('span', { class: 'error' }, [`Could not list jobs: ${err.message}`]));
    }
    if (!stopped) timer = setTimeout(refresh, POLL_MS);
  }
  refresh();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

export function jobDetailView(main, jobId) {
  const path = `/fine_tuning/jobs/${encodeURIComponent(jobId)}`;
  const series = { train: [], valid: [] };
  // token accuracy of a supervised job; rewards/accuracies (chosen scored above rejected) of a DPO job
  const accuracy = { train: [], valid: [] };
  const seen = new Set();
  let job = null;
  const downloadFormat = formatPicker();
  let latest = null; // the newest metrics event's data
  let totalSteps = 0;
  let stopped = false;
  let pollTimer = null;

  const header = h('div', { class: 'title-row' });
  const facts = h('dl', { class: 'facts' });
  const progressBar = h('progress', { id: 'progress', max: 1, value: 0 });
  const progressText = h('span', { id: 'progress-text', class: 'muted' });
  const chartBox = h('div', { id: 'loss-chart', class: 'chart-box' });
  const accuracyBox = h('div', { id: 'accuracy-chart', class: 'chart-box' });
  const streamState = h('span', { id: 'stream-state', class: 'muted small' });
  const eventsList = h('ol', { id: 'events', class: 'events', reversed: true });
  const checkpointsBody = h('tbody', { id: 'checkpoints-body' });
  const actions = h('div', { class: 'actions' });
  const message = h('div', { 'aria-live': 'polite' });

  mount(main, h('p', {}, [h('a', { href: '#/jobs' }, ['← all jobs'])]), header, message,
    h('section', { class: 'card' }, [facts]),
    h('section', { class: 'card' }, [h('h2', {}, ['Progress ', streamState]), h('div', { class: 'progress-row' },
      [progressBar, progressText]), h('div', { class: 'two' }, [chartBox, accuracyBox])]),
    h('div', { class: 'two' }, [
      h('section', { class: 'card' }, [h('h2', {}, ['Events']), eventsList]),
      h('section', { class: 'card' }, [h('h2', {}, ['Checkpoints']), h('table', { id: 'checkpoints' }, [
        h('thead', {}, [h('tr', {}, ['Step', 'Checkpoint model', 'Metrics', 'Saved'].map((t) => h('th', {}, [t])))]),
        checkpointsBody])]),
    ]));

  let drawQueued = false;
  function draw() {
    if (drawQueued) return;
    drawQueued = true;
    requestAnimationFrame(() => {
      drawQueued = false;
      mount(chartBox, lossChart(series, totalSteps));
      mount(accuracyBox, accuracyChart(accuracy, totalSteps, isDpo() ? 'rewards/accuracies' : 'token accuracy'));
      renderProgress();
    });
  }

  const isDpo = () => (job && job.method && job.method.type === 'dpo')
    || (latest !== null && latest['rewards/accuracies'] !== undefined);

  function renderProgress() {
    const step = latest ? latest.step : 0;
    const total = totalSteps || (latest && latest.total_steps) || 0;
    if (job && job.status === 'succeeded') {
      progressBar.max = 1;
      progressBar.value = 1;
    } else if (total) {
      progressBar.max = total;
      progressBar.value = step;
    }
    const parts = [];
    if (total) parts.push(`step ${step} of ${total} (${Math.floor((100 * step) / total)}%)`);
    if (job && !TERMINAL.includes(job.status)) {
      let eta = null;
      if (job.estimated_finish) eta = job.estimated_finish - Date.now() / 1000;
      if (eta !== null && eta >= 0) parts.push(`about ${fmtDuration(eta)} left (ETA ${new Date(job.estimated_finish * 1000).toLocaleTimeString()})`);
    }
    if (latest && latest.tokens_per_second) parts.push(`${Math.round(latest.tokens_per_second)} tokens/s`);
    if (latest && latest.learning_rate !== undefined) parts.push(`lr ${Number(latest.learning_rate).toExponential(2)}`);
    if (job && job.trained_tokens) parts.push(`${job.trained_tokens} tokens trained`);
    mount(progressText, parts.join(' · '));
  }

  function renderJob() {
    const terminal = TERMINAL.includes(job.status);
    mount(header, h('h1', {}, [job.id]), h('span', { id: 'job-status' }, [statusBadge(job.status, job.status_detail)]));
    const hp = job.hyperparameters || {};
    const rows = [
      ['Base model', job.model],
      ['Method', methodSummary(job)],
      ['Hyperparameters', `${hp.n_epochs} epochs, batch ${hp.batch_size}, learning rate ×${Number(hp.learning_rate_multiplier).toPrecision(3)}`],
      ['Training file', job.training_file],
      job.validation_file ? ['Validation file', job.validation_file] : null,
      ['Seed', String(job.seed)],
      ['Created', fmtTime(job.created_at)],
      job.finished_at ? ['Finished', fmtTime(job.finished_at)] : null,
      job.attempt > 1 ? ['Attempt', `${job.attempt} (resumed from the latest checkpoint)`] : null,
      job.fine_tuned_model ? ['Fine-tuned model', h('code', { id: 'fine-tuned-model' }, [job.fine_tuned_model])] : null,
      job.error ? ['Error', h('span', { class: 'error' }, [`${job.error.code}: ${job.error.message}`])] : null,
    ].filter(Boolean);
    mount(facts, ...rows.flatMap(([k, v]) => [h('dt', {}, [k]), h('dd', {}, [v])]));
    const buttons = [];
    if (!terminal) {
      buttons.push(h('button', { type: 'button', id: 'cancel-job', class: 'danger', onclick: cancel }, ['Cancel job']));
    }
    if (job.status === 'succeeded') {
      buttons.push(downloadFormat, h('button', { type: 'button', id: 'download-adapter', class: 'primary', onclick: downloadAdapter },
        ['Download']),
      h('a', { class: 'button', href: '#/playground' }, ['Try it in the playground']),
      h('a', { class: 'button', href: '#/adapters' }, ['Lineage']));
    }
    mount(actions, ...buttons);
    header.append(actions);
    draw(); // the accuracy chart's title depends on the job's method
  }

  async function cancel() {
    if (!confirm(`Cancel ${job.id}? The trainer stops at its next step.`)) return;
    try {
      job = await post(`${path}/cancel`);
      renderJob();
    } catch (err) {
      mount(message, h('p', { class: 'error', role: 'alert' }, [`Cancel failed: ${err.message}`]));
    }
  }

  async function downloadAdapter() {
    try {
      const file = await download(`${path}/adapter?format=${downloadFormat.value}`);
      saveBlob(file.blob, file.filename);
    } catch (err) {
      mount(message, h('p', { class: 'error', role: 'alert' }, [`Download failed: ${err.message}`]));
    }
  }

  async function loadJob() {
    try {
      job = await get(path);
      renderJob();
    } catch (err) {
      mount(message, h('p', { class: 'error', role: 'alert' }, [err.status === 404 ? `No job ${jobId}.` : err.message]));
      if (err.status === 404) stopped = true;
    }
  }

  async function loadCheckpoints() {
    try {
      const list = await get(`${path}/checkpoints?limit=100`);
      mount(checkpointsBody, ...(list.data.length ? list.data.map((c) => h('tr', {}, [
        h('td', {}, [String(c.step_number)]),
        h('td', {}, [h('code', {}, [c.fine_tuned_model_checkpoint])]),
        h('td', {}, [Object.entries(c.metrics || {}).filter(([k]) => k !== 'step')
          .map(([k, v]) => `${k} ${typeof v === 'number' ? +v.toFixed(4) : v}`).join(', ')]),
        h('td', {}, [fmtTime(c.created_at)]),
      ])) : [h('tr', {}, [h('td', { colspan: 4, class: 'muted' }, ['none yet'])])]));
    } catch (err) {
      mount(checkpointsBody, h('tr', {}, [h('td', { colspan: 4, class: 'error' }, [err.message])]));
    }
  }

  function onEvent(e) {
    const ev = e.data;
    if (!ev || typeof ev !== 'object' || seen.has(ev.id)) return;
    seen.add(ev.id);
    eventsList.prepend(h('li', { class: `level-${ev.level} type-${ev.type}` }, [
      h('time', {}, [new Date(ev.created_at * 1000).toLocaleTimeString()]), ' ', ev.message]));
    while (eventsList.childElementCount > MAX_EVENTS_SHOWN) eventsList.lastElementChild.remove();
    if (ev.type === 'metrics' && ev.data) {
      const d = ev.data;
      if (d.total_steps) totalSteps = d.total_steps;
      if (d.train_loss !== undefined && d.train_loss !== null) series.train.push([d.step, d.train_loss]);
      if (d.valid_loss !== undefined && d.valid_loss !== null) series.valid.push([d.step, d.valid_loss]);
      const trainAcc = d['rewards/accuracies'] ?? d.train_mean_token_accuracy;
      const validAcc = d['valid_rewards/accuracies'] ?? d.valid_mean_token_accuracy;
      if (typeof trainAcc === 'number') accuracy.train.push([d.step, trainAcc]);
      if (typeof validAcc === 'number') accuracy.valid.push([d.step, validAcc]);
      if (!latest || d.step >= latest.step) latest = { ...latest, ...d };
      draw();
    } else {
      if (/checkpoint/i.test(ev.message)) loadCheckpoints();
      loadJob();
    }
  }

  const stopStream = followStream(`${path}/events/stream`, onEvent, {
    onState: (st) => mount(streamState, st === 'live' ? '● live' : st === 'ended' ? '' : st),
    shouldReconnect: async () => {
      await loadJob();
      return !stopped && job && !TERMINAL.includes(job.status);
    },
  });

  // The job's status and ETA also change without an event (dispatch, heartbeats): poll it too.
  async function poll() {
    await loadJob();
    if (!stopped && job && !TERMINAL.includes(job.status)) pollTimer = setTimeout(poll, POLL_MS);
    else if (!stopped) {
      loadCheckpoints();
      draw();
    }
  }
  poll();
  loadCheckpoints();
  draw();

  return () => {
    stopped = true;
    clearTimeout(pollTimer);
    stopStream();
  };
}
