// Playground: one prompt, the base model and some of its adapters side by side (one base loaded
// once in inference-service, the adapter switched per request).
import { get, post } from '../api.js';
import { h, mount } from '../dom.js';

export function playgroundView(main) {
  let models = [];
  const base = h('select', { id: 'pg-base', name: 'base' });
  const adapters = h('div', { class: 'checks column', id: 'pg-adapters' });
  const includeBase = h('input', { type: 'checkbox', id: 'pg-include-base', checked: true });
  const system = h('input', { type: 'text', id: 'pg-system', placeholder: 'optional system message' });
  const prompt = h('textarea', { id: 'pg-prompt', rows: 4, required: true, placeholder: 'Ask something…' });
  const maxTokens = h('input', { type: 'number', id: 'pg-max-tokens', value: 48, min: 1, max: 2048 });
  const temperature = h('input', { type: 'number', id: 'pg-temperature', value: 0, min: 0, max: 2, step: 0.1 });
  const run = h('button', { type: 'submit', class: 'primary', id: 'pg-run' }, ['Generate']);
  const outputs = h('div', { class: 'outputs', id: 'pg-outputs' });

  function listAdapters() {
    const mine = models.filter((m) => m.id.startsWith(`ft:${base.value}:`));
    mount(adapters, ...(mine.length ? mine.map((m, i) => h('label', {}, [
      h('input', { type: 'checkbox', value: m.id, checked: i < 3 }), ' ', h('code', {}, [m.id])]))
      : [h('span', { class: 'muted' }, ['No adapters of this base yet.'])]));
  }
  base.addEventListener('change', listAdapters);

  const form = h('form', { class: 'card', id: 'playground-form' }, [
    h('div', { class: 'grid3' }, [
      h('label', { class: 'field' }, [h('span', {}, ['Base model']), base,
        h('label', { class: 'inline' }, [includeBase, ' include the base itself'])]),
      h('div', { class: 'field' }, [h('span', {}, ['Adapters']), adapters]),
      h('div', {}, [h('label', { class: 'field' }, [h('span', {}, ['Max tokens']), maxTokens]),
        h('label', { class: 'field' }, [h('span', {}, ['Temperature']), temperature])]),
    ]),
    h('label', { class: 'field' }, [h('span', {}, ['System']), system]),
    h('label', { class: 'field' }, [h('span', {}, ['Prompt']), prompt]),
    h('div', { class: 'actions' }, [run]),
  ]);

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const chosen = [...(includeBase.checked ? [base.value] : []),
      ...[...adapters.querySelectorAll('input:checked')].map((i) => i.value)];
    if (!chosen.length || !prompt.value.trim()) return;
    const messages = [];
    if (system.value.trim()) messages.push({ role: 'system', content: system.value.trim() });
    messages.push({ role: 'user', content: prompt.value });
    run.disabled = true;
    const columns = chosen.map((model) => {
      const text = h('div', { class: 'completion' }, [h('span', { class: 'spinner' }), ' generating…']);
      const meta = h('div', { class: 'muted small' });
      const col = h('article', { class: 'card output', 'data-model': model }, [
        h('h3', {}, [model === base.value ? 'base' : 'adapter', ' ', h('code', {}, [model])]), text, meta]);
      const started = performance.now();
      const done = post('/chat/completions', { model, messages, max_tokens: Number(maxTokens.value),
        temperature: Number(temperature.value) })
        .then((answer) => {
          col.classList.add('done');
          mount(text, answer.choices[0].message.content || '(empty)');
          const u = answer.usage || {};
          mount(meta, `${((performance.now() - started) / 1000).toFixed(1)} s · ${u.completion_tokens ?? '?'} tokens · `
            + `finish: ${answer.choices[0].finish_reason}`);
        })
        .catch((err) => {
          col.classList.add('done', 'failed');
          mount(text, h('span', { class: 'error' }, [err.message]));
        });
      return { col, done };
    });
    mount(outputs, ...columns.map((c) => c.col));
    await Promise.all(columns.map((c) => c.done));
    run.disabled = false;
  });

  mount(main, h('h1', {}, ['Playground']), form, outputs);
  get('/models').then((list) => {
    models = list.data;
    const bases = models.filter((m) => !m.id.startsWith('ft:'));
    mount(base, ...bases.map((m) => h('option', { value: m.id }, [m.id])));
    listAdapters();
  }).catch((err) => mount(adapters, h('span', { class: 'error' }, [err.message])));
  return null;
}
