// Adapters: the tenant's succeeded jobs, each with its lineage graph and a download.
import { download, get } from '../api.js';
import { lineageGraph } from '../charts.js';
import { fmtTime, h, mount, saveBlob } from '../dom.js';
import { formatPicker, methodSummary } from './jobs.js';

/** Every succeeded job of the tenant, newest first (walks the cursor pages). */
export async function succeededJobs(maxPages = 20) {
  const out = [];
  let after = null;
  for (let page = 0; page < maxPages; page++) {
    const list = await get(`/fine_tuning/jobs?limit=100${after ? `&after=${encodeURIComponent(after)}` : ''}`);
    out.push(...list.data.filter((j) => j.status === 'succeeded'));
    if (!list.has_more || !list.data.length) break;
    after = list.last_id;
  }
  return out;
}

function adapterCard(job) {
  const graph = h('div', { class: 'lineage-box', 'data-job': job.id }, [h('span', { class: 'spinner' }), ' lineage…']);
  const note = h('span', { class: 'muted small' });
  const format = formatPicker();
  const button = h('button', { type: 'button', class: 'primary download' }, ['Download']);
  button.addEventListener('click', async () => {
    button.disabled = true;
    mount(note, format.value === 'peft' ? 'downloading…' : 'merging and downloading… (the first time takes a while)');
    try {
      const file = await download(`/fine_tuning/jobs/${encodeURIComponent(job.id)}/adapter?format=${format.value}`);
      saveBlob(file.blob, file.filename);
      mount(note, `${file.filename}, ${file.blob.size} bytes`);
    } catch (err) {
      mount(note, h('span', { class: 'error' }, [err.message]));
    }
    button.disabled = false;
  });
  get(`/fine_tuning/jobs/${encodeURIComponent(job.id)}/lineage`)
    .then((lineage) => mount(graph, lineageGraph(lineage)))
    .catch((err) => mount(graph, h('span', { class: 'error' }, [`No lineage: ${err.message}`])));
  return h('article', { class: 'card adapter', 'data-model': job.fine_tuned_model }, [
    h('div', { class: 'title-row' }, [h('h2', {}, [h('code', {}, [job.fine_tuned_model])]), h('div', { class: 'actions' }, [format, button, note])]),
    h('p', { class: 'muted' }, [`${methodSummary(job)} on ${job.model} · job `,
      h('a', { href: `#/jobs/${encodeURIComponent(job.id)}` }, [job.id]),
      ` · finished ${fmtTime(job.finished_at)}`, job.trained_tokens ? ` · ${job.trained_tokens} tokens trained` : '']),
    graph,
  ]);
}

export function adaptersView(main) {
  const list = h('div', { id: 'adapters' }, [h('span', { class: 'spinner' }), ' loading…']);
  mount(main, h('h1', {}, ['Adapters']), h('p', { class: 'muted' }, ['Each adapter is the result of a succeeded job: ',
    'a PEFT directory (adapter_config.json, adapter_model.safetensors), served at once under its fine-tuned model id. ',
    'Download it as the adapter, or merged into its base as a Hugging Face model or one GGUF file for llama.cpp.']), list);
  succeededJobs().then((jobs) => {
    mount(list, ...(jobs.length ? jobs.map(adapterCard)
      : [h('p', {}, ['No adapters yet: they appear when a job succeeds.'])]));
  }).catch((err) => mount(list, h('p', { class: 'error' }, [err.message])));
  return null;
}
