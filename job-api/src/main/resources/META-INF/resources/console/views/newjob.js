// New job: upload the training (and optional validation) file, choose base model and method, submit.
import { ApiError, get, idempotencyKey, post } from '../api.js';
import { fmtBytes, h, mount } from '../dom.js';

const TARGETS = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'];
const DEFAULT_TARGETS = ['q_proj', 'v_proj'];

/**
 * The per-line errors of a refused upload. job-api answers 400 with one message:
 * "Invalid training file 'x.jsonl': line 3: reason; line 7: reason" (a whole-file problem has no line).
 */
export function lineErrors(message) {
  const body = message.replace(/^Invalid training file '.*?': /s, '');
  return body.split(/; (?=line \d+: )/).map((part) => {
    const m = /^line (\d+): (.*)$/s.exec(part);
    return m ? { line: Number(m[1]), reason: m[2] } : { line: null, reason: part };
  });
}

/** A drop zone + file picker that uploads to /v1/files and reports the file id (or the errors). */
function uploader(id, title, optional, onChange) {
  const input = h('input', { type: 'file', id: `${id}-input`, accept: '.jsonl,.json,.txt,application/jsonl', hidden: true });
  const status = h('div', { class: 'upload-status', id: `${id}-status`, 'aria-live': 'polite' });
  const zone = h('div', { class: 'dropzone', id: `${id}-zone`, tabindex: 0, role: 'button',
    'aria-label': `${title}: drop a JSONL file or choose one` }, [
    h('strong', {}, [title]), optional ? h('span', { class: 'muted' }, [' (optional)']) : null,
    h('p', {}, ['Drop a JSONL file here, or ', h('u', {}, ['choose one']), '.']),
    h('p', { class: 'muted small' }, ['One example per line: {"messages": [...]}, {"prompt", "completion"} or {"text"}.']),
  ]);

  async function upload(file) {
    onChange(null);
    mount(status, h('span', { class: 'spinner' }), ` Uploading and checking ${file.name} (${fmtBytes(file.size)})…`);
    const form = new FormData();
    form.append('purpose', 'fine-tune');
    form.append('file', file, file.name);
    try {
      const uploaded = await post('/files', form);
      mount(status, h('span', { class: 'ok' }, ['✓ ']), `${uploaded.filename} accepted as `,
        h('code', { class: 'file-id' }, [uploaded.id]), ` (${fmtBytes(uploaded.bytes)})`);
      onChange(uploaded);
    } catch (err) {
      if (err instanceof ApiError && err.status === 400) {
        const errors = lineErrors(err.message);
        mount(status, h('div', { class: 'error', role: 'alert' }, [
          h('p', {}, [`${file.name} was refused; nothing was stored. Fix these lines and upload it again:`]),
          h('table', { class: 'line-errors' }, [
            h('thead', {}, [h('tr', {}, [h('th', {}, ['line']), h('th', {}, ['problem'])])]),
            h('tbody', {}, errors.map((e) => h('tr', {}, [h('td', {}, [e.line === null ? 'file' : String(e.line)]),
              h('td', {}, [e.reason])]))),
          ]),
        ]));
      } else {
        mount(status, h('p', { class: 'error', role: 'alert' }, [`Upload failed: ${err.message}`]));
      }
    }
  }

  zone.addEventListener('click', () => input.click());
  zone.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      input.click();
    }
  });
  zone.addEventListener('dragover', (e) => {
    e.preventDefault();
    zone.classList.add('over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    if (e.dataTransfer.files.length) upload(e.dataTransfer.files[0]);
  });
  input.addEventListener('change', () => {
    if (input.files.length) upload(input.files[0]);
    input.value = '';
  });
  return h('div', { class: 'uploader' }, [zone, input, status]);
}

function field(label, control, hint) {
  return h('label', { class: 'field' }, [h('span', {}, [label]), control, hint ? h('small', { class: 'muted' }, [hint]) : null]);
}

function number(id, value, attrs) {
  return h('input', { type: 'number', id, name: id, value, required: true, ...attrs });
}

