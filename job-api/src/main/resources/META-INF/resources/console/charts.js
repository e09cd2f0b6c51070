// The drawings of the console, as inline SVG: a run's curves (loss, accuracy) and the lineage graph.
import { s } from './dom.js';

/** Round tick values spanning [lo, hi]. */
function ticks(lo, hi, count) {
  if (hi <= lo) hi = lo + 1;
  const raw = (hi - lo) / count;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((st) => st >= raw) || raw;
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(+v.toPrecision(12));
  return out;
}

/**
 * The training and validation loss against the step.
 * @param series {train: [[step, loss]], valid: [[step, loss]]}
 * @param totalSteps the x axis ends here (or at the last step seen, if later)
 */
export function lossChart(series, totalSteps) {
  return metricChart(series, totalSteps, { name: 'loss', label: 'Training and validation loss by step' });
}

/**
 * A share in [0, 1] against the step (the y axis from 0 to 1): token accuracy, or a DPO job's rewards/accuracies.
 * @param name the y axis' title
 */
export function accuracyChart(series, totalSteps, name) {
  return metricChart(series, totalSteps, { name, label: `Training and validation ${name} by step`, range: [0, 1],
    waiting: `No ${name} yet…` });
}

/**
 * One metric of a run, training and validation, against the step.
 * @param opts {name (the y axis' title), label (for screen readers), range ([lo, hi], else fitted to the points),
 *   waiting (the text before the first point)}
 */