export function newJobView(main) {
  let training = null;
  let validation = null;
  let key = idempotencyKey(); // one per intended job: a double click or retry creates it once

  const model = h('select', { id: 'model', name: 'model', required: true }, [h('option', { value: '' }, ['loading…'])]);
  const method = h('select', { id: 'method', name: 'method' }, [
    h('option', { value: 'lora' }, ['LoRA']), h('option', { value: 'qlora' }, ['QLoRA (4-bit NF4 base)'])]);
  const quantization = h('select', { id: 'quantization', name: 'quantization' }, [
    h('option', { value: 'nf4-dq' }, ['nf4-dq (double quantization)']), h('option', { value: 'nf4' }, ['nf4']),
    h('option', { value: 'int8' }, ['int8'])]);
  const quantField = field('Quantization', quantization, 'the base is quantized once per model and scheme');
  quantField.hidden = true;
  const r = number('r', 8, { min: 1, max: 256, step: 1 });
  const alpha = number('alpha', 16, { min: 0.001, step: 'any' });
  let alphaTouched = false;
  alpha.addEventListener('input', () => { alphaTouched = true; });
  r.addEventListener('input', () => { if (!alphaTouched && r.value) alpha.value = 2 * Number(r.value); });
  const targets = h('div', { class: 'checks', id: 'target-modules' }, TARGETS.map((t) => h('label', {}, [
    h('input', { type: 'checkbox', name: 'target', value: t, checked: DEFAULT_TARGETS.includes(t) }), ` ${t}`])));
  const epochs = number('epochs', 3, { min: 1, max: 50, step: 1 });
  const batch = number('batch-size', 4, { min: 1, max: 256, step: 1 });
  const lr = number('lr-multiplier', 1, { min: 0.001, max: 100, step: 'any' });
  const suffix = h('input', { type: 'text', id: 'suffix', name: 'suffix', maxlength: 64, pattern: '[A-Za-z0-9_.\\-]*',
    placeholder: 'e.g. support-bot' });
  const seed = h('input', { type: 'number', id: 'seed', name: 'seed', min: 0, step: 1, placeholder: 'random' });
  const submit = h('button', { type: 'submit', class: 'primary', id: 'submit-job', disabled: true }, ['Start fine-tuning']);
  const check = h('button', { type: 'button', id: 'dry-run-job', disabled: true }, ['Check first (dry run)']);
  const estimate = h('div', { id: 'dry-run', 'aria-live': 'polite' });
  const result = h('div', { 'aria-live': 'polite' });

  // OpenAI's method.type: supervised fine-tuning, or DPO on preference pairs (beta in (0, 2])
  const objective = h('select', { id: 'training-method', name: 'training-method' }, [
    h('option', { value: 'supervised' }, ['Supervised (chat, prompt/completion or text)']),
    h('option', { value: 'dpo' }, ['DPO (preference pairs)'])]);
  const beta = number('beta', 0.1, { min: 0.001, max: 2, step: 'any' });
  const betaField = field('Beta', beta, 'DPO: how far from the reference the adapter may move (0.1 is TRL\'s and OpenAI\'s default)');
  betaField.hidden = true;
  objective.addEventListener('change', () => { betaField.hidden = objective.value !== 'dpo'; });
  const shapeHint = h('p', { class: 'muted small', id: 'continue-hint', hidden: true },
    ['This job continues a fine-tuned model: training starts from its adapter, whose rank, alpha and target modules it keeps.']);
  const continuing = () => model.value.startsWith('ft:');

  method.addEventListener('change', () => { quantField.hidden = method.value !== 'qlora'; });
  const ready = () => {
    submit.disabled = !(training && model.value);
    check.disabled = submit.disabled;
    shapeHint.hidden = !continuing();
    [r, alpha, ...targets.querySelectorAll('input')].forEach((c) => { c.disabled = continuing(); });
  };
  model.addEventListener('change', ready);

  const form = h('form', { class: 'card', id: 'new-job-form', novalidate: false }, [
    h('h2', {}, ['1. Data']),
    h('div', { class: 'two' }, [
      uploader('training', 'Training file', false, (f) => { training = f; ready(); }),
      uploader('validation', 'Validation file', true, (f) => { validation = f; }),
    ]),
    h('h2', {}, ['2. Model and method']),
    h('div', { class: 'grid3' }, [field('Model', model, 'a base model, or a fine-tuned one to train further'),
      field('Method', method), quantField]),
    h('div', { class: 'grid3' }, [field('Training method', objective), betaField]),
    h('div', { class: 'grid3' }, [field('Rank r', r, '1-256; the size of A and B'),
      field('Alpha', alpha, 'scaling = alpha / r (default 2r)'),
      field('Target modules', targets)]),
    shapeHint,
    h('h2', {}, ['3. Training']),
    h('div', { class: 'grid3' }, [field('Epochs', epochs), field('Batch size', batch),
      field('Learning rate multiplier', lr, 'times the base rate 2e-4'),
      field('Suffix', suffix, 'part of the fine-tuned model id'), field('Seed', seed, 'same seed, same adapter')]),
    h('div', { class: 'actions' }, [check, submit]),
    estimate,
    result,
  ]);
  [r, alpha, epochs, batch, lr, suffix, seed, method, quantization, targets, objective, beta, model].forEach((c) =>
    c.addEventListener('change', () => { key = idempotencyKey(); }));

  // the job's body from the form, or null (with the reason shown) when the form is not complete
  const jobBody = () => {
    if (!form.reportValidity()) return null;
    const targetModules = [...targets.querySelectorAll('input:checked')].map((i) => i.value);
    if (!targetModules.length && !continuing()) {
      mount(result, h('p', { class: 'error', role: 'alert' }, ['Choose at least one target module.']));
      return null;
    }
    const hyperparameters = { n_epochs: Number(epochs.value), batch_size: Number(batch.value),
      learning_rate_multiplier: Number(lr.value) };
    const body = {
      model: model.value,
      training_file: training.id,
      // a continued model's adapter keeps its shape: only the kind (LoRA or QLoRA) is sent
      adapter: continuing() ? { type: method.value }
        : { type: method.value, r: Number(r.value), alpha: Number(alpha.value), target_modules: targetModules },
    };
    if (objective.value === 'dpo') {
      body.method = { type: 'dpo', dpo: { hyperparameters: { ...hyperparameters, beta: Number(beta.value) } } };
    } else {
      body.method = { type: 'supervised', supervised: { hyperparameters } };
    }
    if (method.value === 'qlora') body.adapter.quantization = quantization.value;
    if (validation) body.validation_file = validation.id;
    if (suffix.value) body.suffix = suffix.value;
    if (seed.value !== '') body.seed = Number(seed.value);
    return body;
  };

  // dry run: the job measured with the base's tokenizer, nothing created
  check.addEventListener('click', async () => {
    const body = jobBody();
    if (!body) return;
    check.disabled = true;
    mount(estimate, h('span', { class: 'spinner' }), ' Checking…');
    try {
      const d = await post('/fine_tuning/jobs', { ...body, dry_run: true });
      const t = d.training;
      const unit = d.method && d.method.type === 'dpo' ? 'preference pairs' : 'examples';
      const duration = d.estimated_duration_seconds == null ? 'no estimate yet (no job on this base has finished)'
        : `about ${formatDuration(d.estimated_duration_seconds)} of training (${Math.round(d.estimate.tokens_per_second)} tokens/s)`;
      mount(estimate, h('div', { class: 'card dry-run' }, [
        h('h3', {}, ['Dry run']),
        h('p', {}, [`${t.examples} of ${t.lines} ${unit}, ${t.tokens.toLocaleString()} tokens an epoch `
          + `(${t.target_tokens.toLocaleString()} trained), at most ${d.seq_len} tokens each.`]),
        h('p', {}, [`${d.total_steps} steps (${d.steps_per_epoch} an epoch), ${d.trained_tokens.toLocaleString()} tokens in all; ${duration}.`]),
        ...d.warnings.map((w) => h('p', { class: 'warning' }, [w])),
      ]));
    } catch (err) {
      mount(estimate, h('p', { class: 'error', role: 'alert' }, [err.param ? `${err.param}: ${err.message}` : err.message]));
    }
    check.disabled = false;
  });

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = jobBody();
    if (!body) return;
    submit.disabled = true;
    mount(result, h('span', { class: 'spinner' }), ' Submitting…');
    try {
      const job = await post('/fine_tuning/jobs', body, { 'Idempotency-Key': key });
      location.hash = `#/jobs/${encodeURIComponent(job.id)}`;
    } catch (err) {
      mount(result, h('p', { class: 'error', role: 'alert' }, [err.param ? `${err.param}: ${err.message}` : err.message]));
      submit.disabled = false;
    }
  });

  mount(main, h('h1', {}, ['New fine-tuning job']), form);

  get('/models').then((list) => {
    const bases = list.data.filter((m) => !m.id.startsWith('ft:'));
    const tuned = list.data.filter((m) => m.id.startsWith('ft:'));
    const option = (m) => h('option', { value: m.id }, [m.id]);
    mount(model, ...(bases.length ? [h('optgroup', { label: 'Base models' }, bases.map(option))]
      : [h('option', { value: '' }, ['no base model registered'])]),
    ...(tuned.length ? [h('optgroup', { label: 'Fine-tuned models (train further)' }, tuned.map(option))] : []));
    ready();
  }).catch((err) => mount(model, h('option', { value: '' }, [`error: ${err.message}`])));
  return null;
}

function formatDuration(seconds) {
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}