function metricChart(series, totalSteps, opts) {
  const W = 640, H = 300, L = 56, R = 16, T = 16, B = 40;
  const all = [...series.train, ...series.valid];
  const svg = s('svg', {
    class: 'chart', viewBox: `0 0 ${W} ${H}`, role: 'img',
    'aria-label': opts.label, 'data-metric': opts.name,
    'data-train-points': series.train.length, 'data-valid-points': series.valid.length,
  });
  if (!all.length) {
    svg.append(s('text', { x: W / 2, y: H / 2, 'text-anchor': 'middle', class: 'muted' }, [opts.waiting || 'Waiting for the first step…']));
    return svg;
  }
  const maxStep = Math.max(totalSteps || 0, ...all.map((p) => p[0]), 1);
  let lo, hi;
  if (opts.range) {
    [lo, hi] = opts.range;
  } else {
    lo = Math.min(...all.map((p) => p[1]));
    hi = Math.max(...all.map((p) => p[1]));
    const pad = (hi - lo) * 0.08 || Math.abs(hi) * 0.1 || 0.1;
    lo = Math.max(0, lo - pad);
    hi += pad;
  }
  const x = (step) => L + (step / maxStep) * (W - L - R);
  const y = (v) => T + (1 - (v - lo) / (hi - lo)) * (H - T - B);

  const grid = s('g', { class: 'grid' });
  for (const v of ticks(lo, hi, 5)) {
    if (v < lo || v > hi) continue;
    grid.append(s('line', { x1: L, x2: W - R, y1: y(v), y2: y(v) }),
      s('text', { x: L - 6, y: y(v) + 4, 'text-anchor': 'end' }, [v.toFixed(v < 10 ? 2 : 1)]));
  }
  for (const v of ticks(0, maxStep, 6)) {
    if (v > maxStep || v !== Math.round(v)) continue;
    grid.append(s('line', { x1: x(v), x2: x(v), y1: T, y2: H - B, class: 'v' }),
      s('text', { x: x(v), y: H - B + 16, 'text-anchor': 'middle' }, [String(v)]));
  }
  grid.append(s('text', { x: (L + W - R) / 2, y: H - 4, 'text-anchor': 'middle', class: 'axis-title' }, ['step']),
    s('text', { x: 14, y: (T + H - B) / 2, 'text-anchor': 'middle', class: 'axis-title',
      transform: `rotate(-90 14 ${(T + H - B) / 2})` }, [opts.name]));
  svg.append(grid);

  const line = (points, cls) => {
    const g = s('g', { class: cls });
    if (points.length > 1) {
      g.append(s('polyline', { points: points.map((p) => `${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join(' ') }));
    }
    for (const p of points) {
      g.append(s('circle', { cx: x(p[0]).toFixed(1), cy: y(p[1]).toFixed(1), r: points.length > 60 ? 1.5 : 3 },
        [s('title', {}, [`step ${p[0]}: ${opts.name} ${p[1].toFixed(4)}`])]));
    }
    return g;
  };
  svg.append(line(series.train, 'series train'), line(series.valid, 'series valid'));

  const legend = s('g', { class: 'legend', transform: `translate(${W - R - 170} ${T + 4})` });
  legend.append(s('rect', { x: 0, y: 0, width: 12, height: 3, class: 'train' }),
    s('text', { x: 18, y: 5 }, ['training']),
    s('rect', { x: 84, y: 0, width: 12, height: 3, class: 'valid' }),
    s('text', { x: 102, y: 5 }, ['validation']));
  svg.append(legend);
  return svg;
}

// Columns of the lineage graph, left to right: inputs, derived inputs, the job, what it saved, the adapter.
const COLUMN = { base_model: 0, dataset: 0, quantized_model: 1, job: 2, checkpoint: 3, adapter: 4 };
const LABEL = {
  base_model: 'base model', dataset: 'dataset', quantized_model: 'quantized base',
  checkpoint: 'checkpoint', job: 'job', adapter: 'adapter',
};

function short(text, n) {
  text = text || '';
  return text.length > n ? text.slice(0, n - 1) + '…' : text;
}

let graphs = 0;

/**
 * An adapter's lineage: the artifacts it comes from (artifact-store's ancestors walk) and the job
 * that trained it, drawn left to right with an arrow per edge, labelled with the relation. The
 * job is drawn as a node of its own: the inputs of the job's artifacts (base model, quantized
 * base, datasets) point at the job, and the job at what it produced (the adapter, or the
 * checkpoint the adapter was exported from).
 * @param lineage {root, nodes: [{id, kind, name, digest, job_id}], edges: [{child, parent, relation}]}
 */
export function lineageGraph(lineage) {
  const nodes = lineage.nodes.map((n) => ({ ...n }));
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const root = byId.get(lineage.root);
  const jobId = root && root.job_id;
  const job = jobId ? `job:${jobId}` : null;
  const ofJob = (id) => job && byId.get(id) && byId.get(id).job_id === jobId;
  const edges = [];
  const seen = new Set();
  const add = (from, to, relation) => {
    const key = `${from}|${to}|${relation}`;
    if (!seen.has(key)) {
      seen.add(key);
      edges.push({ from, to, label: relation.replaceAll('_', ' ') });
    }
  };
  for (const e of lineage.edges) {
    if (ofJob(e.child) && !ofJob(e.parent)) add(e.parent, job, e.relation);
    else add(e.parent, e.child, e.relation);
  }
  if (job) {
    nodes.push({ id: job, kind: 'job', name: jobId, digest: '' });
    for (const n of nodes) {
      if (n.id !== job && ofJob(n.id) && !lineage.edges.some((e) => e.child === n.id && ofJob(e.parent))) {
        add(job, n.id, n.kind === 'checkpoint' ? 'saved' : 'produced');
      }
    }
  }
  // A QLoRA job's plain base_model edge says nothing the path base -> quantized base -> job does not.
  const quantizedFrom = new Set(lineage.edges.filter((e) => e.relation === 'quantized_from').map((e) => e.parent));
  const viaQuantized = edges.some((e) => e.to === job && e.label === 'quantized base');
  const shown = edges.filter((e) => !(viaQuantized && e.to === job && e.label === 'base model' && quantizedFrom.has(e.from)));

  // Columns by kind; in the first one datasets above base models; later nodes at the mean height
  // of their parents (so edges run straight where they can), pushed apart to not overlap.
  const BW = 190, BH = 50, GX = 84, GY = 22, P = 12;
  const columns = new Map();
  for (const n of nodes) {
    const c = COLUMN[n.kind] ?? 3;
    if (!columns.has(c)) columns.set(c, []);
    columns.get(c).push(n);
  }
  const used = [...columns.keys()].sort((a, b) => a - b);
  const pos = new Map();
  used.forEach((c, i) => {
    const list = columns.get(c);
    const x = P + i * (BW + GX);
    if (i === 0) {
      list.sort((a, b) => (a.kind === 'dataset' ? 0 : 1) - (b.kind === 'dataset' ? 0 : 1));
      list.forEach((n, j) => pos.set(n.id, { x, y: P + j * (BH + GY) }));
      return;
    }
    const want = (n) => {
      const ys = shown.filter((e) => e.to === n.id && pos.has(e.from)).map((e) => pos.get(e.from).y);
      return ys.length ? ys.reduce((a, b) => a + b, 0) / ys.length : P;
    };
    let next = P;
    list.map((n) => ({ n, y: want(n) })).sort((a, b) => a.y - b.y).forEach(({ n, y }) => {
      const at = Math.max(y, next);
      pos.set(n.id, { x, y: at });
      next = at + BH + GY;
    });
  });
  const W = P * 2 + used.length * BW + (used.length - 1) * GX;
  const H = Math.max(...[...pos.values()].map((p) => p.y)) + BH + P;

  const id = `arrow-${++graphs}`;
  const svg = s('svg', { class: 'lineage', viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: 'img',
    'aria-label': 'Lineage of the adapter', 'data-nodes': nodes.length });
  svg.append(s('defs', {}, [s('marker', { id, viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 7,
    markerHeight: 7, orient: 'auto-start-reverse' }, [s('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: 'arrowhead' })])]));
  for (const e of shown) {
    const a = pos.get(e.from), b = pos.get(e.to);
    if (!a || !b) continue;
    const x1 = a.x + BW, y1 = a.y + BH / 2, x2 = b.x, y2 = b.y + BH / 2;
    const dx = Math.max(30, (x2 - x1) / 2);
    svg.append(s('g', { class: 'edge' }, [
      s('path', { d: `M ${x1} ${y1} C ${x1 + dx} ${y1}, ${x2 - dx} ${y2}, ${x2} ${y2}`, 'marker-end': `url(#${id})` }),
      s('text', { x: (x1 + x2) / 2, y: (y1 + y2) / 2 - 5, 'text-anchor': 'middle' }, [e.label]),
    ]));
  }
  for (const n of nodes) {
    const p = pos.get(n.id);
    svg.append(s('g', { class: `node kind-${n.kind}`, transform: `translate(${p.x} ${p.y})`, 'data-kind': n.kind }, [
      s('title', {}, [`${LABEL[n.kind] || n.kind}: ${n.name || n.id}\n${n.id}${n.digest ? '\n' + n.digest : ''}`]),
      s('rect', { width: BW, height: BH, rx: 8 }),
      s('text', { x: 10, y: 18, class: 'kind' }, [LABEL[n.kind] || n.kind]),
      s('text', { x: 10, y: 36, class: 'name' }, [short(n.name || n.id, 24)]),
    ]));
  }
  return svg;
}
